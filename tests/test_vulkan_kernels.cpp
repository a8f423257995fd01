// test_vulkan_kernels.cpp — every kernel variant of the Vulkan GEMM/convolution engine, forced one
// at a time, against the reference backend.
//
// The engine chooses a kernel per call (vk_gemm.hpp, vulkan_conv2d.cpp), so the default choice on
// lavapipe never exercises some of them. Two environment variables, read on every call, force one:
//   CNNLAB_VK_GEMM_TILE  classic | 64x64 | 32x128 | 128x32 | 16x256 | 256x16 | 128x128 |
//                        128x128-single | auto   (the GEMM tile and kernel: classic or
//                        register-blocked, double- or single-buffered)
//   CNNLAB_VK_CONV       gemm | direct | auto   (conv2d_forward, and conv2d_backward_data at
//                        stride 1, as an implicit GEMM or directly)
// Each case runs with the variable set (EnvGuard restores it afterwards) on awkward sizes: M, N, K
// not multiples of any tile, a single row or column, K long enough that lavapipe's loop limit
// forces split-K, groups, stride, padding and dilation, with and without bias. Tolerances are the
// cross-backend ones (backend_compare.hpp): they grow with the reduction length L.
#include "vulkan_test_util.hpp"

#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

using namespace cnnlab;
using namespace cnnlab::vktest;

namespace {

/// Sets an environment variable for one scope and puts the old value (or its absence) back.
class EnvGuard {
 public:
  EnvGuard(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~EnvGuard() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

const std::vector<std::string> kGemmTiles = {"classic", "64x64",  "32x128",  "128x32",
                                             "16x256",  "256x16", "128x128", "128x128-single"};

struct GemmCase {
  int64_t M, N, K;
};

/// C = alpha · op(A) · op(B) + beta · C on Vulkan and on the reference backend, every transpose.
void check_gemm(const GemmCase& c, const std::string& tile, uint64_t seed) {
  Backend& be = vk();
  Backend& ref = reference_backend();
  for (const bool ta : {false, true})
    for (const bool tb : {false, true}) {
      const Tensor a = random_tensor(ta ? Shape{c.K, c.M} : Shape{c.M, c.K}, seed);
      const Tensor b = random_tensor(tb ? Shape{c.N, c.K} : Shape{c.K, c.N}, seed + 1);
      const Tensor c0 = random_tensor({c.M, c.N}, seed + 2);
      Tensor want = c0.to(ref), got = c0.to(be);
      ref.gemm(ta, tb, 0.5f, a, b, 2.0f, want);
      be.gemm(ta, tb, 0.5f, a.to(be), b.to(be), 2.0f, got);
      expect_close("gemm tile=" + tile + " M=" + std::to_string(c.M) + " N=" + std::to_string(c.N) +
                       " K=" + std::to_string(c.K) + (ta ? " Aᵀ" : "") + (tb ? " Bᵀ" : ""),
                   want, got, c.K);
    }
}

struct ConvCase {
  Shape x;
  int64_t K, F;
  Conv2dParams p;
  bool bias;
};

/// Forward, backward-data and backward-weight on Vulkan against the reference backend.
void check_conv(const ConvCase& c, const std::string& label, uint64_t seed) {
  Backend& be = vk();
  const Shape ws = {c.K, c.x[1] / c.p.groups, c.F, c.F};
  const Conv2dGeometry g = conv2d_geometry(c.x, ws, c.p);
  const Tensor x = random_tensor(c.x, seed), w = random_tensor(ws, seed + 1);
  const Tensor b = c.bias ? random_tensor({c.K}, seed + 2) : Tensor();
  const Tensor dy = random_tensor(g.output_shape(), seed + 3);
  const std::string what =
      label + " x " + to_string(c.x) + " K=" + std::to_string(c.K) + " F=" + std::to_string(c.F) +
      " S=" + std::to_string(c.p.stride) + " P=" + std::to_string(c.p.padding) +
      " D=" + std::to_string(c.p.dilation) + " G=" + std::to_string(c.p.groups) + " " +
      size_rule_name(c.p.size_rule) + (c.bias ? " bias" : "");
  const int64_t taps = g.channels_per_group() * g.FH * g.FW;
  expect_close("conv2d_forward " + what, conv2d_forward(x, w, b, c.p),
               conv2d_forward(x.to(be), w.to(be), c.bias ? b.to(be) : Tensor(), c.p), taps);
  expect_close("conv2d_backward_data " + what, conv2d_backward_data(dy, w, c.x, c.p),
               conv2d_backward_data(dy.to(be), w.to(be), c.x, c.p),
               g.filters_per_group() * g.FH * g.FW);
  const ParamGrads r = conv2d_backward_weight(x, dy, ws, c.bias, c.p);
  const ParamGrads v = conv2d_backward_weight(x.to(be), dy.to(be), ws, c.bias, c.p);
  expect_close("conv2d_backward_weight dw " + what, r.dw, v.dw, g.N * g.H2 * g.W2);
  if (c.bias) expect_close("conv2d_backward_weight db " + what, r.db, v.db, g.N * g.H2 * g.W2);
}

// Shapes for the convolution variants: LeNet c1 in small (1 channel, 5×5, padding 2), CIFAR's
// first layer (3 channels, 3×3), AlexNet c1 in small (11×11, stride 4), more than 32 filters (two
// filter blocks of the direct path) with a count not a multiple of 4, groups, dilation, 1×1, a
// batch of 1, and enough rows and columns for the 128×128 tile to have partial blocks.
const std::vector<ConvCase> kConvCases = {
    {{3, 1, 12, 12}, 6, 5, {1, 2, 1, 1}, true},
    {{2, 3, 9, 11}, 32, 3, {1, 1, 1, 1}, false},
    {{1, 3, 35, 35}, 10, 11, {4, 0, 1, 1}, true},
    {{2, 2, 7, 7}, 37, 3, {2, 1, 1, 1}, true},
    {{2, 4, 10, 9}, 6, 3, {1, 2, 2, 2}, false},
    {{1, 6, 5, 5}, 9, 1, {1, 0, 1, 3}, true},
    {{2, 8, 20, 19}, 130, 3, {1, 1, 1, 1}, true},
    // size_rule floor: the stride does not tile, the last rows/columns of x are read by no
    // window (dx must be 0 there): ResNet-like stem, 3x3 s2 p1 and 1x1 s2 downsampling, the
    // lecture's 7x7 3x3 stride 3, AlexNet-like stride 4, dilation with groups.
    {{1, 3, 28, 28}, 8, 7, {2, 3, 1, 1, SizeRule::floor}, true},
    {{2, 8, 14, 14}, 16, 3, {2, 1, 1, 1, SizeRule::floor}, true},
    {{2, 8, 14, 14}, 16, 1, {2, 0, 1, 1, SizeRule::floor}, false},
    {{2, 2, 7, 7}, 5, 3, {3, 0, 1, 1, SizeRule::floor}, true},
    {{1, 3, 38, 37}, 10, 11, {4, 0, 1, 1, SizeRule::floor}, true},
    {{2, 4, 12, 11}, 6, 3, {2, 1, 2, 2, SizeRule::floor}, false},
};

}  // namespace

// Proves: every GEMM tile and kernel (classic shapes, register-blocked single- and double-buffered)
// gives the reference's C = alpha·op(A)·op(B) + beta·C on sizes no tile divides, on one row or one
// column, and across the edges of 128×128 blocks.
TEST_CASE("GEMM: every tile on awkward sizes", "[vulkan][kernels]") {
  const std::vector<GemmCase> cases = {
      {1, 1, 1}, {1, 300, 17}, {300, 1, 33}, {129, 131, 37}, {257, 130, 100}};
  uint64_t seed = 100;
  for (const std::string& tile : kGemmTiles) {
    const EnvGuard env("CNNLAB_VK_GEMM_TILE", tile);
    for (const GemmCase& c : cases) check_gemm(c, tile, seed += 3);
  }
}

// Proves: split-K is planned with each kernel's own BK — the register-blocked kernel's BK = 8 walks
// twice as many K tiles, and K = 40,000 (5,000 of them) is past lavapipe's 2,048-tile budget per
// invocation, so the reduction must be split and added up correctly.
TEST_CASE("GEMM: long K needs split-K with every kernel", "[vulkan][kernels]") {
  uint64_t seed = 200;
  for (const std::string tile : {"classic", "128x128", "128x128-single"}) {
    const EnvGuard env("CNNLAB_VK_GEMM_TILE", tile);
    check_gemm({3, 5, 40'000}, tile, seed += 3);
  }
}

// Proves: the three convolution passes agree with the reference whichever GEMM kernel runs them
// (the implicit-GEMM loaders, vec4 operands and strided backward-data included).
TEST_CASE("conv2d: implicit GEMM with every kernel", "[vulkan][kernels]") {
  const EnvGuard conv("CNNLAB_VK_CONV", "gemm");
  uint64_t seed = 300;
  for (const std::string tile : {"classic", "128x128", "128x128-single"}) {
    const EnvGuard env("CNNLAB_VK_GEMM_TILE", tile);
    for (const ConvCase& c : kConvCases) check_conv(c, "gemm tile=" + tile, seed += 5);
  }
}

// Proves: the direct path (conv2d_forward_direct.comp) matches the reference on every shape above:
// forward with stride, padding, dilation, groups, filters not a multiple of 4 and more than one
// filter block, pixels not a multiple of a workgroup's, with and without bias; backward data (the
// flipped, transposed filters) for every stride-1 case — the strided ones take the GEMM.
TEST_CASE("conv2d: direct path", "[vulkan][kernels]") {
  const EnvGuard conv("CNNLAB_VK_CONV", "direct");
  uint64_t seed = 400;
  for (const ConvCase& c : kConvCases) check_conv(c, "direct", seed += 5);
}

// Proves: a bad override is a clear error naming the variable and the value, and forcing the
// direct path on a layer whose filters cannot fit in shared memory says so instead of failing on
// the device.
TEST_CASE("kernel overrides: bad values are errors", "[vulkan][kernels][errors]") {
  Backend& be = vk();
  const Tensor a = random_tensor({4, 4}, 1).to(be);
  {
    const EnvGuard env("CNNLAB_VK_GEMM_TILE", "100x100");
    CHECK_THROWS_WITH(matmul(a, a), Catch::Contains("CNNLAB_VK_GEMM_TILE=100x100") &&
                                        Catch::Contains("expected auto, classic"));
  }
  const Tensor x = random_tensor({1, 2, 4, 4}, 2).to(be);
  const Tensor w = random_tensor({2, 2, 3, 3}, 3).to(be);
  {
    const EnvGuard env("CNNLAB_VK_CONV", "fast");
    CHECK_THROWS_WITH(
        conv2d_forward(x, w, Tensor()),
        Catch::Contains("CNNLAB_VK_CONV=fast") && Catch::Contains("expected gemm, direct or auto"));
  }
  {
    // 4,096 channels of 3×3: 36,864 taps per filter, 590 KB for 4 filters — no device's shared
    // memory holds that.
    const EnvGuard env("CNNLAB_VK_CONV", "direct");
    const Tensor big_x = random_tensor({1, 4096, 3, 3}, 4).to(be);
    const Tensor big_w = random_tensor({1, 4096, 3, 3}, 5).to(be);
    CHECK_THROWS_WITH(
        conv2d_forward(big_x, big_w, Tensor()),
        Catch::Contains("CNNLAB_VK_CONV=direct") && Catch::Contains("4096 channels per group"));
  }
}
