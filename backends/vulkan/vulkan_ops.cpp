// vulkan_ops.cpp — every op of the Backend interface as one or more compute-shader dispatches.
//
// Contract: each op picks its shader (shaders/<name>.comp), fills the push constants with the
// shapes, binds its buffers and records the dispatch(es); nothing waits. Arguments were
// validated by src/ops.cpp. The op → shader map:
//   conv2d_forward / _backward_data / _backward_weight   implicit GEMMs on the tiled engine
//                                                        (+ row_reduce for the bias gradient;
//                                                        strided backward data: one GEMM per
//                                                        stride phase)
//   linear_* and gemm                                    gemm.comp (+ row_reduce for db)
//   maxpool2d / avgpool2d                                pool2d_forward.comp, pool2d_backward.comp
//   relu / sigmoid / tanh / add                          elementwise.comp;  sgd_update.comp
//   softmax, softmax cross-entropy                       row_reduce (+ row_finish) for the row
//                                                        statistics, then softmax_apply.comp or
//                                                        cross_entropy_rows.comp; the labels and
//                                                        logits are checked by
//                                                        cross_entropy_check.comp (deferred
//                                                        checks, below)
// Long reductions are split (split-K in the GEMM engine, chunks in row_reduce) so that no
// invocation loops more than a few thousand times — lavapipe's 65,535-iteration limit.
#include "backends/vulkan/vk_backend_impl.hpp"

#include <cnnlab/ops/data_checks.hpp>
#include <cnnlab/core/error.hpp>

#include <algorithm>
#include <bit>

namespace cnnlab {

using vk::BufferPtr;
using Impl = VulkanBackend::Impl;

namespace {
uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
}  // namespace

// ---- the GEMM engine: tiles, split-K, epilogue ----------------------------------------------------
void VulkanBackend::Impl::gemm_engine(const GemmCall& c) {
  // Few rows or columns (a convolution over 6 channels, a 6×25 weight gradient): among tiles of
  // the same area and invocation count, the one that pads C least, so that most of each
  // workgroup's work is real (ties keep the square 64×64, the best ratio of math to loads).
  GemmTiles t = tiles;
  if (t.invocations() == 256) {
    uint64_t best = UINT64_MAX;
    for (const GemmTiles& o : {GemmTiles{64, 64, 16, 4, 4}, GemmTiles{32, 128, 16, 4, 4},
                               GemmTiles{128, 32, 16, 4, 4}, GemmTiles{16, 256, 16, 2, 8},
                               GemmTiles{256, 16, 16, 8, 2}}) {
      const uint64_t padded = ceil_div(c.M, o.BM) * o.BM * ceil_div(c.N, o.BN) * o.BN;
      if (padded < best) {
        best = padded;
        t = o;
      }
    }
  }
  const uint64_t tiles_m = ceil_div(c.M, t.BM), tiles_n = ceil_div(c.N, t.BN);
  const uint64_t k_tiles = std::max<uint64_t>(1, ceil_div(c.K, t.BK));
  // Slices: enough that no invocation walks more than max_k_tiles tiles, and, when there are few
  // output tiles, more so that every core (or GPU unit) gets work — but each slice keeps ≥ 8 tiles.
  uint64_t slices = ceil_div(k_tiles, max_k_tiles);
  const uint64_t blocks = tiles_m * tiles_n * c.groups;
  const uint64_t target = ctx.loop_limited ? 16 : 512;
  if (c.no_split && slices > 1)
    throw Error(std::string("vulkan: ") + c.op + ": reduction too long for an unsplit GEMM (a bug in cnnlab)");
  if (blocks < target && k_tiles >= 16 && !c.no_split)
    slices = std::max(slices, std::min(ceil_div(target, blocks), k_tiles / 8));
  slices = std::min<uint64_t>(slices, 1024);
  const uint64_t per_slice = ceil_div(k_tiles, slices);
  slices = ceil_div(k_tiles, per_slice);
  const bool split = slices > 1;
  if (slices * c.groups > ctx.props.limits.maxComputeWorkGroupCount[2] ||
      tiles_m > ctx.props.limits.maxComputeWorkGroupCount[1])
    throw Error(std::string("vulkan: ") + c.op + " is too large for one dispatch on " + ctx.info.name);

  std::vector<uint32_t> constants = {t.BM, t.BN, t.BK, t.TM, t.TN, c.vec_a ? 1u : 0u,
                                     c.vec_b ? 1u : 0u, t.invocations()};
  constants.insert(constants.end(), c.extra_constants.begin(), c.extra_constants.end());
  const BufferPtr& bias = c.bias ? *c.bias : dummy;
  const BufferPtr partial = split ? temp(slices * c.total, "split-K partial sums") : dummy;
  // One dispatch per range of block columns, each with at most the recorder's work limit (the
  // padded tiles count: that is what runs), so that no single dispatch runs for seconds.
  const double column_work = 2.0 * static_cast<double>(t.BM * t.BN * tiles_m * c.groups) *
                             static_cast<double>(k_tiles * t.BK);
  const uint64_t chunk = std::clamp<uint64_t>(static_cast<uint64_t>(recorder.max_work() / column_work), 1,
                                              ctx.props.limits.maxComputeWorkGroupCount[0]);
  for (uint64_t x0 = 0; x0 < tiles_n; x0 += chunk) {
    const uint64_t columns = std::min(chunk, tiles_n - x0);
    Push push;
    push.u(c.M).u(c.N).u(c.K).u(per_slice * t.BK).u(c.groups).u(split ? 1 : 0).u(c.total).u(x0);
    for (uint32_t i = 0; i < c.shape.used; ++i) push.words.at(push.used++) = c.shape.words[i];
    run(c.op, c.shader, constants,
        {{*c.a, false}, {*c.b, false}, {*c.out, !split}, {bias, false}, {partial, split}}, push,
        {static_cast<uint32_t>(columns), static_cast<uint32_t>(tiles_m),
         static_cast<uint32_t>(slices * c.groups)},
        column_work * static_cast<double>(columns));
  }
  if (!split) return;
  Push r;
  r.u(c.total).u(slices).f(c.alpha).f(c.beta).u(c.bias ? 1 : 0).u(c.bias_inner).u(c.bias_count);
  run(c.op, "splitk_reduce", {wg}, {{partial, false}, {*c.out, true}, {bias, false}}, r,
      grid(groups_for(c.total)), static_cast<double>(slices * c.total));
}

// ---- long reductions: row_reduce (+ row_finish) ---------------------------------------------------
void VulkanBackend::Impl::reduce_rows(const char* op, uint32_t mode, const BufferPtr& a,
                                      const BufferPtr& b, uint64_t rows, uint64_t L, uint64_t inner,
                                      const BufferPtr& out, float scale) {
  // Each invocation walks `per` elements (≥ 16), each workgroup one chunk of wg·per; `per` grows
  // for very long rows so that the chunks of one row stay ≤ 8,192 (row_finish's loop).
  const uint64_t per = std::max<uint64_t>(16, ceil_div(L, uint64_t{wg} * 8192));
  const uint64_t chunk = wg * per, chunks = ceil_div(L, chunk);
  const uint32_t width = mode == 0 ? 2 : 1;  // floats per result
  const bool direct = chunks == 1 && scale == 1.0f;
  const BufferPtr part = direct ? out : temp(rows * chunks * width, "reduction partials");
  Push p;
  p.u(rows).u(L).u(inner).u(chunk).u(chunks);
  run(op, "row_reduce", {wg, mode}, {{a, false}, {b, false}, {part, true}}, p,
      grid(rows * chunks), static_cast<double>(rows * L));
  if (direct) return;
  Push f;
  f.u(rows).u(chunks).f(scale);
  run(op, "row_finish", {wg, mode == 0 ? 0u : 1u}, {{part, false}, {out, true}}, f,
      grid(groups_for(rows)), static_cast<double>(rows * chunks));
}

// ---- elementwise ------------------------------------------------------------------------------------
void VulkanBackend::Impl::elementwise(const char* op, uint32_t code, const Tensor& a, const Tensor* b,
                                      Tensor& y) {
  const uint64_t n4 = ceil_div(static_cast<uint64_t>(a.numel()), 4);
  Push p;
  p.u(n4);
  run(op, "elementwise", {wg, code}, {{buf(a), false}, {buf(b ? *b : a), false}, {buf(y), true}}, p,
      grid(groups_for(n4)), static_cast<double>(a.numel()));
}

void VulkanBackend::relu_forward(const Tensor& x, Tensor& y) { impl_->elementwise("relu_forward", 0, x, nullptr, y); }
void VulkanBackend::relu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) {
  impl_->elementwise("relu_backward", 1, x, &dy, dx);
}
void VulkanBackend::sigmoid_forward(const Tensor& x, Tensor& y) {
  impl_->elementwise("sigmoid_forward", 2, x, nullptr, y);
}
void VulkanBackend::sigmoid_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  impl_->elementwise("sigmoid_backward", 3, y, &dy, dx);
}
void VulkanBackend::tanh_forward(const Tensor& x, Tensor& y) { impl_->elementwise("tanh_forward", 4, x, nullptr, y); }
void VulkanBackend::tanh_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  impl_->elementwise("tanh_backward", 5, y, &dy, dx);
}
void VulkanBackend::add_forward(const Tensor& a, const Tensor& b, Tensor& y) {
  impl_->elementwise("add_forward", 6, a, &b, y);
}

void VulkanBackend::sgd_update(Tensor& param, const Tensor& grad, Tensor& velocity, const SgdParams& sp) {
  Impl& m = *impl_;
  const uint64_t n4 = ceil_div(static_cast<uint64_t>(param.numel()), 4);
  Push p;
  p.u(n4).f(sp.lr).f(sp.momentum).f(sp.weight_decay);
  m.run("sgd_update", "sgd_update", {m.wg},
        {{Impl::buf(param), true}, {Impl::buf(grad), false}, {Impl::buf(velocity), true}}, p,
        m.grid(m.groups_for(n4)), static_cast<double>(param.numel()));
}

// ---- convolution ----------------------------------------------------------------------------------
namespace {
/// The convolution words of the push constants, after the engine's 7.
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
  Impl& m = *impl_;
  const uint64_t R = static_cast<uint64_t>(g.channels_per_group() * g.FH * g.FW);
  Impl::GemmCall c;
  c.op = "conv2d_forward";
  c.shader = "conv2d_forward";
  c.extra_constants = conv_constants(g);
  c.vec_a = R % 4 == 0;
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
  m.gemm_engine(c);
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
        const uint64_t TU = ph < FH ? ceil_div(FH - ph, S) : 0, TV = pw < FW ? ceil_div(FW - pw, S) : 0;
        Impl::GemmCall c;
        c.op = "conv2d_backward_data";
        c.shader = "conv2d_backward_data_strided";
        c.extra_constants = {static_cast<uint32_t>(FH), static_cast<uint32_t>(FW), static_cast<uint32_t>(S)};
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
        m.gemm_engine(c);
      }
    return;
  }
  Impl::GemmCall c;
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
  m.gemm_engine(c);
}

void VulkanBackend::conv2d_backward_weight(const Tensor& x, const Tensor& dy, Tensor& dw, Tensor& db,
                                           const Conv2dGeometry& g) {
  Impl& m = *impl_;
  const uint64_t HW2 = static_cast<uint64_t>(g.H2 * g.W2);
  Impl::GemmCall c;
  c.op = "conv2d_backward_weight";
  c.shader = "conv2d_backward_weight";
  c.extra_constants = conv_constants(g);
  c.vec_a = HW2 % 4 == 0;
  c.M = static_cast<uint64_t>(g.filters_per_group());
  c.N = static_cast<uint64_t>(g.channels_per_group() * g.FH * g.FW);
  c.K = static_cast<uint64_t>(g.N) * HW2;
  c.groups = static_cast<uint64_t>(g.G);
  c.shape = conv_shape(g);
  c.a = &Impl::buf(dy);
  c.b = &Impl::buf(x);
  c.out = &Impl::buf(dw);
  c.total = static_cast<uint64_t>(dw.numel());
  m.gemm_engine(c);
  if (db.defined())  // db[k] = Σ over n and the pixels of dy[n, k, :, :]
    m.reduce_rows("conv2d_backward_weight", 2, Impl::buf(dy), Impl::buf(dy), static_cast<uint64_t>(g.K),
                  static_cast<uint64_t>(g.N) * HW2, HW2, Impl::buf(db), 1.0f);
}

// ---- fully connected and matrix multiply ------------------------------------------------------------
namespace {
Impl::GemmCall plain_gemm(const char* op, bool ta, bool tb, uint64_t M, uint64_t N, uint64_t K,
                          const BufferPtr& a, const BufferPtr& b, const BufferPtr& c, float alpha,
                          float beta, const BufferPtr* bias) {
  Impl::GemmCall g;
  g.op = op;
  g.shader = "gemm";
  g.extra_constants = {ta ? 1u : 0u, tb ? 1u : 0u};
  g.vec_a = (ta ? M : K) % 4 == 0;  // A's contiguous dimension
  g.vec_b = (tb ? K : N) % 4 == 0;  // B's contiguous dimension
  g.M = M;
  g.N = N;
  g.K = K;
  g.shape.f(alpha).f(beta).u(bias ? 1 : 0);
  g.a = &a;
  g.b = &b;
  g.out = &c;
  g.bias = bias;
  g.total = M * N;
  g.alpha = alpha;
  g.beta = beta;
  g.bias_inner = 1;
  g.bias_count = N;
  return g;
}
}  // namespace

void VulkanBackend::linear_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y) {
  const auto N = static_cast<uint64_t>(x.dim(0)), Din = static_cast<uint64_t>(w.dim(0)),
             Dout = static_cast<uint64_t>(w.dim(1));
  impl_->gemm_engine(plain_gemm("linear_forward", false, false, N, Dout, Din, Impl::buf(x), Impl::buf(w),
                                Impl::buf(y), 1.0f, 0.0f, b.defined() ? &Impl::buf(b) : nullptr));
}

void VulkanBackend::linear_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx) {
  const auto N = static_cast<uint64_t>(dy.dim(0)), Din = static_cast<uint64_t>(w.dim(0)),
             Dout = static_cast<uint64_t>(w.dim(1));
  impl_->gemm_engine(plain_gemm("linear_backward_data", false, true, N, Din, Dout, Impl::buf(dy),
                                Impl::buf(w), Impl::buf(dx), 1.0f, 0.0f, nullptr));
}

void VulkanBackend::linear_backward_weight(const Tensor& x, const Tensor& dy, Tensor& dw, Tensor& db) {
  const auto N = static_cast<uint64_t>(x.dim(0)), Din = static_cast<uint64_t>(x.dim(1)),
             Dout = static_cast<uint64_t>(dy.dim(1));
  impl_->gemm_engine(plain_gemm("linear_backward_weight", true, false, Din, Dout, N, Impl::buf(x),
                                Impl::buf(dy), Impl::buf(dw), 1.0f, 0.0f, nullptr));
  if (db.defined())  // db[o] = Σ_n dy[n, o]: rows o, elements n, stride D_out
    impl_->reduce_rows("linear_backward_weight", 2, Impl::buf(dy), Impl::buf(dy), Dout, N, 1,
                       Impl::buf(db), 1.0f);
}

void VulkanBackend::gemm(bool trans_a, bool trans_b, float alpha, const Tensor& a, const Tensor& b,
                         float beta, Tensor& c) {
  const auto M = static_cast<uint64_t>(c.dim(0)), N = static_cast<uint64_t>(c.dim(1));
  const auto K = static_cast<uint64_t>(trans_a ? a.dim(0) : a.dim(1));
  impl_->gemm_engine(plain_gemm("gemm", trans_a, trans_b, M, N, K, Impl::buf(a), Impl::buf(b),
                                Impl::buf(c), alpha, beta, nullptr));
}

// ---- pooling ----------------------------------------------------------------------------------------
namespace {
/// Pooling windows are walked by one invocation: keep them within the loop budget.
void check_window(const char* op, const Pool2dGeometry& g) {
  if (g.F > 127)
    throw Error(std::string("vulkan: ") + op + " with a " + std::to_string(g.F) + "x" +
                std::to_string(g.F) + " window is not supported (at most 127x127, so that one "
                "invocation never loops more than lavapipe allows); use the openmp or reference "
                "backend for it");
}
Push pool_shape(uint64_t total, const Pool2dGeometry& g) {
  Push p;
  p.u(total).u(static_cast<uint64_t>(g.H)).u(static_cast<uint64_t>(g.W)).u(static_cast<uint64_t>(g.H2));
  p.u(static_cast<uint64_t>(g.W2)).u(static_cast<uint64_t>(g.F)).u(static_cast<uint64_t>(g.S));
  p.u(static_cast<uint64_t>(g.P));
  return p;
}
}  // namespace

void VulkanBackend::maxpool2d_forward(const Tensor& x, Tensor& y, const Pool2dGeometry& g) {
  check_window("maxpool2d_forward", g);
  Impl& m = *impl_;
  const auto total = static_cast<uint64_t>(y.numel());
  m.run("maxpool2d_forward", "pool2d_forward", {m.wg, 0}, {{Impl::buf(x), false}, {Impl::buf(y), true}},
        pool_shape(total, g), m.grid(m.groups_for(total)), static_cast<double>(total * g.F * g.F));
}

void VulkanBackend::maxpool2d_backward(const Tensor& x, const Tensor& dy, Tensor& dx, const Pool2dGeometry& g) {
  check_window("maxpool2d_backward", g);
  Impl& m = *impl_;
  // 1. where each window's first maximum is; 2. every input element gathers the dy of the
  // windows that chose it.
  const auto outs = static_cast<uint64_t>(dy.numel()), ins = static_cast<uint64_t>(dx.numel());
  const BufferPtr idx = m.temp(outs, "max-pool argmax indices");
  m.run("maxpool2d_backward", "pool2d_forward", {m.wg, 1}, {{Impl::buf(x), false}, {idx, true}},
        pool_shape(outs, g), m.grid(m.groups_for(outs)), static_cast<double>(outs * g.F * g.F));
  m.run("maxpool2d_backward", "pool2d_backward", {m.wg, 0},
        {{Impl::buf(dy), false}, {idx, false}, {Impl::buf(dx), true}}, pool_shape(ins, g),
        m.grid(m.groups_for(ins)), static_cast<double>(ins));
}

void VulkanBackend::avgpool2d_forward(const Tensor& x, Tensor& y, const Pool2dGeometry& g) {
  check_window("avgpool2d_forward", g);
  Impl& m = *impl_;
  const auto total = static_cast<uint64_t>(y.numel());
  m.run("avgpool2d_forward", "pool2d_forward", {m.wg, 2}, {{Impl::buf(x), false}, {Impl::buf(y), true}},
        pool_shape(total, g), m.grid(m.groups_for(total)), static_cast<double>(total * g.F * g.F));
}

void VulkanBackend::avgpool2d_backward(const Tensor& dy, Tensor& dx, const Pool2dGeometry& g) {
  check_window("avgpool2d_backward", g);
  Impl& m = *impl_;
  const auto ins = static_cast<uint64_t>(dx.numel());
  m.run("avgpool2d_backward", "pool2d_backward", {m.wg, 1},
        {{Impl::buf(dy), false}, {m.dummy, false}, {Impl::buf(dx), true}}, pool_shape(ins, g),
        m.grid(m.groups_for(ins)), static_cast<double>(ins));
}

// ---- softmax and loss -------------------------------------------------------------------------------
void VulkanBackend::softmax_forward(const Tensor& x, Tensor& y) {
  Impl& m = *impl_;
  const auto N = static_cast<uint64_t>(x.dim(0)), D = static_cast<uint64_t>(x.dim(1));
  const BufferPtr stats = m.temp(2 * N, "softmax row statistics");
  m.reduce_rows("softmax_forward", 0, Impl::buf(x), Impl::buf(x), N, D, D, stats, 1.0f);
  Push p;
  p.u(N * D).u(D).f(1.0f);
  m.run("softmax_forward", "softmax_apply", {m.wg, 0},
        {{Impl::buf(x), false}, {Impl::buf(x), false}, {stats, false}, {Impl::buf(y), true}}, p,
        m.grid(m.groups_for(N * D)), static_cast<double>(N * D));
}

void VulkanBackend::softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  Impl& m = *impl_;
  const auto N = static_cast<uint64_t>(y.dim(0)), D = static_cast<uint64_t>(y.dim(1));
  const BufferPtr dot = m.temp(N, "softmax row dot products");
  m.reduce_rows("softmax_backward", 1, Impl::buf(dy), Impl::buf(y), N, D, D, dot, 1.0f);
  Push p;
  p.u(N * D).u(D).f(1.0f);
  m.run("softmax_backward", "softmax_apply", {m.wg, 1},
        {{Impl::buf(y), false}, {Impl::buf(dy), false}, {dot, false}, {Impl::buf(dx), true}}, p,
        m.grid(m.groups_for(N * D)), static_cast<double>(N * D));
}

// ---- deferred checks: softmax cross-entropy's labels and logits, checked on the device -------------
// The ops API does not read the labels or the logits of a Vulkan tensor (checks_data_on_device):
// each read would be a submit-and-wait in the middle of a training step. Instead each
// cross-entropy op records two more dispatches of cross_entropy_check.comp: one over all N·D
// logits and N labels that leaves the first bad index of each in a small host-visible record, and
// one invocation that copies the bad values bit for bit (and, for the forward pass, whether the
// loss came out non-finite — the host check only scans the logits then). When the batch has
// completed, a failed record becomes deferred_error, worded by data_checks.hpp exactly like the
// host check; read() and synchronize() throw it. A bad label is named before a bad logit, and the
// first failing op before later ones — what the host checks would have thrown first.
void VulkanBackend::Impl::check_cross_entropy(const char* op, const Tensor& logits,
                                              const Tensor& labels, const BufferPtr* loss) {
  constexpr uint32_t kNone = 0xFFFFFFFFu;
  const auto N = static_cast<uint64_t>(logits.dim(0)), D = static_cast<uint64_t>(logits.dim(1));
  // record: bad_label, bad_logit, label_bits, logit_bits, loss_bad (see the shader)
  BufferPtr record = allocator.host_buffer(5 * sizeof(uint32_t));
  uint32_t* words = static_cast<uint32_t*>(record->mapped);  // visible to the device at submission
  words[0] = words[1] = kNone;
  words[2] = words[3] = words[4] = 0;
  Push p;
  p.u(N * D).u(N).u(D).u(loss ? 1 : 0);
  const BufferPtr& loss_buffer = loss ? *loss : dummy;
  run(op, "cross_entropy_check", {wg, 0},
      {{buf(logits), false}, {buf(labels), false}, {loss_buffer, false}, {record, true}}, p,
      grid(groups_for(N * D)), static_cast<double>(N * D));
  run(op, "cross_entropy_check", {wg, 1},
      {{buf(logits), false}, {buf(labels), false}, {loss_buffer, false}, {record, true}}, p,
      {1, 1, 1}, 1.0);
  recorder.when_done([this, op, record, shape = logits.shape(), forward = loss != nullptr] {
    if (!deferred_error.empty()) return;  // an earlier failure is the one to report
    const uint32_t* r = static_cast<const uint32_t*>(record->mapped);
    if (r[0] != kNone)
      deferred_error = bad_label_message(op, r[0], std::bit_cast<float>(r[2]), shape);
    else if (r[1] != kNone && (!forward || r[4] != 0))
      deferred_error = non_finite_message(op, "logits", shape, r[1], std::bit_cast<float>(r[3]));
  });
}

void VulkanBackend::softmax_cross_entropy_forward(const Tensor& logits, const Tensor& labels, Tensor& loss) {
  Impl& m = *impl_;
  const char* op = "softmax_cross_entropy_forward";
  const auto N = static_cast<uint64_t>(logits.dim(0)), D = static_cast<uint64_t>(logits.dim(1));
  const BufferPtr stats = m.temp(2 * N, "softmax row statistics");
  m.reduce_rows(op, 0, Impl::buf(logits), Impl::buf(logits), N, D, D, stats, 1.0f);
  const BufferPtr rows = m.temp(N, "per-row losses");
  Push p;
  p.u(N).u(D);
  m.run(op, "cross_entropy_rows", {m.wg},
        {{Impl::buf(logits), false}, {Impl::buf(labels), false}, {stats, false}, {rows, true}}, p,
        m.grid(m.groups_for(N)), static_cast<double>(N));
  // the mean over the rows: one row of N elements, scaled by 1/N
  m.reduce_rows(op, 2, rows, rows, 1, N, N, Impl::buf(loss), 1.0f / static_cast<float>(N));
  m.check_cross_entropy(op, logits, labels, &Impl::buf(loss));
}

void VulkanBackend::softmax_cross_entropy_backward(const Tensor& logits, const Tensor& labels, float dloss,
                                                   Tensor& dlogits) {
  Impl& m = *impl_;
  const char* op = "softmax_cross_entropy_backward";
  const auto N = static_cast<uint64_t>(logits.dim(0)), D = static_cast<uint64_t>(logits.dim(1));
  const BufferPtr stats = m.temp(2 * N, "softmax row statistics");
  m.reduce_rows(op, 0, Impl::buf(logits), Impl::buf(logits), N, D, D, stats, 1.0f);
  Push p;
  p.u(N * D).u(D).f(dloss / static_cast<float>(N));
  m.run(op, "softmax_apply", {m.wg, 2},
        {{Impl::buf(logits), false}, {Impl::buf(labels), false}, {stats, false}, {Impl::buf(dlogits), true}},
        p, m.grid(m.groups_for(N * D)), static_cast<double>(N * D));
  m.check_cross_entropy(op, logits, labels, nullptr);
}

}  // namespace cnnlab
