// vk_memory.cpp — buffer creation, the size-class cache, and clear out-of-memory errors.
#include "backends/vulkan/vk_memory.hpp"

#include <cnnlab/core/error.hpp>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace cnnlab::vk {

struct Allocator::State {
  Context* ctx = nullptr;
  bool alive = true;
  // Cached free buffers by (host?, size): reused when a request rounds to the same size.
  std::multimap<std::pair<bool, VkDeviceSize>, Buffer> free;
  VkDeviceSize cached_bytes = 0, cache_limit = 0, device_bytes = 0;

  void destroy(Buffer& b) {
    if (b.mapped) vkUnmapMemory(ctx->device, b.memory);
    vkDestroyBuffer(ctx->device, b.buffer, nullptr);
    vkFreeMemory(ctx->device, b.memory, nullptr);
    if (!b.host) device_bytes -= b.size;
  }
  void release(Buffer b) {
    if (!alive) return;  // the device is gone; nothing left to free
    if (cached_bytes + b.size > cache_limit) {
      destroy(b);
      return;
    }
    cached_bytes += b.size;
    free.emplace(std::make_pair(b.host, b.size), b);
  }
  void trim() {
    for (auto& entry : free) destroy(entry.second);
    free.clear();
    cached_bytes = 0;
  }
};

namespace {

/// Rounds up to a size class: multiples of 256 bytes up to 4 KiB, then 4 steps per power of two.
VkDeviceSize size_class(VkDeviceSize bytes) {
  bytes = std::max<VkDeviceSize>(bytes, 16);
  if (bytes <= 4096) return (bytes + 255) / 256 * 256;
  VkDeviceSize p = 1;
  while (p * 2 <= bytes) p *= 2;
  const VkDeviceSize step = p / 4;
  return (bytes + step - 1) / step * step;
}

uint32_t find_memory_type(const VkPhysicalDeviceMemoryProperties& mem, uint32_t allowed,
                          VkMemoryPropertyFlags want, VkMemoryPropertyFlags prefer) {
  uint32_t fallback = UINT32_MAX;
  for (uint32_t i = 0; i < mem.memoryTypeCount; ++i) {
    if (!(allowed & (1u << i))) continue;
    const VkMemoryPropertyFlags f = mem.memoryTypes[i].propertyFlags;
    if ((f & want) != want) continue;
    if ((f & prefer) == prefer) return i;
    if (fallback == UINT32_MAX) fallback = i;
  }
  return fallback;
}

std::string mib(VkDeviceSize bytes) {
  char s[32];
  std::snprintf(s, sizeof s, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return s;
}

}  // namespace

Allocator::Allocator(Context& ctx) : state_(std::make_shared<State>()) {
  state_->ctx = &ctx;
  // Keep at most a quarter of the device's memory (and at most 1 GiB) in unused cached buffers.
  state_->cache_limit =
      std::min<VkDeviceSize>(VkDeviceSize{1} << 30, ctx.info.device_local_bytes / 4);
}

Allocator::~Allocator() {
  state_->trim();
  state_->alive = false;
}

void Allocator::trim() { state_->trim(); }
VkDeviceSize Allocator::device_bytes() const { return state_->device_bytes; }

BufferPtr Allocator::device_buffer(VkDeviceSize bytes, const char* what) {
  return create(bytes, false, what);
}
BufferPtr Allocator::host_buffer(VkDeviceSize bytes) {
  return create(bytes, true, "staging buffer");
}

BufferPtr Allocator::create(VkDeviceSize bytes, bool host, const char* what) {
  State& s = *state_;
  Context& ctx = *s.ctx;
  const VkDeviceSize limit = ctx.props.limits.maxStorageBufferRange;
  VkDeviceSize size = size_class(bytes);
  if (!host && size > limit && bytes <= limit) size = (bytes + 15) / 16 * 16;  // no rounding room
  if (!host && size > limit)
    throw Error("vulkan: a " + std::string(what) + " of " + mib(bytes) + " is larger than " +
                ctx.info.name + " can address in one buffer (maxStorageBufferRange = " +
                mib(ctx.props.limits.maxStorageBufferRange) +
                "); use smaller tensors (e.g. a smaller batch) or another backend");

  Buffer b;
  auto cached = s.free.find({host, size});
  if (cached != s.free.end()) {
    b = cached->second;
    s.free.erase(cached);
    s.cached_bytes -= b.size;
  } else {
    b.size = size;
    b.host = host;
    auto bci = make<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
    bci.size = size;
    bci.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT |
                VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
    bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
    check(vkCreateBuffer(ctx.device, &bci, nullptr, &b.buffer), "creating a buffer");
    VkMemoryRequirements req{};
    vkGetBufferMemoryRequirements(ctx.device, b.buffer, &req);
    const VkMemoryPropertyFlags want =
        host ? VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT
             : VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
    const VkMemoryPropertyFlags prefer = host ? want | VK_MEMORY_PROPERTY_HOST_CACHED_BIT : want;
    uint32_t type = find_memory_type(ctx.memory, req.memoryTypeBits, want, prefer);
    if (type == UINT32_MAX && !host)  // no device-local type for buffers: take any
      type = find_memory_type(ctx.memory, req.memoryTypeBits, 0, 0);
    if (type == UINT32_MAX) {
      vkDestroyBuffer(ctx.device, b.buffer, nullptr);
      throw Error("vulkan: " + ctx.info.name + " offers no suitable memory type for a " + what);
    }
    auto mai = make<VkMemoryAllocateInfo>(VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO);
    mai.allocationSize = req.size;
    mai.memoryTypeIndex = type;
    VkResult r = vkAllocateMemory(ctx.device, &mai, nullptr, &b.memory);
    if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY) {
      s.trim();  // give the cached buffers back and try once more
      r = vkAllocateMemory(ctx.device, &mai, nullptr, &b.memory);
    }
    if (r != VK_SUCCESS) {
      vkDestroyBuffer(ctx.device, b.buffer, nullptr);
      if (r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY)
        throw Error("vulkan: out of " + std::string(host ? "host" : "device") +
                    " memory allocating " + mib(bytes) + " for a " + what + " (" + ctx.info.name +
                    " has " + mib(ctx.info.device_local_bytes) +
                    " of device memory; cnnlab holds " + mib(s.device_bytes) +
                    " in tensors): free tensors you no longer need or use a smaller batch");
      check(r, "allocating memory for a " + std::string(what));
    }
    r = vkBindBufferMemory(ctx.device, b.buffer, b.memory, 0);
    if (r == VK_SUCCESS && host)
      r = vkMapMemory(ctx.device, b.memory, 0, VK_WHOLE_SIZE, 0, &b.mapped);
    if (r != VK_SUCCESS) {
      vkDestroyBuffer(ctx.device, b.buffer, nullptr);
      vkFreeMemory(ctx.device, b.memory, nullptr);
      check(r, "binding or mapping buffer memory");
    }
    if (!host) s.device_bytes += b.size;
  }
  std::shared_ptr<State> state = state_;
  return BufferPtr(new Buffer(b), [state](Buffer* p) {
    state->release(*p);
    delete p;
  });
}

}  // namespace cnnlab::vk
