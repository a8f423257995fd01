// ex07_conv2d_forward.cpp (hidden) — instructor-only checks of exercise 7: other shapes (batch 3,
// non-square filter, 1x1, stride 3, depthwise, every setting at once), compared with PyTorch's
// conv2d (exercises/hidden/data_conv.py).
#include "../checks/conv_case.hpp"
#include "../grader/check.hpp"

#include <cnnlab/ops/ops.hpp>

#include <string>

using namespace cnnlab;
using namespace cnnlab::grade;

namespace {
void check_hidden_case(const std::string& name, bool bias) {
  const std::string c = "ex07/" + name;
  const Tensor x = golden(c + "_x"), w = golden(c + "_w");
  const Tensor b = bias ? golden(c + "_b") : Tensor();
  const Conv2dParams p = conv_case_params(c);
  expect_close("conv2d_forward(x " + to_string(x.shape()) + ", w " + to_string(w.shape()) +
                   (bias ? ", b" : ", no bias") + "; " + conv_params_string(p) + ")",
               conv2d_forward(x, w, b, p), golden(c + "_y"), {.abs = 1e-4, .rel = 1e-4});
}
}  // namespace

GRADE_HIDDEN_CHECK(7, "hidden: batch of 3, a 3x1 filter, padding 1, bias") {
  check_hidden_case("h_nonsquare", true);
}
GRADE_HIDDEN_CHECK(7, "hidden: 1x1 filters, no bias") { check_hidden_case("h_1x1", false); }
GRADE_HIDDEN_CHECK(7, "hidden: stride 2, padding 2, dilation 2 and groups 2 at once") {
  check_hidden_case("h_everything", true);
}
GRADE_HIDDEN_CHECK(7, "hidden: stride 3 with a 2x2 filter (input rows skipped)") {
  check_hidden_case("h_stride3", true);
}
GRADE_HIDDEN_CHECK(7, "hidden: depthwise (groups = C = K = 4)") {
  check_hidden_case("h_depthwise", true);
}
