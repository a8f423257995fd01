// vulkan_conv2d.cpp — 2-D convolution on the Vulkan backend, forward and both gradients, as
// implicit GEMMs on the tiled engine (vk_gemm.hpp).
//
// Contract: with x[N, C, H, W], w[K, C/G, F, F] (FH × FW in general), stride S, padding P,
// dilation D and G groups, y[N, K, H2, W2]:
//   conv2d_forward          Y_g[k, q] = Σ_r W_g[k, r] · X̂_g[r, q] (+ b[k]), r = (c, u, v) a tap,
//                           q = (n, i, j) an output pixel; conv2d_forward.comp gathers X̂ (im2col)
//                           from x while it fills its tiles, never storing it
//   conv2d_backward_data    dx[N, C, H, W]: conv2d_backward_data.comp, or for S > 1 (D = 1) one
//                           smaller GEMM per stride phase (conv2d_backward_data_strided.comp),
//                           each visiting only the taps that reach its pixels
//   conv2d_backward_weight  dw[K, C/G, F, F], a reduction over all N·H2·W2 output pixels (split-K
//                           in the engine), and db[k] = Σ dy[n, k, :, :] by reduce_rows
// Shapes were validated by the ops API (Conv2dGeometry). Every output element is written, so
// outputs need no clearing. Nothing waits.
#include "backends/vulkan/vk_gemm.hpp"

#include "shaders/shader_modes.h"

#include <cstdint>

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
}  // namespace

void VulkanBackend::conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y,
                                   const Conv2dGeometry& g) {
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
  if (db.defined())  // db[k] = Σ over n and the pixels of dy[n, k, :, :]: rows k, stride H2·W2
    reduce_rows(m, "conv2d_backward_weight", vk::ROW_REDUCE_SUM, Impl::buf(dy), Impl::buf(dy),
                static_cast<uint64_t>(g.K), static_cast<uint64_t>(g.N) * HW2, HW2, Impl::buf(db),
                1.0f);
}

}  // namespace cnnlab
