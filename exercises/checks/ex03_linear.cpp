// ex03_linear.cpp — visible checks of exercise 3: the linear layer y = x·W + b and its backward
// pass, on the reference backend through the ops API (linear_forward, linear_backward_data,
// linear_backward_weight).
//
// Expected values: the lecture's matrix-backprop example (seed 000, "Backprop with Matrices":
// x [2×3], w [3×4], dL/dy [2×4]) worked out by hand (dL/dx = dL/dy·wᵀ, dL/dw = xᵀ·dL/dy), and
// PyTorch's autograd on random inputs (exercises/tools/data_layers.py).
#include "check.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/ops/ops.hpp>

#include <vector>

namespace {

using namespace cnnlab;
using namespace cnnlab::grade;

// The lecture's example (seed 000). The slide's printed y is not x·w; the checks use x·w, which
// is what the formulas give (e.g. y[0,0] = 2·3 + 1·2 + (−3)·3 = −1).
Tensor slide_x() { return Tensor::from_vector({2, 3}, {2, 1, -3, -3, 4, 2}, reference_backend()); }
Tensor slide_w() {
  return Tensor::from_vector({3, 4}, {3, 2, 1, -1, 2, 1, 3, 2, 3, 2, 1, -2}, reference_backend());
}
Tensor slide_dy() {
  return Tensor::from_vector({2, 4}, {2, 3, -3, 9, -8, 1, 4, 6}, reference_backend());
}
Tensor exact(const Shape& shape, const std::vector<float>& values) {
  return Tensor::from_vector(shape, values, reference_backend());
}

}  // namespace

GRADE_CHECK(3, "forward on the lecture's x [2x3] and w [3x4] (no bias) gives y = x w") {
  const Tensor y = linear_forward(slide_x(), slide_w(), Tensor());
  expect_close("y", y, exact({2, 4}, {-1, -1, 2, 6, 5, 2, 11, 7}));
}

GRADE_CHECK(3, "forward adds the bias b [4] to every row of x w (lecture's x and w)") {
  const Tensor b = exact({4}, {0.5f, -1, 2, 10});
  const Tensor y = linear_forward(slide_x(), slide_w(), b);
  expect_close("y", y, exact({2, 4}, {-0.5f, -2, 4, 16, 5.5f, 1, 13, 17}));
}

GRADE_CHECK(3, "dL/dx = dL/dy w^T on the lecture's example gives [[0,16,-9],[-24,9,-30]]") {
  const Tensor dx = linear_backward_data(slide_dy(), slide_w());
  expect_close("dL/dx", dx, exact({2, 3}, {0, 16, -9, -24, 9, -30}));
}

GRADE_CHECK(3, "dL/dw = x^T dL/dy and dL/db = column sums of dL/dy on the lecture's example") {
  const ParamGrads g = linear_backward_weight(slide_x(), slide_dy(), true);
  expect_close("dL/dw", g.dw, exact({3, 4}, {28, 3, -18, 0, -30, 7, 13, 33, -22, -7, 17, -15}));
  expect_close("dL/db", g.db, exact({4}, {-6, 4, 1, 15}));
}

GRADE_CHECK(3, "random x [4x5], w [5x3], b [3]: y, dL/dx, dL/dw, dL/db match PyTorch") {
  const Tensor x = golden("ex03/bias_x"), w = golden("ex03/bias_w"), b = golden("ex03/bias_b");
  const Tensor dy = golden("ex03/bias_dy");
  expect_close("y", linear_forward(x, w, b), golden("ex03/bias_y"));
  expect_close("dL/dx", linear_backward_data(dy, w), golden("ex03/bias_dx"));
  const ParamGrads g = linear_backward_weight(x, dy, true);
  expect_close("dL/dw", g.dw, golden("ex03/bias_dw"));
  expect_close("dL/db", g.db, golden("ex03/bias_db"));
}

GRADE_CHECK(3, "random x [3x6], w [6x4] without bias: y, dL/dx, dL/dw match PyTorch") {
  const Tensor x = golden("ex03/nobias_x"), w = golden("ex03/nobias_w");
  const Tensor dy = golden("ex03/nobias_dy");
  expect_close("y", linear_forward(x, w, Tensor()), golden("ex03/nobias_y"));
  expect_close("dL/dx", linear_backward_data(dy, w), golden("ex03/nobias_dx"));
  const ParamGrads g = linear_backward_weight(x, dy, false);
  expect_close("dL/dw", g.dw, golden("ex03/nobias_dw"));
  expect_true(!g.db.defined(), "with_bias = false must give no dL/db (an undefined tensor)");
}
