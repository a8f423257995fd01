// vulkan_backend.cpp — VulkanBackend's life cycle, memory, device controls and profiling.
//
// Contract: memory is device-local buffers (VulkanStorage); write() records an upload through a
// staging buffer into the current batch (no submission), read() records a download and submits
// (Reading a Vulkan tensor on the host flushes pending GPU work), copy() records a buffer copy.
// read() and synchronize() are also where a failed device-side argument check is reported (the
// deferred checks of vk_data_checks.cpp): once every batch has completed, the first failure is
// thrown as cnnlab::Error and forgotten, so the backend is usable again at once. Nothing else
// throws it (never a destructor): until the next read or synchronize() the failure just waits.
// The ops themselves are in the op-family files (vulkan_conv2d.cpp, vulkan_pool2d.cpp,
// vulkan_linear.cpp, vulkan_elementwise.cpp, vulkan_softmax.cpp) on the GEMM engine of
// vk_gemm.cpp. vulkan_backend() creates the backend on first use; when that fails, the Error
// says how to get a Vulkan device. At exit, the pipelines compiled by the process are saved to
// the disk cache for the next one (save_pipeline_cache(), vk_disk_cache.hpp).
#include "backends/vulkan/vk_backend_impl.hpp"

#include <cnnlab/core/error.hpp>

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace cnnlab {

namespace {
VulkanBackend* g_backend = nullptr;  // the live backend, if any
}  // namespace

// ---- free functions of vulkan_backend.hpp ----------------------------------------------------
std::vector<VulkanDeviceInfo> vulkan_devices() { return vk::list_devices(); }

size_t vulkan_default_device_index(const std::vector<VulkanDeviceInfo>& devices) {
  std::string source;
  const std::string spec = vk::device_spec(&source);
  return vk::choose_device(devices, spec, source);
}

void vulkan_select_device(const std::string& spec) {
  if (g_backend && vk::device_spec() != spec)
    throw Error(
        "vulkan: the device must be chosen (--device, CNNLAB_DEVICE) before the Vulkan "
        "backend is first used; it already runs on " +
        g_backend->device().name);
  vk::set_device_spec(spec);
}

void vulkan_enable_validation(bool on) { vk::request_validation(on); }
uint64_t vulkan_validation_messages() { return vk::validation_message_count(); }

namespace {
void print_profile_at_exit() {
  if (!g_backend) return;
  try {
    std::cerr << g_backend->profile_report();
  } catch (const std::exception& e) {
    std::cerr << "cnnlab: vulkan profile unavailable: " << e.what() << "\n";
  }
}
/// The pipelines compiled in this process go to the disk cache, for the next one.
void save_pipelines_at_exit() {
  if (!g_backend) return;
  try {
    g_backend->save_pipeline_cache();
  } catch (...) {  // the cache only saves time: never fail an exit over it
  }
}
}  // namespace

VulkanBackend& vulkan_backend() {
  // Created on first use (and tried again after a failure) and never destroyed: it lives until
  // the process ends, like the driver it runs on. Tearing the device down during static
  // destruction would race with tensors in other static objects, and would make the Vulkan loader
  // unload the driver and layers while sanitizers still want to describe their memory; the
  // operating system reclaims everything at exit.
  static VulkanBackend* instance = nullptr;
  if (!instance) {
    instance = new VulkanBackend();
    std::atexit(save_pipelines_at_exit);
    const char* prof = std::getenv("CNNLAB_VK_PROFILE");
    if (prof && *prof && std::string(prof) != "0") std::atexit(print_profile_at_exit);
  }
  return *instance;
}

// ---- Push --------------------------------------------------------------------------------------
Push& Push::u(uint64_t v) {
  if (v > UINT32_MAX)
    throw Error("vulkan: a size of " + std::to_string(v) + " does not fit in 32 bits");
  words.at(used++) = static_cast<uint32_t>(v);
  return *this;
}
Push& Push::f(float v) {
  words.at(used++) = std::bit_cast<uint32_t>(v);
  return *this;
}

// ---- Impl --------------------------------------------------------------------------------------
VulkanBackend::Impl::Impl(VulkanBackend& o) : owner(o) {
  // Under memory pressure the allocator first lets every recorded command complete, so that the
  // empty blocks it then frees are really unused.
  allocator.set_drain([this] { recorder.flush(); });
  dummy = allocator.device_buffer(16, "placeholder buffer");
  recorder.fill(dummy, 16, 0);
  const auto& limits = ctx.props.limits;
  if (limits.maxComputeWorkGroupInvocations < 256 || limits.maxComputeWorkGroupSize[0] < 256) {
    tiles = GemmTiles{32, 32, 16, 4, 4};  // 64 invocations: within every device's minimum (128)
    wg = 128;
  }
  // lavapipe ends an invocation after 65,535 loop iterations: one GEMM invocation walks at most
  // 2,048 K tiles (32,768 terms). The tile's inner loops are unrolled, so each tile is one
  // iteration (measured: without split-K, K = 1,100,000 = 68,750 tiles comes out wrong, and
  // K = 200,000 does not). Elsewhere the limit only keeps single invocations short.
  max_k_tiles = ctx.loop_limited ? 2048 : 65536;
}

const vk::BufferPtr& VulkanBackend::Impl::buf(const Tensor& t) {
  return static_cast<const vk::VulkanStorage*>(t.storage())->buffer();
}

vk::BufferPtr VulkanBackend::Impl::temp(uint64_t floats, const char* what) {
  return allocator.device_buffer(std::max<uint64_t>(floats, 4) * sizeof(float), what);
}

std::array<uint32_t, 3> VulkanBackend::Impl::grid(uint64_t groups) const {
  const uint64_t max_x = ctx.props.limits.maxComputeWorkGroupCount[0];
  const uint64_t x = std::min<uint64_t>(groups, max_x);
  const uint64_t y = x == 0 ? 0 : (groups + x - 1) / x;
  if (y > ctx.props.limits.maxComputeWorkGroupCount[1])
    throw Error("vulkan: " + std::to_string(groups) + " workgroups are more than " + ctx.info.name +
                " can dispatch at once; the tensor is too large for this backend");
  return {static_cast<uint32_t>(x), static_cast<uint32_t>(y), 1};
}

void SpecConstants::assign(const uint32_t* p, size_t n) {
  if (n > kMax)
    throw Error("vulkan: " + std::to_string(n) + " specialization constants (a bug in cnnlab)");
  std::copy(p, p + n, v.begin());
  count = static_cast<uint32_t>(n);
}

void VulkanBackend::Impl::run(const char* op, const char* shader, const SpecConstants& constants,
                              std::initializer_list<vk::Use> buffers, const Push& push,
                              std::array<uint32_t, 3> groups, double work) {
  const vk::Pipeline& p = pipelines.get(shader, static_cast<uint32_t>(buffers.size()),
                                        constants.v.data(), constants.count);
  recorder.dispatch(op, p, buffers, push.words.data(), push.used * 4, groups, work);
}

void VulkanBackend::Impl::report_deferred_error() {
  if (deferred_error.empty()) return;
  const Error e(deferred_error);
  deferred_error.clear();
  throw e;
}

// ---- VulkanBackend: life cycle and device ------------------------------------------------------
VulkanBackend::VulkanBackend() : impl_(std::make_unique<Impl>(*this)) { g_backend = this; }

VulkanBackend::~VulkanBackend() {
  if (g_backend == this) g_backend = nullptr;
}

std::string VulkanBackend::description() const {
  const VulkanDeviceInfo& d = impl_->ctx.info;
  std::string s = "vulkan on " + d.name + " (" + d.type + ", Vulkan " + d.api_version;
  if (!d.driver_info.empty()) s += ", " + d.driver_info;
  s += impl_->ctx.validation ? ", validation on)" : ")";
  return s;
}
const VulkanDeviceInfo& VulkanBackend::device() const { return impl_->ctx.info; }
bool VulkanBackend::validation() const { return impl_->ctx.validation; }

// ---- memory
// --------------------------------------------------------------------------------------
std::shared_ptr<Storage> VulkanBackend::allocate(size_t n) {
  const uint64_t bytes = std::max<uint64_t>(n, 4) * sizeof(float);
  return std::make_shared<vk::VulkanStorage>(*this, n,
                                             impl_->allocator.device_buffer(bytes, "tensor"));
}

void VulkanBackend::write(Storage& dst, const float* src, size_t n) {
  impl_->recorder.upload(static_cast<vk::VulkanStorage&>(dst).buffer(), src, n * sizeof(float));
}

void VulkanBackend::read(const Storage& src, float* dst, size_t n) {
  impl_->recorder.download(static_cast<const vk::VulkanStorage&>(src).buffer(), dst,
                           n * sizeof(float));
  impl_->report_deferred_error();
}

void VulkanBackend::copy(const Storage& src, Storage& dst, size_t n) {
  impl_->recorder.copy(static_cast<const vk::VulkanStorage&>(src).buffer(),
                       static_cast<vk::VulkanStorage&>(dst).buffer(), n * sizeof(float));
}

void VulkanBackend::synchronize() {
  impl_->recorder.flush();
  impl_->report_deferred_error();
}

// ---- profiling and statistics
// ----------------------------------------------------------------------
void VulkanBackend::set_profiling(bool on) { impl_->recorder.set_profiling(on); }
bool VulkanBackend::profiling() const { return impl_->recorder.profiling(); }
std::string VulkanBackend::profile_report() {
  std::string report = impl_->recorder.profile_report();
  char line[160];
  std::snprintf(line, sizeof line,
                "device memory: %llu allocation(s) so far, %.1f MiB held in %zu block(s)\n",
                static_cast<unsigned long long>(impl_->allocator.allocations()),
                static_cast<double>(impl_->allocator.device_bytes()) / (1024.0 * 1024.0),
                impl_->allocator.blocks());
  return report + line;
}
bool VulkanBackend::save_pipeline_cache() { return impl_->pipelines.save(); }
void VulkanBackend::reset_profile() { impl_->recorder.reset_profile(); }
VulkanBackend::Stats VulkanBackend::stats() const {
  return {.submits = impl_->recorder.submits(),
          .dispatches = impl_->recorder.dispatches(),
          .pipelines = impl_->pipelines.size(),
          .allocations = impl_->allocator.allocations(),
          .device_bytes = impl_->allocator.device_bytes()};
}
void VulkanBackend::set_max_batch(uint32_t dispatches) {
  impl_->recorder.set_max_batch(dispatches);
}

}  // namespace cnnlab
