// test_output_size.cpp — conv2d_geometry() and pool2d_geometry() against PyTorch's output sizes.
//
// Proves: under SizeRule::floor (and SizeRule::ceil for pooling) cnnlab gives the output size
// PyTorch gives for each (H, F, S, P, D) below, including the layers real networks rely on
// (ResNet-18's stem and downsampling, GoogLeNet's pools); under SizeRule::exact (the default)
// cnnlab refuses exactly the rows whose windows do not tile the padded input, with the
// lecture's "is not an integer" message, and gives PyTorch's size for the others; and a
// convolution refuses SizeRule::ceil.
// Expected values: PyTorch 1.13's output sizes, printed by tests/cli/torch_output_sizes.py
// (nn.functional.conv2d / max_pool2d on a 1 x 1 x H x H input), restated here by hand. The
// "tiles" column is that script's (H + 2P - D(F-1) - 1) % S == 0.
#include <catch2/catch.hpp>

#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/geometry.hpp>

#include <string>
#include <vector>

using namespace cnnlab;

namespace {

struct SizeCase {
  const char* what;
  int64_t H;
  int F, S, P, D;
  SizeRule rule;  // PyTorch's: floor, or ceil (max_pool2d's ceil_mode=True)
  int64_t torch_H2;
  bool tiles;
};

constexpr SizeRule kFloor = SizeRule::floor, kCeil = SizeRule::ceil;

// conv2d rows: "conv H=... -> H2" lines of tests/cli/torch_output_sizes.py (PyTorch 1.13).
const std::vector<SizeCase> kConvSizes = {
    {"the lecture's 7x7, 3x3, stride 1", 7, 3, 1, 0, 1, kFloor, 5, true},
    {"the lecture's 7x7, 3x3, stride 2", 7, 3, 2, 0, 1, kFloor, 3, true},
    {"the lecture's 7x7, 3x3, stride 3 (doesn't fit!)", 7, 3, 3, 0, 1, kFloor, 2, false},
    {"the lecture's 7x7, 3x3, stride 1, pad 1", 7, 3, 1, 1, 1, kFloor, 7, true},
    {"ResNet-18 / GoogLeNet stem: 224, 7x7, stride 2, pad 3", 224, 7, 2, 3, 1, kFloor, 112, false},
    {"ResNet-18 conv3_1: 56, 3x3, stride 2, pad 1", 56, 3, 2, 1, 1, kFloor, 28, false},
    {"ResNet-18 projection: 56, 1x1, stride 2", 56, 1, 2, 0, 1, kFloor, 28, false},
    {"ResNet-18 conv4_1: 28, 3x3, stride 2, pad 1", 28, 3, 2, 1, 1, kFloor, 14, false},
    {"ResNet-18 projection: 28, 1x1, stride 2", 28, 1, 2, 0, 1, kFloor, 14, false},
    {"ResNet-18 conv5_1: 14, 3x3, stride 2, pad 1", 14, 3, 2, 1, 1, kFloor, 7, false},
    {"ResNet-18 projection: 14, 1x1, stride 2", 14, 1, 2, 0, 1, kFloor, 7, false},
    {"AlexNet CONV1: 227, 11x11, stride 4", 227, 11, 4, 0, 1, kFloor, 55, true},
    {"AlexNet CONV1 on 224, pad 2", 224, 11, 4, 2, 1, kFloor, 55, false},
    {"10, 3x3, stride 2, dilation 2", 10, 3, 2, 0, 2, kFloor, 3, false},
    {"11, 3x3, stride 3, pad 1, dilation 2", 11, 3, 3, 1, 2, kFloor, 3, false},
};

// pooling rows (max_pool2d, D = 1): "pool H=... -> H2" lines of the same script.
const std::vector<SizeCase> kPoolSizes = {
    {"ResNet-18 max pool: 112, 3x3, stride 2, pad 1", 112, 3, 2, 1, 1, kFloor, 56, false},
    {"GoogLeNet pool1 floor: 112, 3x3, stride 2", 112, 3, 2, 0, 1, kFloor, 55, false},
    {"GoogLeNet pool1 ceil: 112, 3x3, stride 2", 112, 3, 2, 0, 1, kCeil, 56, false},
    {"GoogLeNet pool2 floor: 56, 3x3, stride 2", 56, 3, 2, 0, 1, kFloor, 27, false},
    {"GoogLeNet pool2 ceil: 56, 3x3, stride 2", 56, 3, 2, 0, 1, kCeil, 28, false},
    {"GoogLeNet pool3 ceil: 28, 3x3, stride 2", 28, 3, 2, 0, 1, kCeil, 14, false},
    {"14, 2x2, stride 2, ceil", 14, 2, 2, 0, 1, kCeil, 7, true},
    {"GoogLeNet pool4 ceil: 14, 3x3, stride 2", 14, 3, 2, 0, 1, kCeil, 7, false},
    {"AlexNet POOL1: 55, 3x3, stride 2", 55, 3, 2, 0, 1, kFloor, 27, true},
    {"AlexNet POOL2: 27, 3x3, stride 2", 27, 3, 2, 0, 1, kFloor, 13, true},
    {"X/O network floor: 7, 2x2, stride 2", 7, 2, 2, 0, 1, kFloor, 3, false},
    {"X/O network ceil: 7, 2x2, stride 2", 7, 2, 2, 0, 1, kCeil, 4, false},
    {"ceil, pad 1: 6, 3x3, stride 2", 6, 3, 2, 1, 1, kCeil, 4, false},
    {"ceil, last window in the padding dropped: 5, 2x2, stride 2, pad 1", 5, 2, 2, 1, 1, kCeil, 3,
     false},
};

std::string label(const SizeCase& c, SizeRule rule) {
  return std::string(c.what) + " (H=" + std::to_string(c.H) + " F=" + std::to_string(c.F) +
         " S=" + std::to_string(c.S) + " P=" + std::to_string(c.P) + " D=" + std::to_string(c.D) +
         ", size_rule " + size_rule_name(rule) + ")";
}

Conv2dGeometry conv(const SizeCase& c, SizeRule rule) {
  return conv2d_geometry({1, 1, c.H, c.H}, {1, 1, c.F, c.F},
                         {.stride = c.S, .padding = c.P, .dilation = c.D, .size_rule = rule});
}

Pool2dGeometry pool(const SizeCase& c, SizeRule rule) {
  return pool2d_geometry("maxpool2d", {1, 1, c.H, c.H},
                         {.kernel = c.F, .stride = c.S, .padding = c.P, .size_rule = rule});
}

}  // namespace

TEST_CASE("conv2d output sizes: floor equals PyTorch's, exact refuses what does not tile",
          "[output_size][conv2d][size_rule]") {
  for (const SizeCase& c : kConvSizes) {
    INFO(label(c, c.rule));
    const Conv2dGeometry g = conv(c, SizeRule::floor);
    CHECK(g.H2 == c.torch_H2);
    CHECK(g.W2 == c.torch_H2);
    CHECK(g.rule == SizeRule::floor);
    if (c.tiles) {
      CHECK(conv(c, SizeRule::exact).H2 == c.torch_H2);
    } else {
      CHECK_THROWS_WITH(conv(c, SizeRule::exact),
                        Catch::Contains("is not an integer") && Catch::Contains("size_rule floor"));
    }
  }
}

TEST_CASE("pool output sizes: floor and ceil equal PyTorch's, exact refuses what does not tile",
          "[output_size][pool][size_rule]") {
  for (const SizeCase& c : kPoolSizes) {
    INFO(label(c, c.rule));
    const Pool2dGeometry g = pool(c, c.rule);
    CHECK(g.H2 == c.torch_H2);
    CHECK(g.W2 == c.torch_H2);
    if (c.tiles) {
      CHECK(pool(c, SizeRule::exact).H2 == c.torch_H2);
      CHECK(pool(c, SizeRule::floor).H2 == c.torch_H2);  // all three agree when windows tile
    } else {
      CHECK_THROWS_WITH(pool(c, SizeRule::exact), Catch::Contains("maxpool2d: (") &&
                                                      Catch::Contains("is not an integer") &&
                                                      Catch::Contains("size_rule floor"));
    }
  }
}

TEST_CASE("exact is the default of conv2d and pooling; conv2d refuses ceil",
          "[output_size][size_rule]") {
  CHECK(Conv2dParams{}.size_rule == SizeRule::exact);
  CHECK(Pool2dParams{}.size_rule == SizeRule::exact);
  // the lecture's slide: 7x7 input, 3x3 filter, stride 3 "doesn't fit!"
  CHECK_THROWS_WITH(conv2d_geometry({1, 1, 7, 7}, {1, 1, 3, 3}, {.stride = 3}),
                    "conv2d: (7 - 3 + 2*0)/3 + 1 is not an integer: stride 3 does not fit a 3x3 "
                    "filter on a 7x7 input (in height); size_rule floor rounds down (PyTorch's "
                    "rule), leaving the last 1 of the padded input unread");
  CHECK_THROWS_WITH(
      pool2d_geometry("avgpool2d", {1, 1, 8, 7}, {.kernel = 2, .stride = 2}),
      "avgpool2d: (7 - 2 + 2*0)/2 + 1 is not an integer: stride 2 does not fit a 2x2 window on "
      "a 8x7 input (in width); size_rule floor rounds down (PyTorch's default), ceil rounds up "
      "(PyTorch's ceil_mode)");
  CHECK_THROWS_WITH(
      conv2d_geometry({1, 1, 7, 7}, {1, 1, 3, 3}, {.stride = 2, .size_rule = SizeRule::ceil}),
      Catch::Contains("conv2d: size_rule ceil is for pooling only"));
  // one axis floored, the other tiling: 7x9 with 3x3 at stride 3 -> 2x3
  const Conv2dGeometry g =
      conv2d_geometry({1, 1, 7, 9}, {1, 1, 3, 3}, {.stride = 3, .size_rule = SizeRule::floor});
  CHECK(g.H2 == 2);
  CHECK(g.W2 == 3);
}

TEST_CASE("size rules by name", "[output_size][size_rule]") {
  CHECK(std::string(size_rule_name(SizeRule::exact)) == "exact");
  CHECK(std::string(size_rule_name(SizeRule::floor)) == "floor");
  CHECK(std::string(size_rule_name(SizeRule::ceil)) == "ceil");
  CHECK(parse_size_rule("floor", "here") == SizeRule::floor);
  CHECK_THROWS_WITH(parse_size_rule("round", "layer 2"),
                    "layer 2: size rule 'round' is not one of exact, floor, ceil");
}
