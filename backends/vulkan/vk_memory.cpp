// vk_memory.cpp — blocks of device and host memory, best-fit ranges in them, clear out-of-memory
// errors.
//
// Bookkeeping: each block keeps its free ranges by offset (to merge a freed range with its free
// neighbours); the allocator keeps every free range of each kind (device / host) by size as well
// (to find the smallest one that fits). Both views change together in take() and give_back().
#include "backends/vulkan/vk_memory.hpp"

#include <cnnlab/core/error.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

namespace cnnlab::vk {

namespace {

constexpr VkDeviceSize kDeviceBlock = VkDeviceSize{64} << 20;  // 64 MiB
constexpr VkDeviceSize kHostBlock = VkDeviceSize{16} << 20;    // 16 MiB: staging chunks are 4 MiB

/// Rounds up to a size class: multiples of 256 bytes up to 4 KiB, then 4 steps per power of two.
/// Every class is a multiple of 256, so ranges that start at a multiple of 256 keep doing so.
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

bool out_of_memory(VkResult r) {
  return r == VK_ERROR_OUT_OF_DEVICE_MEMORY || r == VK_ERROR_OUT_OF_HOST_MEMORY;
}

}  // namespace

/// One vkAllocateMemory, with a VkBuffer over all of it.
struct MemoryBlock {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize size = 0;
  unsigned char* mapped = nullptr;  // host blocks: persistently mapped
  bool host = false;
  VkDeviceSize used = 0;                        // bytes handed out
  std::map<VkDeviceSize, VkDeviceSize> spaces;  // free ranges: offset → bytes, never adjacent
};

struct Allocator::State {
  Context* ctx = nullptr;
  bool alive = true;
  std::vector<std::unique_ptr<MemoryBlock>>
      blocks;  // index = Buffer::block; freed blocks leave nullptr
  // Every free range of device (0) and host (1) blocks by size: size → (block, offset).
  std::multimap<VkDeviceSize, std::pair<uint32_t, VkDeviceSize>> by_size[2];
  VkDeviceSize device_bytes = 0, keep_empty = 0;
  uint64_t allocations = 0;

  void forget_space(uint32_t block, VkDeviceSize offset, VkDeviceSize bytes) {
    auto& index = by_size[blocks[block]->host ? 1 : 0];
    for (auto [it, end] = index.equal_range(bytes); it != end; ++it)
      if (it->second == std::make_pair(block, offset)) {
        index.erase(it);
        return;
      }
  }
  /// Records a free range in both views; returns its entry in the by-size index.
  auto add_space(uint32_t block, VkDeviceSize offset, VkDeviceSize bytes) {
    blocks[block]->spaces[offset] = bytes;
    return by_size[blocks[block]->host ? 1 : 0].emplace(bytes, std::make_pair(block, offset));
  }

  /// Takes @p bytes from the front of the free range (block, offset).
  Buffer take(uint32_t block, VkDeviceSize offset, VkDeviceSize bytes) {
    MemoryBlock& b = *blocks[block];
    const VkDeviceSize space = b.spaces.at(offset);
    forget_space(block, offset, space);
    b.spaces.erase(offset);
    if (space > bytes) add_space(block, offset + bytes, space - bytes);
    b.used += bytes;
    Buffer r;
    r.buffer = b.buffer;
    r.offset = offset;
    r.size = bytes;
    r.mapped = b.mapped ? b.mapped + offset : nullptr;
    r.host = b.host;
    r.block = block;
    return r;
  }

  /// A range is free again: merged with the free ranges just before and after it.
  void give_back(const Buffer& r) {
    if (!alive) return;  // the device is gone; nothing left to free
    MemoryBlock& b = *blocks[r.block];
    b.used -= r.size;
    VkDeviceSize offset = r.offset, bytes = r.size;
    auto next = b.spaces.lower_bound(offset);
    if (next != b.spaces.end() && next->first == offset + bytes) {
      bytes += next->second;
      forget_space(r.block, next->first, next->second);
      next = b.spaces.erase(next);
    }
    if (next != b.spaces.begin()) {
      auto prev = std::prev(next);
      if (prev->first + prev->second == offset) {
        offset = prev->first;
        bytes += prev->second;
        forget_space(r.block, prev->first, prev->second);
        b.spaces.erase(prev);
      }
    }
    add_space(r.block, offset, bytes);
  }

  void destroy(uint32_t index) {
    MemoryBlock& b = *blocks[index];
    for (const auto& [offset, bytes] : b.spaces) forget_space(index, offset, bytes);
    if (b.mapped) vkUnmapMemory(ctx->device, b.memory);
    vkDestroyBuffer(ctx->device, b.buffer, nullptr);
    vkFreeMemory(ctx->device, b.memory, nullptr);
    if (!b.host) device_bytes -= b.size;
    blocks[index].reset();
  }

  /// Frees empty blocks, largest first, until at most @p keep bytes of them remain.
  void free_empty(VkDeviceSize keep) {
    std::vector<uint32_t> empty;
    VkDeviceSize total = 0;
    for (uint32_t i = 0; i < blocks.size(); ++i)
      if (blocks[i] && blocks[i]->used == 0) {
        empty.push_back(i);
        total += blocks[i]->size;
      }
    std::sort(empty.begin(), empty.end(),
              [&](uint32_t a, uint32_t b) { return blocks[a]->size > blocks[b]->size; });
    for (uint32_t i : empty) {
      if (total <= keep) break;
      total -= blocks[i]->size;
      destroy(i);
    }
  }
};

Allocator::Allocator(Context& ctx) : state_(std::make_shared<State>()) {
  state_->ctx = &ctx;
  // Keep at most a quarter of the device's memory (and at most 1 GiB) in empty blocks.
  state_->keep_empty =
      std::min<VkDeviceSize>(VkDeviceSize{1} << 30, ctx.info.device_local_bytes / 4);
}

Allocator::~Allocator() {
  State& s = *state_;
  for (uint32_t i = 0; i < s.blocks.size(); ++i)
    if (s.blocks[i]) s.destroy(i);
  s.alive = false;
}

void Allocator::collect() { state_->free_empty(state_->keep_empty); }
void Allocator::trim() { state_->free_empty(0); }
VkDeviceSize Allocator::device_bytes() const { return state_->device_bytes; }
uint64_t Allocator::allocations() const { return state_->allocations; }
size_t Allocator::blocks() const {
  return static_cast<size_t>(std::count_if(state_->blocks.begin(), state_->blocks.end(),
                                           [](const auto& b) { return b != nullptr; }));
}

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
  if (!host && size > limit && bytes <= limit) size = (bytes + 255) / 256 * 256;  // no room
  if (!host && size > limit)
    throw Error("vulkan: a " + std::string(what) + " of " + mib(bytes) + " is larger than " +
                ctx.info.name + " can address in one buffer (maxStorageBufferRange = " +
                mib(ctx.props.limits.maxStorageBufferRange) +
                "); use smaller tensors (e.g. a smaller batch) or another backend");

  auto& index = s.by_size[host ? 1 : 0];
  auto fit = index.lower_bound(size);  // the smallest free range that is large enough
  if (fit == index.end()) {
    // No room anywhere: a new block (a larger tensor gets a block of its own size).
    const VkDeviceSize standard = host ? kHostBlock : kDeviceBlock;
    VkDeviceSize block_size = std::max(size, standard);
    MemoryBlock b;
    b.host = host;
    VkResult r = VK_SUCCESS;
    for (int attempt = 0; attempt < 3; ++attempt) {
      b.size = block_size;
      auto bci = make<VkBufferCreateInfo>(VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO);
      bci.size = block_size;
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
      r = vkAllocateMemory(ctx.device, &mai, nullptr, &b.memory);
      ++s.allocations;
      if (r == VK_SUCCESS) break;
      vkDestroyBuffer(ctx.device, b.buffer, nullptr);
      b.buffer = VK_NULL_HANDLE;
      if (!out_of_memory(r)) check(r, "allocating memory for a " + std::string(what));
      if (attempt == 0) {
        // Give the empty blocks back (once nothing recorded can still use them), then retry.
        if (drain_) drain_();
        s.free_empty(0);
      } else {
        block_size = size;  // last try: no more than this tensor needs
      }
    }
    if (r != VK_SUCCESS)
      throw Error("vulkan: out of " + std::string(host ? "host" : "device") +
                  " memory allocating " + mib(bytes) + " for a " + what + " (" + ctx.info.name +
                  " has " + mib(ctx.info.device_local_bytes) + " of device memory; cnnlab holds " +
                  mib(s.device_bytes) +
                  " in tensors): free tensors you no longer need or use a smaller batch");
    void* mapped = nullptr;
    r = vkBindBufferMemory(ctx.device, b.buffer, b.memory, 0);
    if (r == VK_SUCCESS && host)
      r = vkMapMemory(ctx.device, b.memory, 0, VK_WHOLE_SIZE, 0, &mapped);
    if (r != VK_SUCCESS) {
      vkDestroyBuffer(ctx.device, b.buffer, nullptr);
      vkFreeMemory(ctx.device, b.memory, nullptr);
      check(r, "binding or mapping buffer memory");
    }
    b.mapped = static_cast<unsigned char*>(mapped);
    if (!host) s.device_bytes += b.size;
    // A free slot in the block list, or a new one.
    uint32_t slot = 0;
    while (slot < s.blocks.size() && s.blocks[slot]) ++slot;
    if (slot == s.blocks.size()) s.blocks.emplace_back();
    s.blocks[slot] = std::make_unique<MemoryBlock>(std::move(b));
    fit = s.add_space(slot, 0, s.blocks[slot]->size);
  }
  const Buffer range = s.take(fit->second.first, fit->second.second, size);
  std::shared_ptr<State> state = state_;
  return BufferPtr(new Buffer(range), [state](Buffer* p) {
    state->give_back(*p);
    delete p;
  });
}

}  // namespace cnnlab::vk
