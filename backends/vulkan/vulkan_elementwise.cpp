// vulkan_elementwise.cpp — the activations, add and the SGD and Adam updates on the Vulkan backend.
//
// Contract: each op is one dispatch that moves one vec4 of every operand per invocation (the
// backend pads every buffer to a multiple of 4 floats, so the last vec4 stays inside it):
//   relu / sigmoid / tanh forward and backward, add_forward   elementwise.comp, whose OP
//                                                             (ELEMENTWISE_* of shader_modes.h)
//                                                             picks the function
//   sgd_update                                                sgd_update.comp, in place, MODE
//                                                             SGD_MOMENTUM or SGD_NESTEROV
//   adam_update                                               adam_update.comp, in place, MODE
//                                                             ADAM_L2 or ADAM_DECOUPLED (AdamW)
//   copy_channels (concat)                                    no shader: one vkCmdCopyBuffer
//                                                             with one region per image (each
//                                                             block is contiguous on both sides)
// Any shape; the ops API has checked that the operands match. NaN: relu keeps a NaN input
// (y = x <= 0 ? 0 : x) and its backward passes dy through one (dx = x <= 0 ? 0 : dy), as in
// PyTorch; the other functions propagate NaN by their arithmetic. Nothing waits.
#include "backends/vulkan/vk_backend_impl.hpp"

#include "shaders/shader_modes.h"

#include <cstdint>
#include <vector>

namespace cnnlab {

using Impl = VulkanBackend::Impl;
using vk::ceil_div;

namespace {
/// Elements per invocation: one vec4.
constexpr uint64_t kLanes = 4;

/// Records elementwise.comp with function @p code on a (and b, for the two-operand functions)
/// into y.
void elementwise(Impl& m, const char* op, uint32_t code, const Tensor& a, const Tensor* b,
                 Tensor& y) {
  const uint64_t n4 = ceil_div(static_cast<uint64_t>(a.numel()), kLanes);
  Push p;
  p.u(n4);
  m.run(op, "elementwise", {m.wg, code},
        {{Impl::buf(a), false}, {Impl::buf(b ? *b : a), false}, {Impl::buf(y), true}}, p,
        m.grid(m.groups_for(n4)), static_cast<double>(a.numel()));
}
}  // namespace

// [relu_forward] (docs/backends.md shows the lines between these markers)
void VulkanBackend::relu_forward(const Tensor& x, Tensor& y) {
  elementwise(*impl_, "relu_forward", vk::ELEMENTWISE_RELU_FORWARD, x, nullptr, y);
}
// [relu_forward]
void VulkanBackend::relu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) {
  elementwise(*impl_, "relu_backward", vk::ELEMENTWISE_RELU_BACKWARD, x, &dy, dx);
}
void VulkanBackend::sigmoid_forward(const Tensor& x, Tensor& y) {
  elementwise(*impl_, "sigmoid_forward", vk::ELEMENTWISE_SIGMOID_FORWARD, x, nullptr, y);
}
void VulkanBackend::sigmoid_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  elementwise(*impl_, "sigmoid_backward", vk::ELEMENTWISE_SIGMOID_BACKWARD, y, &dy, dx);
}
void VulkanBackend::tanh_forward(const Tensor& x, Tensor& y) {
  elementwise(*impl_, "tanh_forward", vk::ELEMENTWISE_TANH_FORWARD, x, nullptr, y);
}
void VulkanBackend::tanh_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  elementwise(*impl_, "tanh_backward", vk::ELEMENTWISE_TANH_BACKWARD, y, &dy, dx);
}
void VulkanBackend::add_forward(const Tensor& a, const Tensor& b, Tensor& y) {
  elementwise(*impl_, "add_forward", vk::ELEMENTWISE_ADD_FORWARD, a, &b, y);
}

void VulkanBackend::copy_channels(const Tensor& src, int64_t src_c0, Tensor& dst, int64_t dst_c0,
                                  int64_t channels) {
  const auto plane = static_cast<VkDeviceSize>(src.dim(2) * src.dim(3)) * sizeof(float);
  const auto in_stride = static_cast<VkDeviceSize>(src.dim(1)) * plane;
  const auto out_stride = static_cast<VkDeviceSize>(dst.dim(1)) * plane;
  const auto block = static_cast<VkDeviceSize>(channels) * plane;
  std::vector<VkBufferCopy> regions(static_cast<size_t>(src.dim(0)));
  for (size_t n = 0; n < regions.size(); ++n)
    regions[n] = {
        static_cast<VkDeviceSize>(n) * in_stride + static_cast<VkDeviceSize>(src_c0) * plane,
        static_cast<VkDeviceSize>(n) * out_stride + static_cast<VkDeviceSize>(dst_c0) * plane,
        block};
  impl_->recorder.copy_regions(Impl::buf(src), Impl::buf(dst), std::move(regions));
}

void VulkanBackend::sgd_update(Tensor& param, const Tensor& grad, Tensor& velocity,
                               const SgdParams& sp) {
  Impl& m = *impl_;
  const uint64_t n4 = ceil_div(static_cast<uint64_t>(param.numel()), kLanes);
  Push p;
  p.u(n4).f(sp.lr).f(sp.momentum).f(sp.weight_decay);
  m.run("sgd_update", "sgd_update", {m.wg, sp.nesterov ? vk::SGD_NESTEROV : vk::SGD_MOMENTUM},
        {{Impl::buf(param), true}, {Impl::buf(grad), false}, {Impl::buf(velocity), true}}, p,
        m.grid(m.groups_for(n4)), static_cast<double>(param.numel()));
}

void VulkanBackend::adam_update(Tensor& param, const Tensor& grad, Tensor& m1, Tensor& m2,
                                const AdamParams& ap) {
  Impl& m = *impl_;
  const uint64_t n4 = ceil_div(static_cast<uint64_t>(param.numel()), kLanes);
  Push p;
  p.u(n4).f(ap.lr).f(ap.beta1).f(ap.beta2).f(ap.eps).f(ap.weight_decay);
  p.f(static_cast<float>(adam_bias_correction(ap.beta1, ap.step)));
  p.f(static_cast<float>(adam_bias_correction(ap.beta2, ap.step)));
  m.run("adam_update", "adam_update", {m.wg, ap.decoupled ? vk::ADAM_DECOUPLED : vk::ADAM_L2},
        {{Impl::buf(param), true},
         {Impl::buf(grad), false},
         {Impl::buf(m1), true},
         {Impl::buf(m2), true}},
        p, m.grid(m.groups_for(n4)), static_cast<double>(param.numel()));
}

}  // namespace cnnlab
