// vulkan_conv2d.cpp — 2-D convolution on the Vulkan backend, forward and both gradients, as
// implicit GEMMs on the tiled engine (vk_gemm.hpp).
//
// Contract: with x[N, C, H, W], w[K, C/G, F, F] (FH × FW in general), stride S, padding P,
// dilation D and G groups, y[N, K, H2, W2]:
//   depthwise layers        (C/G = 1, fewer than 16 filters per group: MobileNet's) take their own
//                           shaders for all three passes: conv2d_depthwise.comp (forward and
//                           data gradient, one invocation per output element) and
//                           conv2d_depthwise_weight.comp (below); CNNLAB_VK_CONV=gemm turns
//                           them off
//   conv2d_forward          Y_g[k, q] = Σ_r W_g[k, r] · X̂_g[r, q] (+ b[k]), r = (c, u, v) a tap,
//                           q = (n, i, j) an output pixel; conv2d_forward.comp gathers X̂ (im2col)
//                           from x while it fills its tiles, never storing it. Layers with few
//                           taps per filter (Cg·FH·FW ≤ 400 on a GPU: LeNet, CIFAR's first
//                           layer, AlexNet c1; ≤ 576 on lavapipe) run conv2d_forward_direct.comp
//                           instead, which computes each output directly with the filters in
//                           shared memory. CNNLAB_VK_CONV (read on every call) overrides the
//                           choice: "gemm", "direct" or "auto" (unset); "direct" where it cannot
//                           run is a cnnlab::Error.
//   conv2d_backward_data    dx[N, C, H, W]: conv2d_backward_data.comp, or for S > 1 (D = 1) one
//                           smaller GEMM per stride phase (conv2d_backward_data_strided.comp),
//                           each visiting only the taps that reach its pixels. For S = 1, square
//                           filters and few filters per group (Kg·F² under the same limits as
//                           the forward pass) it is the forward convolution of dy with the
//                           flipped, transposed filters on conv2d_forward_direct.comp (FLIP);
//                           CNNLAB_VK_CONV chooses here too ("direct" where the pass has a
//                           direct path for the layer's stride and filter).
//   conv2d_backward_weight  dw[K, C/G, F, F], a reduction over all N·H2·W2 output pixels (split-K
//                           in the engine), and db[k] = Σ dy[n, k, :, :] by reduce_rows. A
//                           depthwise layer (C/G = 1, fewer than 16 filters per group) instead
//                           runs conv2d_depthwise_weight.comp, one workgroup per filter, since
//                           the GEMM's tiles would be almost all padding (M = K/G, N = FH·FW)
// Shapes were validated by the ops API (Conv2dGeometry). Every output element is written, so
// outputs need no clearing. Nothing waits.
#include "backends/vulkan/vk_gemm.hpp"

#include <cnnlab/core/error.hpp>

#include "shaders/shader_modes.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace cnnlab {

using Impl = VulkanBackend::Impl;
using vk::ceil_div;

namespace {
/// The convolution words of the push constants, after the engine's 8.
Push conv_shape(const Conv2dGeometry& g) {
  Push s;
  s.u(static_cast<uint64_t>(g.C)).u(static_cast<uint64_t>(g.H)).u(static_cast<uint64_t>(g.W));
  s.u(static_cast<uint64_t>(g.K)).u(static_cast<uint64_t>(g.FH)).u(static_cast<uint64_t>(g.FW));
  s.u(static_cast<uint64_t>(g.H2)).u(static_cast<uint64_t>(g.W2)).u(static_cast<uint64_t>(g.S));
  s.u(static_cast<uint64_t>(g.P)).u(static_cast<uint64_t>(g.D));
  return s;
}
/// Filter size, stride and dilation as specialization constants: the shaders then split a tap
/// index into (c, u, v) with divisions by constants (one pipeline per such combination in use).
std::vector<uint32_t> conv_constants(const Conv2dGeometry& g) {
  return {static_cast<uint32_t>(g.FH), static_cast<uint32_t>(g.FW), static_cast<uint32_t>(g.S),
          static_cast<uint32_t>(g.D)};
}

/// The direct forward path is the default for filters of at most this many taps (Cg·FH·FW): on a
/// GPU, the few-channel layers (LeNet c1 25, c2 150, CIFAR c1 27, AlexNet c1 363), where the
/// implicit GEMM's K tiles are mostly padding; on lavapipe it measured 3–8× faster than the GEMM
/// up to VGG's 64 channels of 3×3 (576 taps, the largest measured).
constexpr int64_t kDirectMaxTapsGpu = 400, kDirectMaxTapsCpu = 576;
/// conv2d_forward_direct.comp unrolls a channel's FH×FW taps: larger filters always take the GEMM.
constexpr int64_t kDirectMaxFilterArea = 15 * 15;

/// The tile of conv2d_forward_direct.comp: KT filters per workgroup, PX pixels per invocation.
struct DirectTile {
  uint32_t KT = 0, PX = 0;
};

/// KT: the group's filters rounded up to 4, at most 32, halved (staying a multiple of 4) until the
/// KT filters' taps fit the device's shared memory; 0 when not even 4 fit. PX = 4 (2 with 32
/// filters: registers).
DirectTile direct_tile(const Impl& m, const Conv2dGeometry& g) {
  const auto R = static_cast<uint64_t>(g.channels_per_group() * g.FH * g.FW);
  const uint64_t shared = m.ctx.props.limits.maxComputeSharedMemorySize;
  uint64_t kt =
      std::min<uint64_t>(32, ceil_div(static_cast<uint64_t>(g.filters_per_group()), 4) * 4);
  while (kt > 4 && R * kt * sizeof(float) > shared) kt = std::max<uint64_t>(4, kt / 2 / 4 * 4);
  if (R * kt * sizeof(float) > shared) kt = 0;
  if (kt < 4 || g.FH * g.FW > kDirectMaxFilterArea) return {};
  return {static_cast<uint32_t>(kt), kt == 32 ? 2u : 4u};
}

/// The data gradient of a stride-1 convolution as a forward one: dx = conv(dy, w flipped and
/// transposed) with padding D·(F − 1) − P, so that it can run on conv2d_forward_direct.comp (FLIP).
/// Only for S = 1, square filters and P ≤ D·(F − 1); otherwise `ok` is false.
struct Transposed {
  Conv2dGeometry t;
  bool ok = false;
};
Transposed transposed(const Conv2dGeometry& g) {
  Transposed r;
  if (g.S != 1 || g.FH != g.FW || g.P > g.D * (g.FH - 1)) return r;
  r.t = g;
  r.t.C = g.K;
  r.t.H = g.H2;
  r.t.W = g.W2;
  r.t.K = g.C;
  r.t.H2 = g.H;
  r.t.W2 = g.W;
  r.t.P = g.D * (g.FH - 1) - g.P;
  r.ok = true;
  return r;
}

/// Whether @p op takes the direct path for the (forward) geometry @p g: CNNLAB_VK_CONV, else the
/// tap count. @p applicable: false where this pass has no direct path for these hyperparameters
/// (then even "direct" takes the GEMM).
bool use_direct(const Impl& m, const char* op, const Conv2dGeometry& g, bool applicable = true) {
  const char* env = std::getenv("CNNLAB_VK_CONV");
  const std::string mode = env && *env ? env : "auto";
  if (mode == "gemm") return false;
  const bool possible = applicable && direct_tile(m, g).KT != 0;
  if (mode == "direct") {
    if (!applicable) return false;  // no direct path for this pass and these hyperparameters
    if (!possible)
      throw Error(std::string("CNNLAB_VK_CONV=direct: ") + op + " cannot run directly on " +
                  m.ctx.info.name + " with " + std::to_string(g.channels_per_group()) +
                  " channels per group of " + std::to_string(g.FH) + "x" + std::to_string(g.FW) +
                  " (the filters' taps must fit in shared memory, filters at most 15x15)");
    return true;
  }
  if (mode != "auto") throw Error("CNNLAB_VK_CONV=" + mode + ": expected gemm, direct or auto");
  const int64_t max_taps = m.ctx.loop_limited ? kDirectMaxTapsCpu : kDirectMaxTapsGpu;
  return possible && g.channels_per_group() * g.FH * g.FW <= max_taps;
}

/// Records conv2d_forward_direct.comp: one workgroup per WG·PX output pixels × KT filters of a
/// group, in dispatches of at most the recorder's work limit. @p flip: w is the weight of the
/// convolution that @p g transposes (backward data), read flipped and transposed.
void conv2d_forward_direct(Impl& m, const char* op, const Tensor& x, const Tensor& w,
                           const Tensor& b, Tensor& y, const Conv2dGeometry& g, bool flip) {
  const DirectTile t = direct_tile(m, g);
  const auto R = static_cast<uint64_t>(g.channels_per_group() * g.FH * g.FW);
  const auto Kg = static_cast<uint64_t>(g.filters_per_group());
  const auto pixels = static_cast<uint64_t>(g.N * g.H2 * g.W2);
  const uint64_t per_block = uint64_t{m.wg} * t.PX;
  const uint64_t blocks = ceil_div(pixels, per_block), filter_blocks = ceil_div(Kg, t.KT);
  const auto& limits = m.ctx.props.limits;
  if (filter_blocks > limits.maxComputeWorkGroupCount[1] ||
      static_cast<uint64_t>(g.G) > limits.maxComputeWorkGroupCount[2])
    throw Error(std::string("vulkan: ") + op + " is too large for one dispatch on " +
                m.ctx.info.name);
  const double block_work =
      2.0 * static_cast<double>(per_block * t.KT * R * filter_blocks) * static_cast<double>(g.G);
  const uint64_t chunk =
      std::clamp<uint64_t>(static_cast<uint64_t>(m.recorder.max_work() / block_work), 1,
                           limits.maxComputeWorkGroupCount[0]);
  const std::vector<uint32_t> constants = {m.wg,
                                           t.KT,
                                           t.PX,
                                           static_cast<uint32_t>(g.channels_per_group()),
                                           static_cast<uint32_t>(g.FH),
                                           static_cast<uint32_t>(g.FW),
                                           static_cast<uint32_t>(g.S),
                                           static_cast<uint32_t>(g.D),
                                           flip ? 1u : 0u};
  const vk::BufferPtr& bias = b.defined() ? Impl::buf(b) : m.dummy;
  for (uint64_t x0 = 0; x0 < blocks; x0 += chunk) {
    const uint64_t count = std::min(chunk, blocks - x0);
    Push p;
    p.u(static_cast<uint64_t>(g.C)).u(static_cast<uint64_t>(g.H)).u(static_cast<uint64_t>(g.W));
    p.u(static_cast<uint64_t>(g.K)).u(static_cast<uint64_t>(g.H2)).u(static_cast<uint64_t>(g.W2));
    p.u(static_cast<uint64_t>(g.P)).u(Kg).u(pixels).u(b.defined() ? 1 : 0).u(x0);
    m.run(op, "conv2d_forward_direct", constants,
          {{Impl::buf(x), false}, {Impl::buf(w), false}, {Impl::buf(y), true}, {bias, false}}, p,
          {static_cast<uint32_t>(count), static_cast<uint32_t>(filter_blocks),
           static_cast<uint32_t>(g.G)},
          block_work * static_cast<double>(count));
  }
}

/// conv2d_depthwise_weight.comp: its workgroup size (a power of two) and its limits — at most
/// 64 taps in registers, and a pixel loop within lavapipe's 65,535 iterations.
constexpr uint32_t kDepthwiseWg = 128;
bool depthwise_weight_suits(const Conv2dGeometry& g) {
  const char* env = std::getenv("CNNLAB_VK_CONV");
  if (env && std::string(env) == "gemm") return false;
  const auto pixels = static_cast<uint64_t>(g.N * g.H2 * g.W2);
  return g.G > 1 && g.channels_per_group() == 1 && g.filters_per_group() < 16 &&
         g.FH * g.FW <= 64 && ceil_div(pixels, uint64_t{kDepthwiseWg}) <= 65535;
}

/// Records conv2d_depthwise_weight.comp: one workgroup per filter, in dispatches of at most the
/// recorder's work limit (and the device's grid width).
void conv2d_depthwise_weight(Impl& m, const Tensor& x, const Tensor& dy, Tensor& dw,
                             const Conv2dGeometry& g) {
  const auto pixels = static_cast<uint64_t>(g.N * g.H2 * g.W2);
  const auto K = static_cast<uint64_t>(g.K);
  const double per_filter = 2.0 * static_cast<double>(pixels * g.FH * g.FW);
  const uint64_t chunk =
      std::clamp<uint64_t>(static_cast<uint64_t>(m.recorder.max_work() / std::max(per_filter, 1.0)),
                           1, m.ctx.props.limits.maxComputeWorkGroupCount[0]);
  for (uint64_t k0 = 0; k0 < K; k0 += chunk) {
    const uint64_t count = std::min(chunk, K - k0);
    Push p;
    p.u(static_cast<uint64_t>(g.C)).u(static_cast<uint64_t>(g.H)).u(static_cast<uint64_t>(g.W));
    p.u(K).u(static_cast<uint64_t>(g.H2)).u(static_cast<uint64_t>(g.W2));
    p.u(static_cast<uint64_t>(g.P)).u(static_cast<uint64_t>(g.filters_per_group()));
    p.u(pixels).u(k0);
    m.run("conv2d_backward_weight", "conv2d_depthwise_weight",
          {kDepthwiseWg, static_cast<uint32_t>(g.FH), static_cast<uint32_t>(g.FW),
           static_cast<uint32_t>(g.S), static_cast<uint32_t>(g.D)},
          {{Impl::buf(x), false}, {Impl::buf(dy), false}, {Impl::buf(dw), true}}, p,
          {static_cast<uint32_t>(count), 1, 1}, per_filter * static_cast<double>(count));
  }
}

void conv2d_backward_weight_gemm(Impl& m, const Tensor& x, const Tensor& dy, Tensor& dw,
                                 const Conv2dGeometry& g);  // below

/// conv2d_depthwise.comp for the forward pass and the data gradient: depthwise layers (C/G = 1,
/// fewer than 16 filters per group) with filters of at most 15×15 (its taps are unrolled).
bool depthwise_suits(const Conv2dGeometry& g) {
  const char* env = std::getenv("CNNLAB_VK_CONV");
  if (env && std::string(env) == "gemm") return false;
  return g.G > 1 && g.channels_per_group() == 1 && g.filters_per_group() < 16 &&
         g.FH * g.FW <= kDirectMaxFilterArea;
}

/// Records conv2d_depthwise.comp: one invocation per element of @p out (y, or dx when @p data).
void conv2d_depthwise(Impl& m, const char* op, const Tensor& in, const Tensor& w, const Tensor& b,
                      Tensor& out, const Conv2dGeometry& g, bool data) {
  const auto total = static_cast<uint64_t>(out.numel());
  Push p;
  p.u(total).u(static_cast<uint64_t>(g.C)).u(static_cast<uint64_t>(g.H));
  p.u(static_cast<uint64_t>(g.W)).u(static_cast<uint64_t>(g.K)).u(static_cast<uint64_t>(g.H2));
  p.u(static_cast<uint64_t>(g.W2)).u(static_cast<uint64_t>(g.P));
  p.u(static_cast<uint64_t>(g.filters_per_group())).u(b.defined() ? 1 : 0);
  m.run(op, "conv2d_depthwise",
        {m.wg, static_cast<uint32_t>(g.FH), static_cast<uint32_t>(g.FW), static_cast<uint32_t>(g.S),
         static_cast<uint32_t>(g.D), data ? 1u : 0u},
        {{Impl::buf(in), false},
         {Impl::buf(w), false},
         {Impl::buf(out), true},
         {b.defined() ? Impl::buf(b) : m.dummy, false}},
        p, m.grid(m.groups_for(total)),
        2.0 * static_cast<double>(total * g.FH * g.FW * (data ? g.filters_per_group() : 1)));
}
}  // namespace

void VulkanBackend::conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y,
                                   const Conv2dGeometry& g) {
  if (depthwise_suits(g)) {
    conv2d_depthwise(*impl_, "conv2d_forward", x, w, b, y, g, false);
    return;
  }
  if (use_direct(*impl_, "conv2d_forward", g)) {
    conv2d_forward_direct(*impl_, "conv2d_forward", x, w, b, y, g, false);
    return;
  }
  const uint64_t R = static_cast<uint64_t>(g.channels_per_group() * g.FH * g.FW);
  GemmCall c;
  c.op = "conv2d_forward";
  c.shader = "conv2d_forward";
  c.extra_constants = conv_constants(g);
  c.vec_a = R % 4 == 0;  // w's rows are contiguous along r: vec4 loads when R is a multiple of 4
  c.M = static_cast<uint64_t>(g.filters_per_group());
  c.N = static_cast<uint64_t>(g.N * g.H2 * g.W2);
  c.K = R;
  c.groups = static_cast<uint64_t>(g.G);
  c.shape = conv_shape(g);
  c.shape.u(b.defined() ? 1 : 0);
  c.a = &Impl::buf(w);
  c.b = &Impl::buf(x);
  c.out = &Impl::buf(y);
  c.bias = b.defined() ? &Impl::buf(b) : nullptr;
  c.total = static_cast<uint64_t>(y.numel());
  c.bias_inner = static_cast<uint64_t>(g.H2 * g.W2);
  c.bias_count = static_cast<uint64_t>(g.K);
  gemm_engine(*impl_, c);
}

void VulkanBackend::conv2d_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx,
                                         const Conv2dGeometry& g) {
  Impl& m = *impl_;
  const auto S = static_cast<uint64_t>(g.S), P = static_cast<uint64_t>(g.P);
  const auto FH = static_cast<uint64_t>(g.FH), FW = static_cast<uint64_t>(g.FW);
  const auto Kg = static_cast<uint64_t>(g.filters_per_group());
  // Stride > 1 (no dilation): one GEMM per stride phase, each visiting only the taps that reach
  // its pixels (conv2d_backward_data_strided.comp) — unless even one phase's reduction is so long
  // that it would need split-K, which only the general shader does.
  // Stride 1 with few filters per group (LeNet c1's 6, CIFAR's 32): the direct path, as a forward
  // convolution of dy with the flipped, transposed filters.
  if (depthwise_suits(g)) {
    conv2d_depthwise(m, "conv2d_backward_data", dy, w, Tensor(), dx, g, true);
    return;
  }
  const Transposed tr = transposed(g);
  if (use_direct(m, "conv2d_backward_data", tr.ok ? tr.t : g, tr.ok)) {
    conv2d_forward_direct(m, "conv2d_backward_data", dy, w, Tensor(), dx, tr.t, true);
    return;
  }
  const uint64_t phase_k = Kg * ceil_div(FH, S) * ceil_div(FW, S);
  if (S > 1 && g.D == 1 && ceil_div(phase_k, m.tiles.BK) <= m.max_k_tiles) {
    const auto H = static_cast<uint64_t>(g.H), W = static_cast<uint64_t>(g.W);
    for (uint64_t ph = 0; ph < S; ++ph)
      for (uint64_t pw = 0; pw < S; ++pw) {
        // first pixel h with (h + P) mod S = ph, and how many there are; likewise for w
        const uint64_t h_first = (ph + S - P % S) % S, w_first = (pw + S - P % S) % S;
        const uint64_t HH = h_first < H ? ceil_div(H - h_first, S) : 0;
        const uint64_t WW = w_first < W ? ceil_div(W - w_first, S) : 0;
        if (HH == 0 || WW == 0) continue;
        const uint64_t TU = ph < FH ? ceil_div(FH - ph, S) : 0;
        const uint64_t TV = pw < FW ? ceil_div(FW - pw, S) : 0;
        GemmCall c;
        c.op = "conv2d_backward_data";
        c.shader = "conv2d_backward_data_strided";
        c.extra_constants = {static_cast<uint32_t>(FH), static_cast<uint32_t>(FW),
                             static_cast<uint32_t>(S)};
        c.M = static_cast<uint64_t>(g.channels_per_group());
        c.N = static_cast<uint64_t>(g.N) * HH * WW;
        c.K = Kg * TU * TV;  // 0 when no tap reaches this phase: the pixels get 0
        c.groups = static_cast<uint64_t>(g.G);
        c.no_split = true;
        c.shape.u(static_cast<uint64_t>(g.C)).u(H).u(W).u(static_cast<uint64_t>(g.K));
        c.shape.u(static_cast<uint64_t>(g.H2)).u(static_cast<uint64_t>(g.W2)).u(Kg);
        // i of pixel h_first and tap u = ph: (h_first + P − ph)/S, a whole number by construction
        c.shape.u(ph).u(pw).u(h_first).u(w_first).u(HH).u(WW).u(TU).u(TV);
        c.shape.u((h_first + P - ph) / S).u((w_first + P - pw) / S);
        c.a = &Impl::buf(w);
        c.b = &Impl::buf(dy);
        c.out = &Impl::buf(dx);
        c.total = static_cast<uint64_t>(dx.numel());
        gemm_engine(m, c);
      }
    return;
  }
  GemmCall c;
  c.op = "conv2d_backward_data";
  c.shader = "conv2d_backward_data";
  c.extra_constants = conv_constants(g);
  c.M = static_cast<uint64_t>(g.channels_per_group());
  c.N = static_cast<uint64_t>(g.N * g.H * g.W);
  c.K = Kg * FH * FW;
  c.groups = static_cast<uint64_t>(g.G);
  c.shape = conv_shape(g);
  c.a = &Impl::buf(w);
  c.b = &Impl::buf(dy);
  c.out = &Impl::buf(dx);
  c.total = static_cast<uint64_t>(dx.numel());
  gemm_engine(m, c);
}

void VulkanBackend::conv2d_backward_weight(const Tensor& x, const Tensor& dy, Tensor& dw,
                                           Tensor& db, const Conv2dGeometry& g) {
  Impl& m = *impl_;
  const uint64_t HW2 = static_cast<uint64_t>(g.H2 * g.W2);
  if (depthwise_weight_suits(g)) {
    conv2d_depthwise_weight(m, x, dy, dw, g);
  } else {
    conv2d_backward_weight_gemm(m, x, dy, dw, g);
  }
  if (db.defined())  // db[k] = Σ over n and the pixels of dy[n, k, :, :]: rows k, stride H2·W2
    reduce_rows(m, "conv2d_backward_weight", vk::ROW_REDUCE_SUM, Impl::buf(dy), Impl::buf(dy),
                static_cast<uint64_t>(g.K), static_cast<uint64_t>(g.N) * HW2, HW2, Impl::buf(db),
                1.0f);
}

namespace {
/// dw as one implicit GEMM per group: M = K/G filters, N = C/G·FH·FW taps, reduced over the
/// N·H2·W2 output pixels.
void conv2d_backward_weight_gemm(Impl& m, const Tensor& x, const Tensor& dy, Tensor& dw,
                                 const Conv2dGeometry& g) {
  const uint64_t HW2 = static_cast<uint64_t>(g.H2 * g.W2);
  GemmCall c;
  c.op = "conv2d_backward_weight";
  c.shader = "conv2d_backward_weight";
  c.extra_constants = conv_constants(g);
  c.vec_a = HW2 % 4 == 0;  // dy's rows are contiguous along the pixels of one image
  c.M = static_cast<uint64_t>(g.filters_per_group());
  c.N = static_cast<uint64_t>(g.channels_per_group() * g.FH * g.FW);
  c.K = static_cast<uint64_t>(g.N) * HW2;
  c.groups = static_cast<uint64_t>(g.G);
  c.shape = conv_shape(g);
  c.a = &Impl::buf(dy);
  c.b = &Impl::buf(x);
  c.out = &Impl::buf(dw);
  c.total = static_cast<uint64_t>(dw.numel());
  gemm_engine(m, c);
}
}  // namespace

}  // namespace cnnlab
