// vk_memory.hpp — Vulkan memory: tensors and staging areas sub-allocated from a few large blocks.
//
// Contract:
// - Device memory is allocated in large blocks (vkAllocateMemory: 64 MiB, or one block the size
//   of a larger tensor), each with one VkBuffer over all of it. A Buffer is a range of a block:
//   (VkBuffer, offset, size). Creating a tensor takes a free range (best fit); it allocates
//   device memory only when no block has room. Counting vkAllocateMemory calls (allocations())
//   lets a test assert that a warm training step allocates nothing.
// - Buffers are handed out as shared_ptr. When the last reference goes, the range is free again
//   at once — even if a recorded command that reads or writes it has not run yet. That is safe
//   because every command runs on one queue in recording order, and the recorder puts a barrier
//   between a command and a later one that touches overlapping bytes (it tracks byte ranges, not
//   buffers, vk_commands.hpp): a freed range is "stream-ordered", like PyTorch's caching
//   allocator, so a loop that makes a fresh 256 MB output every call reuses the same memory.
// - Host-visible ranges (staging, readback, small results the host reads) come from their own
//   blocks, persistently mapped; the recorder holds them until the batch that uses them has
//   completed (the host writes them when recording, so they must not be reused earlier).
// - Sizes are rounded up to a size class (multiples of 256 bytes up to 4 KiB, then 4 steps per
//   power of two: at most 25% more), so a freed range fits the next tensor of a similar size and
//   shaders may read and write whole vec4s at the end of a tensor. Offsets are multiples of 256
//   bytes (the largest minStorageBufferOffsetAlignment Vulkan allows).
// - Blocks are given back to the driver only when no recorded work can use them: collect() after
//   the recorder has waited for everything (it keeps up to a quarter of the device's memory, at
//   most 1 GiB, of empty blocks for reuse), and trim() on a failed allocation, after the drain
//   hook (set_drain: the recorder's flush) has made every recorded command complete. Then one more
//   try; if that fails, a cnnlab::Error names the tensor size and the device's memory.
// - VulkanStorage (a cnnlab::Storage) is a tensor's range; host_data() is nullptr.
// Not here: copying data in and out (vk_commands: staging through recorded copies).
#pragma once

#include "backends/vulkan/vk_context.hpp"

#include <cnnlab/core/tensor.hpp>

#include <cstdint>
#include <functional>
#include <memory>

namespace cnnlab::vk {

/// A range of bytes in one block's VkBuffer.
struct Buffer {
  VkBuffer buffer = VK_NULL_HANDLE;  // the block's buffer (shared with other ranges)
  VkDeviceSize offset = 0;           // where the range starts in it (a multiple of 256)
  VkDeviceSize size = 0;             // bytes of the range (≥ the size asked for)
  void* mapped = nullptr;            // host-visible ranges only: the range's first byte
  bool host = false;
  uint32_t block = 0;  // index of the block in the allocator (internal)
};
using BufferPtr = std::shared_ptr<Buffer>;

class Allocator {
 public:
  explicit Allocator(Context& ctx);
  ~Allocator();
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  /// A device-local storage range of at least @p bytes; @p what names it in errors.
  BufferPtr device_buffer(VkDeviceSize bytes, const char* what);
  /// A host-visible, coherent, mapped range of at least @p bytes: staging, and small results a
  /// shader writes for the host to read without a copy (it is a storage buffer too).
  BufferPtr host_buffer(VkDeviceSize bytes);

  /// Called before memory is given back under pressure: must make every recorded command
  /// complete (the recorder's flush()).
  void set_drain(std::function<void()> drain) { drain_ = std::move(drain); }
  /// Frees empty blocks beyond the retention budget. Only when no recorded work is pending.
  void collect();
  /// Frees every empty block. Only when no recorded work is pending.
  void trim();

  /// Bytes of device-local memory held in blocks (tensors, and free ranges kept for reuse).
  VkDeviceSize device_bytes() const;
  /// vkAllocateMemory calls made so far (device and host blocks).
  uint64_t allocations() const;
  /// Blocks held now (device and host).
  size_t blocks() const;

 private:
  struct State;  // shared with the buffers' deleters, so a buffer may outlive the Allocator
  BufferPtr create(VkDeviceSize bytes, bool host, const char* what);
  std::shared_ptr<State> state_;
  std::function<void()> drain_;
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
