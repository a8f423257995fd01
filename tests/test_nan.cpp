// test_nan.cpp — a NaN that enters a network must come out of it, as in PyTorch.
//
// A diverging network produces NaNs; if an op turned them into ordinary numbers, training would
// go on silently with garbage. The rules checked here (on the reference and OpenMP backends):
//   relu      y = (x <= 0) ? 0 : x        so relu(NaN) = NaN
//             dx = (x <= 0) ? 0 : dy      a NaN x lets dy through (PyTorch's threshold_backward)
//   maxpool   each window's value is its FIRST NaN in row-major order if it holds one, else its
//             first maximum; backward sends dy to that same position.
//   sigmoid, tanh, softmax, conv2d, linear, avgpool: every output that depends on a NaN is NaN.
// The expected values are computed in this file from those rules, with plain loops.
#include <catch2/catch.hpp>

#include <cnnlab/core/backend.hpp>
#include <cnnlab/ops/ops.hpp>

#include "nan_rules.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace cnnlab;
using cnnlab::testing::maxpool_pick;
using cnnlab::testing::same_or_both_nan;

namespace {
const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

/// The backends under test: reference, and openmp when this build has it.
std::vector<std::string> nan_backends() {
  std::vector<std::string> names;
  for (const std::string& n : backend_names())
    if (n == "reference" || n == "openmp") names.push_back(n);
  return names;
}

/// Random values in [-1, 1], so every planted NaN or infinity is the odd one out.
std::vector<float> random_values(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& e : v) e = dist(rng);
  return v;
}

/// Element-by-element: equal, or both NaN. Reports the first few differences.
void check_same(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  int reported = 0;
  for (size_t i = 0; i < got.size() && reported < 5; ++i) {
    const bool ok = same_or_both_nan(want[i], got[i]);
    if (!ok) {
      INFO("element " << i << ": got " << got[i] << ", expected " << want[i]);
      CHECK(ok);
      ++reported;
    }
  }
}

/// Checks maxpool2d forward and backward of x [N, C, H, W] against maxpool_pick(), on every
/// backend.
void check_maxpool(const Shape& s, const std::vector<float>& x, const Pool2dParams& p) {
  const int64_t planes = s[0] * s[1], H = s[2], W = s[3], F = p.kernel;
  const int64_t S = p.stride == 0 ? p.kernel : p.stride, P = p.padding;
  const Tensor xr = Tensor::from_vector(s, x, reference_backend());
  const Shape ys = maxpool2d_forward(xr, p).shape();
  const int64_t H2 = ys[2], W2 = ys[3];
  std::vector<float> dy(static_cast<size_t>(numel(ys)));
  for (size_t e = 0; e < dy.size(); ++e) dy[e] = static_cast<float>(e + 1);  // all different
  std::vector<float> want_y(dy.size()), want_dx(x.size(), 0.0f);
  for (int64_t pl = 0; pl < planes; ++pl)
    for (int64_t i = 0; i < H2; ++i)
      for (int64_t j = 0; j < W2; ++j) {
        const int64_t at = maxpool_pick(x, pl, H, W, F, S, P, i, j);
        const auto o = static_cast<size_t>((pl * H2 + i) * W2 + j);
        want_y[o] = x[static_cast<size_t>(pl * H * W + at)];
        want_dx[static_cast<size_t>(pl * H * W + at)] += dy[o];
      }
  for (const std::string& name : nan_backends()) {
    INFO("backend " << name << ", x " << to_string(s) << ", F=" << F << " S=" << S << " P=" << P);
    Backend& be = backend_by_name(name);
    const Tensor xt = Tensor::from_vector(s, x, be);
    check_same(maxpool2d_forward(xt, p).to_vector(), want_y);
    check_same(maxpool2d_backward(xt, Tensor::from_vector(ys, dy, be), p).to_vector(), want_dx);
  }
}

/// Writes the four values of a 2×2 pattern into window (i, j) of a 2×2 / stride 2 pooling:
/// q = {top left, top right, bottom left, bottom right}, i.e. row-major order.
void plant_2x2(std::vector<float>& x, int64_t plane, int64_t H, int64_t W, int64_t i, int64_t j,
               const std::vector<float>& q) {
  float* p = x.data() + plane * H * W;
  p[(2 * i) * W + 2 * j] = q[0];
  p[(2 * i) * W + 2 * j + 1] = q[1];
  p[(2 * i + 1) * W + 2 * j] = q[2];
  p[(2 * i + 1) * W + 2 * j + 1] = q[3];
}

/// Window patterns: NaN first, in the middle, last, several, all; NaN next to ±inf; and, for
/// contrast, windows without NaN (ties and infinities: the first maximum wins).
const std::vector<std::vector<float>> kPatterns = {
    {kNaN, 1, 2, 3},
    {1, kNaN, 5, 3},
    {1, 2, kNaN, 0},
    {1, 2, 3, kNaN},
    {1, kNaN, kNaN, 3},
    {kNaN, 0, 0, kNaN},
    {kNaN, kNaN, kNaN, kNaN},
    {-kInf, kNaN, -kInf, -kInf},
    {kInf, kNaN, 1, 2},
    {kInf, kInf, kNaN, kInf},
    {1, kInf, kInf, 2},
    {-kInf, -kInf, -kInf, -kInf},
    {2, 2, 2, 2},
    {-1, 3, 3, -1},
    {kNaN, kInf, -kInf, 0},
    {0, -kInf, kInf, kNaN},
};
}  // namespace

TEST_CASE("NaN: relu forward keeps NaN, backward lets dy through", "[nan]") {
  // NaN and infinities at positions that fall in SIMD lanes and in the loop's tail.
  std::vector<float> x = random_values(1003, 1);
  for (size_t e : {0, 5, 16, 17, 31, 500, 1001}) x[e] = kNaN;
  x[2] = kInf;
  x[3] = -kInf;
  x[4] = 0.0f;
  x[6] = -0.0f;
  const std::vector<float> dy = random_values(x.size(), 2);
  std::vector<float> want_y(x.size()), want_dx(x.size());
  for (size_t e = 0; e < x.size(); ++e) {
    want_y[e] = x[e] <= 0.0f ? 0.0f : x[e];    // NaN <= 0 is false: NaN stays
    want_dx[e] = x[e] <= 0.0f ? 0.0f : dy[e];  // at a NaN x, dy passes
  }
  for (const std::string& name : nan_backends()) {
    INFO("backend " << name);
    Backend& be = backend_by_name(name);
    const Tensor xt = Tensor::from_vector({1003}, x, be);
    check_same(relu_forward(xt).to_vector(), want_y);
    check_same(relu_backward(xt, Tensor::from_vector({1003}, dy, be)).to_vector(), want_dx);
  }
}

TEST_CASE("NaN: 2x2 stride-2 max pooling picks the first NaN of a window", "[nan][pool]") {
  // The OpenMP backend has its own vectorised loop for this common case. The patterns fill
  // windows across whole rows, so every SIMD lane and the row's tail meet a NaN.
  const int64_t N = 2, C = 3, H = 6, W = 2 * 37;
  std::vector<float> x = random_values(static_cast<size_t>(N * C * H * W), 3);
  int64_t k = 0;
  for (int64_t pl = 0; pl < N * C; ++pl)
    for (int64_t i = 0; i < H / 2; ++i)
      for (int64_t j = 0; j < W / 2; ++j, ++k)
        if ((k % 3) != 2)
          plant_2x2(x, pl, H, W, i, j, kPatterns[static_cast<size_t>(k) % kPatterns.size()]);
  check_maxpool({N, C, H, W}, x, {2, 2, 0, SizeRule::floor});
}

TEST_CASE("NaN: general max pooling (3x3, stride, padding, ceil mode) picks the first NaN",
          "[nan][pool]") {
  const Shape s{1, 2, 9, 11};
  std::vector<float> x = random_values(static_cast<size_t>(numel(s)), 4);
  for (size_t e : {0, 4, 12, 13, 40, 60, 98, 100, 150, 197}) x[e] = kNaN;  // corners, edges, inside
  x[14] = kInf;
  x[41] = -kInf;
  x[61] = kInf;
  check_maxpool(s, x, {3, 2, 1, SizeRule::floor});  // overlapping windows, padding at the border
  check_maxpool(s, x, {3, 1, 0, SizeRule::floor});  // stride 1: a NaN sits in up to 9 windows
  check_maxpool(s, x, {2, 3, 1, SizeRule::ceil});   // ceil mode: windows cut short at the border
  // Whole planes of NaN and of -inf: the NaN plane gives NaN everywhere, the other -inf.
  std::vector<float> odd(static_cast<size_t>(numel(s)), kNaN);
  std::fill(odd.begin() + 99, odd.end(), -kInf);
  check_maxpool(s, odd, {3, 2, 1, SizeRule::floor});
  check_maxpool({1, 2, 4, 4}, std::vector<float>(32, kNaN), {2, 2, 0, SizeRule::floor});
}

TEST_CASE("NaN: sigmoid, tanh, softmax, linear, avgpool and conv2d propagate NaN", "[nan]") {
  for (const std::string& name : nan_backends()) {
    INFO("backend " << name);
    Backend& be = backend_by_name(name);
    // Elementwise: y is NaN exactly where x is.
    std::vector<float> v = random_values(100, 5);
    v[0] = v[37] = v[99] = kNaN;
    const Tensor x = Tensor::from_vector({100}, v, be);
    for (const Tensor& y : {sigmoid_forward(x), tanh_forward(x)}) {
      const std::vector<float> out = y.to_vector();
      for (size_t e = 0; e < v.size(); ++e) CHECK(std::isnan(out[e]) == std::isnan(v[e]));
    }
    // Softmax [4, 5]: a row holding a NaN (first, middle or last) is all NaN; row 3 has none.
    std::vector<float> s = random_values(20, 6);
    s[0] = s[7] = s[14] = kNaN;
    const std::vector<float> sm = softmax_forward(Tensor::from_vector({4, 5}, s, be)).to_vector();
    for (size_t e = 0; e < 20; ++e) CHECK(std::isnan(sm[e]) == (e < 15));
    // Linear: a NaN in row n of x makes row n of y NaN, and nothing else.
    std::vector<float> xl = random_values(3 * 4, 7);
    xl[5] = kNaN;  // row 1
    const std::vector<float> yl =
        linear_forward(Tensor::from_vector({3, 4}, xl, be),
                       Tensor::from_vector({4, 6}, random_values(24, 8), be),
                       Tensor::from_vector({6}, random_values(6, 9), be))
            .to_vector();
    for (size_t e = 0; e < yl.size(); ++e) CHECK(std::isnan(yl[e]) == (e / 6 == 1));
    // Average pooling 2x2: only the window holding the NaN.
    std::vector<float> xa = random_values(16, 10);
    xa[6] = kNaN;  // row 1, column 2: window (0, 1)
    const std::vector<float> ya =
        avgpool2d_forward(Tensor::from_vector({1, 1, 4, 4}, xa, be)).to_vector();
    for (size_t e = 0; e < ya.size(); ++e) CHECK(std::isnan(ya[e]) == (e == 1));
  }
}

TEST_CASE("NaN: conv2d output is NaN exactly where a filter touches a NaN input", "[nan][conv2d]") {
  struct Case {
    Shape x;
    int64_t K, F;
    Conv2dParams p;
  };
  // Shapes that take the backends' different paths: 3x3 with padding, 1x1, stride 2, many filters.
  const std::vector<Case> cases = {{{2, 3, 8, 8}, 4, 3, {1, 1, 1, 1}},
                                   {{1, 4, 7, 9}, 16, 3, {1, 1, 1, 1}},
                                   {{1, 3, 6, 6}, 5, 1, {1, 0, 1, 1}},
                                   {{1, 2, 9, 9}, 3, 3, {2, 0, 1, 1}},
                                   {{1, 4, 8, 8}, 32, 5, {1, 2, 1, 2}}};
  for (const Case& c : cases) {
    const int64_t N = c.x[0], C = c.x[1], W = c.x[3], G = c.p.groups;
    const int64_t S = c.p.stride, P = c.p.padding, F = c.F;
    std::vector<float> xv = random_values(static_cast<size_t>(numel(c.x)), 11);
    // One NaN in image 0, channel 0 (group 0), at row 2, column 3.
    const int64_t nh = 2, nw = 3;
    xv[static_cast<size_t>(nh * W + nw)] = kNaN;
    const Shape ws{c.K, C / G, F, F};
    const std::vector<float> wv = random_values(static_cast<size_t>(numel(ws)), 12);
    for (const std::string& name : nan_backends()) {
      INFO("backend " << name << ", x " << to_string(c.x) << ", K=" << c.K << " F=" << F);
      Backend& be = backend_by_name(name);
      const Tensor y = conv2d_forward(Tensor::from_vector(c.x, xv, be),
                                      Tensor::from_vector(ws, wv, be), Tensor(), c.p);
      const int64_t K = y.dim(1), H2 = y.dim(2), W2 = y.dim(3);
      const std::vector<float> out = y.to_vector();
      int64_t expected_nans = 0, wrong = 0;
      for (int64_t n = 0; n < N; ++n)
        for (int64_t k = 0; k < K; ++k)
          for (int64_t i = 0; i < H2; ++i)
            for (int64_t j = 0; j < W2; ++j) {
              // Filter k reads group k/(K/G); the NaN is in channel 0, i.e. group 0.
              const bool touches = n == 0 && k / (K / G) == 0 && i * S - P <= nh &&
                                   nh < i * S - P + F && j * S - P <= nw && nw < j * S - P + F;
              const float v = out[static_cast<size_t>(((n * K + k) * H2 + i) * W2 + j)];
              expected_nans += touches;
              if (std::isnan(v) != touches && ++wrong <= 5) {
                INFO("y[" << n << ", " << k << ", " << i << ", " << j << "] = " << v);
                CHECK(std::isnan(v) == touches);
              }
            }
      CHECK(wrong == 0);
      CHECK(expected_nans > 0);  // the case does test something
    }
  }
}
