// ex01_output_sizes.cpp — checks of exercise 1: output sizes of convolution and pooling, and the
// parameter counts of conv and fully connected layers (exercises/01_output_sizes.md).
//
// The student's code is reached through conv2d_geometry() / pool2d_geometry() (which call the
// per-axis size rules conv_out_size / pool_out_size of src/ops/geometry.cpp) and through
// conv2d_parameter_count() / linear_parameter_count().
// Expected values: the lecture's worked examples and tables (restated below: the 7x7 input, the
// 32x32x3 input with ten 5x5 filters, AlexNet's and VGG-16's tables of the case-study lecture,
// the 4x4 max-pooling slice, the X/O network's 7x7 -> 4x4 pooling), and PyTorch's output sizes
// and parameter counts for random settings (exercises/tools/data_conv.py).
#include "check.hpp"
#include "size_tables.hpp"

#include <cnnlab/ops/geometry.hpp>

#include <string>
#include <vector>

using namespace cnnlab;
using namespace cnnlab::grade;

namespace {

// Output height of a square convolution: H x H input, F x F filter.
int64_t conv_size(int64_t H, int64_t F, int S, int P, int D = 1, SizeRule rule = SizeRule::exact) {
  return conv2d_geometry({1, 1, H, H}, {1, 1, F, F},
                         {.stride = S, .padding = P, .dilation = D, .size_rule = rule})
      .H2;
}

int64_t pool_size(int64_t H, int F, int S, int P = 0, SizeRule rule = SizeRule::floor) {
  return pool2d_geometry("maxpool2d", {1, 1, H, H},
                         {.kernel = F, .stride = S, .padding = P, .size_rule = rule})
      .H2;
}

std::string conv_setting(int64_t H, int64_t F, int S, int P) {
  return std::to_string(H) + "x" + std::to_string(H) + " input, " + std::to_string(F) + "x" +
         std::to_string(F) + " filter, stride " + std::to_string(S) + ", pad " + std::to_string(P);
}

}  // namespace

GRADE_CHECK(1,
            "the lecture's 7x7 input with a 3x3 filter: stride 1 gives 5x5, stride 2 gives "
            "3x3, and padding 1 keeps 7x7") {
  expect_equal(conv_setting(7, 3, 1, 0) + ": output size", conv_size(7, 3, 1, 0), 5);
  expect_equal(conv_setting(7, 3, 2, 0) + ": output size", conv_size(7, 3, 2, 0), 3);
  expect_equal(conv_setting(7, 3, 1, 1) + ": output size", conv_size(7, 3, 1, 1), 7);
}

GRADE_CHECK(1,
            "stride 3 on the lecture's 7x7 input with a 3x3 filter is refused: (7 - 3)/3 + 1 "
            "is not an integer") {
  expect_error(
      conv_setting(7, 3, 3, 0), [] { conv_size(7, 3, 3, 0); }, "is not an integer");
}

GRADE_CHECK(1, "a filter larger than the padded input is refused (a 5x5 filter on a 3x3 input)") {
  expect_error(
      "3x3 input, 5x5 filter, pad 0", [] { conv_size(3, 5, 1, 0); }, "spans");
}

GRADE_CHECK(1,
            "the lecture's 32x32x3 input with ten 5x5 filters, stride 1, pad 2: 32x32x10 out "
            "and (5*5*3 + 1)*10 = 760 parameters") {
  const Conv2dGeometry g = conv2d_geometry({1, 3, 32, 32}, {10, 3, 5, 5}, {.padding = 2});
  expect_equal("output height", g.H2, 32);
  expect_equal("output width", g.W2, 32);
  expect_equal("conv2d_parameter_count(C=3, K=10, F=5, groups=1, bias=true)",
               conv2d_parameter_count(3, 10, 5, 1, true), 760);
}

GRADE_CHECK(1,
            "AlexNet as in the lecture: 227 -> 55 -> 27 -> 27 -> 13 -> 13 -> 6, and the "
            "parameters of CONV1..CONV5 and FC6..FC8") {
  // [227x227x3] INPUT; CONV1: 96 11x11 filters at stride 4, pad 0 -> [55x55x96]
  expect_equal("CONV1 (" + conv_setting(227, 11, 4, 0) + ") output", conv_size(227, 11, 4, 0), 55);
  // The lecture: (11*11*3)*96 = 35K weights, plus 96 biases.
  expect_equal("CONV1 weights only", conv2d_parameter_count(3, 96, 11, 1, false), 34848);
  expect_equal("CONV1 weights and biases", conv2d_parameter_count(3, 96, 11, 1, true), 34944);
  // MAX POOL1: 3x3 filters at stride 2 -> [27x27x96], 0 parameters.
  expect_equal("POOL1 (55x55, 3x3 window, stride 2) output", pool_size(55, 3, 2), 27);
  // CONV2: 256 5x5 filters at stride 1, pad 2 -> [27x27x256]
  expect_equal("CONV2 output", conv_size(27, 5, 1, 2), 27);
  expect_equal("CONV2 parameters", conv2d_parameter_count(96, 256, 5, 1, true), 614656);
  expect_equal("POOL2 (27x27, 3x3 window, stride 2) output", pool_size(27, 3, 2), 13);
  // CONV3, CONV4, CONV5: 384, 384, 256 3x3 filters at stride 1, pad 1 -> 13x13
  expect_equal("CONV3 output", conv_size(13, 3, 1, 1), 13);
  expect_equal("CONV3 parameters", conv2d_parameter_count(256, 384, 3, 1, true), 885120);
  expect_equal("CONV4 parameters", conv2d_parameter_count(384, 384, 3, 1, true), 1327488);
  expect_equal("CONV5 parameters", conv2d_parameter_count(384, 256, 3, 1, true), 884992);
  expect_equal("POOL3 (13x13, 3x3 window, stride 2) output", pool_size(13, 3, 2), 6);
  // FC6: 4096 neurons on the 6x6x256 = 9216 values of POOL3; FC7: 4096; FC8: 1000 class scores.
  expect_equal("FC6 parameters", linear_parameter_count(6 * 6 * 256, 4096, true), 37752832);
  expect_equal("FC7 parameters", linear_parameter_count(4096, 4096, true), 16781312);
  expect_equal("FC8 parameters", linear_parameter_count(4096, 1000, true), 4097000);
}

GRADE_CHECK(1,
            "VGG-16 as in the lecture: every layer's size and weights as printed (no biases), "
            "and 138,357,544 parameters with biases") {
  // The lecture's table: 3x3 conv stride 1 pad 1 keeps the size, 2x2 pool stride 2 halves it.
  struct Conv {
    int64_t C, K, H, weights;
  };
  const std::vector<Conv> convs = {
      {3, 64, 224, 1728},      {64, 64, 224, 36864},    {64, 128, 112, 73728},
      {128, 128, 112, 147456}, {128, 256, 56, 294912},  {256, 256, 56, 589824},
      {256, 256, 56, 589824},  {256, 512, 28, 1179648}, {512, 512, 28, 2359296},
      {512, 512, 28, 2359296}, {512, 512, 14, 2359296}, {512, 512, 14, 2359296},
      {512, 512, 14, 2359296}};
  int64_t total = 0;
  for (size_t i = 0; i < convs.size(); ++i) {
    const Conv& c = convs[i];
    const std::string layer = "conv layer " + std::to_string(i + 1) + " (" + std::to_string(c.C) +
                              "->" + std::to_string(c.K) + ", " + std::to_string(c.H) + "x" +
                              std::to_string(c.H) + ")";
    expect_equal(layer + " output size", conv_size(c.H, 3, 1, 1), c.H);
    expect_equal(layer + " weights", conv2d_parameter_count(c.C, c.K, 3, 1, false), c.weights);
    total += conv2d_parameter_count(c.C, c.K, 3, 1, true);
  }
  for (int64_t H : {224, 112, 56, 28, 14})
    expect_equal("2x2 pool, stride 2, on " + std::to_string(H) + "x" + std::to_string(H),
                 pool_size(H, 2, 2), H / 2);
  expect_equal("FC 7*7*512 -> 4096 weights", linear_parameter_count(7 * 7 * 512, 4096, false),
               102760448);
  expect_equal("FC 4096 -> 4096 weights", linear_parameter_count(4096, 4096, false), 16777216);
  expect_equal("FC 4096 -> 1000 weights", linear_parameter_count(4096, 1000, false), 4096000);
  total += linear_parameter_count(7 * 7 * 512, 4096, true) +
           linear_parameter_count(4096, 4096, true) + linear_parameter_count(4096, 1000, true);
  expect_equal("VGG-16 parameters with biases (sum over the 16 layers)", total, 138357544);
}

GRADE_CHECK(1,
            "pooling sizes: the lecture's 4x4 slice with 2x2 windows at stride 2 gives 2x2; "
            "the X/O network's 7x7 gives 4x4 in ceil mode (3x3 without)") {
  expect_equal("4x4 input, 2x2 window, stride 2", pool_size(4, 2, 2), 2);
  expect_equal("7x7 input, 2x2 window, stride 2, ceil mode", pool_size(7, 2, 2, 0, SizeRule::ceil),
               4);
  expect_equal("7x7 input, 2x2 window, stride 2, floor mode",
               pool_size(7, 2, 2, 0, SizeRule::floor), 3);
  expect_equal("4x4 input, 2x2 window, stride 0 (= the window)", pool_size(4, 2, 0), 2);
}

GRADE_CHECK(1,
            "size_rule floor rounds down (PyTorch's rule): the lecture's 7x7, 3x3, stride 3 "
            "gives 2; ResNet-18's stem 224 -> 112 and its 56 -> 28 downsampling") {
  expect_equal(conv_setting(7, 3, 3, 0) + ", floor: output size",
               conv_size(7, 3, 3, 0, 1, SizeRule::floor), 2);
  expect_equal(conv_setting(224, 7, 2, 3) + ", floor: output size",
               conv_size(224, 7, 2, 3, 1, SizeRule::floor), 112);
  expect_equal(conv_setting(56, 3, 2, 1) + ", floor: output size",
               conv_size(56, 3, 2, 1, 1, SizeRule::floor), 28);
  expect_equal(conv_setting(56, 1, 2, 0) + ", floor: output size",
               conv_size(56, 1, 2, 0, 1, SizeRule::floor), 28);
  expect_equal(conv_setting(7, 3, 2, 0) + ", floor (fits anyway): output size",
               conv_size(7, 3, 2, 0, 1, SizeRule::floor), 3);
}

GRADE_CHECK(1,
            "pooling's default rule is exact too: a 2x2 window at stride 2 on 7x7 is refused "
            "with \"is not an integer\"; AlexNet's 55 -> 27 fits") {
  expect_error(
      "7x7 input, 2x2 window, stride 2, exact", [] { pool_size(7, 2, 2, 0, SizeRule::exact); },
      "is not an integer");
  expect_equal("55x55 input, 3x3 window, stride 2, exact", pool_size(55, 3, 2, 0, SizeRule::exact),
               27);
}

GRADE_CHECK(1, "a pooling window larger than the padded input is refused (3x3 window on 2x2)") {
  expect_error(
      "2x2 input, 3x3 window", [] { pool_size(2, 3, 1); }, "does not fit");
}

GRADE_CHECK(1,
            "conv output sizes of 24 random settings (stride, padding, dilation, H != W, "
            "FH != FW) equal PyTorch's") {
  expect_conv_size_rows("ex01/conv_sizes", 1, 1, 1);  // rows [H, W, FH, FW, S, P, D, H2, W2]
}

GRADE_CHECK(1,
            "12 random settings where the stride does not fit one axis are refused with \"is "
            "not an integer\" (PyTorch would round down)") {
  expect_conv_refused_rows("ex01/conv_refused", 1, 1, 1);  // rows [H, W, FH, FW, S, P, D]
}

GRADE_CHECK(1,
            "pool output sizes of 24 random settings (floor and ceil mode, padding) equal "
            "PyTorch's max_pool2d") {
  expect_pool_size_rows("maxpool2d", "ex01/pool_sizes");  // rows [H, W, F, S, P, ceil, H2, W2]
}

GRADE_CHECK(1,
            "conv2d_parameter_count and linear_parameter_count equal the parameter counts of "
            "PyTorch's nn.Conv2d and nn.Linear (groups, with and without bias)") {
  // rows [C, K, F, groups, bias, count] and [D_in, D_out, bias, count]
  expect_parameter_count_rows("ex01/conv_params", "ex01/linear_params");
}
