// ex05_softmax.cpp — visible checks of exercise 5: row-wise softmax and the softmax
// cross-entropy loss, forward and backward, on the reference backend through the ops API.
//
// Expected values: PyTorch (torch.softmax, F.cross_entropy with reduction "mean" — cnnlab's loss
// is the mean over the batch — and autograd; exercises/tools/data_layers.py) and mathematical
// facts (softmax rows sum to 1; dL/dlogits = (softmax − onehot)/N, so each row sums to 0).
#include "check.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/ops/ops.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace {

using namespace cnnlab;
using namespace cnnlab::grade;

/// Fails unless each row of the [N, D] matrix @p m sums to @p want (within 1e-5).
void expect_row_sums(const std::string& what, const Tensor& m, float want) {
  const std::vector<float> v = m.to_vector();
  const int64_t N = m.dim(0), D = m.dim(1);
  for (int64_t n = 0; n < N; ++n) {
    double sum = 0;
    for (int64_t j = 0; j < D; ++j) sum += v[static_cast<size_t>(n * D + j)];
    expect_true(std::abs(sum - want) <= 1e-5, what + ": row " + std::to_string(n) + " sums to " +
                                                  std::to_string(sum) + ", not " +
                                                  std::to_string(want));
  }
}

}  // namespace

GRADE_CHECK(5, "softmax of [4x5] logits matches torch.softmax and each row sums to 1") {
  const Tensor y = softmax_forward(golden("ex05/small_x"));
  expect_close("softmax(x)", y, golden("ex05/small_y"));
  expect_row_sums("softmax(x)", y, 1.0f);
}

GRADE_CHECK(5, "softmax backward (from the output y and dL/dy) matches PyTorch's autograd") {
  const Tensor dx = softmax_backward(golden("ex05/small_y"), golden("ex05/small_dy"));
  expect_close("dL/dx", dx, golden("ex05/small_dx"));
}

GRADE_CHECK(5, "cross-entropy loss of [4x5] logits is F.cross_entropy's mean over the batch") {
  const Tensor loss =
      softmax_cross_entropy_forward(golden("ex05/small_x"), golden("ex05/small_labels"));
  expect_close("loss", loss, golden("ex05/small_loss"));
}

GRADE_CHECK(5, "cross-entropy gradient is (softmax - onehot)/N, as PyTorch's autograd gives") {
  const Tensor d =
      softmax_cross_entropy_backward(golden("ex05/small_x"), golden("ex05/small_labels"));
  expect_close("dL/dlogits", d, golden("ex05/small_dlogits"));
  expect_row_sums("dL/dlogits", d, 0.0f);
}

GRADE_CHECK(5, "the cross-entropy gradient scales with dloss (dloss = 0.5, N = 5, D = 3)") {
  const Tensor d =
      softmax_cross_entropy_backward(golden("ex05/dloss_x"), golden("ex05/dloss_labels"), 0.5f);
  expect_close("dL/dlogits", d, golden("ex05/dloss_dlogits"));
}

GRADE_CHECK(5, "logits around +-1000: softmax, loss and gradient are finite and match PyTorch") {
  const Tensor x = golden("ex05/large_x"), labels = golden("ex05/large_labels");
  const Tensor y = softmax_forward(x);
  expect_finite("softmax(x)", y.to_vector(), y.shape());
  expect_close("softmax(x)", y, golden("ex05/large_y"));
  expect_row_sums("softmax(x)", y, 1.0f);
  const Tensor loss = softmax_cross_entropy_forward(x, labels);
  expect_finite("loss", loss.to_vector(), loss.shape());
  expect_close("loss", loss, golden("ex05/large_loss"));
  const Tensor d = softmax_cross_entropy_backward(x, labels);
  expect_finite("dL/dlogits", d.to_vector(), d.shape());
  expect_close("dL/dlogits", d, golden("ex05/large_dlogits"));
}
