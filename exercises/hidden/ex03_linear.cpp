// ex03_linear.cpp (hidden) — instructor-only checks of exercise 3, the linear layer: N = 1 and
// D_out = 1, a bias-free [7x9]·[9x6], a larger [16x33]·[33x10].
//
// Expected values: PyTorch (exercises/hidden/data_layers.py) and mathematical facts.
#include "check.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/ops/ops.hpp>

#include <string>

namespace {

using namespace cnnlab;
using namespace cnnlab::grade;

void linear_case(const std::string& n, bool bias) {
  const Tensor x = golden(n + "_x"), w = golden(n + "_w"), dy = golden(n + "_dy");
  expect_close("y", linear_forward(x, w, bias ? golden(n + "_b") : Tensor()), golden(n + "_y"));
  expect_close("dL/dx", linear_backward_data(dy, w), golden(n + "_dx"));
  const ParamGrads g = linear_backward_weight(x, dy, bias);
  expect_close("dL/dw", g.dw, golden(n + "_dw"));
  if (bias) expect_close("dL/db", g.db, golden(n + "_db"));
}

}  // namespace

GRADE_HIDDEN_CHECK(3, "hidden: one sample and one output (N = 1, D_out = 1) with bias") {
  linear_case("ex03/h_one", true);
}
GRADE_HIDDEN_CHECK(3, "hidden: [7x9] by [9x6] without bias") { linear_case("ex03/h_wide", false); }
GRADE_HIDDEN_CHECK(3, "hidden: [16x33] by [33x10] with bias") { linear_case("ex03/h_big", true); }
