// test_im2col.cpp — the readable im2col + GEMM convolution (src/ops/im2col.cpp) and the
// parameter-count formulas (src/ops/geometry.cpp).
//
// im2col and matmul are checked by hand on tiny inputs; conv2d_forward_im2col is cross-checked
// against the reference conv2d_forward on random inputs of many shapes (stride, padding,
// dilation, groups, 1x1, non-square filters, batch 1), within a float32 tolerance that scales
// with the reduction length.
#include <catch2/catch.hpp>

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/geometry.hpp>
#include <cnnlab/ops/im2col.hpp>
#include <cnnlab/ops/ops.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using namespace cnnlab;

namespace {
Backend& ref() { return reference_backend(); }

Tensor random_tensor(const Shape& shape, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(static_cast<size_t>(numel(shape)));
  for (float& e : v) e = u(gen);
  return Tensor::from_vector(shape, v, ref());
}
}  // namespace

TEST_CASE("im2col: a 3x3 input with a 2x2 filter, by hand", "[im2col]") {
  // x = 1 2 3 / 4 5 6 / 7 8 9; the four 2x2 windows become the four columns.
  const Tensor x = Tensor::from_vector({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}, ref());
  const Tensor cols = im2col(x, 2, 2);
  CHECK(cols.shape() == Shape{1, 4, 4});
  CHECK(cols.to_vector() == std::vector<float>{1, 2, 4, 5,    // tap (0,0) of each window
                                               2, 3, 5, 6,    // tap (0,1)
                                               4, 5, 7, 8,    // tap (1,0)
                                               5, 6, 8, 9});  // tap (1,1)
}

TEST_CASE("im2col: padding gives zeros, stride skips windows", "[im2col]") {
  // 2x2 input, 2x2 filter, padding 1, stride 2: windows at (-1,-1), (-1,1), (1,-1), (1,1).
  const Tensor x = Tensor::from_vector({1, 1, 2, 2}, {1, 2, 3, 4}, ref());
  const Tensor cols = im2col(x, 2, 2, {.stride = 2, .padding = 1});
  CHECK(cols.shape() == Shape{1, 4, 4});
  CHECK(cols.to_vector() == std::vector<float>{0, 0, 0, 4,  //
                                               0, 0, 3, 0,  //
                                               0, 2, 0, 0,  //
                                               1, 0, 0, 0});
}

TEST_CASE("lowering::matmul: a 2x3 by 3x2 product by hand, output overwritten", "[im2col]") {
  const std::vector<float> a = {1, 2, 3, 4, 5, 6}, b = {7, 8, 9, 10, 11, 12};
  std::vector<float> c(4, 99.0f);
  lowering::matmul(a.data(), b.data(), c.data(), 2, 3, 2);
  CHECK(c == std::vector<float>{58, 64, 139, 154});
}

TEST_CASE("conv2d_forward_im2col equals the reference conv2d_forward on many shapes", "[im2col]") {
  struct Case {
    Shape x, w;
    Conv2dParams p;
    bool bias;
  };
  const std::vector<Case> cases = {
      {{1, 1, 7, 7}, {1, 1, 3, 3}, {}, false},
      {{2, 3, 8, 7}, {4, 3, 3, 3}, {.padding = 1}, true},
      {{2, 3, 9, 9}, {5, 3, 3, 3}, {.stride = 2, .padding = 1}, false},
      {{1, 2, 9, 9}, {3, 2, 3, 3}, {.dilation = 2}, true},
      {{2, 4, 6, 6}, {6, 2, 3, 3}, {.padding = 1, .groups = 2}, true},
      {{1, 4, 5, 5}, {4, 1, 3, 3}, {.padding = 1, .groups = 4}, true},
      {{3, 5, 4, 6}, {2, 5, 1, 1}, {}, true},
      {{2, 2, 10, 6}, {3, 2, 3, 1}, {.padding = 1}, false},
      {{2, 6, 11, 11}, {4, 3, 3, 3}, {.stride = 2, .padding = 2, .dilation = 2, .groups = 2}, true},
      {{1, 16, 12, 12}, {8, 16, 5, 5}, {.padding = 2}, true},
  };
  uint64_t seed = 1;
  for (const Case& c : cases) {
    const Tensor x = random_tensor(c.x, seed++), w = random_tensor(c.w, seed++);
    const Tensor b = c.bias ? random_tensor({c.w[0]}, seed++) : Tensor();
    const std::vector<float> expected = conv2d_forward(x, w, b, c.p).to_vector();
    const Tensor y = conv2d_forward_im2col(x, w, b, c.p);
    REQUIRE(y.shape() == conv2d_geometry(c.x, c.w, c.p).output_shape());
    const std::vector<float> got = y.to_vector();
    const double reduction = static_cast<double>(c.w[1] * c.w[2] * c.w[3]);
    const double tol = 1e-6 * (reduction + 1.0) * 4.0;  // |x|, |w| <= 1: sums of `reduction` terms
    double worst = 0;
    for (size_t i = 0; i < got.size(); ++i)
      worst = std::max(worst, std::abs(static_cast<double>(got[i]) - expected[i]));
    INFO("x " << to_string(c.x) << ", w " << to_string(c.w) << ": max |diff| = " << worst);
    CHECK(worst <= tol);
  }
}

TEST_CASE("im2col and conv2d_forward_im2col refuse bad input with conv2d's messages", "[im2col]") {
  const Tensor x = random_tensor({1, 1, 7, 7}, 3), w = random_tensor({1, 1, 3, 3}, 4);
  REQUIRE_THROWS_WITH(conv2d_forward_im2col(x, w, Tensor(), {.stride = 3}),
                      Catch::Contains("is not an integer"));
  REQUIRE_THROWS_WITH(im2col(random_tensor({7, 7}, 5), 3, 3), Catch::Contains("must be 4-D"));
  REQUIRE_THROWS_WITH(conv2d_forward_im2col(x, w, random_tensor({2}, 6)),
                      Catch::Contains("bias b must have shape [1]"));
  REQUIRE_THROWS_WITH(conv2d_forward_im2col(Tensor(), w, Tensor()),
                      Catch::Contains("x is undefined"));
}

TEST_CASE("parameter counts: the lecture's formula F*F*C*K + K, groups and no bias", "[geometry]") {
  CHECK(conv2d_parameter_count(3, 96, 11, 1, true) == 96 * 3 * 11 * 11 + 96);  // AlexNet CONV1
  CHECK(conv2d_parameter_count(4, 6, 3, 2, false) == 6 * 2 * 3 * 3);
  CHECK(conv2d_parameter_count(8, 8, 3, 8, true) == 8 * 9 + 8);  // depthwise
  CHECK(linear_parameter_count(4096, 1000, true) == 4096 * 1000 + 1000);
  CHECK(linear_parameter_count(3, 2, false) == 6);
  REQUIRE_THROWS_WITH(conv2d_parameter_count(3, 4, 3, 2, true), Catch::Contains("must divide"));
  REQUIRE_THROWS_WITH(linear_parameter_count(0, 4, true), Catch::Contains("at least 1"));
}
