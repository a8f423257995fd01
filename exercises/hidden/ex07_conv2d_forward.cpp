// ex07_conv2d_forward.cpp (hidden) — instructor-only checks of exercise 7: other shapes (batch 3,
// non-square filter, 1x1, stride 3, depthwise, every setting at once), compared with PyTorch's
// conv2d (exercises/hidden/data_conv.py).
#include "../checks/conv_case.hpp"
#include "../grader/check.hpp"

#include <cnnlab/ops/ops.hpp>

#include <string>

using namespace cnnlab;
using namespace cnnlab::grade;

GRADE_HIDDEN_CHECK(7, "hidden: batch of 3, a 3x1 filter, padding 1, bias") {
  expect_conv2d_forward_case("ex07/h_nonsquare", true);
}
GRADE_HIDDEN_CHECK(7, "hidden: 1x1 filters, no bias") {
  expect_conv2d_forward_case("ex07/h_1x1", false);
}
GRADE_HIDDEN_CHECK(7, "hidden: stride 2, padding 2, dilation 2 and groups 2 at once") {
  expect_conv2d_forward_case("ex07/h_everything", true);
}
GRADE_HIDDEN_CHECK(7, "hidden: stride 3 with a 2x2 filter (input rows skipped)") {
  expect_conv2d_forward_case("ex07/h_stride3", true);
}
GRADE_HIDDEN_CHECK(7, "hidden: depthwise (groups = C = K = 4)") {
  expect_conv2d_forward_case("ex07/h_depthwise", true);
}
