// vk_gemm.hpp — the GEMM/convolution engine of the Vulkan backend: tile choice, split-K and the
// long row reductions that convolution, linear, softmax and the loss are built on.
//
// Contract:
// - gemm_engine() records C[M, N] = Σ_k A[m, k] · B[k, n] (per group g) with one of the shaders
//   that include shaders/gemm_tiled.glsl (gemm.comp and the three convolution passes). It picks
//   the tile shape, splits a long reduction into slices (split-K, added up by
//   splitk_reduce.comp) so that no invocation walks more than Impl::max_k_tiles tiles (lavapipe's
//   65,535-loop-iteration limit), and cuts a very large GEMM into several dispatches, each over a
//   range of block columns with at most the recorder's work limit. Nothing waits; the epilogue
//   (alpha, beta, bias) runs in the GEMM shader, or in splitk_reduce.comp after a split.
// - The kernel (classic or register-blocked) and tile are choose_gemm_tiles()'s, which the
//   environment variable CNNLAB_VK_GEMM_TILE can override (to benchmark one against the other).
// - reduce_rows() records a reduction of `rows` rows of L elements (row_reduce.comp, then
//   row_finish.comp when a row needed more than one chunk): softmax statistics, dot products or
//   sums, as ROW_REDUCE_* of shaders/shader_modes.h.
// - Sizes must fit the device's dispatch limits; otherwise cnnlab::Error names the op and device.
#pragma once

#include "backends/vulkan/vk_backend_impl.hpp"

#include <cstdint>
#include <vector>

namespace cnnlab {

/// The classic kernel's tile shapes of 256 invocations the planner chooses from (gemm_tiled.glsl's
/// BM×BN, BK, TM×TN): all do the same work per workgroup, but a GEMM with few rows (a convolution
/// over 6 channels) or few columns pads least in a flat one. The square 64×64 comes first, so it
/// wins ties: it has the best ratio of math to shared-memory loads.
inline constexpr GemmTiles kGemmTileShapes[] = {{64, 64, 16, 4, 4},
                                                {32, 128, 16, 4, 4},
                                                {128, 32, 16, 4, 4},
                                                {16, 256, 16, 2, 8},
                                                {256, 16, 16, 8, 2}};

/// The register-blocked kernel's tile (gemm_tiled.glsl with BLOCKED): 128×128, BK = 8, 8×8 per
/// invocation (256 invocations), vec4 reads of the shared tiles.
inline constexpr GemmTiles kGemmLargeTile = {128, 128, 8, 8, 8};

/// The classic kernel's small tile of 64 invocations: every device's, and the tile of devices that
/// cannot run 256 invocations per workgroup.
inline constexpr GemmTiles kGemmSmallTile = {32, 32, 16, 4, 4};

/// A tile and the kernel of gemm_tiled.glsl that runs it (its specialization constants 0..9).
struct GemmKernel {
  GemmTiles tiles;
  bool blocked = false;        // the register-blocked kernel (BLOCKED)
  bool double_buffer = false;  // with blocked: two shared buffers, one barrier per K step
  /// Bytes of shared memory the kernel declares.
  uint64_t shared_bytes() const;
};

/// What the tile choice needs to know of the device.
struct GemmDevice {
  GemmTiles tiles;            // the device's own tile (32×32 where 256 invocations are too many)
  uint64_t shared_bytes = 0;  // maxComputeSharedMemorySize
  bool cpu = false;           // lavapipe: the register-blocked kernel runs single-buffered there
};

/// The kernel for an M×N output. CNNLAB_VK_GEMM_TILE (read on every call) chooses:
///   unset, "" or "auto"  the register-blocked 128×128 kernel for large GEMMs (M, N ≥ 256, padding
///                        C at most 1/8 more than the best classic tile) on a device with 256
///                        invocations per workgroup and 16 KB of shared memory — double-buffered
///                        on a GPU, single-buffered on a CPU (lavapipe, where that measured
///                        faster); otherwise "classic"
///   "classic"            the classic kernel with the shape of kGemmTileShapes that pads C least
///                        (or the device's tile when it cannot run 256 invocations)
///   "32x32", "64x64", "32x128", "128x32", "16x256", "256x16"   that classic shape, always
///   "128x128"            the register-blocked kernel, double-buffered, always
///   "128x128-single"     the register-blocked kernel with one shared buffer (two barriers per
///   step)
/// A forced shape the device cannot run, or any other value, is a cnnlab::Error.
GemmKernel choose_gemm_tiles(const GemmDevice& device, uint64_t M, uint64_t N);

/// One GEMM for gemm_engine(): the shader and its operands, the sizes, and the epilogue.
struct GemmCall {
  const char* op;
  const char* shader;
  std::vector<uint32_t> extra_constants;  // after the 10 engine constants (gemm: trans flags)
  bool vec_a = false, vec_b = false;
  uint64_t M = 0, N = 0, K = 0, groups = 1;
  Push shape;  // push-constant words after the engine's 8 (M, N, K, k_slice, groups, split, total,
               // tile_x0)
  const vk::BufferPtr* a = nullptr;
  const vk::BufferPtr* b = nullptr;
  const vk::BufferPtr* out = nullptr;
  const vk::BufferPtr* bias = nullptr;  // nullptr: none
  uint64_t total = 0;                   // elements of the output tensor
  float alpha = 1, beta = 0;
  uint64_t bias_inner = 1, bias_count = 1;  // bias index of output e: (e / inner) % count
  bool no_split = false;  // the output covers only part of the tensor: split-K is impossible
};

/// Records @p call: the tiled GEMM dispatch(es), then splitk_reduce.comp if the reduction was
/// split.
void gemm_engine(VulkanBackend::Impl& m, const GemmCall& call);

/// Reduces `rows` rows of L elements into @p out. Element e of row r is at
///   a[(e / inner) · rows · inner + r · inner + e % inner]
/// (inner = L: contiguous rows; inner < L: strided ones, as for a bias gradient). @p mode is a
/// ROW_REDUCE_* of shader_modes.h: SOFTMAX_STATS writes (max, Σ e^(a − max)) per row, DOT Σ a·b,
/// SUM Σ a, CENTERED_SQ Σ (a − c[r])² and CENTERED_DOT Σ a·(b − c[r]), where c = @p row_values
/// holds one value per row (batch norm's means; only these two modes read it); sums are
/// multiplied by @p scale.
void reduce_rows(VulkanBackend::Impl& m, const char* op, uint32_t mode, const vk::BufferPtr& a,
                 const vk::BufferPtr& b, uint64_t rows, uint64_t L, uint64_t inner,
                 const vk::BufferPtr& out, float scale, const vk::BufferPtr& row_values = nullptr);

}  // namespace cnnlab
