// vulkan_lrn.cpp — local response normalisation across channels on the Vulkan backend.
//
// Contract: the reference's function (backends/reference/lrn.hpp), by lrn.comp with one
// invocation per element (MODEs are shader_modes.h's LRN_*):
//   lrn_forward   LRN_FORWARD: each invocation sums its channel window's squares and writes
//                 y = x · d^(−β)
//   lrn_backward  LRN_BACKWARD_TERMS writes t = dy · x · d^(−β−1) of every element into a
//                 temporary buffer, then LRN_BACKWARD_DX gathers t over the mirrored window:
//                 dx = dy · d^(−β) − 2(alpha/size)β · x · Σ t (no atomics)
// Each invocation loops over at most min(size, C) channels (twice in LRN_BACKWARD_DX), so a
// window beyond kMaxWindow channels is refused with cnnlab::Error (lavapipe's loop limit).
// Every output element is written. Nothing waits.
#include "backends/vulkan/vk_backend_impl.hpp"

#include <cnnlab/core/error.hpp>

#include "shaders/shader_modes.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace cnnlab {

using Impl = VulkanBackend::Impl;

namespace {
/// Largest channel window one invocation walks: two walks stay within lavapipe's 65,535.
constexpr int64_t kMaxWindow = 16384;

void check_window(const char* op, const LrnGeometry& g) {
  if (std::min(g.size, g.C) > kMaxWindow)
    throw Error(std::string("vulkan: ") + op + " with a window of " +
                std::to_string(std::min(g.size, g.C)) + " channels is not supported (at most " +
                std::to_string(kMaxWindow) +
                ", so that one invocation never loops more than lavapipe allows); use the openmp "
                "or reference backend for it");
}

/// lrn.comp's push constants: total, C, plane, before, after, then a = alpha/size, beta, k.
Push lrn_push(uint64_t total, const LrnGeometry& g) {
  Push p;
  p.u(total).u(static_cast<uint64_t>(g.C)).u(static_cast<uint64_t>(g.H * g.W));
  p.u(static_cast<uint64_t>(g.before)).u(static_cast<uint64_t>(g.after));
  p.f(static_cast<float>(g.alpha / static_cast<double>(g.size)));
  p.f(static_cast<float>(g.beta)).f(static_cast<float>(g.k));
  return p;
}
}  // namespace

void VulkanBackend::lrn_forward(const Tensor& x, Tensor& y, const LrnGeometry& g) {
  check_window("lrn_forward", g);
  Impl& m = *impl_;
  const auto total = static_cast<uint64_t>(y.numel());
  m.run("lrn_forward", "lrn", {m.wg, vk::LRN_FORWARD},
        // binding 2 (t) is writable in the shader: bound to y, written anyway, rather than to
        // the shared placeholder that other dispatches read (a hazard for sync validation)
        {{Impl::buf(x), false}, {m.dummy, false}, {Impl::buf(y), true}, {Impl::buf(y), true}},
        lrn_push(total, g), m.grid(m.groups_for(total)),
        static_cast<double>(total * std::min(g.size, g.C)));
}

void VulkanBackend::lrn_backward(const Tensor& x, const Tensor& dy, Tensor& dx,
                                 const LrnGeometry& g) {
  check_window("lrn_backward", g);
  Impl& m = *impl_;
  const auto total = static_cast<uint64_t>(dx.numel());
  const vk::BufferPtr t = m.temp(total, "LRN backward terms dy·x·d^(-beta-1)");
  const double work = static_cast<double>(total * std::min(g.size, g.C));
  m.run("lrn_backward", "lrn", {m.wg, vk::LRN_BACKWARD_TERMS},
        {{Impl::buf(x), false}, {Impl::buf(dy), false}, {t, true}, {t, true}}, lrn_push(total, g),
        m.grid(m.groups_for(total)), work);
  m.run("lrn_backward", "lrn", {m.wg, vk::LRN_BACKWARD_DX},
        {{Impl::buf(x), false}, {Impl::buf(dy), false}, {t, true}, {Impl::buf(dx), true}},
        lrn_push(total, g), m.grid(m.groups_for(total)), 2 * work);
}

}  // namespace cnnlab
