// vulkan_pool2d.cpp — max, average, global average and L2 pooling on the Vulkan backend, forward
// and backward.
//
// Contract: x[N, C, H, W] → y[N, C, H2, W2] over F×F windows with stride S and padding P (a
// ceil-mode window is cut at the padded input's edge). The MODEs are shader_modes.h's POOL_*:
//   maxpool2d_forward   pool2d_forward.comp (POOL_FORWARD_MAX): each window's first NaN in
//                       row-major order if it has one, else its first maximum; padding never wins
//   maxpool2d_backward  pool2d_forward.comp (POOL_FORWARD_ARGMAX) finds that element of every
//                       window, then pool2d_backward.comp (POOL_BACKWARD_MAX) has each input
//                       element gather the dy of the windows that chose it (no atomics)
//   avgpool2d_forward   pool2d_forward.comp (POOL_FORWARD_AVG): window sum / divisor, padding
//                       counting as zeros (PyTorch's count_include_pad)
//   avgpool2d_backward  pool2d_backward.comp (POOL_BACKWARD_AVG)
//   global_avgpool2d_forward   planes up to 127×127: pool2d_forward.comp (POOL_FORWARD_AVG)
//                              with one window covering the plane, one invocation per plane;
//                              larger planes: each is one row of reduce_rows (vk_gemm.hpp,
//                              ROW_REDUCE_SUM), scaled by 1/(H·W), cut into chunks, so no
//                              invocation loops more than lavapipe allows
//   global_avgpool2d_backward  pool2d_backward.comp (POOL_BACKWARD_GLOBAL_AVG), one invocation
//                              per dx element, no loop
//   l2pool2d_forward    pool2d_forward.comp (POOL_FORWARD_L2): sqrt(window sum of squares /
//   divisor) l2pool2d_backward   l2pool2d_backward.comp: each input element gathers dy / (divisor ·
//   y) of
//                       the windows holding it, times x (0 from a window whose y is 0)
// One invocation walks a whole window, so windows larger than kMaxWindow × kMaxWindow are
// refused with cnnlab::Error (lavapipe's loop limit). Every output element is written. Nothing
// waits.
#include "backends/vulkan/vk_backend_impl.hpp"
#include "backends/vulkan/vk_gemm.hpp"

#include <cnnlab/core/error.hpp>

#include "shaders/shader_modes.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace cnnlab {

using Impl = VulkanBackend::Impl;
using vk::BufferPtr;

namespace {
/// Largest window side: a window walk of F·F + F iterations stays well inside lavapipe's
/// 65,535-iteration limit.
constexpr int64_t kMaxWindow = 127;

/// Pooling windows are walked by one invocation: keep them within the loop budget.
void check_window(const char* op, const Pool2dGeometry& g) {
  if (g.F > kMaxWindow)
    throw Error(std::string("vulkan: ") + op + " with a " + std::to_string(g.F) + "x" +
                std::to_string(g.F) + " window is not supported (at most " +
                std::to_string(kMaxWindow) + "x" + std::to_string(kMaxWindow) +
                ", so that one invocation never loops more than lavapipe allows); use the openmp "
                "or reference backend for it");
}
/// The push constants of both pooling shaders: total invocations, then the geometry.
Push pool_shape(uint64_t total, const Pool2dGeometry& g) {
  Push p;
  p.u(total).u(static_cast<uint64_t>(g.H)).u(static_cast<uint64_t>(g.W));
  p.u(static_cast<uint64_t>(g.H2)).u(static_cast<uint64_t>(g.W2)).u(static_cast<uint64_t>(g.F));
  p.u(static_cast<uint64_t>(g.S)).u(static_cast<uint64_t>(g.P));
  return p;
}
}  // namespace

void VulkanBackend::maxpool2d_forward(const Tensor& x, Tensor& y, const Pool2dGeometry& g) {
  check_window("maxpool2d_forward", g);
  Impl& m = *impl_;
  const auto total = static_cast<uint64_t>(y.numel());
  m.run("maxpool2d_forward", "pool2d_forward", {m.wg, vk::POOL_FORWARD_MAX},
        {{Impl::buf(x), false}, {Impl::buf(y), true}}, pool_shape(total, g),
        m.grid(m.groups_for(total)), static_cast<double>(total * g.F * g.F));
}

void VulkanBackend::maxpool2d_backward(const Tensor& x, const Tensor& dy, Tensor& dx,
                                       const Pool2dGeometry& g) {
  check_window("maxpool2d_backward", g);
  Impl& m = *impl_;
  // 1. which element each window chose (its first NaN, else its first maximum); 2. every input
  // element gathers the dy of the windows that chose it.
  const auto outs = static_cast<uint64_t>(dy.numel()), ins = static_cast<uint64_t>(dx.numel());
  const BufferPtr idx = m.temp(outs, "max-pool argmax indices");
  m.run("maxpool2d_backward", "pool2d_forward", {m.wg, vk::POOL_FORWARD_ARGMAX},
        {{Impl::buf(x), false}, {idx, true}}, pool_shape(outs, g), m.grid(m.groups_for(outs)),
        static_cast<double>(outs * g.F * g.F));
  m.run("maxpool2d_backward", "pool2d_backward", {m.wg, vk::POOL_BACKWARD_MAX},
        {{Impl::buf(dy), false}, {idx, false}, {Impl::buf(dx), true}}, pool_shape(ins, g),
        m.grid(m.groups_for(ins)), static_cast<double>(ins));
}

void VulkanBackend::avgpool2d_forward(const Tensor& x, Tensor& y, const Pool2dGeometry& g) {
  check_window("avgpool2d_forward", g);
  Impl& m = *impl_;
  const auto total = static_cast<uint64_t>(y.numel());
  m.run("avgpool2d_forward", "pool2d_forward", {m.wg, vk::POOL_FORWARD_AVG},
        {{Impl::buf(x), false}, {Impl::buf(y), true}}, pool_shape(total, g),
        m.grid(m.groups_for(total)), static_cast<double>(total * g.F * g.F));
}

void VulkanBackend::avgpool2d_backward(const Tensor& dy, Tensor& dx, const Pool2dGeometry& g) {
  check_window("avgpool2d_backward", g);
  Impl& m = *impl_;
  const auto ins = static_cast<uint64_t>(dx.numel());
  m.run("avgpool2d_backward", "pool2d_backward", {m.wg, vk::POOL_BACKWARD_AVG},
        {{Impl::buf(dy), false}, {m.dummy, false}, {Impl::buf(dx), true}}, pool_shape(ins, g),
        m.grid(m.groups_for(ins)), static_cast<double>(ins));
}

// [add_an_op_vulkan]
void VulkanBackend::global_avgpool2d_forward(const Tensor& x, Tensor& y) {
  const int64_t H = x.dim(2), W = x.dim(3);
  if (std::max(H, W) <= kMaxWindow) {
    // Planes up to 127×127 (ResNet's 7×7, GoogLeNet's 7×7): one invocation per plane, which
    // is average pooling with a window covering the plane: F = max(H, W), no padding, the
    // window clipped to the plane, so the divisor is H·W. A row reduction would spend a
    // whole workgroup on each 49-value plane.
    Pool2dGeometry g;
    g.N = x.dim(0);
    g.C = x.dim(1);
    g.H = H;
    g.W = W;
    g.F = std::max(H, W);
    g.S = 1;
    g.P = 0;
    g.H2 = g.W2 = 1;
    avgpool2d_forward(x, y, g);
    return;
  }
  const auto planes = static_cast<uint64_t>(x.dim(0) * x.dim(1));
  const auto plane = static_cast<uint64_t>(H * W);
  // rows = the N·C planes, each of L = H·W contiguous values (inner = L)
  reduce_rows(*impl_, "global_avgpool2d_forward", vk::ROW_REDUCE_SUM, Impl::buf(x), Impl::buf(x),
              planes, plane, plane, Impl::buf(y), 1.0f / static_cast<float>(plane));
}
// [add_an_op_vulkan]

void VulkanBackend::global_avgpool2d_backward(const Tensor& dy, Tensor& dx) {
  Impl& m = *impl_;
  const auto ins = static_cast<uint64_t>(dx.numel());
  Push p;  // pool2d_backward's push constants: total, H, W, then H2, W2, F, S, P (unused here)
  p.u(ins).u(static_cast<uint64_t>(dx.dim(2))).u(static_cast<uint64_t>(dx.dim(3)));
  p.u(1).u(1).u(1).u(1).u(0);
  // [add_an_op_vulkan_forward]
  m.run("global_avgpool2d_backward", "pool2d_backward", {m.wg, vk::POOL_BACKWARD_GLOBAL_AVG},
        {{Impl::buf(dy), false}, {m.dummy, false}, {Impl::buf(dx), true}}, p,
        m.grid(m.groups_for(ins)), static_cast<double>(ins));
  // [add_an_op_vulkan_forward]
}

void VulkanBackend::l2pool2d_forward(const Tensor& x, Tensor& y, const Pool2dGeometry& g) {
  check_window("l2pool2d_forward", g);
  Impl& m = *impl_;
  const auto total = static_cast<uint64_t>(y.numel());
  m.run("l2pool2d_forward", "pool2d_forward", {m.wg, vk::POOL_FORWARD_L2},
        {{Impl::buf(x), false}, {Impl::buf(y), true}}, pool_shape(total, g),
        m.grid(m.groups_for(total)), static_cast<double>(total * g.F * g.F));
}

void VulkanBackend::l2pool2d_backward(const Tensor& x, const Tensor& y, const Tensor& dy,
                                      Tensor& dx, const Pool2dGeometry& g) {
  check_window("l2pool2d_backward", g);
  Impl& m = *impl_;
  const auto ins = static_cast<uint64_t>(dx.numel());
  m.run(
      "l2pool2d_backward", "l2pool2d_backward", {m.wg},
      {{Impl::buf(x), false}, {Impl::buf(y), false}, {Impl::buf(dy), false}, {Impl::buf(dx), true}},
      pool_shape(ins, g), m.grid(m.groups_for(ins)), static_cast<double>(ins));
}

}  // namespace cnnlab
