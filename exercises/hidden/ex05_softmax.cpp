// ex05_softmax.cpp (hidden) — instructor-only checks of exercise 5, softmax and cross-entropy: one
// row, rows of equal logits, one class dominating, logits near 3000, a wide [9x31] batch with dloss
// = 2.5.
//
// Expected values: PyTorch (exercises/hidden/data_layers.py) and mathematical facts.
#include "check.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/ops/ops.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace {

using namespace cnnlab;
using namespace cnnlab::grade;

Tensor exact(const Shape& shape, const std::vector<float>& values) {
  return Tensor::from_vector(shape, values, reference_backend());
}

void softmax_case(const std::string& n, float dloss = 1.0f) {
  const Tensor x = golden(n + "_x"), labels = golden(n + "_labels");
  const Tensor y = softmax_forward(x);
  expect_finite("softmax(x)", y.to_vector(), y.shape());
  expect_close("softmax(x)", y, golden(n + "_y"));
  expect_close("softmax dL/dx", softmax_backward(golden(n + "_y"), golden(n + "_dy")),
               golden(n + "_dx"));
  const Tensor loss = softmax_cross_entropy_forward(x, labels);
  expect_finite("loss", loss.to_vector(), loss.shape());
  expect_close("loss", loss, golden(n + "_loss"));
  expect_close("dL/dlogits", softmax_cross_entropy_backward(x, labels, dloss),
               golden(n + "_dlogits"));
}

}  // namespace

GRADE_HIDDEN_CHECK(5, "hidden: one row of 10 classes") { softmax_case("ex05/h_one"); }
GRADE_HIDDEN_CHECK(5, "hidden: rows of equal logits (3, 0, -1000) give 1/D and loss log D") {
  softmax_case("ex05/h_equal");
  const Tensor loss =
      softmax_cross_entropy_forward(golden("ex05/h_equal_x"), golden("ex05/h_equal_labels"));
  expect_close("loss = log 4", loss, exact({1}, {std::log(4.0f)}));
}
GRADE_HIDDEN_CHECK(5, "hidden: one class dominating by 500 to 1000") {
  softmax_case("ex05/h_dominant");
}
GRADE_HIDDEN_CHECK(5, "hidden: logits near 3000 (a large common offset)") {
  softmax_case("ex05/h_offset");
}
GRADE_HIDDEN_CHECK(5, "hidden: [9x31] logits with dloss = 2.5") {
  softmax_case("ex05/h_wide", 2.5f);
}
