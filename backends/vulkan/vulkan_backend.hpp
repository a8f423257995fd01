// vulkan_backend.hpp — the Vulkan compute backend, and the few Vulkan-specific controls the CLI
// and the tests need (device listing and choice, validation, profiling, batch statistics).
//
// Contract:
// - vulkan_backend() returns the process's one VulkanBackend, created on first use and kept
//   until the process ends. Creating it may fail (no Vulkan loader, no device, a bad
//   CNNLAB_DEVICE): it then throws cnnlab::Error saying how to get a device or which devices
//   exist, and the next call tries again.
// - Tensors live in device-local buffers; write/read go through host-visible staging buffers.
//   Ops are recorded into a command buffer and submitted in batches: a batch is submitted when a
//   value is read back (Tensor::to_vector, at), on synchronize(), or when it has grown large
//   enough that one submission should not run any longer. See docs/vulkan.md.
// - Value checks (labels in range, finite logits) run on the device (checks_data_on_device()):
//   an op with a bad label returns at once, and the next read() or synchronize() throws the
//   error the reference backend would have thrown at the call; then the backend works as before.
// - This header includes no Vulkan header (the implementation hides behind a pointer), so the
//   CLI and tests can use it without Vulkan's development files. It is not part of the public
//   API in src/cnnlab/: the stable way to reach the backend is backend_by_name("vulkan").
#pragma once

#include <cnnlab/core/backend.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cnnlab {

/// What `cnnlab devices` prints about one Vulkan physical device.
struct VulkanDeviceInfo {
  size_t index = 0;         ///< position in the loader's list (what CNNLAB_DEVICE=N picks)
  std::string name;         ///< e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"
  std::string type;         ///< "discrete GPU", "integrated GPU", "CPU", ...
  std::string api_version;  ///< highest Vulkan version the device supports
  std::string driver_version;
  std::string driver_name;  ///< e.g. "llvmpipe" (Vulkan 1.2 devices)
  std::string driver_info;  ///< e.g. "Mesa 22.3.6 (LLVM 15.0.6)"
  uint32_t vendor_id = 0, device_id = 0;
  uint32_t max_shared_memory = 0;  ///< maxComputeSharedMemorySize, bytes
  uint32_t max_invocations = 0;    ///< maxComputeWorkGroupInvocations
  uint32_t max_group_size[3] = {0, 0, 0};
  uint32_t max_group_count[3] = {0, 0, 0};
  uint32_t max_storage_buffer_range = 0;  ///< bytes: the largest tensor the device can address
  uint32_t subgroup_size = 0;
  uint32_t timestamp_bits = 0;      ///< valid bits of the compute queue's timestamps (0: none)
  float timestamp_period_ns = 0;    ///< nanoseconds per timestamp tick
  uint64_t device_local_bytes = 0;  ///< size of the largest device-local memory heap
  bool has_compute_queue = false;
  bool usable = false;       ///< Vulkan 1.1 with a compute queue: cnnlab can run on it
  bool is_lavapipe = false;  ///< Mesa's CPU implementation (with its loop limit)
};

/// Every Vulkan device of this machine. Throws cnnlab::Error (with how to install Vulkan) when no
/// Vulkan loader or driver is present.
std::vector<VulkanDeviceInfo> vulkan_devices();
/// The index vulkan_backend() would use given the current CNNLAB_DEVICE / --device choice.
size_t vulkan_default_device_index(const std::vector<VulkanDeviceInfo>& devices);
/// Chooses the device like CNNLAB_DEVICE (index or case-insensitive name part); takes precedence
/// over the environment. Must be called before the backend is first used, else it throws.
void vulkan_select_device(const std::string& spec);
/// Turns the Khronos validation layer on (like CNNLAB_VK_VALIDATION=1) for a backend created
/// after this call.
void vulkan_enable_validation(bool on);
/// Number of validation warnings and errors reported so far in this process.
uint64_t vulkan_validation_messages();

/// The Vulkan compute backend: every op as a compute shader (shaders/*.comp).
class VulkanBackend final : public Backend {
 public:
  VulkanBackend();
  ~VulkanBackend() override;

  std::string name() const override { return "vulkan"; }
  std::string description() const override;
  /// The device in use.
  const VulkanDeviceInfo& device() const;
  /// True when the validation layer is on.
  bool validation() const;

  std::shared_ptr<Storage> allocate(size_t n) override;
  void write(Storage& dst, const float* src, size_t n) override;
  void read(const Storage& src, float* dst, size_t n) override;
  void copy(const Storage& src, Storage& dst, size_t n) override;
  void synchronize() override;
  /// True: the labels and logits of softmax cross-entropy are checked by the shaders, and a bad
  /// value is reported (with the reference backend's message) by the next read() or
  /// synchronize(), so that a training step stays one submission.
  bool checks_data_on_device() const override { return true; }

  // Every op of the Backend interface, each recorded as compute shader dispatches.
  // The ops are listed once, in backend_ops.inc: each line becomes `void op(parameters)
  // override;` here (backend.hpp explains how).
#define CNNLAB_BACKEND_OP(op, params) void op params override;
#include <cnnlab/core/backend_ops.inc>
#undef CNNLAB_BACKEND_OP

  /// Writes the compiled pipelines to the on-disk cache now (vk_disk_cache.hpp) if pipelines
  /// were compiled since it was loaded or last saved and the driver's bytes changed; also done
  /// when the process ends. Returns whether a file was written; never fails (the cache only
  /// saves time).
  bool save_pipeline_cache();

  /// @name Profiling and statistics
  /// @{
  /// Turns per-dispatch timestamp queries on or off (also on when CNNLAB_VK_PROFILE=1; the
  /// report is then printed to stderr when the process ends).
  void set_profiling(bool on);
  bool profiling() const;
  /// A table of GPU time per op (waits for pending work first).
  std::string profile_report();
  void reset_profile();
  /// Counters for tests and curious students.
  struct Stats {
    uint64_t submits = 0;     ///< command buffers submitted
    uint64_t dispatches = 0;  ///< compute dispatches recorded
    uint64_t pipelines = 0;   ///< pipelines created (each shader + constants once)
    /// Device memory allocations (vkAllocateMemory) so far: tensors are ranges of a few large
    /// blocks, so a warm training step makes none.
    uint64_t allocations = 0;
    uint64_t device_bytes = 0;  ///< device-local memory held, in use or free for reuse
  };
  Stats stats() const;
  /// Largest number of dispatches one submission holds before it is sent (default 256, or
  /// CNNLAB_VK_BATCH); smaller values mean more, shorter submissions.
  void set_max_batch(uint32_t dispatches);
  /// @}

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

/// The process's Vulkan backend, created on first use (throws cnnlab::Error if impossible).
VulkanBackend& vulkan_backend();

}  // namespace cnnlab
