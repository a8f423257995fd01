// ex09_pooling.cpp — visible checks of exercise 9: max and average pooling, forward and backward,
// on the reference backend through the ops API (maxpool2d_*, avgpool2d_*).
//
// Expected values: the lecture's max-pooling example (seed 001, "MAX POOLING": a 4×4 depth slice,
// 2×2 filters, stride 2, and the indicator-function gradient 1(X = Y)·dL/dY) and PyTorch
// (F.max_pool2d, F.avg_pool2d with count_include_pad, and autograd;
// exercises/tools/data_layers.py).
#include "check.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/ops/ops.hpp>

#include <string>
#include <vector>

namespace {

using namespace cnnlab;
using namespace cnnlab::grade;

Tensor exact(const Shape& shape, const std::vector<float>& values) {
  return Tensor::from_vector(shape, values, reference_backend());
}

// The lecture's single depth slice (seed 001).
Tensor slide_x() {
  return exact({1, 1, 4, 4}, {1, 1, 2, 4,  //
                              5, 6, 7, 8,  //
                              3, 2, 1, 0,  //
                              1, 2, 3, 4});
}

/// Max and average pooling of data case @p name with @p p, forward and backward, vs PyTorch.
void check_case(const std::string& name, const Pool2dParams& p, bool max, bool avg) {
  const Tensor x = golden(name + "_x");
  if (max) {
    expect_close("max pool y", maxpool2d_forward(x, p), golden(name + "_max_y"));
    expect_close("max pool dL/dx", maxpool2d_backward(x, golden(name + "_max_dy"), p),
                 golden(name + "_max_dx"));
  }
  if (avg) {
    expect_close("avg pool y", avgpool2d_forward(x, p), golden(name + "_avg_y"));
    expect_close("avg pool dL/dx", avgpool2d_backward(golden(name + "_avg_dy"), x.shape(), p),
                 golden(name + "_avg_dx"));
  }
}

}  // namespace

GRADE_CHECK(9, "2x2 max pool, stride 2, of the lecture's 4x4 slice gives [[6,8],[3,4]] exactly") {
  const Tensor y = maxpool2d_forward(
      slide_x(), {.kernel = 2, .stride = 2, .padding = 0, .size_rule = SizeRule::floor});
  expect_close("y", y, exact({1, 1, 2, 2}, {6, 8, 3, 4}), {0, 0});
}

GRADE_CHECK(9, "the max-pool gradient goes to each window's maximum only (lecture's 4x4 slice)") {
  // dL/dX = 1(X = Y)·dL/dY: 6 at (1,1), 8 at (1,3), 3 at (2,0), 4 at (3,3).
  const Tensor dy = exact({1, 1, 2, 2}, {10, 20, 30, 40});
  const Tensor dx = maxpool2d_backward(
      slide_x(), dy, {.kernel = 2, .stride = 2, .padding = 0, .size_rule = SizeRule::floor});
  expect_close("dL/dx", dx,
               exact({1, 1, 4, 4}, {0, 0, 0, 0, 0, 10, 0, 20, 30, 0, 0, 0, 0, 0, 0, 40}), {0, 0});
}

GRADE_CHECK(9,
            "ties: the first maximum in row-major order gets the whole gradient, as in PyTorch") {
  check_case("ex09/ties", {.kernel = 2, .stride = 2, .padding = 0, .size_rule = SizeRule::floor},
             true, false);
}

GRADE_CHECK(
    9, "2x2 max and average pooling, stride 2, of [2,1,4,6] match PyTorch (forward, backward)") {
  check_case("ex09/plain", {.kernel = 2, .stride = 2, .padding = 0, .size_rule = SizeRule::floor},
             true, true);
}

GRADE_CHECK(9,
            "overlapping 3x3 windows, stride 2 (AlexNet), on [2,2,7,7] match PyTorch (max, avg)") {
  check_case("ex09/overlap", {.kernel = 3, .stride = 2, .padding = 0, .size_rule = SizeRule::floor},
             true, true);
}

GRADE_CHECK(9,
            "3x3 windows, stride 2, padding 1 on [1,3,6,5] match PyTorch (padding never wins; avg "
            "counts it)") {
  check_case("ex09/pad", {.kernel = 3, .stride = 2, .padding = 1, .size_rule = SizeRule::floor},
             true, true);
}
