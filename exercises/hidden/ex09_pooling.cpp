// ex09_pooling.cpp (hidden) — instructor-only checks of exercise 9, max and average pooling: ceil
// mode (with and without padding), stride-1 windows, a non-square input, a batch with channels.
//
// Expected values: PyTorch (exercises/hidden/data_layers.py) and mathematical facts.
#include "check.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/ops/ops.hpp>

#include <string>

namespace {

using namespace cnnlab;
using namespace cnnlab::grade;

void pool_case(const std::string& n, const Pool2dParams& p) {
  const Tensor x = golden(n + "_x");
  expect_close("max pool y", maxpool2d_forward(x, p), golden(n + "_max_y"));
  expect_close("max pool dL/dx", maxpool2d_backward(x, golden(n + "_max_dy"), p),
               golden(n + "_max_dx"));
  expect_close("avg pool y", avgpool2d_forward(x, p), golden(n + "_avg_y"));
  expect_close("avg pool dL/dx", avgpool2d_backward(golden(n + "_avg_dy"), x.shape(), p),
               golden(n + "_avg_dx"));
}

}  // namespace

GRADE_HIDDEN_CHECK(9, "hidden: 2x2 stride 2 in ceil mode on 7x7 (4x4 out, short last windows)") {
  pool_case("ex09/h_ceil", {.kernel = 2, .stride = 2, .padding = 0, .size_rule = SizeRule::ceil});
}
GRADE_HIDDEN_CHECK(9, "hidden: 3x3 stride 2 padding 1 in ceil mode on [2,1,8,9]") {
  pool_case("ex09/h_ceilpad",
            {.kernel = 3, .stride = 2, .padding = 1, .size_rule = SizeRule::ceil});
}
GRADE_HIDDEN_CHECK(9, "hidden: 2x2 windows with stride 1 (each input in up to 4 windows)") {
  pool_case("ex09/h_stride1",
            {.kernel = 2, .stride = 1, .padding = 0, .size_rule = SizeRule::floor});
}
GRADE_HIDDEN_CHECK(9, "hidden: 3x3 stride 3 on a non-square 5x11 input") {
  pool_case("ex09/h_rect", {.kernel = 3, .stride = 3, .padding = 0, .size_rule = SizeRule::floor});
}
GRADE_HIDDEN_CHECK(9, "hidden: a batch of 3 images with 4 channels, 2x2 stride 2") {
  pool_case("ex09/h_batch", {.kernel = 2, .stride = 2, .padding = 0, .size_rule = SizeRule::floor});
}
