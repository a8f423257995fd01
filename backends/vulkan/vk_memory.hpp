// vk_memory.hpp — Vulkan buffers: device-local ones for tensors, host-visible ones for staging.
//
// Contract:
// - Buffer is one VkBuffer with its own VkDeviceMemory. Buffers are handed out as shared_ptr;
//   when the last reference goes (the tensor's Storage, and the command recorder's hold on every
//   buffer a pending batch uses), the buffer goes back to the Allocator's cache, so a training
//   loop that makes the same tensors every step stops allocating after the first step.
// - Sizes are rounded up to a multiple of 16 bytes (4 floats), so shaders may read and write
//   whole vec4s at the end of a tensor; and to a size class (at most 25% more), so freed buffers
//   can be reused for tensors of similar size.
// - Out of device memory: the cache is emptied and the allocation tried once more; then a
//   cnnlab::Error names the tensor size and the device's memory.
// - VulkanStorage (a cnnlab::Storage) is a tensor's buffer; host_data() is nullptr.
// Not here: copying data in and out (vk_commands: staging through recorded copies).
#pragma once

#include "backends/vulkan/vk_context.hpp"

#include <cnnlab/core/tensor.hpp>

#include <map>
#include <memory>

namespace cnnlab::vk {

struct Buffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize size = 0;   // bytes, as created (≥ the size asked for)
  void* mapped = nullptr;  // host-visible buffers only: persistently mapped
  bool host = false;
};
using BufferPtr = std::shared_ptr<Buffer>;

class Allocator {
 public:
  explicit Allocator(Context& ctx);
  ~Allocator();
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  /// A device-local storage buffer of at least @p bytes; @p what names it in errors.
  BufferPtr device_buffer(VkDeviceSize bytes, const char* what);
  /// A host-visible, coherent, mapped buffer of at least @p bytes: staging, and small results a
  /// shader writes for the host to read without a copy (it is a storage buffer too).
  BufferPtr host_buffer(VkDeviceSize bytes);
  /// Frees every cached (unused) buffer.
  void trim();
  /// Bytes currently held in device-local buffers (in use or cached).
  VkDeviceSize device_bytes() const;

 private:
  struct State;  // shared with the buffers' deleters, so a buffer may outlive the Allocator
  BufferPtr create(VkDeviceSize bytes, bool host, const char* what);
  std::shared_ptr<State> state_;
};

/// A tensor's memory on the Vulkan backend.
class VulkanStorage final : public Storage {
 public:
  VulkanStorage(Backend& owner, size_t n, BufferPtr buffer)
      : owner_(&owner), size_(n), buffer_(std::move(buffer)) {}
  Backend& backend() const override { return *owner_; }
  size_t size() const override { return size_; }
  const BufferPtr& buffer() const { return buffer_; }

 private:
  Backend* owner_;
  size_t size_;
  BufferPtr buffer_;
};

}  // namespace cnnlab::vk
