// vk_backend_impl.hpp — the inside of VulkanBackend, shared by vulkan_backend.cpp (memory, device,
// profiling), the GEMM/convolution engine (vk_gemm.cpp), the device-side data checks
// (vk_data_checks.cpp) and the op families (vulkan_conv2d.cpp, vulkan_pool2d.cpp,
// vulkan_linear.cpp, vulkan_elementwise.cpp, vulkan_softmax.cpp).
//
// Contract: Impl owns the whole runtime in construction order — context, allocator, pipeline
// cache, recorder — so destruction runs the other way round (the recorder waits for the GPU
// before buffers, pipelines and finally the device go). The helpers turn an op into
// "choose a pipeline, fill push constants, bind buffers, record a dispatch".
#pragma once

#include "backends/vulkan/vk_commands.hpp"
#include "backends/vulkan/vk_context.hpp"
#include "backends/vulkan/vk_memory.hpp"
#include "backends/vulkan/vk_pipelines.hpp"
#include "backends/vulkan/vulkan_backend.hpp"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace cnnlab {

namespace vk {
/// ⌈a / b⌉ for sizes (b > 0): workgroups, tiles, chunks.
inline uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
}  // namespace vk

/// Tile sizes of the GEMM engine (gemm_tiled.glsl), passed as specialization constants.
struct GemmTiles {
  uint32_t BM = 64, BN = 64, BK = 16, TM = 4, TN = 4;
  uint32_t invocations() const { return (BM / TM) * (BN / TN); }
};

/// Specialization constants of one dispatch (constant i = v[i]), kept in place so that recording
/// a dispatch allocates nothing: made from a braced list `{m.wg, MODE}` or a std::vector.
struct SpecConstants {
  /// As many as the pipeline cache's allocation-free lookup keys on.
  static constexpr uint32_t kMax = vk::PipelineCache::kFastConstants;
  std::array<uint32_t, kMax> v{};
  uint32_t count = 0;
  SpecConstants(std::initializer_list<uint32_t> list) { assign(list.begin(), list.size()); }
  SpecConstants(const std::vector<uint32_t>& list) { assign(list.data(), list.size()); }  // NOLINT
  void assign(const uint32_t* p, size_t n);
};

/// Push constants as 32 words (128 bytes, every pipeline layout's range); floats are stored bit
/// for bit.
struct Push {
  std::array<uint32_t, vk::kPushConstantBytes / sizeof(uint32_t)> words{};
  uint32_t used = 0;
  Push& u(uint64_t v);
  Push& f(float v);
};

struct VulkanBackend::Impl {
  explicit Impl(VulkanBackend& owner);

  VulkanBackend& owner;
  vk::Context ctx;
  vk::Allocator allocator{ctx};
  vk::PipelineCache pipelines{ctx};
  vk::Recorder recorder{ctx, allocator};
  vk::BufferPtr dummy;   // bound where a shader's optional input is absent (no bias)
  GemmTiles tiles;       // the device's tile; choose_gemm_tiles() (vk_gemm.hpp) adapts it per GEMM
  uint32_t wg = 256;     // workgroup size of the elementwise and reduction shaders
  uint64_t max_k_tiles;  // loop budget: K tiles one GEMM invocation may walk
  // The first failed device-side argument check (checks_data_on_device), as the host check's
  // message, set when its batch completes; read() and synchronize() throw it once and clear it.
  std::string deferred_error;

  static const vk::BufferPtr& buf(const Tensor& t);
  vk::BufferPtr temp(uint64_t floats, const char* what);
  /// Workgroup grid for @p groups workgroups of a 1-D problem (x ≤ 65,535, then y).
  std::array<uint32_t, 3> grid(uint64_t groups) const;
  /// Workgroups of wg invocations needed for @p items.
  uint64_t groups_for(uint64_t items) const { return (items + wg - 1) / wg; }

  void run(const char* op, const char* shader, const SpecConstants& constants,
           std::initializer_list<vk::Use> buffers, const Push& push, std::array<uint32_t, 3> groups,
           double work);

  /// Throws deferred_error (and clears it) if a device-side check has failed.
  void report_deferred_error();
};

}  // namespace cnnlab
