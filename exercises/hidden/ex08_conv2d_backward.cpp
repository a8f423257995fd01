// ex08_conv2d_backward.cpp (hidden) — instructor-only checks of exercise 8: gradients for other
// shapes (stride 3 with never-read input rows, every setting at once, a 3x1 filter, 1x1),
// compared with PyTorch autograd (exercises/hidden/data_conv.py).
#include "../checks/conv_case.hpp"
#include "../grader/check.hpp"

#include <cnnlab/ops/ops.hpp>

#include <string>

using namespace cnnlab;
using namespace cnnlab::grade;

namespace {
void check_hidden_grads(const std::string& name, bool bias) {
  const std::string c = "ex08/" + name;
  const Tensor x = golden(c + "_x"), w = golden(c + "_w"), dy = golden(c + "_dy");
  const Conv2dParams p = conv_case_params(c);
  const std::string what =
      "x " + to_string(x.shape()) + ", w " + to_string(w.shape()) + "; " + conv_params_string(p);
  const Tolerance tol{.abs = 1e-4, .rel = 1e-4};
  expect_close("dL/dx (" + what + ")", conv2d_backward_data(dy, w, x.shape(), p), golden(c + "_dx"),
               tol);
  const ParamGrads g = conv2d_backward_weight(x, dy, w.shape(), bias, p);
  expect_close("dL/dw (" + what + ")", g.dw, golden(c + "_dw"), tol);
  if (bias) expect_close("dL/db (" + what + ")", g.db, golden(c + "_db"), tol);
}
}  // namespace

GRADE_HIDDEN_CHECK(8, "hidden: stride 3 with a 2x2 filter: input rows never read get 0") {
  check_hidden_grads("h_stride3", true);
}
GRADE_HIDDEN_CHECK(8, "hidden: stride 2, padding 2, dilation 2 and groups 2 at once") {
  check_hidden_grads("h_everything", true);
}
GRADE_HIDDEN_CHECK(8, "hidden: batch of 3, a 3x1 filter, padding 1, no bias") {
  check_hidden_grads("h_nonsquare", false);
}
GRADE_HIDDEN_CHECK(8, "hidden: 1x1 filters with bias") { check_hidden_grads("h_1x1", true); }
