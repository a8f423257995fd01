// vk_commands.cpp — the batch recorder: descriptor sets, barriers, submission, fences, timestamps.
#include "backends/vulkan/vk_commands.hpp"

#include <cnnlab/core/error.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <utility>

namespace cnnlab::vk {

namespace {

constexpr VkPipelineStageFlags kWorkStages =
    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
constexpr VkDeviceSize kStagingChunk = VkDeviceSize{4} << 20;
constexpr uint32_t kMaxBindings = 8;

double env_number(const char* name, double fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const double d = std::strtod(v, &end);
  if (*end != '\0' || !(d > 0))
    throw Error(std::string("vulkan: ") + name + "='" + v + "' is not a positive number");
  return d;
}

}  // namespace

Recorder::Recorder(Context& ctx, Allocator& allocator) : ctx_(ctx), allocator_(allocator) {
  max_batch_ =
      static_cast<uint32_t>(std::min<double>(kMaxBatch, env_number("CNNLAB_VK_BATCH", 256)));
  timeout_ns_ = static_cast<uint64_t>(env_number("CNNLAB_VK_TIMEOUT", 60) * 1e9);
  // Estimated work (≈ flops) per submission: a few tenths of a second on lavapipe's CPU cores,
  // well under any GPU watchdog elsewhere.
  max_work_ = ctx.loop_limited ? 2e9 : 2e11;
  const char* prof = std::getenv("CNNLAB_VK_PROFILE");
  profiling_ = prof && *prof && std::string(prof) != "0" && can_profile();

  auto pci = make<VkCommandPoolCreateInfo>(VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO);
  pci.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pci.queueFamilyIndex = ctx.queue_family;
  check(vkCreateCommandPool(ctx.device, &pci, nullptr, &command_pool_), "creating a command pool");
  for (Batch& b : batches_) {
    auto ai = make<VkCommandBufferAllocateInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO);
    ai.commandPool = command_pool_;
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    check(vkAllocateCommandBuffers(ctx.device, &ai, &b.cmd), "allocating a command buffer");
    auto fci = make<VkFenceCreateInfo>(VK_STRUCTURE_TYPE_FENCE_CREATE_INFO);
    check(vkCreateFence(ctx.device, &fci, nullptr, &b.fence), "creating a fence");
    VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, kMaxBatch * kMaxBindings};
    auto dci = make<VkDescriptorPoolCreateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO);
    dci.maxSets = kMaxBatch;
    dci.poolSizeCount = 1;
    dci.pPoolSizes = &size;
    check(vkCreateDescriptorPool(ctx.device, &dci, nullptr, &b.pool), "creating a descriptor pool");
    if (can_profile()) {
      auto qci = make<VkQueryPoolCreateInfo>(VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO);
      qci.queryType = VK_QUERY_TYPE_TIMESTAMP;
      qci.queryCount = 2 * kMaxBatch;
      check(vkCreateQueryPool(ctx.device, &qci, nullptr, &b.queries), "creating a query pool");
    }
  }
}

Recorder::~Recorder() {
  if (broken_.empty()) vkDeviceWaitIdle(ctx_.device);
  for (Batch& b : batches_) {
    b.on_complete.clear();  // never run: the work may not have completed
    b.keep.clear();
    b.staging.reset();
    if (b.queries) vkDestroyQueryPool(ctx_.device, b.queries, nullptr);
    vkDestroyDescriptorPool(ctx_.device, b.pool, nullptr);
    vkDestroyFence(ctx_.device, b.fence, nullptr);
  }
  vkDestroyCommandPool(ctx_.device, command_pool_, nullptr);
}

void Recorder::ensure_usable() const {
  if (!broken_.empty())
    throw Error(broken_ + " [an earlier failure; the Vulkan backend cannot be used any more]");
}

void Recorder::fail(const std::string& message) {
  broken_ = message;
  throw Error(message);
}

void Recorder::set_profiling(bool on) {
  if (on && !can_profile())
    throw Error("vulkan: " + ctx_.info.name +
                " has no timestamp queries on its compute queue, so "
                "cnnlab cannot profile on it");
  profiling_ = on;
}

void Recorder::set_max_batch(uint32_t dispatches) {
  max_batch_ = std::clamp<uint32_t>(dispatches, 1, kMaxBatch);
}

Recorder::Batch& Recorder::begin() {
  last_ = current_;  // every command records into the batch begin() returns
  Batch& b = batches_[current_];
  if (b.recording) return b;
  if (b.in_flight) wait(b);
  check(vkResetDescriptorPool(ctx_.device, b.pool, 0), "resetting a descriptor pool");
  auto bi = make<VkCommandBufferBeginInfo>(VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO);
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  check(vkBeginCommandBuffer(b.cmd, &bi), "beginning a command buffer");
  if (b.queries) vkCmdResetQueryPool(b.cmd, b.queries, 0, 2 * kMaxBatch);
  b.recording = true;
  barrier(b);  // an earlier batch may still be running: order after everything before
  return b;
}

void Recorder::barrier(Batch& b) {
  auto mb = make<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                     VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  vkCmdPipelineBarrier(b.cmd, kWorkStages, kWorkStages, 0, 1, &mb, 0, nullptr, 0, nullptr);
  written_.clear();
  read_.clear();
}

void Recorder::hazard(std::initializer_list<Use> uses) {
  Batch& b = batches_[current_];
  const auto any_overlap = [](const std::vector<Range>& v, const Range& r) {
    return std::any_of(v.begin(), v.end(), [&](const Range& o) { return o.overlaps(r); });
  };
  bool need = profiling_;
  for (const Use& u : uses) {
    const Range r = Range::of(*u.buffer);
    if (any_overlap(written_, r) || (u.write && any_overlap(read_, r))) need = true;
  }
  if (need) barrier(b);
  for (const Use& u : uses) mark(u.buffer, u.write);
}

void Recorder::mark(const BufferPtr& buffer, bool write) {
  (write ? written_ : read_).push_back(Range::of(*buffer));
  // Host ranges stay held until the batch completes (the host wrote them while recording);
  // device ranges may be reused at once: the barriers above order the reuse.
  if (buffer->host) batches_[current_].keep.push_back(buffer);
}

void Recorder::dispatch(const char* op, const Pipeline& pipeline,
                        std::initializer_list<Use> buffers, const void* push, uint32_t push_bytes,
                        std::array<uint32_t, 3> groups, double work) {
  ensure_usable();
  if (buffers.size() != pipeline.bindings || push_bytes > kPushConstantBytes)
    throw Error("vulkan: " + pipeline.name +
                " dispatched with the wrong number of buffers (a bug in cnnlab)");
  for (uint32_t i = 0; i < 3; ++i)
    if (groups[i] > ctx_.props.limits.maxComputeWorkGroupCount[i])
      throw Error(std::string("vulkan: ") + op + " needs " + std::to_string(groups[i]) +
                  " workgroups along grid dimension " + std::to_string(i) + ", more than " +
                  ctx_.info.name + " allows (" +
                  std::to_string(ctx_.props.limits.maxComputeWorkGroupCount[i]) +
                  "); the tensor is too large for this backend");
  if (groups[0] == 0 || groups[1] == 0 || groups[2] == 0) return;  // nothing to do
  Batch& b = begin();
  hazard(buffers);

  // The buffers: pushed into the command buffer (VK_KHR_push_descriptor), or written into a
  // descriptor set from the batch's pool, reset once per batch. Either way nothing is allocated.
  VkDescriptorBufferInfo infos[kMaxBindings];
  VkWriteDescriptorSet writes[kMaxBindings];
  uint32_t i = 0;
  for (const Use& u : buffers) {
    infos[i] = {u.buffer->buffer, u.buffer->offset, u.buffer->size};
    writes[i] = make<VkWriteDescriptorSet>(VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET);
    writes[i].dstBinding = i;
    writes[i].descriptorCount = 1;
    writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    writes[i].pBufferInfo = &infos[i];
    ++i;
  }
  vkCmdBindPipeline(b.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.pipeline);
  if (ctx_.push_descriptors) {
    vkCmdPushDescriptorSetKHR(b.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.layout, 0, i, writes);
  } else {
    auto ai = make<VkDescriptorSetAllocateInfo>(VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO);
    ai.descriptorPool = b.pool;
    ai.descriptorSetCount = 1;
    ai.pSetLayouts = &pipeline.set_layout;
    VkDescriptorSet set = VK_NULL_HANDLE;
    check(vkAllocateDescriptorSets(ctx_.device, &ai, &set), "allocating a descriptor set");
    for (uint32_t k = 0; k < i; ++k) writes[k].dstSet = set;
    vkUpdateDescriptorSets(ctx_.device, i, writes, 0, nullptr);
    vkCmdBindDescriptorSets(b.cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.layout, 0, 1, &set, 0,
                            nullptr);
  }

  unsigned char constants[kPushConstantBytes] = {};
  if (push_bytes) std::memcpy(constants, push, push_bytes);
  vkCmdPushConstants(b.cmd, pipeline.layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, kPushConstantBytes,
                     constants);
  const bool timed = profiling_ && b.queries;
  const uint32_t q = 2 * static_cast<uint32_t>(b.timed.size());
  if (timed) vkCmdWriteTimestamp(b.cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, b.queries, q);
  vkCmdDispatch(b.cmd, groups[0], groups[1], groups[2]);
  if (timed) {
    vkCmdWriteTimestamp(b.cmd, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, b.queries, q + 1);
    b.timed.push_back(op);
  }
  ++b.dispatches;
  ++dispatches_;
  b.work += work;
  if (b.dispatches >= max_batch_ || b.work >= max_work_) submit(b);
}

void Recorder::copy(const BufferPtr& src, const BufferPtr& dst, VkDeviceSize bytes) {
  ensure_usable();
  if (bytes == 0) return;
  Batch& b = begin();
  hazard({{src, false}, {dst, true}});
  const VkBufferCopy region{src->offset, dst->offset, bytes};
  vkCmdCopyBuffer(b.cmd, src->buffer, dst->buffer, 1, &region);
}

void Recorder::copy_regions(const BufferPtr& src, const BufferPtr& dst,
                            std::vector<VkBufferCopy> regions) {
  ensure_usable();
  if (regions.empty()) return;
  Batch& b = begin();
  hazard({{src, false}, {dst, true}});
  for (VkBufferCopy& r : regions) {
    r.srcOffset += src->offset;
    r.dstOffset += dst->offset;
  }
  vkCmdCopyBuffer(b.cmd, src->buffer, dst->buffer, static_cast<uint32_t>(regions.size()),
                  regions.data());
}

void Recorder::fill(const BufferPtr& dst, VkDeviceSize bytes, uint32_t value) {
  ensure_usable();
  if (bytes == 0) return;
  Batch& b = begin();
  hazard({{dst, true}});
  vkCmdFillBuffer(b.cmd, dst->buffer, dst->offset, (bytes + 3) / 4 * 4, value);
}

void Recorder::upload(const BufferPtr& dst, const void* data, VkDeviceSize bytes) {
  ensure_usable();
  if (bytes == 0) return;
  // A new staging chunk, if needed, is allocated before begin(): allocating may flush (to give
  // memory back under pressure), which would end the batch begin() returned.
  const Batch& cur = batches_[current_];
  BufferPtr chunk;
  if (!cur.recording || !cur.staging || cur.staging_used + bytes > cur.staging->size)
    chunk = allocator_.host_buffer(std::max(bytes, kStagingChunk));
  Batch& b = begin();
  if (chunk) {
    if (b.staging) b.keep.push_back(b.staging);
    b.staging = std::move(chunk);
    b.staging_used = 0;
  }
  std::memcpy(static_cast<unsigned char*>(b.staging->mapped) + b.staging_used, data, bytes);
  hazard({{dst, true}});
  const VkBufferCopy region{b.staging->offset + b.staging_used, dst->offset, bytes};
  vkCmdCopyBuffer(b.cmd, b.staging->buffer, dst->buffer, 1, &region);
  b.staging_used += (bytes + 15) / 16 * 16;
}

void Recorder::download(const BufferPtr& src, void* data, VkDeviceSize bytes) {
  ensure_usable();
  if (bytes == 0) return;
  BufferPtr readback = allocator_.host_buffer(bytes);
  Batch& b = begin();
  hazard({{src, false}});
  const VkBufferCopy region{src->offset, readback->offset, bytes};
  vkCmdCopyBuffer(b.cmd, src->buffer, readback->buffer, 1, &region);
  b.keep.push_back(readback);
  flush();
  std::memcpy(data, readback->mapped, bytes);
}

void Recorder::submit(Batch& b) {
  // Make every write of the batch visible to the host (downloads read mapped memory).
  auto mb = make<VkMemoryBarrier>(VK_STRUCTURE_TYPE_MEMORY_BARRIER);
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(b.cmd, kWorkStages, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0, nullptr, 0,
                       nullptr);
  b.recording = false;
  current_ = (current_ + 1) % kSlots;
  written_.clear();
  read_.clear();
  try {
    check(vkEndCommandBuffer(b.cmd), "ending a command buffer");
    auto si = make<VkSubmitInfo>(VK_STRUCTURE_TYPE_SUBMIT_INFO);
    si.commandBufferCount = 1;
    si.pCommandBuffers = &b.cmd;
    check(vkQueueSubmit(ctx_.queue, 1, &si, b.fence), "submitting work to " + ctx_.info.name);
  } catch (const Error& e) {
    fail(e.what());
  }
  b.in_flight = true;
  ++submits_;
}

void Recorder::wait(Batch& b) {
  if (!b.in_flight) return;
  const VkResult r = vkWaitForFences(ctx_.device, 1, &b.fence, VK_TRUE, timeout_ns_);
  if (r == VK_TIMEOUT) {
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.0f", static_cast<double>(timeout_ns_) * 1e-9);
    fail("vulkan: " + ctx_.info.name + " did not finish a batch of " +
         std::to_string(b.dispatches) + " dispatches within " + secs +
         " s (CNNLAB_VK_TIMEOUT); the device seems hung. Restart "
         "the program; if the work is simply that slow, raise CNNLAB_VK_TIMEOUT or lower "
         "CNNLAB_VK_BATCH");
  }
  if (r != VK_SUCCESS) {
    try {
      check(r, "waiting for " + ctx_.info.name);
    } catch (const Error& e) {
      fail(e.what());
    }
  }
  check(vkResetFences(ctx_.device, 1, &b.fence), "resetting a fence");
  b.in_flight = false;
  if (!b.timed.empty()) {
    std::vector<uint64_t> ticks(2 * b.timed.size());
    const VkResult qr =
        vkGetQueryPoolResults(ctx_.device, b.queries, 0, static_cast<uint32_t>(ticks.size()),
                              ticks.size() * sizeof(uint64_t), ticks.data(), sizeof(uint64_t),
                              VK_QUERY_RESULT_64_BIT | VK_QUERY_RESULT_WAIT_BIT);
    if (qr == VK_SUCCESS) {
      const uint64_t mask = ctx_.timestamp_valid_bits >= 64
                                ? ~uint64_t{0}
                                : (uint64_t{1} << ctx_.timestamp_valid_bits) - 1;
      for (size_t i = 0; i < b.timed.size(); ++i) {
        const uint64_t t0 = ticks[2 * i] & mask, t1 = ticks[2 * i + 1] & mask;
        OpTime& t = profile_[b.timed[i]];
        ++t.dispatches;
        t.ns += static_cast<double>((t1 - t0) & mask) * ctx_.props.limits.timestampPeriod;
      }
    }
  }
  b.timed.clear();
  b.keep.clear();
  b.staging.reset();
  b.staging_used = 0;
  b.dispatches = 0;
  b.work = 0;
  std::vector<std::function<void()>> done;
  done.swap(b.on_complete);
  for (const auto& fn : done) fn();
}

void Recorder::flush() {
  ensure_usable();
  Batch& cur = batches_[current_];
  if (cur.recording) submit(cur);
  for (uint32_t i = 0; i < kSlots; ++i) wait(batches_[(current_ + i) % kSlots]);  // oldest first
  allocator_.collect();  // nothing recorded is pending: empty blocks beyond the budget may go
}

void Recorder::when_done(std::function<void()> fn) {
  if (last_ < kSlots) {
    Batch& b = batches_[last_];
    if (b.recording || b.in_flight) {
      b.on_complete.push_back(std::move(fn));
      return;
    }
  }
  fn();  // nothing recorded is pending: it has all completed
}

std::string Recorder::profile_report() {
  flush();
  std::ostringstream out;
  if (!can_profile()) {
    out << "vulkan profile: " << ctx_.info.name << " has no timestamp queries\n";
    return out.str();
  }
  std::vector<std::pair<std::string, OpTime>> rows(profile_.begin(), profile_.end());
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.ns > b.second.ns; });
  double total = 0;
  for (const auto& r : rows) total += r.second.ns;
  char line[160];
  out << "vulkan profile on " << ctx_.info.name << " (GPU time from timestamp queries"
      << (profiling_ ? "" : "; profiling is off now") << ")\n";
  std::snprintf(line, sizeof line, "%-34s %10s %12s %12s %7s\n", "op", "dispatches", "total ms",
                "mean us", "share");
  out << line;
  for (const auto& [op, t] : rows) {
    std::snprintf(line, sizeof line, "%-34s %10llu %12.3f %12.1f %6.1f%%\n", op.c_str(),
                  static_cast<unsigned long long>(t.dispatches), t.ns * 1e-6,
                  t.ns * 1e-3 / static_cast<double>(t.dispatches),
                  total > 0 ? 100.0 * t.ns / total : 0.0);
    out << line;
  }
  std::snprintf(line, sizeof line, "%-34s %10s %12.3f\n", "total", "", total * 1e-6);
  out << line;
  return out.str();
}

}  // namespace cnnlab::vk
