// vk_gemm.cpp — the GEMM/convolution engine: tile choice, split-K, column chunks, and the long
// row reductions (row_reduce.comp + row_finish.comp).
//
// Contract: see vk_gemm.hpp. Every function here only records dispatches; nothing waits. The
// plans keep every invocation's loop short — lavapipe silently ends an invocation after 65,535
// loop iterations — and every dispatch within the recorder's work limit.
#include "backends/vulkan/vk_gemm.hpp"

#include <cnnlab/core/error.hpp>

#include "shaders/shader_modes.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace cnnlab {

using vk::BufferPtr;
using vk::ceil_div;

namespace {
/// Split-K stops adding slices for occupancy once there are this many blocks × slices: a few per
/// core on lavapipe, enough for every unit of a GPU elsewhere.
constexpr uint64_t kTargetBlocksLoopLimited = 16;
constexpr uint64_t kTargetBlocksGpu = 512;
/// A reduction is split for occupancy only when it has at least this many K tiles, and every
/// slice keeps at least kMinTilesPerSlice of them.
constexpr uint64_t kMinTilesToSplit = 16;
constexpr uint64_t kMinTilesPerSlice = 8;
/// At most this many slices (splitk_reduce.comp loops once per slice).
constexpr uint64_t kMaxSlices = 1024;
/// The tile shapes of kGemmTileShapes are for workgroups of this many invocations.
constexpr uint32_t kFullWorkgroup = 256;
}  // namespace

uint64_t GemmKernel::shared_bytes() const {
  const uint64_t buffers = blocked && double_buffer ? 2 : 1;
  return buffers * tiles.BK * (tiles.BM + tiles.BN) * sizeof(float);
}

namespace {
/// CNNLAB_VK_GEMM_TILE's value, or "auto".
std::string gemm_tile_setting() {
  const char* v = std::getenv("CNNLAB_VK_GEMM_TILE");
  return v && *v ? std::string(v) : std::string("auto");
}

/// The classic kernel's best shape for M×N: among kGemmTileShapes, the one that pads C least.
GemmTiles least_padding(uint64_t M, uint64_t N) {
  GemmTiles t = kGemmTileShapes[0];
  uint64_t best = UINT64_MAX;
  for (const GemmTiles& o : kGemmTileShapes) {
    const uint64_t padded = ceil_div(M, o.BM) * o.BM * ceil_div(N, o.BN) * o.BN;
    if (padded < best) {
      best = padded;
      t = o;
    }
  }
  return t;
}

uint64_t padded_area(const GemmTiles& t, uint64_t M, uint64_t N) {
  return ceil_div(M, t.BM) * t.BM * ceil_div(N, t.BN) * t.BN;
}

/// The register-blocked kernel pays for large outputs only (its 128×128 blocks are 4× the
/// classic ones: fewer workgroups, more padding on small or odd shapes).
constexpr uint64_t kLargeMinRows = 256, kLargeMinColumns = 256;
}  // namespace

GemmKernel choose_gemm_tiles(const GemmDevice& d, uint64_t M, uint64_t N) {
  const std::string s = gemm_tile_setting();
  const bool full = d.tiles.invocations() == kFullWorkgroup;
  GemmKernel large{kGemmLargeTile, true, true};
  auto cannot = [&](const std::string& why) {
    return Error("CNNLAB_VK_GEMM_TILE=" + s + ": this device cannot run that tile (" + why + ")");
  };
  if (s == "auto" || s == "classic") {
    // Few rows or columns (a convolution over 6 channels, a 6×25 weight gradient): among tiles
    // of the same area and invocation count, the one that pads C least, so that most of each
    // workgroup's work is real (ties keep the square 64×64, the best ratio of math to loads).
    if (!full) return GemmKernel{d.tiles};
    const GemmKernel classic{least_padding(M, N)};
    // On a CPU (lavapipe) one shared buffer measured faster than two (barriers are cheap there,
    // and the register prefetch already overlaps the loads).
    large.double_buffer = !d.cpu;
    if (s == "classic" || large.shared_bytes() > d.shared_bytes || M < kLargeMinRows ||
        N < kLargeMinColumns)
      return classic;
    // 128×128 only where it pads C at most 1/8 more than the best classic shape.
    const uint64_t big = padded_area(large.tiles, M, N), small = padded_area(classic.tiles, M, N);
    return big * 8 <= small * 9 ? large : classic;
  }
  if (s == "32x32") return GemmKernel{kGemmSmallTile};
  if (s == "128x128" || s == "128x128-single") {
    large.double_buffer = s == "128x128";
    if (!full) throw cannot("it needs 256 invocations per workgroup");
    if (large.shared_bytes() > d.shared_bytes)
      throw cannot("it needs " + std::to_string(large.shared_bytes()) +
                   " bytes of shared memory, the device has " + std::to_string(d.shared_bytes));
    return large;
  }
  for (const GemmTiles& o : kGemmTileShapes)
    if (s == std::to_string(o.BM) + "x" + std::to_string(o.BN)) {
      if (!full) throw cannot("it needs 256 invocations per workgroup");
      return GemmKernel{o};
    }
  throw Error("CNNLAB_VK_GEMM_TILE=" + s +
              ": expected auto, classic, 32x32, 64x64, 32x128, 128x32, 16x256, 256x16, 128x128 or "
              "128x128-single");
}

void gemm_engine(VulkanBackend::Impl& m, const GemmCall& c) {
  const GemmDevice device{m.tiles, m.ctx.props.limits.maxComputeSharedMemorySize,
                          m.ctx.loop_limited};
  GemmKernel kernel = choose_gemm_tiles(device, c.M, c.N);
  // A GEMM that cannot be split (one stride phase of backward data) keeps BK = 16 when BK = 8
  // would walk more K tiles than one invocation may.
  if (c.no_split && ceil_div(c.K, kernel.tiles.BK) > m.max_k_tiles)
    kernel = GemmKernel{device.tiles.invocations() == kFullWorkgroup ? least_padding(c.M, c.N)
                                                                     : device.tiles};
  const GemmTiles t = kernel.tiles;
  const uint64_t tiles_m = ceil_div(c.M, t.BM), tiles_n = ceil_div(c.N, t.BN);
  const uint64_t k_tiles = std::max<uint64_t>(1, ceil_div(c.K, t.BK));
  // Slices: enough that no invocation walks more than max_k_tiles tiles, and, when there are few
  // output tiles, more so that every core (or GPU unit) gets work — but each slice keeps ≥ 8 tiles.
  uint64_t slices = ceil_div(k_tiles, m.max_k_tiles);
  const uint64_t blocks = tiles_m * tiles_n * c.groups;
  const uint64_t target = m.ctx.loop_limited ? kTargetBlocksLoopLimited : kTargetBlocksGpu;
  if (c.no_split && slices > 1)
    throw Error(std::string("vulkan: ") + c.op +
                ": reduction too long for an unsplit GEMM (a bug in cnnlab)");
  if (blocks < target && k_tiles >= kMinTilesToSplit && !c.no_split)
    slices = std::max(slices, std::min(ceil_div(target, blocks), k_tiles / kMinTilesPerSlice));
  slices = std::min<uint64_t>(slices, kMaxSlices);
  const uint64_t per_slice = ceil_div(k_tiles, slices);
  slices = ceil_div(k_tiles, per_slice);
  const bool split = slices > 1;
  const auto& limits = m.ctx.props.limits;
  if (slices * c.groups > limits.maxComputeWorkGroupCount[2] ||
      tiles_m > limits.maxComputeWorkGroupCount[1])
    throw Error(std::string("vulkan: ") + c.op + " is too large for one dispatch on " +
                m.ctx.info.name);

  // gemm_tiled.glsl's specialization constants 0..9, then the shader's own
  std::vector<uint32_t> constants = {t.BM,
                                     t.BN,
                                     t.BK,
                                     t.TM,
                                     t.TN,
                                     c.vec_a ? 1u : 0u,
                                     c.vec_b ? 1u : 0u,
                                     t.invocations(),
                                     kernel.blocked ? 1u : 0u,
                                     kernel.double_buffer ? 1u : 0u};
  constants.insert(constants.end(), c.extra_constants.begin(), c.extra_constants.end());
  const BufferPtr& bias = c.bias ? *c.bias : m.dummy;
  // Without a split the shader never touches `partial`; it is bound to the output (which this
  // dispatch writes anyway), because the shader declares it writable and the synchronization
  // validation layer counts that as a write: bound to the shared placeholder it would see
  // hazards between GEMMs that are in fact independent.
  const BufferPtr partial = split ? m.temp(slices * c.total, "split-K partial sums") : *c.out;
  // One dispatch per range of block columns, each with at most the recorder's work limit (the
  // padded tiles count: that is what runs), so that no single dispatch runs for seconds.
  const double column_work = 2.0 * static_cast<double>(t.BM * t.BN * tiles_m * c.groups) *
                             static_cast<double>(k_tiles * t.BK);
  const uint64_t chunk =
      std::clamp<uint64_t>(static_cast<uint64_t>(m.recorder.max_work() / column_work), 1,
                           limits.maxComputeWorkGroupCount[0]);
  for (uint64_t x0 = 0; x0 < tiles_n; x0 += chunk) {
    const uint64_t columns = std::min(chunk, tiles_n - x0);
    Push push;
    push.u(c.M).u(c.N).u(c.K).u(per_slice * t.BK).u(c.groups).u(split ? 1 : 0).u(c.total).u(x0);
    for (uint32_t i = 0; i < c.shape.used; ++i) push.words.at(push.used++) = c.shape.words[i];
    m.run(c.op, c.shader, constants,
          // out is a read-write binding of gemm.comp: marked written even when split (only
          // the partials are written then), or sync validation sees a write after earlier reads
          {{*c.a, false}, {*c.b, false}, {*c.out, true}, {bias, false}, {partial, split}}, push,
          {static_cast<uint32_t>(columns), static_cast<uint32_t>(tiles_m),
           static_cast<uint32_t>(slices * c.groups)},
          column_work * static_cast<double>(columns));
  }
  if (!split) return;
  Push r;
  r.u(c.total).u(slices).f(c.alpha).f(c.beta).u(c.bias ? 1 : 0).u(c.bias_inner).u(c.bias_count);
  m.run(c.op, "splitk_reduce", {m.wg}, {{partial, false}, {*c.out, true}, {bias, false}}, r,
        m.grid(m.groups_for(c.total)), static_cast<double>(slices * c.total));
}

void reduce_rows(VulkanBackend::Impl& m, const char* op, uint32_t mode, const BufferPtr& a,
                 const BufferPtr& b, uint64_t rows, uint64_t L, uint64_t inner,
                 const BufferPtr& out, float scale, const BufferPtr& row_values) {
  // Each invocation walks `per` elements (≥ 16), each workgroup one chunk of wg·per; `per` grows
  // for very long rows so that the chunks of one row stay ≤ 8,192 (row_finish's loop).
  constexpr uint64_t kMinPerInvocation = 16, kMaxChunksPerRow = 8192;
  const uint64_t per =
      std::max<uint64_t>(kMinPerInvocation, ceil_div(L, uint64_t{m.wg} * kMaxChunksPerRow));
  const uint64_t chunk = m.wg * per, chunks = ceil_div(L, chunk);
  const bool stats = mode == vk::ROW_REDUCE_SOFTMAX_STATS;
  const uint32_t width = stats ? 2 : 1;  // floats per result: (max, sum-exp) or one sum
  const bool direct = chunks == 1 && scale == 1.0f;
  const BufferPtr part = direct ? out : m.temp(rows * chunks * width, "reduction partials");
  Push p;
  p.u(rows).u(L).u(inner).u(chunk).u(chunks);
  m.run(op, "row_reduce", {m.wg, mode},
        {{a, false}, {b, false}, {part, true}, {row_values ? row_values : m.dummy, false}}, p,
        m.grid(rows * chunks), static_cast<double>(rows * L));
  if (direct) return;
  Push f;
  f.u(rows).u(chunks).f(scale);
  m.run(op, "row_finish", {m.wg, stats ? vk::ROW_FINISH_SOFTMAX_STATS : vk::ROW_FINISH_SUM},
        {{part, false}, {out, true}}, f, m.grid(m.groups_for(rows)),
        static_cast<double>(rows * chunks));
}

}  // namespace cnnlab
