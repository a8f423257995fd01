// vk_backend_impl.hpp — the inside of VulkanBackend, shared by vulkan_backend.cpp (memory, device,
// profiling) and vulkan_ops.cpp (the ops).
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
#include <string>
#include <vector>

namespace cnnlab {

/// Tile sizes of the GEMM engine (gemm_tiled.glsl), passed as specialization constants.
struct GemmTiles {
  uint32_t BM = 64, BN = 64, BK = 16, TM = 4, TN = 4;
  uint32_t invocations() const { return (BM / TM) * (BN / TN); }
};

/// Push constants as 32 words (128 bytes); floats are stored bit for bit.
struct Push {
  std::array<uint32_t, 32> words{};
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
  GemmTiles tiles;
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

  void run(const char* op, const char* shader, std::vector<uint32_t> constants,
           std::initializer_list<vk::Use> buffers, const Push& push, std::array<uint32_t, 3> groups,
           double work);

  /// The tiled GEMM engine (gemm.comp and the convolution passes) with split-K.
  struct GemmCall {
    const char* op;
    const char* shader;
    std::vector<uint32_t> extra_constants;  // after the 8 engine constants (gemm: trans flags)
    bool vec_a = false, vec_b = false;
    uint64_t M = 0, N = 0, K = 0, groups = 1;
    Push shape;  // words after the 7 engine words
    const vk::BufferPtr* a = nullptr;
    const vk::BufferPtr* b = nullptr;
    const vk::BufferPtr* out = nullptr;
    const vk::BufferPtr* bias = nullptr;  // nullptr: none
    uint64_t total = 0;                   // elements of the output tensor
    float alpha = 1, beta = 0;
    uint64_t bias_inner = 1, bias_count = 1;  // bias index of output e: (e / inner) % count
    bool no_split = false;  // the output covers only part of the tensor: split-K is impossible
  };
  void gemm_engine(const GemmCall& call);

  /// Reduces `rows` rows of L elements (row_reduce.comp layout) into @p out: MODE 0 softmax
  /// statistics (2 floats per row), 1 dot(a, b), 2 sum(a); sums are multiplied by @p scale.
  void reduce_rows(const char* op, uint32_t mode, const vk::BufferPtr& a, const vk::BufferPtr& b,
                   uint64_t rows, uint64_t L, uint64_t inner, const vk::BufferPtr& out, float scale);
  void elementwise(const char* op, uint32_t code, const Tensor& a, const Tensor* b, Tensor& y);
  /// Records the device-side checks of softmax cross-entropy's labels and logits (the first
  /// bad index, cross_entropy_check.comp) and turns a failure into deferred_error once the batch
  /// has completed. @p loss: the forward pass's loss (non-finite logits only count when they
  /// make it non-finite, as on the host); nullptr for the backward pass.
  void check_cross_entropy(const char* op, const Tensor& logits, const Tensor& labels,
                           const vk::BufferPtr* loss);
  /// Throws deferred_error (and clears it) if a device-side check has failed.
  void report_deferred_error();
};

}  // namespace cnnlab
