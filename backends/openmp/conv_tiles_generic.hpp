// conv_tiles_generic.hpp — private: the convolution register tiles of conv_tiles.hpp, written
// once for any vector width and instantiated per instruction set.
//
// Contract: function templates only, each taking the instruction set as its first template
// argument S (Avx512 in simd_avx512.hpp, Avx2 in simd_avx2.hpp): a vector S::V of S::L floats and
// S::kRegs registers. conv_tiles_avx512.cpp and conv_tiles_avx2.cpp include this header after
// their S and instantiate the entry points (conv_tile_isa, conv_k16_isa, conv_dw_tile_isa,
// conv_dw3_k16_isa, conv_dx16_isa); conv_tiles.hpp documents what each computes, in the shapes
// of a convolution. Nothing here may be a non-template or depend on no S: such a function would
// be compiled once per instruction set and merged by the linker (see conv_tiles_kernels.hpp).
//
// One loop structure, two register files. The data layouts are fixed by the callers and the
// same on every instruction set: "16 filters in the lanes" means a group of 16 floats, which is
// one zmm on AVX-512 and two ymm on AVX2 (U = 16 / L vectors per group below). What differs is
// how many accumulators fit: 28 zmm of AVX-512's 32 registers, but only 12 ymm of AVX2's 16
// (with the operands they need). So each tile is a template `*_block` over the shape of the
// register block, holding every accumulator in a register for the whole reduction, and the
// entry point `*_isa` cuts the caller's tile into such blocks: on AVX-512 one block is the whole
// tile, exactly as the tiles were first written for it; on AVX2 a tile is two to five blocks,
// each re-reading its (L1-resident) operands. The block sizes per instruction set are the
// `kBlock*` constants in the traits below, with the register count each one uses.
//
// What it deliberately is not: padding, packing, threads or the choice of tile (the callers,
// conv_direct_*.cpp, do those), nor the 16×16 transpose (its shuffles are per instruction set,
// in the .cpp files).
#pragma once

#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace cnnlab::omp::detail {

/// How a tile of the callers' shape is cut into register blocks on instruction set S.
template <class S>
struct TileShape {
  static constexpr int L = S::L;       ///< floats per vector
  static constexpr int U = 16 / S::L;  ///< vectors per group of 16 floats (1 or 2)
  static constexpr bool kWide = S::kRegs >= 32;
  /// conv_tile: rows (filters) per block × 2 vectors of positions; 14×2 + 2 + 1 = 31 zmm,
  /// 6×2 + 2 + 1 = 15 ymm.
  static constexpr int kGridRows = kWide ? 14 : 6;
  /// conv_k16: accumulators per block for NB groups of 16 filters (NB·U per pixel), leaving
  /// NB·U registers for the weights and one for the broadcast: AVX-512 28 (2 rows × 14 pixels
  /// for 16 filters, 2 × 7 for 32); AVX2 12 (6 pixels) for 16 filters, 8 (2 pixels) for 32.
  template <int NB>
  static constexpr int kK16Vectors = std::min(28, (S::kRegs - NB * U - 1) / (NB * U) * (NB * U));
  /// conv_dw_tile: filters per block (× 6 taps × 1 vector slot): 4×6 + 4 + 1 = 29 zmm,
  /// 2×6 + 2 + 1 = 15 ymm.
  static constexpr int kDwFilters = kWide ? 4 : 2;
  /// conv_dw3_k16: (channel, filter-row) pairs per block for NB groups of 16 filters (× 3 taps ×
  /// NB·U accumulators, + NB·U dy registers + 1 broadcast): AVX-512 9 for one group (29 zmm), 4
  /// for two (27 zmm); AVX2 2 for one group (15 ymm), none for two.
  template <int NB>
  static constexpr int kDw3Rows = std::min(9, (S::kRegs - 1 - NB * U) / (3 * NB * U));
  /// conv_dx16: channels per block (× 4 pixels): 6×4 + 4 + 1 = 29 zmm, 2×4 + 4 + 1 = 13 ymm.
  static constexpr int kDxChannels = kWide ? 6 : 2;
};

/// Splits n into ceil(n / most) parts of nearly equal size (a 14-row tile in blocks of at most
/// 6 → 5 + 5 + 4, rather than 6 + 6 + 2, whose last block would use its registers poorly).
template <class S>
int even_part(int n, int most) {
  const int parts = (n + most - 1) / most;
  return (n + parts - 1) / parts;
}

/// Calls f(std::integral_constant<int, R>) for the R = n, 1 <= n <= Max: a switch over the
/// register-block shapes, so that every block is a fully unrolled template instance.
template <class S, int Max, class F>
void with_rows(int n, F&& f) {
  if constexpr (Max >= 1) {
    if (n >= Max) {
      f(std::integral_constant<int, Max>{});
      return;
    }
    with_rows<S, Max - 1>(n, f);
  }
}

// ---- forward: positions in the lanes ------------------------------------------------------------
// The register tile of the GEMM micro-kernel (R filters × 2 vectors of positions), but the "B
// row" of tap t is loaded straight from the zero-padded input at x + off[t] instead of from a
// packed im2col panel: for a stride-1 convolution, consecutive output positions of one
// padded-width grid row read consecutive input floats for every tap, so no column matrix is
// built; the caller discards the positions that fall in the padding. Per tap: 2 vector loads,
// R broadcasts, 2R FMAs.
template <class S, int R>
void grid_tile_block(int64_t ntaps, const int64_t* off, const float* x, const float* w,
                     int64_t wstride, float* c) {
  using V = typename S::V;
  constexpr int L = S::L;
  V acc[R][2];
#pragma GCC unroll 14
  for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = S::zero();
#pragma GCC unroll 2
  for (int64_t t = 0; t < ntaps; ++t) {
    const float* xt = x + off[t];
    const V b0 = S::loadu(xt), b1 = S::loadu(xt + L);
#pragma GCC unroll 14
    for (int i = 0; i < R; ++i) {
      const V ai = S::set1(w[i]);
      acc[i][0] = S::fmadd(ai, b0, acc[i][0]);
      acc[i][1] = S::fmadd(ai, b1, acc[i][1]);
    }
    w += wstride;
  }
#pragma GCC unroll 14
  for (int i = 0; i < R; ++i) {
    S::storeu(c + i * 32, acc[i][0]);
    S::storeu(c + i * 32 + L, acc[i][1]);
  }
}

/// conv_tile of conv_tiles.hpp: c (mr × 32, row stride 32) = Σ_t w[t·mr + i] · x[off[t] + q].
template <class S>
void conv_tile_isa(int mr, int64_t ntaps, const int64_t* off, const float* x, const float* w,
                   float* c) {
  using T = TileShape<S>;
  const int rb = even_part<S>(mr, T::kGridRows);
  for (int p0 = 0; p0 < 32; p0 += 2 * T::L)
    for (int r0 = 0; r0 < mr; r0 += rb)
      with_rows<S, T::kGridRows>(std::min(rb, mr - r0), [&](auto r) {
        grid_tile_block<S, decltype(r)::value>(ntaps, off, x + p0, w + r0, mr, c + r0 * 32 + p0);
      });
}

// ---- forward: filters in the lanes --------------------------------------------------------------
// The transposed orientation, for layers whose output rows are short (LeNet c2: 10 pixels): a
// group of 16 filters of one output pixel is U vectors, so every FMA computes real outputs. A
// block takes NB such groups (NB = 1 or 2: 16 or 32 filters) of R×J pixels. Per tap, load the
// NB groups' weights once (NB·U vectors) and, for each pixel, broadcast its input value
// x[off[t] + r·row + j] from memory into NB·U FMAs:
//     acc[r][j][b][:] += x[off[t] + r·row + j] · w[b·wstride + t·16 + :]
// With NB = 2 each broadcast feeds two FMAs instead of one: on a core with two 512-bit FMA
// pipes, 28 FMAs then need 2 weight loads and 14 broadcasts per tap instead of 1 and 28, and
// the broadcasts no longer crowd out the FMAs (see conv_k16_isa). Each row gets its own
// pointer, so every broadcast is that pointer plus a constant displacement (written as
// xt[r·row + j], GCC kept r·row + j for every j in its own register and spilled some of them:
// ~10% slower on AVX-512).
template <class S, int J, int R, int NB>
void k16_block(int64_t ntaps, const int64_t* off, const float* x, int64_t row, const float* w,
               int64_t wstride, float* c, int64_t ldc, int64_t cstride, bool accumulate) {
  using V = typename S::V;
  constexpr int L = S::L, U = TileShape<S>::U, NV = NB * U;  // vectors per pixel
  // Where accumulator (r, j, v) lives in c: block v / U, pixel (r, j), vector v % U.
  auto out = [&](int r, int j, int v) {
    return c + (v / U) * cstride + (r * ldc + j) * 16 + (v % U) * L;
  };
  V acc[R][J][NV];
#pragma GCC unroll 2
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 14
    for (int j = 0; j < J; ++j)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][j][v] = accumulate ? S::loadu(out(r, j, v)) : S::zero();
#pragma GCC unroll 2
  for (int64_t t = 0; t < ntaps; ++t) {
    V wt[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) wt[v] = S::load(w + (v / U) * wstride + t * 16 + (v % U) * L);
    const float* xr[R];
    xr[0] = x + off[t];
    if constexpr (R > 1) xr[1] = xr[0] + row;
#pragma GCC unroll 2
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 14
      for (int j = 0; j < J; ++j) {
        const V b = S::set1(xr[r][j]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][j][v] = S::fmadd(b, wt[v], acc[r][j][v]);
      }
  }
#pragma GCC unroll 2
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 14
    for (int j = 0; j < J; ++j)
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) S::storeu(out(r, j, v), acc[r][j][v]);
}

/// conv_k16 of conv_tiles.hpp for NB (1 or 2) groups of 16 filters: rows (1 or 2) × cols
/// (1 .. 14) pixels. Cut into register blocks of at most kK16Vectors accumulators; a block of
/// two rows needs at least two columns, else the rows go one at a time. When the tile takes
/// several blocks (AVX2; AVX-512 with NB = 2), the taps are taken in chunks whose weights fit
/// in L1, and every block runs over a chunk before the next chunk starts, adding to what the
/// previous chunks left in c: otherwise each block would stream the whole filter block from L2
/// again (VGG deep: 2,304 taps, 147 KB per 16 filters).
template <class S, int NB>
void k16_tile(int rows, int cols, int64_t ntaps, const int64_t* off, const float* x, int64_t row,
              const float* w, int64_t wstride, float* c, int64_t ldc, int64_t cstride) {
  using T = TileShape<S>;
  constexpr int kPixels = T::template kK16Vectors<NB> / (NB * T::U);  // pixels per block
  constexpr int kCols1 = std::min(kPixels, 14);      // columns per block of one row
  constexpr int kCols2 = std::min(kPixels / 2, 14);  // ... of two rows
  constexpr int64_t kTapChunk = 256;                 // 16 KB of weights per group
  if (rows == 2 && kCols2 < 2) {  // too few registers for two rows: one row at a time
    k16_tile<S, NB>(1, cols, ntaps, off, x, row, w, wstride, c, ldc, cstride);
    k16_tile<S, NB>(1, cols, ntaps, off, x + row, row, w, wstride, c + ldc * 16, ldc, cstride);
    return;
  }
  const int most = rows == 2 ? kCols2 : kCols1;
  const int jb = even_part<S>(cols, most);
  const int64_t chunk = jb < cols ? kTapChunk : ntaps;  // one block: all taps at once
  for (int64_t t0 = 0; t0 < ntaps; t0 += chunk) {
    const int64_t nt = std::min(chunk, ntaps - t0);
    for (int j0 = 0; j0 < cols; j0 += jb) {
      const int n = std::min(jb, cols - j0);
      if (rows == 2) {
        if constexpr (kCols2 >= 2)
          with_rows<S, kCols2>(n, [&](auto j) {
            k16_block<S, decltype(j)::value, 2, NB>(nt, off + t0, x + j0, row, w + t0 * 16, wstride,
                                                    c + j0 * 16, ldc, cstride, t0 > 0);
          });
      } else {
        with_rows<S, kCols1>(n, [&](auto j) {
          k16_block<S, decltype(j)::value, 1, NB>(nt, off + t0, x + j0, row, w + t0 * 16, wstride,
                                                  c + j0 * 16, ldc, cstride, t0 > 0);
        });
      }
    }
  }
}

/// conv_k16 of conv_tiles.hpp.
template <class S>
void conv_k16_isa(int nb, int rows, int cols, int64_t ntaps, const int64_t* off, const float* x,
                  int64_t row, const float* w, int64_t wstride, float* c, int64_t ldc,
                  int64_t cstride) {
  if (nb == 2)
    k16_tile<S, 2>(rows, cols, ntaps, off, x, row, w, wstride, c, ldc, cstride);
  else
    k16_tile<S, 1>(rows, cols, ntaps, off, x, row, w, wstride, c, ldc, cstride);
}

// ---- weight gradient: dot products along the output positions ----------------------------------
// dW[k][t] = Σ_q dy[k][q] · x[q + off[t]] over the padded-width grid: a reduction along q, so
// the lanes hold consecutive positions and nothing is transposed. The caller's tile is 4
// filters × 6 taps, each a group of 16 partial sums in acc (memory) that the caller adds up
// once at the end — so which lane a position goes to does not matter. A block takes KB filters
// × 6 taps into the first L lanes of each group: per step of L positions, KB aligned dy loads
// and 6 unaligned input loads feed 6·KB FMAs. (On AVX2 lanes 8..15 of each group stay as the
// caller set them, 0.)
template <class S, int KB>
void dw_block(int64_t nq, const float* dy, int64_t ldy, const float* const* xt, float* acc) {
  using V = typename S::V;
  constexpr int L = S::L, TT = 6;
  V a[KB][TT];
#pragma GCC unroll 4
  for (int i = 0; i < KB; ++i)
#pragma GCC unroll 6
    for (int j = 0; j < TT; ++j) a[i][j] = S::load(acc + (i * TT + j) * 16);
  for (int64_t q = 0; q < nq; q += L) {
    V d[KB];
#pragma GCC unroll 4
    for (int i = 0; i < KB; ++i) d[i] = S::load(dy + i * ldy + q);
#pragma GCC unroll 6
    for (int j = 0; j < TT; ++j) {
      const V xv = S::loadu(xt[j] + q);
#pragma GCC unroll 4
      for (int i = 0; i < KB; ++i) a[i][j] = S::fmadd(d[i], xv, a[i][j]);
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < KB; ++i)
#pragma GCC unroll 6
    for (int j = 0; j < TT; ++j) S::store(acc + (i * TT + j) * 16, a[i][j]);
}

/// conv_dw_tile of conv_tiles.hpp: 4 filters × 6 taps × 16 lanes of partial sums.
template <class S>
void conv_dw_tile_isa(int64_t nq, const float* dy, int64_t ldy, const int64_t* off, const float* x,
                      float* acc) {
  constexpr int KK = 4, TT = 6, KB = TileShape<S>::kDwFilters;
  const float* xt[TT];
  for (int j = 0; j < TT; ++j) xt[j] = x + off[j];
  for (int k0 = 0; k0 < KK; k0 += KB)
    dw_block<S, KB>(nq, dy + k0 * ldy, ldy, xt, acc + k0 * TT * 16);
}

// ---- weight gradient, 3-wide filters, 16 filters in the lanes -----------------------------------
// dW[f][c, u, v] = Σ_pixels dy[f][i, j] · x_pad[c][i + u][j + v] (stride 1, no dilation). With
// dy pixel-major (a group of 16 filters per pixel, dyt), each tap (c, u, v) is one group of
// accumulators per block of 16 filters, and a pixel contributes
//     acc[b][r][v] += x_pad[row r][i·Wp + j + v] · dyt[b][pixel]        (r = one (c, u) pair)
// A call takes NB (1 or 2) blocks of 16 filters, so that each broadcast input value feeds NB·U
// FMAs (see k16_block for why two blocks pay on AVX-512). Loop order: output rows i, then
// columns j; per pixel NB·U aligned loads of dy and R×3 broadcasts from memory. Each row's
// pointer is advanced once per output row, so every broadcast is that pointer + j + a constant.
// The reduction runs over all H2·W2 pixels with the accumulators in registers, added to acc
// (memory) once at the end. (GCC's predictive commoning, on at -O3, would keep x[j + 1] and
// x[j + 2] broadcast from one pixel to the next — R×3 more live registers, spilled: 90 instead
// of 115 GFLOP/s on AVX-512. It is turned off.)
template <class S, int R, int NB>
__attribute__((optimize("no-predictive-commoning"))) void dw3_block(const float* const* x,
                                                                    int64_t wp, int64_t h2,
                                                                    int64_t w2, const float* dyt,
                                                                    int64_t dstride, float* acc,
                                                                    int64_t astride) {
  using V = typename S::V;
  constexpr int L = S::L, U = TileShape<S>::U, NV = NB * U;
  V a[R][3][NV];
#pragma GCC unroll 9
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 3
    for (int v = 0; v < 3; ++v)
#pragma GCC unroll 4
      for (int e = 0; e < NV; ++e) a[r][v][e] = S::zero();
  const float* row[R];
#pragma GCC unroll 9
  for (int r = 0; r < R; ++r) row[r] = x[r];
  for (int64_t i = 0; i < h2; ++i) {
    for (int64_t j = 0; j < w2; ++j) {
      V d[NV];
#pragma GCC unroll 4
      for (int e = 0; e < NV; ++e) d[e] = S::load(dyt + (e / U) * dstride + j * 16 + (e % U) * L);
#pragma GCC unroll 9
      for (int r = 0; r < R; ++r)
#pragma GCC unroll 3
        for (int v = 0; v < 3; ++v) {
          const V b = S::set1(row[r][j + v]);
#pragma GCC unroll 4
          for (int e = 0; e < NV; ++e) a[r][v][e] = S::fmadd(b, d[e], a[r][v][e]);
        }
    }
    dyt += w2 * 16;
#pragma GCC unroll 9
    for (int r = 0; r < R; ++r) row[r] += wp;
  }
#pragma GCC unroll 9
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 3
    for (int v = 0; v < 3; ++v)
#pragma GCC unroll 4
      for (int e = 0; e < NV; ++e) {
        float* o = acc + (e / U) * astride + (r * 3 + v) * 16 + (e % U) * L;
        S::store(o, S::add(S::load(o), a[r][v][e]));
      }
}

/// conv_dw3_k16 of conv_tiles.hpp for NB blocks: rows (1 .. 9) (channel, filter-row) pairs × 3
/// taps, in register blocks of at most kDw3Rows<NB> pairs.
template <class S, int NB>
void dw3_tile(int rows, const float* const* x, int64_t wp, int64_t h2, int64_t w2, const float* dyt,
              int64_t dstride, float* acc, int64_t astride) {
  constexpr int kRows = TileShape<S>::template kDw3Rows<NB>;
  static_assert(kRows >= 1, "no register block fits");
  const int rb = even_part<S>(rows, kRows);
  for (int r0 = 0; r0 < rows; r0 += rb)
    with_rows<S, kRows>(std::min(rb, rows - r0), [&](auto r) {
      dw3_block<S, decltype(r)::value, NB>(x + r0, wp, h2, w2, dyt, dstride, acc + r0 * 3 * 16,
                                           astride);
    });
}

/// conv_dw3_k16 of conv_tiles.hpp.
template <class S>
void conv_dw3_k16_isa(int nb, int rows, const float* const* x, int64_t wp, int64_t h2, int64_t w2,
                      const float* dyt, int64_t dstride, float* acc, int64_t astride) {
  if constexpr (TileShape<S>::template kDw3Rows<2> >= 1) {
    if (nb == 2) {
      dw3_tile<S, 2>(rows, x, wp, h2, w2, dyt, dstride, acc, astride);
      return;
    }
  }
  dw3_tile<S, 1>(rows, x, wp, h2, w2, dyt, dstride, acc, astride);
}

// ---- data gradient, 16 filters reduced in the lanes ---------------------------------------------
// For a convolution with exactly 16 filters per group (LeNet c2), dx[c][pixel] is a reduction
// over those 16 filters and the taps: with dy pixel-major (16 filters per pixel) on a
// zero-padded grid, every FMA has all its lanes busy however few channels dx has. Over the taps
// (u, v) of the caller's window (taps that meet only the zero border are skipped), load the 4
// pixels' dy vectors and the CB channels' weight vectors of one vector slot and do 4·CB FMAs;
// both slots of a group (AVX2) add into the same accumulators. At the end each accumulator's
// lanes are added up.
template <class S, int CB>
void dx16_block(int64_t u0, int64_t u1, int64_t v0, int64_t v1, int64_t fw, int64_t rowstep,
                int64_t colstep, const float* dyt, const float* w, int c0, float* out) {
  using V = typename S::V;
  constexpr int L = S::L, U = TileShape<S>::U, CT = 6, PT = 4;
  V acc[CB][PT];
#pragma GCC unroll 6
  for (int c = 0; c < CB; ++c)
#pragma GCC unroll 4
    for (int p = 0; p < PT; ++p) acc[c][p] = S::zero();
  for (int64_t u = u0; u < u1; ++u)
    for (int64_t v = v0; v < v1; ++v) {
      const float* dt = dyt + u * rowstep + v * colstep;
      const float* wt = w + ((u * fw + v) * CT + c0) * 16;
#pragma GCC unroll 2
      for (int s = 0; s < U; ++s) {
        V d[PT];
#pragma GCC unroll 4
        for (int p = 0; p < PT; ++p) d[p] = S::load(dt + p * 16 + s * L);
#pragma GCC unroll 6
        for (int c = 0; c < CB; ++c) {
          const V wc = S::load(wt + c * 16 + s * L);
#pragma GCC unroll 4
          for (int p = 0; p < PT; ++p) acc[c][p] = S::fmadd(d[p], wc, acc[c][p]);
        }
      }
    }
#pragma GCC unroll 6
  for (int c = 0; c < CB; ++c)
#pragma GCC unroll 4
    for (int p = 0; p < PT; ++p) out[(c0 + c) * PT + p] = S::hsum(acc[c][p]);
}

/// conv_dx16 of conv_tiles.hpp: 6 channels × 4 pixels.
template <class S>
void conv_dx16_isa(int64_t u0, int64_t u1, int64_t v0, int64_t v1, int64_t fw, int64_t rowstep,
                   int64_t colstep, const float* dyt, const float* w, float* out) {
  constexpr int CB = TileShape<S>::kDxChannels;
  for (int c0 = 0; c0 < 6; c0 += CB)
    dx16_block<S, CB>(u0, u1, v0, v1, fw, rowstep, colstep, dyt, w, c0, out);
}

/// Defines the five entry points of conv_tiles_kernels.hpp for one instruction set, e.g.
/// CNNLAB_CONV_TILES(avx2, Avx2) defines conv_tile_avx2 .. conv_dx16_avx2 as the instances of
/// the templates above for Avx2. Used once in each of conv_tiles_avx512.cpp and
/// conv_tiles_avx2.cpp, inside namespace cnnlab::omp::detail.
#define CNNLAB_CONV_TILES(suffix, S)                                                             \
  void conv_tile_##suffix(int mr, int64_t ntaps, const int64_t* off, const float* x,             \
                          const float* w, float* c) {                                            \
    conv_tile_isa<S>(mr, ntaps, off, x, w, c);                                                   \
  }                                                                                              \
  void conv_k16_##suffix(int nb, int rows, int cols, int64_t ntaps, const int64_t* off,          \
                         const float* x, int64_t row, const float* w, int64_t wstride, float* c, \
                         int64_t ldc, int64_t cstride) {                                         \
    conv_k16_isa<S>(nb, rows, cols, ntaps, off, x, row, w, wstride, c, ldc, cstride);            \
  }                                                                                              \
  void conv_dw_tile_##suffix(int64_t nq, const float* dy, int64_t ldy, const int64_t* off,       \
                             const float* x, float* acc) {                                       \
    conv_dw_tile_isa<S>(nq, dy, ldy, off, x, acc);                                               \
  }                                                                                              \
  void conv_dw3_k16_##suffix(int nb, int rows, const float* const* x, int64_t wp, int64_t h2,    \
                             int64_t w2, const float* dyt, int64_t dstride, float* acc,          \
                             int64_t astride) {                                                  \
    conv_dw3_k16_isa<S>(nb, rows, x, wp, h2, w2, dyt, dstride, acc, astride);                    \
  }                                                                                              \
  void conv_dx16_##suffix(int64_t u0, int64_t u1, int64_t v0, int64_t v1, int64_t fw,            \
                          int64_t rowstep, int64_t colstep, const float* dyt, const float* w,    \
                          float* out) {                                                          \
    conv_dx16_isa<S>(u0, u1, v0, v1, fw, rowstep, colstep, dyt, w, out);                         \
  }

}  // namespace cnnlab::omp::detail
