// ex11_im2col.cpp (hidden) — instructor-only checks of exercise 11: im2col, matmul and the
// im2col + GEMM convolution on other shapes, compared with PyTorch's unfold, a @ b and conv2d
// (exercises/hidden/data_conv.py).
#include "../checks/conv_case.hpp"
#include "../grader/check.hpp"

#include <cnnlab/ops/im2col.hpp>

#include <string>
#include <vector>

using namespace cnnlab;
using namespace cnnlab::grade;

namespace {
void check_hidden_unfold(const std::string& name) { expect_im2col_case("ex11/" + name); }
void check_hidden_matmul(const std::string& name, int64_t M, int64_t K, int64_t N) {
  const Tensor a = golden("ex11/" + name + "_a"), b = golden("ex11/" + name + "_b");
  std::vector<float> c(size_t(M * N), -4321.0f);  // poisoned
  lowering::matmul(a.data(), b.data(), c.data(), M, K, N);
  expect_close("matmul " + std::to_string(M) + "x" + std::to_string(K) + " @ " + std::to_string(K) +
                   "x" + std::to_string(N),
               c, golden("ex11/" + name + "_c").to_vector(), {M, N});
}
void check_hidden_conv(const std::string& name, bool bias) {
  expect_conv_forward_case("ex11/" + name, bias, "conv2d_forward_im2col", conv2d_forward_im2col);
}
}  // namespace

GRADE_HIDDEN_CHECK(11, "hidden: im2col with a 2x3 filter, stride 3, padding 1 on 9x10") {
  check_hidden_unfold("h_nonsquare_s3");
}
GRADE_HIDDEN_CHECK(11, "hidden: im2col with a 1x1 filter is the input, reshaped") {
  check_hidden_unfold("h_unfold_1x1");
}
GRADE_HIDDEN_CHECK(11, "hidden: matmul of a single row and of a single column") {
  check_hidden_matmul("h_matmul_row", 1, 9, 4);
  check_hidden_matmul("h_matmul_col", 6, 5, 1);
}
GRADE_HIDDEN_CHECK(11,
                   "hidden: conv via im2col with stride, padding, dilation and groups at once") {
  check_hidden_conv("h_everything", true);
}
GRADE_HIDDEN_CHECK(11, "hidden: conv via im2col, batch of 3, a 3x1 filter, no bias") {
  check_hidden_conv("h_batch3", false);
}
GRADE_HIDDEN_CHECK(11, "hidden: conv via im2col with 1x1 filters") {
  check_hidden_conv("h_1x1", true);
}
