// ex01_output_sizes.cpp (hidden) — instructor-only checks of exercise 1: other sizes, ceil-mode
// edge cases, dilation, one axis at a time, and other networks' parameter counts.
//
// Expected values: PyTorch's sizes and counts (exercises/hidden/data_conv.py) and the parameter
// formula's values for published networks (VGG-11/13/19 as in torchvision, ZFNet's changed
// layers as the case-study lecture describes them, AlexNet's original two-group layers).
#include "../checks/size_tables.hpp"
#include "../grader/check.hpp"

#include <cnnlab/ops/geometry.hpp>

#include <string>
#include <vector>

using namespace cnnlab;
using namespace cnnlab::grade;

namespace {

int64_t vgg_total(const std::vector<int64_t>& channels) {  // 0 = a 2x2 max pool
  int64_t total = 0, C = 3;
  for (int64_t K : channels) {
    if (K == 0) continue;
    total += conv2d_parameter_count(C, K, 3, 1, true);
    C = K;
  }
  return total + linear_parameter_count(7 * 7 * 512, 4096, true) +
         linear_parameter_count(4096, 4096, true) + linear_parameter_count(4096, 1000, true);
}

}  // namespace

GRADE_HIDDEN_CHECK(1, "hidden: conv output sizes of 40 other random settings equal PyTorch's") {
  expect_conv_size_rows("ex01/h_conv_sizes", 2, 3, 4);
}

GRADE_HIDDEN_CHECK(1, "hidden: 20 other settings whose stride does not fit are refused") {
  expect_conv_refused_rows("ex01/h_conv_refused", 1, 2, 1);
}

GRADE_HIDDEN_CHECK(1, "hidden: one axis at a time: a 3x5 filter on 7x9 and dilation on 7x7") {
  const Conv2dGeometry g = conv2d_geometry({1, 1, 7, 9}, {1, 1, 3, 5}, {.stride = 2});
  expect_equal("7x9 input, 3x5 filter, stride 2: H2", g.H2, 3);
  expect_equal("7x9 input, 3x5 filter, stride 2: W2", g.W2, 3);
  const Conv2dGeometry d2 = conv2d_geometry({1, 1, 7, 7}, {1, 1, 3, 3}, {.dilation = 2});
  expect_equal("7x7 input, 3x3 filter, dilation 2 (span 5): H2", d2.H2, 3);
  const Conv2dGeometry d3 = conv2d_geometry({1, 1, 7, 7}, {1, 1, 3, 3}, {.dilation = 3});
  expect_equal("7x7 input, 3x3 filter, dilation 3 (span 7): W2", d3.W2, 1);
  expect_error(
      "7x9 input, 3x3 filter, stride 3 (fits the height only)",
      [] {
        conv2d_geometry({1, 1, 7, 9}, {1, 1, 3, 3}, {.stride = 3});
      },
      "is not an integer");
  expect_error(
      "7x7 input, 3x3 filter, dilation 4 (span 9)",
      [] {
        conv2d_geometry({1, 1, 7, 7}, {1, 1, 3, 3}, {.dilation = 4});
      },
      "spans");
}

GRADE_HIDDEN_CHECK(1,
                   "hidden: size_rule floor on one axis at a time, and pooling's exact rule "
                   "refusing one axis only") {
  const Conv2dGeometry g =
      conv2d_geometry({1, 1, 7, 9}, {1, 1, 3, 3}, {.stride = 3, .size_rule = SizeRule::floor});
  expect_equal("7x9 input, 3x3 filter, stride 3, floor: H2", g.H2, 2);
  expect_equal("7x9 input, 3x3 filter, stride 3, floor: W2", g.W2, 3);
  const Conv2dGeometry d = conv2d_geometry(
      {1, 1, 10, 11}, {1, 1, 3, 3}, {.stride = 2, .dilation = 2, .size_rule = SizeRule::floor});
  expect_equal("10x11 input, 3x3 filter, dilation 2, stride 2, floor: H2", d.H2, 3);
  expect_equal("10x11 input, 3x3 filter, dilation 2, stride 2, floor: W2", d.W2, 4);
  expect_error(
      "avgpool2d 6x7 input, 3x3 window, stride 2, exact (fits the width only)",
      [] {
        pool2d_geometry("avgpool2d", {1, 1, 6, 7}, {.kernel = 3, .stride = 2});
      },
      "is not an integer");
}

GRADE_HIDDEN_CHECK(1,
                   "hidden: pool sizes of 40 other random settings and ceil-mode edge cases "
                   "(a last window in the padding is dropped) equal PyTorch's") {
  expect_pool_size_rows("avgpool2d", "ex01/h_pool_sizes");
  expect_pool_size_rows("avgpool2d", "ex01/h_pool_edges");
}

GRADE_HIDDEN_CHECK(1, "hidden: other conv and linear layers' parameter counts equal PyTorch's") {
  expect_parameter_count_rows("ex01/h_conv_params", "ex01/h_linear_params");
}

GRADE_HIDDEN_CHECK(1,
                   "hidden: VGG-11, VGG-13 and VGG-19 totals; ZFNet's and the two-group "
                   "AlexNet's layers") {
  expect_equal("VGG-11 parameters", vgg_total({64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512}),
               132863336);
  expect_equal("VGG-13 parameters",
               vgg_total({64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512}), 133047848);
  expect_equal("VGG-19 parameters", vgg_total({64, 64,  0,   128, 128, 0, 256, 256, 256, 256,
                                               0,  512, 512, 512, 512, 0, 512, 512, 512, 512}),
               143667240);
  // ZFNet: CONV1 7x7 (96 filters), CONV3,4,5 with 512, 1024, 512 filters.
  expect_equal("ZFNet CONV1", conv2d_parameter_count(3, 96, 7, 1, true), 14208);
  expect_equal("ZFNet CONV3", conv2d_parameter_count(256, 512, 3, 1, true), 1180160);
  expect_equal("ZFNet CONV4", conv2d_parameter_count(512, 1024, 3, 1, true), 4719616);
  expect_equal("ZFNet CONV5", conv2d_parameter_count(1024, 512, 3, 1, true), 4719104);
  // AlexNet as trained on two GPUs: CONV2, CONV4, CONV5 in two groups.
  expect_equal("AlexNet CONV2, groups 2", conv2d_parameter_count(96, 256, 5, 2, true), 307456);
  expect_equal("AlexNet CONV4, groups 2", conv2d_parameter_count(384, 384, 3, 2, true), 663936);
  expect_equal("AlexNet CONV5, groups 2", conv2d_parameter_count(384, 256, 3, 2, false), 442368);
  expect_equal("depthwise 3x3 on 32 channels", conv2d_parameter_count(32, 32, 3, 32, true), 320);
}
