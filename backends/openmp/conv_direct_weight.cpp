// conv_direct_weight.cpp — the weight gradient's direct tiles: dW (K, C/G, FH, FW) =
// Σ_n dy_n ⋆ x_n of a stride-1 convolution, as reductions over the output pixels with the sums
// in registers and no column matrix.
//
// Contract: implements direct_dw_suits / direct_dw_image_loop (4 filters × 6 taps, dot products
// along the padded grid) and dw3_k16_suits / direct_dw3_k16 (3-wide filters, 16 filters in the
// lanes × 27 taps) of conv_direct.hpp. Both share out images over threads with one dW slice per
// thread (summed by the caller in a fixed order), so results never depend on timing. Thresholds
// are named in conv_paths.hpp; the tiles are omp::conv_dw_tile and omp::conv_dw3_k16
// (conv_tiles_generic.hpp).
// What it deliberately is not: the GEMM-based weight gradients (transposed columns, batched
// im2col + sgemm, in openmp_conv2d.cpp), the bias gradient, nor the choice between the paths.
#include "backends/openmp/conv_direct.hpp"

#include "backends/openmp/conv_paths.hpp"
#include "backends/openmp/conv_tiles.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace cnnlab::omp_conv {

/// Backward-weight of a stride-1 convolution without a column matrix (omp::conv_dw_tile):
///     dW[k][c, u, v] = Σ_n Σ_q dy_n[k][q] · xpad_n[c][q + (u·D)·Wp + v·D]
/// where q = i·Wp + j runs over the output positions laid on the padded input's row grid (width
/// Wp), and dy_n is copied onto that grid with zeros in the columns j >= W2, so the positions
/// that are not outputs add nothing. A reduction along q needs no transposed copy of anything.
namespace {
struct DirectDw {
  int64_t Cg, Kg, taps, Hp, Wp, plane, nq, ktiles, ttiles;
};

DirectDw direct_dw_plan(const Conv2dGeometry& g) {
  DirectDw p;
  p.Cg = g.channels_per_group();
  p.Kg = g.filters_per_group();
  p.taps = p.Cg * g.FH * g.FW;
  p.Hp = g.H + 2 * g.P;
  p.Wp = g.W + 2 * g.P;
  p.plane = p.Cg * p.Hp * p.Wp;
  p.nq = ((g.H2 - 1) * p.Wp + g.W2 + 15) / 16 * 16;  // up to the last output, whole zmm
  p.ktiles = (p.Kg + omp::kConvDwRows - 1) / omp::kConvDwRows;
  p.ttiles = (p.taps + omp::kConvDwCols - 1) / omp::kConvDwCols;
  return p;
}
}  // namespace

/// Whether the direct weight gradient suits: tiles, stride 1, every per-thread buffer (padded
/// input, dy on the grid, the vector accumulators) small enough for L2, and at least 40 % of
/// the grid positions and of the 4×6 tiles real. (LeNet c1, 6 filters × 25 taps on 8 × 30
/// tiles: 55 %, and still 4× faster than im2col + sgemm with M = 6.) The limits are
/// kDwMaxScratchFloats and kDwMinUseful (conv_paths.hpp).
bool direct_dw_suits(const Conv2dGeometry& g) {
  if (g.S != 1 || !omp::conv_k16_available() || g.N * g.H2 * g.W2 == 0) return false;
  const DirectDw p = direct_dw_plan(g);
  const int64_t kpad = p.ktiles * omp::kConvDwRows, tpad = p.ttiles * omp::kConvDwCols;
  if (p.plane + kpad * p.nq + kpad * tpad * 16 > kDwMaxScratchFloats) return false;
  const double useful = static_cast<double>(g.H2 * g.W2) / static_cast<double>(p.nq) *
                        static_cast<double>(p.Kg * p.taps) / static_cast<double>(kpad * tpad);
  return useful >= kDwMinUseful;
}

/// Loop order: images over threads (static, so the per-thread sums are the same on every run);
/// per image and group, x is copied into a zero-padded plane and dy onto the padded grid, then
/// every 4-filter × 6-tap tile runs over all nq positions (the plane and the grid sit in L1/L2
/// for the whole image). Each thread keeps its vector accumulators (16 lanes per dW entry) for
/// all its images and adds the lanes up once, into `acc` (its slice of dW, or dW itself).
void direct_dw_image_loop(const float* x, const float* dy, const Conv2dGeometry& g, int threads,
                          float* partial, float* dwp) {
  const DirectDw p = direct_dw_plan(g);
  const int64_t hw2 = g.H2 * g.W2, kpad = p.ktiles * omp::kConvDwRows;
  const int64_t tpad = p.ttiles * omp::kConvDwCols, tile = omp::kConvDwRows * omp::kConvDwCols * 16;
  std::vector<int64_t> off(static_cast<size_t>(tpad), 0);  // taps past the end read x[0 ..]
  for (int64_t c = 0; c < p.Cg; ++c)
    for (int64_t u = 0; u < g.FH; ++u)
      for (int64_t v = 0; v < g.FW; ++v)
        off[static_cast<size_t>((c * g.FH + u) * g.FW + v)] = (c * p.Hp + u * g.D) * p.Wp + v * g.D;
  const int64_t wsize = g.K * p.taps;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    float* acc = threads > 1 ? partial + omp_get_thread_num() * wsize : dwp;
    // x[off[j] + nq − 1] may lie up to 15 floats past the plane: slack of 16 zeros.
    const int64_t xfloats = (p.plane + 16 + 15) / 16 * 16;  // so that dyg is 64-byte aligned
    float* xpad = t_packed_b.get(xfloats + kpad * p.nq);
    float* dyg = xpad + xfloats;
    AlignedBuffer vbuf;
    float* vacc = vbuf.get(g.G * p.ktiles * p.ttiles * tile);
    std::fill(xpad, dyg + kpad * p.nq, 0.0f);  // borders, slack, padded columns and rows stay 0
    std::fill(vacc, vacc + g.G * p.ktiles * p.ttiles * tile, 0.0f);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < g.N; ++n)
      for (int64_t grp = 0; grp < g.G; ++grp) {
        copy_into_padded(x + (n * g.C + grp * p.Cg) * g.H * g.W, p.Cg, g.H, g.W, xpad, p.Hp, p.Wp,
                         g.P, g.P);
        for (int64_t k = 0; k < p.Kg; ++k)
          for (int64_t i = 0; i < g.H2; ++i)
            copy_short(dyg + k * p.nq + i * p.Wp, dy + (n * g.K + grp * p.Kg + k) * hw2 + i * g.W2,
                       g.W2);
        for (int64_t kt = 0; kt < p.ktiles; ++kt)
          for (int64_t tt = 0; tt < p.ttiles; ++tt)
            omp::conv_dw_tile(p.nq, dyg + kt * omp::kConvDwRows * p.nq, p.nq,
                              off.data() + tt * omp::kConvDwCols, xpad,
                              vacc + ((grp * p.ktiles + kt) * p.ttiles + tt) * tile);
      }
    // Add up the lanes: tile (kt, tt), entry (i, j) is dW[kt·4 + i][tt·6 + j].
    for (int64_t grp = 0; grp < g.G; ++grp)
      for (int64_t k = 0; k < p.Kg; ++k)
        for (int64_t t = 0; t < p.taps; ++t) {
          const int64_t kt = k / omp::kConvDwRows, tt = t / omp::kConvDwCols;
          const float* lanes =
              vacc + ((grp * p.ktiles + kt) * p.ttiles + tt) * tile +
              ((k % omp::kConvDwRows) * omp::kConvDwCols + t % omp::kConvDwCols) * 16;
          float sum = 0.0f;
          for (int l = 0; l < 16; ++l) sum += lanes[l];
          acc[(grp * p.Kg + k) * p.taps + t] = sum;
        }
  }
}

/// Whether direct_dw3_k16 suits: tiles, stride 1, no dilation, 3-wide filters, whole blocks
/// of 16 filters, output rows of at least kDw3MinRowPixels, and at least kDw3MinRowTiles tiles
/// of (channel, filter-row) pairs (conv_paths.hpp).
bool dw3_k16_suits(const Conv2dGeometry& g) {
  // At least two tiles of (channel, filter-row) pairs, so that the transposed copy of dy is
  // used by several tiles: with one (CIFAR's 3 input channels) the copy costs a quarter of the
  // arithmetic and im2col + sgemm is faster (66 against 58 GFLOP/s).
  return omp::conv_k16_available() && g.S == 1 && g.D == 1 && g.FW == 3 &&
         g.filters_per_group() % 16 == 0 && g.W2 >= kDw3MinRowPixels && g.N * g.H2 > 0 &&
         g.channels_per_group() * g.FH >= kDw3MinRowTiles * omp::kConvDw3Rows;
}

/// Loop order: per image (and group), x is copied into a zero-padded plane and dy transposed to
/// pixel-major blocks of 16 filters (dyt, 16×16 in-register transposes); then each tile — one
/// block of 16 filters × up to 9 (channel, filter-row) pairs × 3 filter columns — runs over all
/// the image's output pixels with its 27 accumulators in registers (the block's dyt, H2·W2·64
/// bytes, and the tile's 9 input rows stay in L1/L2). Per-tile sums live in `acc`, laid out
/// tile by tile (27 taps × 16 filters each), and are scattered into dW at the end.
void direct_dw3_k16(const float* x, const float* dy, const Conv2dGeometry& g, int threads,
                    float* partial, float* dwp) {
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group(), kblocks = Kg / 16;
  const int64_t Hp = g.H + 2 * g.P, Wp = g.W + 2 * g.P, plane = Cg * Hp * Wp;
  const int64_t hw2 = g.H2 * g.W2, hw16 = (hw2 + 15) / 16 * 16;
  const int64_t pairs = Cg * g.FH, rgroups = (pairs + omp::kConvDw3Rows - 1) / omp::kConvDw3Rows;
  const int64_t tile = 27 * 16, tiles = g.G * kblocks * rgroups;
  const int64_t cff = Cg * g.FH * 3, wsize = g.K * cff;
  const int64_t nb = omp::conv_k16_blocks();  // blocks of 16 filters per tile call

  // x of image n, group grp → xpad (zero borders); dy → dyt[kb][pixel][16 filters].
  auto prepare = [&](int64_t n, int64_t grp, float* xpad, float* dyt) {
    copy_into_padded(x + (n * g.C + grp * Cg) * g.H * g.W, Cg, g.H, g.W, xpad, Hp, Wp, g.P, g.P);
    alignas(64) float block[16 * 16];
    for (int64_t kb = 0; kb < kblocks; ++kb) {
      const float* src = dy + (n * g.K + grp * Kg + kb * 16) * hw2;
      for (int64_t p0 = 0; p0 < hw2; p0 += 16) {
        const int64_t np = std::min<int64_t>(16, hw2 - p0);
        for (int64_t f = 0; f < 16; ++f) {
          copy_short(block + f * 16, src + f * hw2 + p0, np);
          std::fill(block + f * 16 + np, block + f * 16 + 16, 0.0f);
        }
        // block[f·16 + q] → dyt[(p0 + q)·16 + f]; up to 15 pixels past hw2 land in the slack.
        omp::transpose16_bias(block, 16, kZeros16, dyt + (kb * hw16 + p0) * 16, 16);
      }
    }
  };
  // Tile t = (grp, kb, rg) over one prepared image, into acc + t·tile.
  auto run_tile = [&](int64_t t, const float* xpad, const float* dyt, float* acc) {
    const int64_t rg = t % rgroups, kb = t / rgroups % kblocks;
    const int64_t r0 = rg * omp::kConvDw3Rows,
                  rows = std::min<int64_t>(omp::kConvDw3Rows, pairs - r0);
    const float* rowp[omp::kConvDw3Rows];
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t c = (r0 + r) / g.FH, u = (r0 + r) % g.FH;
      rowp[r] = xpad + (c * Hp + u) * Wp;
    }
    const int bn = static_cast<int>(std::min<int64_t>(nb, kblocks - kb));
    omp::conv_dw3_k16(bn, static_cast<int>(rows), rowp, Wp, g.H2, g.W2, dyt + kb * hw16 * 16,
                      hw16 * 16, acc + t * tile, rgroups * tile);
  };
  // acc tile by tile → dst (K × cff):
  //   dst[grp·Kg + kb·16 + f][(r0 + r)·3 + v] = acc[t][(r·3 + v)·16 + f].
  auto scatter = [&](const float* acc, float* dst) {
    for (int64_t t = 0; t < tiles; ++t) {
      const int64_t rg = t % rgroups, kb = t / rgroups % kblocks, grp = t / rgroups / kblocks;
      const int64_t r0 = rg * omp::kConvDw3Rows,
                    rows = std::min<int64_t>(omp::kConvDw3Rows, pairs - r0);
      for (int64_t e = 0; e < rows * 3; ++e)
        for (int64_t f = 0; f < 16; ++f)
          dst[(grp * Kg + kb * 16 + f) * cff + r0 * 3 + e] = acc[t * tile + e * 16 + f];
    }
  };

  // The order the tiles of one group run in. Either every block of 16 filters sweeps all the
  // row groups (the padded input is read kblocks times, its dyt block stays in L2), or blocks
  // of row groups whose input rows (~128 KB) stay in L2 while every filter block passes over
  // them (dyt is read once per such block) — whichever reads less from L3: VGG deep, 16 filter
  // blocks over a 900 KB input, takes the second; VGG mid, 4 blocks of 200 KB dyt, the first.
  int64_t rg_block = std::max<int64_t>(
      1, (int64_t{1} << 15) / std::max<int64_t>(1, 3 * Hp * Wp));  // ~3 channels per row group
  const int64_t sweep_input = plane * kblocks;
  const int64_t sweep_dy = kblocks * hw16 * 16 * ((rgroups + rg_block - 1) / rg_block) + plane;
  if (sweep_input <= sweep_dy) rg_block = rgroups;
  // With nb = 2 (omp::conv_k16_blocks) a tile of block kb also does block kb + 1.
  std::vector<int64_t> order;  // tile indices within a group: kb·rgroups + rg
  for (int64_t rb = 0; rb < rgroups; rb += rg_block)
    for (int64_t kb = 0; kb < kblocks; kb += nb)
      for (int64_t rg = rb; rg < std::min(rgroups, rb + rg_block); ++rg)
        order.push_back(kb * rgroups + rg);
  // One worker's buffers: the padded input (its padding zeroed once), dyt, and the tile sums.
  struct Scratch {
    AlignedBuffer accbuf;
    float *xpad, *dyt, *acc;
  };
  auto make_scratch = [&](Scratch& w) {
    const int64_t xfloats = (plane + 15) / 16 * 16;
    w.xpad = t_packed_b.get(xfloats + kblocks * hw16 * 16);
    w.dyt = w.xpad + xfloats;
    std::fill(w.xpad, w.xpad + plane, 0.0f);  // borders stay 0; interiors are rewritten
    w.acc = w.accbuf.get(tiles * tile);
    std::fill(w.acc, w.acc + tiles * tile, 0.0f);
  };
  if (threads > 1) {  // images shared out; each thread sums into its own acc
#pragma omp parallel num_threads(threads)
    {
      Scratch w;
      make_scratch(w);
#pragma omp for schedule(static)
      for (int64_t n = 0; n < g.N; ++n)
        for (int64_t grp = 0; grp < g.G; ++grp) {
          prepare(n, grp, w.xpad, w.dyt);
          for (const int64_t q : order) run_tile(grp * kblocks * rgroups + q, w.xpad, w.dyt, w.acc);
        }
      scatter(w.acc, partial + omp_get_thread_num() * wsize);
    }
    return;
  }
  Scratch w;  // one image at a time; its tiles shared out (disjoint parts of acc)
  make_scratch(w);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t grp = 0; grp < g.G; ++grp) {
      prepare(n, grp, w.xpad, w.dyt);
      const int64_t t0 = grp * kblocks * rgroups, nt = static_cast<int64_t>(order.size());
#pragma omp parallel for schedule(dynamic) if (nt > 1 && hw2 * 27 * 16 * nt * nb > (1 << 20))
      for (int64_t q = 0; q < nt; ++q)
        run_tile(t0 + order[static_cast<size_t>(q)], w.xpad, w.dyt, w.acc);
    }
  scatter(w.acc, dwp);
}

}  // namespace cnnlab::omp_conv
