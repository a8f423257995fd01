// vk_commands.hpp — recording work into command buffers and submitting it in batches.
//
// Contract:
// - Ops append to the current batch: dispatch() (a compute shader), copy(), upload() (host data
//   through a per-batch staging area) and download(). Nothing runs until the batch is submitted,
//   which happens on download() and flush() (Tensor reads, Backend::synchronize()), and when a
//   batch reaches max_batch dispatches or its estimated work exceeds max_work — so a training step
//   is one submission, and none runs for seconds.
// - Recording a dispatch costs the host about a microsecond and allocates nothing: the buffers
//   are pushed into the command buffer (VK_KHR_push_descriptor) or, without that extension,
//   written into a descriptor set from the batch's pool, which is reset once per batch.
// - Barriers: the recorder tracks which buffers were written and read since the last barrier and
//   inserts one global memory barrier (compute/transfer writes → compute/transfer reads and
//   writes) only before a command that reads or writes something written since (RAW, WAW) or
//   writes something read since (WAR). Independent dispatches therefore overlap. A new batch
//   starts with a barrier, because an earlier one may still run.
//   Hazards are tracked on byte ranges of the memory blocks (vk_memory.hpp), so two tensors in one
//   block are independent, and a range freed and handed to a new tensor is ordered after every
//   command that used it before: that is what lets the allocator reuse a freed range at once.
// - Up to kSlots batches are in flight; each has its own command buffer, fence, descriptor pool,
//   staging area and timestamp queries, recycled once its fence has signalled. The host-visible
//   ranges a batch uses (staging, readback) are held (shared_ptr) until then; device memory is
//   given back to the driver only after flush() has waited for everything (Allocator::collect).
// - when_done(fn) runs fn on the host once the batch holding the latest recorded command has
//   completed and been waited for — without a submission of its own: the callbacks wait for
//   whatever submits that batch anyway (a download, flush(), a full batch). The Vulkan backend
//   reads the results of its device-side argument checks this way (vk_data_checks.cpp).
// - Waiting has a time limit (CNNLAB_VK_TIMEOUT seconds, default 60): a batch that does not finish
//   by then, or a lost device, makes this and every later call throw a clear cnnlab::Error instead
//   of hanging.
// - Profiling (set_profiling): timestamps around each dispatch, with a barrier before each so the
//   times do not overlap; the per-op totals are read back when a batch completes.
#pragma once

#include "backends/vulkan/vk_memory.hpp"
#include "backends/vulkan/vk_pipelines.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

namespace cnnlab::vk {

/// A buffer a command uses, and whether it writes it.
struct Use {
  const BufferPtr& buffer;
  bool write;
};

class Recorder {
 public:
  Recorder(Context& ctx, Allocator& allocator);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  /// Records one dispatch of @p pipeline over @p groups workgroups. @p push (at most 128 bytes)
  /// becomes the push constants; @p op labels it in the profile; @p work (≈ flops or bytes)
  /// counts toward the batch's work limit.
  void dispatch(const char* op, const Pipeline& pipeline, std::initializer_list<Use> buffers,
                const void* push, uint32_t push_bytes, std::array<uint32_t, 3> groups, double work);
  /// Records a buffer-to-buffer copy of @p bytes.
  void copy(const BufferPtr& src, const BufferPtr& dst, VkDeviceSize bytes);
  /// Records one buffer-to-buffer copy command of several regions; each region's offsets are
  /// relative to the start of @p src and @p dst (strided copies such as concat's channel blocks).
  void copy_regions(const BufferPtr& src, const BufferPtr& dst, std::vector<VkBufferCopy> regions);
  /// Records a fill of @p bytes with the 32-bit pattern @p value.
  void fill(const BufferPtr& dst, VkDeviceSize bytes, uint32_t value);
  /// Records host data → @p dst (through the batch's staging area; @p data is copied now).
  void upload(const BufferPtr& dst, const void* data, VkDeviceSize bytes);
  /// Copies @p src → host: records the copy, submits, waits, copies out.
  void download(const BufferPtr& src, void* data, VkDeviceSize bytes);
  /// Submits the current batch (if any) and waits for every batch to finish.
  void flush();
  /// Runs @p fn on the host once everything recorded so far has completed: when the batch that
  /// holds the latest command is waited for (download(), flush(), or the reuse of its slot);
  /// at once if no recorded work is pending. Callbacks run in the order they were registered,
  /// after the batch has been recycled, and must not throw. Submits nothing.
  void when_done(std::function<void()> fn);

  void set_profiling(bool on);
  bool profiling() const { return profiling_; }
  bool can_profile() const { return ctx_.timestamp_valid_bits > 0; }
  /// The per-op profile table (flushes first).
  std::string profile_report();
  void reset_profile() { profile_.clear(); }

  void set_max_batch(uint32_t dispatches);
  /// Estimated work (≈ flops) after which a batch is submitted; ops keep single dispatches below
  /// it.
  double max_work() const { return max_work_; }
  uint64_t submits() const { return submits_; }
  uint64_t dispatches() const { return dispatches_; }

  static constexpr uint32_t kSlots = 3;
  static constexpr uint32_t kMaxBatch = 1024;

 private:
  struct Batch {
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    VkFence fence = VK_NULL_HANDLE;
    VkDescriptorPool pool = VK_NULL_HANDLE;
    VkQueryPool queries = VK_NULL_HANDLE;
    bool recording = false, in_flight = false;
    uint32_t dispatches = 0;
    double work = 0;
    std::vector<BufferPtr> keep;  // the host-visible ranges the batch uses (see vk_memory.hpp)
    BufferPtr staging;            // current upload chunk
    VkDeviceSize staging_used = 0;
    std::vector<const char*> timed;                  // op label of query pair i
    std::vector<std::function<void()>> on_complete;  // when_done() callbacks
  };

  Batch& begin();         // the recording batch (starting one if needed)
  void submit(Batch& b);  // end and submit (no wait)
  void wait(Batch& b);    // wait for its fence, then recycle it
  void hazard(std::initializer_list<Use> uses);
  void barrier(Batch& b);
  void mark(const BufferPtr& buffer, bool write);
  void ensure_usable() const;
  [[noreturn]] void fail(const std::string& message);

  Context& ctx_;
  Allocator& allocator_;
  VkCommandPool command_pool_ = VK_NULL_HANDLE;
  std::array<Batch, kSlots> batches_;
  uint32_t current_ = 0;
  uint32_t last_ = kSlots;  // the batch that holds the latest recorded command (kSlots: none)
  /// Bytes [begin, end) of a block's VkBuffer that a command reads or writes.
  struct Range {
    VkBuffer buffer;
    VkDeviceSize begin, end;
    static Range of(const Buffer& b) { return {b.buffer, b.offset, b.offset + b.size}; }
    bool overlaps(const Range& o) const {
      return buffer == o.buffer && begin < o.end && o.begin < end;
    }
  };
  std::vector<Range> written_, read_;  // since the last barrier
  bool profiling_ = false;
  uint32_t max_batch_ = 256;
  double max_work_ = 0;
  uint64_t timeout_ns_ = 0;
  uint64_t submits_ = 0, dispatches_ = 0;
  std::string broken_;  // set after a timeout or device loss: every later call throws it
  struct OpTime {
    uint64_t dispatches = 0;
    double ns = 0;
  };
  std::map<std::string, OpTime> profile_;
};

}  // namespace cnnlab::vk
