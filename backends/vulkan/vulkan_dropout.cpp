// vulkan_dropout.cpp — dropout on the Vulkan backend, forward and backward.
//
// Contract: dropout.comp, one invocation per element, computes the mask of
// cnnlab/ops/dropout_mask.hpp from the element index and the (key, threshold, drop_all, scale)
// that dropout_mask() computes here on the host: out[i] = keep(i) ? in[i]·scale : 0, the same
// mask bit for bit as the reference and OpenMP backends. The backward applies it to dy.
// Nothing waits.
#include "backends/vulkan/vk_backend_impl.hpp"

#include <cstdint>

namespace cnnlab {

using Impl = VulkanBackend::Impl;

namespace {
void apply_mask(Impl& m, const char* op, const Tensor& in, const DropoutParams& p, Tensor& out) {
  const auto total = static_cast<uint64_t>(in.numel());
  if (total == 0) return;
  const DropoutMask mask = dropout_mask(p);
  Push push;
  push.u(total).u(mask.key).u(mask.threshold).u(mask.drop_all ? 1 : 0).f(mask.scale);
  m.run(op, "dropout", {m.wg}, {{Impl::buf(in), false}, {Impl::buf(out), true}}, push,
        m.grid(m.groups_for(total)), static_cast<double>(total));
}
}  // namespace

void VulkanBackend::dropout_forward(const Tensor& x, const DropoutParams& p, Tensor& y) {
  apply_mask(*impl_, "dropout_forward", x, p, y);
}
void VulkanBackend::dropout_backward(const Tensor& dy, const DropoutParams& p, Tensor& dx) {
  apply_mask(*impl_, "dropout_backward", dy, p, dx);
}

}  // namespace cnnlab
