// test_seed_examples.cpp — the lecture notes' worked examples, as exact tests.
//
// Sources: the course's lecture notes on convolutional networks, whose numbers are restated here
// and in docs/ (convolution.md, pooling.md, xo.md), so nothing outside the repository is needed:
//   conv     output sizes: a 7×7 input with a 3×3 filter gives 5×5 at stride 1, 3×3 at
//            stride 2, and stride 3 "doesn't fit" ((7 − 3)/3 + 1 = 2.33);
//            a 32×32×3 input with ten 5×5 filters, stride 1, pad 2 gives 32×32×10 and has
//            (5·5·3 + 1)·10 = 760 parameters.
//   pooling  max pooling of one 4×4 depth slice with 2×2 filters and stride 2, and the rule for
//            its gradient: dL/dX = 1(X = Y)·dL/dY.
//   X/O      the toy X/O ConvNet: filtered, rectified and pooled tables of the 9×9 X.
#include <catch2/catch.hpp>

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/demo/xo.hpp>
#include <cnnlab/ops/ops.hpp>

#include <cmath>
#include <cstdlib>
#include <vector>

using namespace cnnlab;

namespace {
Backend& ref() { return reference_backend(); }

Shape conv_output(const Shape& x, const Shape& w, Conv2dParams p) {
  return conv2d_geometry(x, w, p).output_shape();
}
}  // namespace

TEST_CASE("seed: 7x7 input, 3x3 filter: stride 1 -> 5x5, stride 2 -> 3x3, stride 3 rejected",
          "[seed]") {
  CHECK(conv_output({1, 1, 7, 7}, {1, 1, 3, 3}, {1, 0, 1, 1}) == Shape{1, 1, 5, 5});
  CHECK(conv_output({1, 1, 7, 7}, {1, 1, 3, 3}, {2, 0, 1, 1}) == Shape{1, 1, 3, 3});
  REQUIRE_THROWS_WITH(conv_output({1, 1, 7, 7}, {1, 1, 3, 3}, {3, 0, 1, 1}),
                      "conv2d: (7 - 3 + 2*0)/3 + 1 is not an integer: stride 3 does not fit a "
                      "3x3 filter on a 7x7 input (in height); size_rule floor rounds down "
                      "(PyTorch's rule), leaving the last 1 of the padded input unread");
  // PyTorch's rule, asked for explicitly, rounds down: floor(4/3) + 1 = 2.
  CHECK(conv_output({1, 1, 7, 7}, {1, 1, 3, 3}, {3, 0, 1, 1, SizeRule::floor}) ==
        Shape{1, 1, 2, 2});
  // The lecture's fix: pad with a border of zeros. P = (F - 1)/2 = 1 keeps 7x7 at stride 1.
  CHECK(conv_output({1, 1, 7, 7}, {1, 1, 3, 3}, {1, 1, 1, 1}) == Shape{1, 1, 7, 7});
}

TEST_CASE("seed: 32x32x3 input, ten 5x5 filters, stride 1, pad 2 -> 32x32x10 with 760 parameters",
          "[seed]") {
  const Tensor x = Tensor::zeros({1, 3, 32, 32}, ref());
  const Tensor w = Tensor::zeros({10, 3, 5, 5}, ref());
  const Tensor b = Tensor::zeros({10}, ref());
  const Tensor y = conv2d_forward(x, w, b, {1, 2, 1, 1});
  CHECK(y.shape() == Shape{1, 10, 32, 32});
  CHECK(w.numel() + b.numel() == 760);  // each filter 5*5*3 + 1 = 76 parameters, times 10
  CHECK(conv2d_parameter_count(3, 10, 5, 1, true) == 760);
  CHECK(conv2d_parameter_count(3, 10, 5, 1, false) == 750);
}

TEST_CASE("seed: max pooling of the 4x4 depth slice and its gradient", "[seed][pool]") {
  const Tensor x = Tensor::from_vector({1, 1, 4, 4},
                                       {1, 1, 2, 4,  //
                                        5, 6, 7, 8,  //
                                        3, 2, 1, 0,  //
                                        1, 2, 3, 4},
                                       ref());
  const Pool2dParams p{2, 2, 0, SizeRule::floor};
  const Tensor y = maxpool2d_forward(x, p);
  REQUIRE(y.shape() == Shape{1, 1, 2, 2});
  CHECK(y.to_vector() == std::vector<float>{6, 8, 3, 4});

  // dL/dX = 1(X = Y)·dL/dY: each upstream value lands where its window's maximum was.
  const Tensor dy = Tensor::from_vector({1, 1, 2, 2}, {10, 20, 30, 40}, ref());
  CHECK(maxpool2d_backward(x, dy, p).to_vector() == std::vector<float>{0, 0, 0, 0,    //
                                                                       0, 10, 0, 20,  //
                                                                       30, 0, 0, 0,   //
                                                                       0, 0, 0, 40});
}

TEST_CASE("max-pool tie rule: the first maximum in row-major order gets the whole gradient",
          "[seed][pool]") {
  // The lecture's indicator 1(X = Y) would credit every tied position; cnnlab (like PyTorch)
  // credits only the first one, so the gradient's total is preserved.
  const Tensor x = Tensor::from_vector({1, 1, 2, 2}, {5, 5, 1, 5}, ref());
  const Tensor dy = Tensor::from_vector({1, 1, 1, 1}, {1}, ref());
  CHECK(maxpool2d_backward(x, dy, {2, 2, 0, SizeRule::floor}).to_vector() ==
        std::vector<float>{1, 0, 0, 0});
}

// ---- the toy X/O ConvNet (docs/xo.md) -----------------------------------------------------------
namespace {

// The slides print the feature matches cut (not rounded) to two decimals: 7/9 shows as 0.77.
// Each match is (number of agreeing pixels − disagreeing pixels)/9, so 9·value must be an
// integer m, and the slide shows m·100/9 cut towards zero, in hundredths.
void expect_as_printed(const Tensor& t, int64_t feature, const std::vector<int>& hundredths) {
  const std::vector<float> v = t.to_vector();
  const int64_t plane = t.dim(2) * t.dim(3);
  REQUIRE(static_cast<int64_t>(hundredths.size()) == plane);
  for (int64_t i = 0; i < plane; ++i) {
    const double nine_v = 9.0 * v[static_cast<size_t>(feature * plane + i)];
    const long m = std::lround(nine_v);
    INFO("feature " << feature << ", row " << i / t.dim(3) << ", column " << i % t.dim(3));
    CHECK(std::abs(nine_v - static_cast<double>(m)) < 1e-5);  // "multiply, add up" gives an integer
    CHECK(m * 100 / 9 ==
          hundredths[static_cast<size_t>(i)]);  // "divide by 9", shown as on the slide
  }
}

// The three 7×7 tables of filtered values printed in the lecture (in hundredths).
const std::vector<int> kFilteredBackslash = {77,  -11, 11,  33,  55,  -11, 33,   //
                                             -11, 100, -11, 33,  -11, 11,  -11,  //
                                             11,  -11, 100, -33, 11,  -11, 55,   //
                                             33,  33,  -33, 55,  -33, 33,  33,   //
                                             55,  -11, 11,  -33, 100, -11, 11,   //
                                             -11, 11,  -11, 33,  -11, 100, -11,  //
                                             33,  -11, 55,  33,  11,  -11, 77};
// (The slides' stacked overview misprints row 2, column 1 of this table as +0.55; the table of
// its own slide, used here, has −0.55, which is what the arithmetic gives.)
const std::vector<int> kFilteredCross = {33,  -55, 11,  -11, 11,  -55, 33,   //
                                         -55, 55,  -55, 33,  -55, 55,  -55,  //
                                         11,  -55, 55,  -77, 55,  -55, 11,   //
                                         -11, 33,  -77, 100, -77, 33,  -11,  //
                                         11,  -55, 55,  -77, 55,  -55, 11,   //
                                         -55, 55,  -55, 33,  -55, 55,  -55,  //
                                         33,  -55, 11,  -11, 11,  -55, 33};
const std::vector<int> kFilteredSlash = {33,  -11, 55,  33,  11,  -11, 77,   //
                                         -11, 11,  -11, 33,  -11, 100, -11,  //
                                         55,  -11, 11,  -33, 100, -11, 11,   //
                                         33,  33,  -33, 55,  -33, 33,  33,   //
                                         11,  -11, 100, -33, 11,  -11, 55,   //
                                         -11, 100, -11, 33,  -11, 11,  -11,  //
                                         77,  -11, 11,  33,  55,  -11, 33};
// The three 4×4 pooled tables of the lecture.
const std::vector<int> kPooledBackslash = {100, 33, 55,  33, 33, 100, 33, 55,
                                           55,  33, 100, 11, 33, 55,  11, 77};
const std::vector<int> kPooledCross = {55, 33, 55, 33, 33, 100, 55, 11,
                                       55, 55, 55, 11, 33, 11,  11, 33};
const std::vector<int> kPooledSlash = {33,  55,  100, 77, 55, 55, 100, 33,
                                       100, 100, 11,  55, 77, 33, 55,  33};

}  // namespace

TEST_CASE("seed: X/O toy network, filtered tables", "[seed][xo]") {
  const xo::Tables t = xo::run(Tensor::from_vector({1, 1, 9, 9}, xo::x_image(), ref()));
  REQUIRE(t.filtered.shape() == Shape{1, 3, 7, 7});
  expect_as_printed(t.filtered, 0, kFilteredBackslash);
  expect_as_printed(t.filtered, 1, kFilteredCross);
  expect_as_printed(t.filtered, 2, kFilteredSlash);
}

TEST_CASE("seed: X/O toy network, rectified tables", "[seed][xo]") {
  const xo::Tables t = xo::run(Tensor::from_vector({1, 1, 9, 9}, xo::x_image(), ref()));
  REQUIRE(t.rectified.shape() == Shape{1, 3, 7, 7});
  // The slide shows the first row of the first rectified map: 0.77 0 0.11 0.33 0.55 0 0.33.
  const std::vector<float> r = t.rectified.to_vector(), f = t.filtered.to_vector();
  const std::vector<int> first_row = {77, 0, 11, 33, 55, 0, 33};
  for (size_t j = 0; j < 7; ++j) CHECK(std::lround(9.0 * r[j]) * 100 / 9 == first_row[j]);
  // And everywhere: negatives become 0, the rest pass unchanged.
  for (size_t i = 0; i < r.size(); ++i) CHECK(r[i] == (f[i] > 0 ? f[i] : 0.0f));
}

TEST_CASE("seed: X/O toy network, pooled tables (2x2 max, stride 2, 7x7 -> 4x4)", "[seed][xo]") {
  const xo::Tables t = xo::run(Tensor::from_vector({1, 1, 9, 9}, xo::x_image(), ref()));
  REQUIRE(t.pooled.shape() == Shape{1, 3, 4, 4});
  expect_as_printed(t.pooled, 0, kPooledBackslash);
  expect_as_printed(t.pooled, 1, kPooledCross);
  expect_as_printed(t.pooled, 2, kPooledSlash);
}

// ---- Transposed convolution ("learnable upsampling"): the lecture's animations ---------------
// Each input pixel x[i,j] stamps a copy of the filter, scaled by x[i,j], into the output with
// its top-left corner at (i·S − P, j·S − P); where stamps overlap they add up. The numbers below
// are worked by hand from that picture (x = [[1, 2], [3, 4]] and w = [[1, 0, -1], [2, 1, 0],
// [0, 1, 1]] in both 2-D examples).
namespace {
const std::vector<float> kUpsampleX = {1, 2,  //
                                       3, 4};
const std::vector<float> kUpsampleW = {1, 0, -1,  //
                                       2, 1, 0,   //
                                       0, 1, 1};
}  // namespace

TEST_CASE("seed: transposed convolution upsamples a 2x2 input to a 4x4 output (3x3, stride 1)",
          "[seed][conv_transpose2d]") {
  // H2 = (H - 1)S - 2P + F = (2 - 1)·1 - 0 + 3 = 4. The four stamps (1·w at (0,0), 2·w at (0,1),
  // 3·w at (1,0), 4·w at (1,1)):
  //   1·w           2·w            3·w            4·w
  //   1  0 -1 .     .  2  0 -2     .  .  .  .     .  .  .  .
  //   2  1  0 .     .  4  2  0     3  0 -3  .     .  4  0 -4
  //   0  1  1 .     .  0  2  2     6  3  0  .     .  8  4  0
  //   .  .  . .     .  .  .  .     0  3  3  .     .  0  4  4
  // Sum, e.g. y[1,1] = 1 + 4 + 0 + 4 = 9 and y[2,1] = 1 + 0 + 3 + 8 = 12:
  const Tensor x = Tensor::from_vector({1, 1, 2, 2}, kUpsampleX, ref());
  const Tensor w = Tensor::from_vector({1, 1, 3, 3}, kUpsampleW, ref());
  const Tensor y = conv_transpose2d_forward(x, w, Tensor(), {.stride = 1});
  REQUIRE(y.shape() == Shape{1, 1, 4, 4});
  CHECK(y.to_vector() == std::vector<float>{1, 2, -1, -2,  //
                                            5, 9, -1, -4,  //
                                            6, 12, 7, 2,   //
                                            0, 3, 7, 4});
}

TEST_CASE("seed: transposed convolution upsamples a 2x2 input to a 5x5 output (3x3, stride 2)",
          "[seed][conv_transpose2d]") {
  // H2 = (2 - 1)·2 - 0 + 3 = 5. Stamps two pixels apart: 1·w at (0,0), 2·w at (0,2), 3·w at
  // (2,0), 4·w at (2,2); they overlap only on row 2 and column 2:
  //   y[0,2] = -1 (1·w) + 2 (2·w)            = 1
  //   y[2,2] =  1 (1·w) + 0 (2·w) - 3 (3·w) + 4 (4·w) = 2
  //   y[3,2] =  0 (3·w) + 8 (4·w)            = 8
  const Tensor x = Tensor::from_vector({1, 1, 2, 2}, kUpsampleX, ref());
  const Tensor w = Tensor::from_vector({1, 1, 3, 3}, kUpsampleW, ref());
  const Tensor y = conv_transpose2d_forward(x, w, Tensor(), {.stride = 2});
  REQUIRE(y.shape() == Shape{1, 1, 5, 5});
  CHECK(y.to_vector() == std::vector<float>{1, 0, 1, 0, -2,  //
                                            2, 1, 4, 2, 0,   //
                                            3, 1, 2, 2, -2,  //
                                            6, 3, 8, 4, 0,   //
                                            0, 3, 3, 4, 4});
  // With padding 1 the outer ring is cropped: (2 - 1)·2 - 2 + 3 = 3, the middle 3x3 of the above;
  // output_padding 1 gives one row and column more at the bottom/right (PyTorch's rule): 4x4.
  const Tensor cropped = conv_transpose2d_forward(x, w, Tensor(), {.stride = 2, .padding = 1});
  REQUIRE(cropped.shape() == Shape{1, 1, 3, 3});
  CHECK(cropped.to_vector() == std::vector<float>{1, 4, 2,  //
                                                  1, 2, 2,  //
                                                  3, 8, 4});
  const Tensor padded =
      conv_transpose2d_forward(x, w, Tensor(), {.stride = 2, .padding = 1, .output_padding = 1});
  REQUIRE(padded.shape() == Shape{1, 1, 4, 4});
  CHECK(padded.to_vector() == std::vector<float>{1, 4, 2, 0,   //
                                                 1, 2, 2, -2,  //
                                                 3, 8, 4, 0,   //
                                                 3, 3, 4, 4});
}

TEST_CASE("seed: 1-D transposed convolution, input [2, 3, 0, -1], kernel [1, 2, -1]",
          "[seed][conv_transpose2d]") {
  // The lecture's 1-D picture as a 1xL image: each input value stamps value·[1, 2, -1], one
  // position further each time (stride 1), into an output of length 4 + 3 - 1 = 6:
  //    2·k:   2  4 -2  .  .  .
  //    3·k:   .  3  6 -3  .  .
  //    0·k:   .  .  0  0  0  .
  //   -1·k:   .  .  . -1 -2  1
  //   sum:    2  7  4 -4 -2  1
  const Tensor x = Tensor::from_vector({1, 1, 1, 4}, {2, 3, 0, -1}, ref());
  const Tensor w = Tensor::from_vector({1, 1, 1, 3}, {1, 2, -1}, ref());
  CHECK(conv_transpose2d_forward(x, w, Tensor()).to_vector() ==
        std::vector<float>{2, 7, 4, -4, -2, 1});
  // Stride 2: the stamps are two apart and overlap in one place each: length (4-1)·2 + 3 = 9.
  //   2 4 (-2+3) 6 (-3+0) 0 (0-1) -2 1
  CHECK(conv_transpose2d_forward(x, w, Tensor(), {.stride = 2}).to_vector() ==
        std::vector<float>{2, 4, 1, 6, -3, 0, -1, -2, 1});
  // The parameter count is the convolution's: C·(K/G)·F·F weights + K biases; a DCGAN layer
  // from 128 to 64 channels with 4x4 filters has 128·64·16 + 64 = 131,136.
  CHECK(conv_transpose2d_parameter_count(128, 64, 4, 1, true) == 131136);
}

// ---- dilated convolution (seed 004: "3×3 kernel with dilation rate 2") --------------------------
// The slide's figure: a 3×3 filter with dilation rate 2 on a 7×7 input, stride 1, no padding.
// Its taps sit two pixels apart, so each output sees a 5×5 patch (D·(F − 1) + 1 = 5) through 9
// weights, and the output is (7 − 5)/1 + 1 = 3 wide. With x[h][w] = 7h + w (0 .. 48):
//   - all-ones filter: y[i][j] = Σ_{u,v<3} x[i + 2u][j + 2v] = Σ 7(i + 2u) + (j + 2v)
//                      = 9·(7i + j) + 7·2·(0+1+2)·3 + 2·(0+1+2)·3 = 63i + 9j + 144
//     → 144 153 162 / 207 216 225 / 270 279 288;
//   - a filter that is 1 only at its bottom-right tap (u = v = 2): y[i][j] = x[i + 4][j + 4]
//     = 7i + j + 32 → 32 33 34 / 39 40 41 / 46 47 48 — the 5×5 patch's far corner;
//   - "dilation rate 1 is standard convolution": the same all-ones filter at D = 1 gives
//     9·(7i + j) + 7·(0+1+2)·3 + (0+1+2)·3 = 63i + 9j + 72 on a 5×5 output (first row 72 81 90 99
//     108);
//   - "a subtle difference with stride > 1": stride 2 without dilation also gives a 3×3 output,
//     but its windows are dense 3×3 patches taken two pixels apart, Σ x[2i + u][2j + v]
//     = 9·(14i + 2j) + 7·(0+1+2)·3 + (0+1+2)·3 = 126i + 18j + 72 → 72 90 108 / 198 216 234 /
//     324 342 360.
TEST_CASE("seed: 3x3 filter with dilation rate 2 on 7x7: a 5x5 receptive field",
          "[seed][dilation]") {
  std::vector<float> xv(49);
  for (size_t e = 0; e < xv.size(); ++e) xv[e] = static_cast<float>(e);  // x[h][w] = 7h + w
  for (const char* name : {"reference", "openmp"}) {
    Backend& be = backend_by_name(name);
    INFO(name);
    const Tensor x = Tensor::from_vector({1, 1, 7, 7}, xv, be);
    const Tensor ones = Tensor::from_vector({1, 1, 3, 3}, std::vector<float>(9, 1.0f), be);
    const Tensor corner = Tensor::from_vector({1, 1, 3, 3}, {0, 0, 0, 0, 0, 0, 0, 0, 1}, be);
    const Conv2dParams dilated{.dilation = 2};

    const Tensor y = conv2d_forward(x, ones, Tensor(), dilated);
    REQUIRE(y.shape() == Shape{1, 1, 3, 3});
    CHECK(y.to_vector() == std::vector<float>{144, 153, 162, 207, 216, 225, 270, 279, 288});
    CHECK(conv2d_forward(x, corner, Tensor(), dilated).to_vector() ==
          std::vector<float>{32, 33, 34, 39, 40, 41, 46, 47, 48});

    const Tensor y1 = conv2d_forward(x, ones, Tensor(), {});
    REQUIRE(y1.shape() == Shape{1, 1, 5, 5});
    CHECK(y1.to_vector()[0] == 72);
    CHECK(y1.to_vector()[4] == 108);
    CHECK(conv2d_forward(x, ones, Tensor(), {.stride = 2}).to_vector() ==
          std::vector<float>{72, 90, 108, 198, 216, 234, 324, 342, 360});

    // The gradient of the dilated filter: with dL/dy = 1 everywhere, dL/dw[u][v] is the sum of
    // the 3×3 input pixels that tap (u, v) meets, x[2u + i][2v + j] for i, j < 3:
    // Σ 7(2u + i) + (2v + j) = 9·(14u + 2v) + 63 + 9 = 126u + 18v + 72.
    const Tensor dy = Tensor::from_vector({1, 1, 3, 3}, std::vector<float>(9, 1.0f), be);
    CHECK(conv2d_backward_weight(x, dy, {1, 1, 3, 3}, false, dilated).dw.to_vector() ==
          std::vector<float>{72, 90, 108, 198, 216, 234, 324, 342, 360});
  }
}
