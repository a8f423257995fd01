// test_vulkan_nan.cpp — NaN propagation on the Vulkan backend, checked against the rules
// themselves (PyTorch's), not against another backend.
//
// Contract under test (the same in every backend):
//   relu_forward       y  = (x <= 0) ? 0 : x     — a NaN input stays NaN
//   relu_backward      dx = (x <= 0) ? 0 : dy    — a NaN x passes dy through
//   maxpool2d_forward  each window's value is its FIRST NaN in row-major scan order if it has
//                      one, else its first maximum; padding never wins
//   maxpool2d_backward dy goes to that same position
//   sigmoid, tanh, softmax (the whole row), conv2d, linear, avgpool: an output that depends on a
//   NaN input is NaN, and only those.
// A diverging network must not hide its NaNs. The expected values below are computed here, by
// those rules, with plain loops; GLSL's max() and loose NaN comparisons in drivers are exactly
// what this guards against.
#include "nan_rules.hpp"
#include "vulkan_test_util.hpp"

#include <cnnlab/ops/ops.hpp>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace cnnlab;
using namespace cnnlab::vktest;
using cnnlab::testing::maxpool_pick;
using cnnlab::testing::same_or_both_nan;

namespace {
const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

/// Quiet NaNs told apart by their payload, so a test can see WHICH NaN came out.
float nan_with_payload(uint32_t payload) { return std::bit_cast<float>(0x7fc00000u | payload); }

/// Checks @p got against @p want element by element (NaN matches NaN), naming the first mismatch.
void expect_same(const std::string& what, const std::vector<float>& want,
                 const std::vector<float>& got) {
  REQUIRE(want.size() == got.size());
  size_t bad = 0;
  for (size_t i = 0; i < want.size(); ++i)
    if (!same_or_both_nan(want[i], got[i])) {
      if (bad == 0)
        UNSCOPED_INFO(what << ": first mismatch at " << i << ": want " << want[i] << ", got "
                           << got[i]);
      ++bad;
    }
  CHECK(bad == 0);
  if (bad == 0) std::cout << "OK vulkan nan " << what << "\n";
}

/// Checks that got[i] is NaN exactly where @p nan_at[i] is set, and finite elsewhere.
void expect_nan_mask(const std::string& what, const std::vector<bool>& nan_at,
                     const std::vector<float>& got) {
  REQUIRE(nan_at.size() == got.size());
  size_t bad = 0, nans = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    nans += nan_at[i] ? 1 : 0;
    if (nan_at[i] ? !std::isnan(got[i]) : !std::isfinite(got[i])) {
      if (bad == 0)
        UNSCOPED_INFO(what << ": element " << i << " should be " << (nan_at[i] ? "NaN" : "finite")
                           << ", got " << got[i]);
      ++bad;
    }
  }
  CHECK(nans > 0);  // the case really has NaN outputs
  CHECK(bad == 0);
  if (bad == 0) std::cout << "OK vulkan nan " << what << " (" << nans << " NaN outputs)\n";
}

/// x[N, C, H, W] (one plane per n·C + c) as a reference-backend tensor.
Tensor host(const Shape& s, const std::vector<float>& v) {
  return Tensor::from_vector(s, v, reference_backend());
}

/// The max-pool rule (nan_rules.hpp) for every window of every plane of x[planes, H, W], in
/// output order: the flat in-plane position each window picks.
std::vector<int64_t> maxpool_choice(const std::vector<float>& x, int64_t planes, int64_t H,
                                    int64_t W, int64_t F, int64_t S, int64_t P) {
  const int64_t H2 = (H + 2 * P - F) / S + 1, W2 = (W + 2 * P - F) / S + 1;
  std::vector<int64_t> choice;
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < H2; ++i)
      for (int64_t j = 0; j < W2; ++j) choice.push_back(maxpool_pick(x, p, H, W, F, S, P, i, j));
  return choice;
}

/// Runs max pooling forward and backward on Vulkan over x[planes=N·C, H, W] and checks both
/// against maxpool_choice(): y is the chosen element (NaN for a NaN), and dx holds each window's
/// dy (distinct powers of two, so every sum is exact and shows which windows contributed) at its
/// chosen position.
void check_maxpool(const std::string& what, const Shape& xs, const std::vector<float>& x, int F,
                   int S, int P) {
  Backend& be = vk();
  const int64_t planes = xs[0] * xs[1], H = xs[2], W = xs[3];
  const std::vector<int64_t> choice = maxpool_choice(x, planes, H, W, F, S, P);
  const Pool2dParams pp{F, S, P, SizeRule::floor};
  const Tensor xv = host(xs, x).to(be);
  const Tensor y = maxpool2d_forward(xv, pp);
  REQUIRE(static_cast<size_t>(y.numel()) == choice.size());
  const int64_t outs_per_plane = static_cast<int64_t>(choice.size()) / planes;
  std::vector<float> want_y(choice.size()), dy(choice.size()), want_dx(x.size(), 0.0f);
  for (size_t o = 0; o < choice.size(); ++o) {
    const int64_t plane = static_cast<int64_t>(o) / outs_per_plane;
    const size_t at = static_cast<size_t>(plane * H * W + choice[o]);
    want_y[o] = x[at];
    dy[o] = std::ldexp(1.0f, static_cast<int>(o % 20));  // 1, 2, 4, ...: sums stay exact
    want_dx[at] += dy[o];
  }
  expect_same(what + " maxpool2d_forward", want_y, y.to_vector());
  const Tensor dx = maxpool2d_backward(xv, host(y.shape(), dy).to(be), pp);
  expect_same(what + " maxpool2d_backward", want_dx, dx.to_vector());
}
}  // namespace

TEST_CASE("relu keeps NaN forward and passes dy through a NaN input backward", "[vulkan][nan]") {
  Backend& be = vk();
  // 11 elements: not a multiple of the shader's four lanes, NaNs in several lanes
  const std::vector<float> x = {-1.0f, 0.0f,  2.0f, kNaN, -kNaN, kInf,
                                -kInf, -0.0f, 3.0f, kNaN, -2.0f};
  const std::vector<float> dy = {10.0f, 11.0f, 12.0f, 13.0f,  14.0f, 15.0f,
                                 16.0f, kNaN,  18.0f, -19.0f, kNaN};
  std::vector<float> want_y, want_dx;
  for (size_t i = 0; i < x.size(); ++i) {
    want_y.push_back((x[i] <= 0.0f) ? 0.0f : x[i]);    // false for NaN: NaN stays
    want_dx.push_back((x[i] <= 0.0f) ? 0.0f : dy[i]);  // false for NaN: dy passes
  }
  const Shape s = {static_cast<int64_t>(x.size())};
  const Tensor xv = host(s, x).to(be);
  expect_same("relu_forward", want_y, relu_forward(xv).to_vector());
  expect_same("relu_backward", want_dx, relu_backward(xv, host(s, dy).to(be)).to_vector());
}

TEST_CASE("max pooling picks a window's first NaN, and its gradient goes there", "[vulkan][nan]") {
  const float a = nan_with_payload(1), b = nan_with_payload(2), c = nan_with_payload(3);
  {
    // x[1, 1, 4, 6], 2x2 windows, stride 2: six windows, each a case (positions in row-major
    // order within the window: 0 1 / 2 3)
    //   w0: NaN first          w1: NaN in the middle (pos 1)   w2: NaN last (pos 3)
    //   w3: NaNs at 1 and 3, a larger value at 0               w4: all NaN     w5: no NaN, ties
    // clang-format off
    const std::vector<float> x = {
        a,    5.0f,   1.0f, b,      9.0f, 2.0f,
        7.0f, 8.0f,   3.0f, 4.0f,   6.0f, c,
        9.0f, a,      a,    b,      4.0f, 4.0f,
        1.0f, c,      c,    a,      1.0f, 4.0f};
    // clang-format on
    check_maxpool("2x2 windows", {1, 1, 4, 6}, x, 2, 2, 0);
  }
  {
    // 3x3 windows with padding 1, stride 2, over x[1, 2, 5, 5] of negative numbers: padding must
    // never win, and NaNs sit on the edges where windows overlap.
    std::vector<float> x(50);
    for (size_t i = 0; i < x.size(); ++i) x[i] = -1.0f - static_cast<float>((i * 7) % 11);
    x[0] = a;                                   // corner: first of its window
    x[2] = b;                                   // shared by two windows (column 2 with stride 2)
    x[12] = c;                                  // the centre, shared by four windows
    x[24] = a;                                  // last element of the first plane
    for (size_t i = 25; i < 30; ++i) x[i] = b;  // second plane: a whole row of NaN
    check_maxpool("3x3 padded windows", {1, 2, 5, 5}, x, 3, 2, 1);
  }
  {
    // overlapping 3x3 windows, stride 1, and random NaNs (about one in eight) over x[2, 3, 9, 9]
    std::vector<float> x = random_tensor({2, 3, 9, 9}, 77).to_vector();
    std::mt19937 rng(78);
    for (float& v : x)
      if (rng() % 8 == 0) v = nan_with_payload(static_cast<uint32_t>(rng() % 1000 + 1));
    check_maxpool("overlapping windows, random NaNs", {2, 3, 9, 9}, x, 3, 1, 0);
    check_maxpool("strided windows, random NaNs", {2, 3, 9, 9}, x, 3, 2, 1);
  }
}

TEST_CASE("sigmoid, tanh, softmax, conv2d, linear and avgpool give NaN where an input is NaN",
          "[vulkan][nan]") {
  Backend& be = vk();
  {
    const std::vector<float> x = {-1.0f, kNaN, 0.5f, 30.0f, -30.0f, kNaN, 2.0f};
    std::vector<bool> mask;
    for (float v : x) mask.push_back(std::isnan(v));
    const Tensor xv = host({7}, x).to(be);
    expect_nan_mask("sigmoid_forward", mask, sigmoid_forward(xv).to_vector());
    expect_nan_mask("tanh_forward", mask, tanh_forward(xv).to_vector());
    const Tensor ones = host({7}, std::vector<float>(7, 1.0f)).to(be);
    const Tensor yv = host({7}, {0.1f, kNaN, 0.5f, 0.9f, 0.2f, kNaN, 0.3f}).to(be);
    expect_nan_mask("sigmoid_backward", mask, sigmoid_backward(yv, ones).to_vector());
    expect_nan_mask("tanh_backward", mask, tanh_backward(yv, ones).to_vector());
  }
  {
    // x[3, 5]: a NaN in row 0 (first), row 2 (last); row 1 clean. Softmax: a NaN row is all NaN.
    std::vector<float> x = random_tensor({3, 5}, 11).to_vector();
    x[0] = kNaN;
    x[14] = kNaN;
    std::vector<bool> mask(15, false);
    for (size_t i = 0; i < 5; ++i) mask[i] = mask[10 + i] = true;
    expect_nan_mask("softmax_forward", mask, softmax_forward(host({3, 5}, x).to(be)).to_vector());
  }
  {
    // conv2d x[2, 3, 6, 6] ⋆ w[4, 3, 3, 3], stride 1, padding 1: output (n, k, i, j) is NaN when
    // its 3x3x3 receptive field holds a NaN (0·NaN is NaN too, so the weights do not matter).
    const int64_t N = 2, C = 3, H = 6, W = 6, K = 4, F = 3, P = 1;
    std::vector<float> x = random_tensor({N, C, H, W}, 12).to_vector();
    x[(0 * C + 1) * H * W + 2 * W + 3] = kNaN;  // x[0, 1, 2, 3]
    x[(1 * C + 2) * H * W + 0 * W + 0] = kNaN;  // x[1, 2, 0, 0], a corner
    std::vector<bool> mask;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k)
        for (int64_t i = 0; i < H; ++i)
          for (int64_t j = 0; j < W; ++j) {
            bool any = false;
            for (int64_t c = 0; c < C; ++c)
              for (int64_t u = 0; u < F; ++u)
                for (int64_t v = 0; v < F; ++v) {
                  const int64_t h = i - P + u, w = j - P + v;
                  if (h >= 0 && h < H && w >= 0 && w < W &&
                      std::isnan(x[static_cast<size_t>(((n * C + c) * H + h) * W + w)]))
                    any = true;
                }
            mask.push_back(any);
          }
    const Tensor w = random_tensor({K, C, F, F}, 13), b = random_tensor({K}, 14);
    expect_nan_mask(
        "conv2d_forward", mask,
        conv2d_forward(host({N, C, H, W}, x).to(be), w.to(be), b.to(be), {1, 1, 1, 1}).to_vector());
    // avgpool 2x2, stride 2 over the same x: a window with a NaN averages to NaN
    std::vector<bool> pmask;
    for (int64_t p = 0; p < N * C; ++p)
      for (int64_t i = 0; i < H / 2; ++i)
        for (int64_t j = 0; j < W / 2; ++j) {
          bool any = false;
          for (int64_t u = 0; u < 2; ++u)
            for (int64_t v = 0; v < 2; ++v)
              any = any ||
                    std::isnan(x[static_cast<size_t>(p * H * W + (2 * i + u) * W + 2 * j + v)]);
          pmask.push_back(any);
        }
    expect_nan_mask(
        "avgpool2d_forward", pmask,
        avgpool2d_forward(host({N, C, H, W}, x).to(be), {2, 2, 0, SizeRule::floor}).to_vector());
  }
  {
    // linear x[3, 4] · w[4, 2] + b: row 1 of x holds a NaN, so row 1 of y is NaN
    std::vector<float> x = random_tensor({3, 4}, 15).to_vector();
    x[6] = kNaN;
    const std::vector<bool> mask = {false, false, true, true, false, false};
    const Tensor w = random_tensor({4, 2}, 16), b = random_tensor({2}, 17);
    expect_nan_mask("linear_forward", mask,
                    linear_forward(host({3, 4}, x).to(be), w.to(be), b.to(be)).to_vector());
  }
}
