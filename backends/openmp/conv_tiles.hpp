// conv_tiles.hpp — the OpenMP backend's convolution register tiles (AVX-512 and AVX2 + FMA).
//
// Contract: the innermost loops of the direct convolutions (conv_direct.hpp) and of the
// transposed column builder (conv_columns.cpp). Each call computes one small tile of a
// convolution — a few filters × a few dozen output positions, or a block of weight-gradient
// taps — with all its accumulators in vector registers, reading the zero-padded input directly
// (no im2col). The loops and the reasons for their shapes are in conv_tiles_generic.hpp, written
// once and instantiated for AVX-512 (32 zmm: each tile one register block) and AVX2 (16 ymm:
// each tile cut into two to five blocks). The data layouts below are the same for both.
//
// Availability: the tiles exist only on x86-64 and run only when the current sgemm kernel choice
// (gemm.hpp: the widest the CPU has, or CNNLAB_ISA, or sgemm_force_kernel) is the AVX-512 or the
// AVX2 one, and then in that instruction set; so forcing "avx2" on an AVX-512 machine runs and
// tests the AVX2 tiles, and "portable" turns them off. conv_tiles_isa, conv_tile_rows and
// conv_k16_available say whether they may be called; elsewhere a call throws cnnlab::Error.
//
// What it deliberately is not: a convolution. Padding, packing of filters, threads and the
// choice of tile live in the callers (conv_direct_*.cpp, chosen by openmp_conv2d.cpp).
//
// Shapes in the comments: a tap t is one (c, u, v) of a filter (channel c, row u, column v);
// `off` holds one offset into the padded input per tap; "16 filters in the lanes" means one
// group of 16 floats (one zmm, or two ymm) holds the same quantity for 16 consecutive filters.
#pragma once

#include "backends/openmp/conv_tiles_kernels.hpp"

#include <cstdint>

namespace cnnlab::omp {

/// @brief The instruction set the tiles run in now: "avx512", "avx2", or nullptr when they
///        cannot run (no such CPU, not x86-64, or the current kernel choice is "portable").
const char* conv_tiles_isa();

// ---- forward: positions in the lanes ------------------------------------------------------------
//
// For a stride-1 convolution over a zero-padded input plane of width Wp, output position
// q = i·Wp + j (i, j the output row and column; j >= W2 is wasted padding) reads input
// x[c][(i + u·D)·Wp + j + v·D] = x[q + off(c, u, v)]: 32 consecutive positions read 32
// consecutive floats for every tap. conv_tile computes mr filters × 32 positions that way, from
// the input directly (no im2col), with the register tile of the AVX-512 GEMM micro-kernel.

/// @brief Row count (filters per tile) that conv_tile should use for M filters, or 0 when
///        conv_tiles_isa() is nullptr: the one that pads M the least among 6, 8, 10, 12, 14
///        (AVX-512) or among 5, 6, 10, 11, 12 (AVX2: register blocks of 5 or 6 rows).
int conv_tile_rows(int64_t M);

/// @brief c (mr × 32, row stride 32) = Σ_t w[t·mr + i] · x[off[t] + q], i < mr, q < 32.
///
/// @param mr     what conv_tile_rows returned (at most 14)
/// @param off    ntaps offsets into x; x[off[t] + 31] must be readable for every t
/// @param w      the filters of this tile, tap-major: w[t·mr + i] (rows past the filter count 0)
void conv_tile(int mr, int64_t ntaps, const int64_t* off, const float* x, const float* w, float* c);

// ---- forward: filters in the lanes --------------------------------------------------------------

/// @brief True when conv_k16 (and every other tile below) can run: conv_tiles_isa() names an
///        instruction set.
bool conv_k16_available();

/// Widest tile conv_k16 takes: 2 rows × 14 columns (28 accumulators).
inline constexpr int kConvK16MaxCols = 14;

/// @brief The transposed direct tile, 16 filters in the lanes, for output rows too short for
///        the 32-wide tile above: for b < nb (1 or 2 blocks of 16 filters), r < rows (1 or 2),
///        j < cols (1 .. 14), k < 16,
///        c[b·cstride + (r·ldc + j)·16 + k] = Σ_t x[off[t] + r·row + j] · w[b·wstride + t·16 + k].
///
/// nb = 2 computes two blocks of filters from one broadcast of each input value (see
/// conv_k16_blocks for when that pays).
/// @param row      distance in floats between two output rows' inputs (the padded width)
/// @param w        64-byte aligned, tap-major (16 floats per tap; unused filters 0); the second
///                 block starts wstride floats further (a multiple of 16)
/// @param ldc      pixels between the two rows of the tile in c (pixel-major, 16 floats each)
/// @param cstride  floats between the two blocks' outputs in c
void conv_k16(int nb, int rows, int cols, int64_t ntaps, const int64_t* off, const float* x,
              int64_t row, const float* w, int64_t wstride, float* c, int64_t ldc, int64_t cstride);

/// @brief How many blocks of 16 filters conv_k16 should take per call on the current
///        instruction set: 2 with AVX-512, 1 with AVX2 (measured, see conv_tiles.cpp).
int conv_k16_blocks();

/// @brief conv_k16's pixel-major output back to filter planes: dst[k·ldd + p] =
///        src[p·16 + k] + bias[k] for k < 16, p < npix (1 .. 16); nothing else is written.
void transpose16_bias(const float* src, int npix, const float* bias, float* dst, int64_t ldd);

// ---- backward-weight ----------------------------------------------------------------------------

/// Filters and taps per conv_dw_tile call.
inline constexpr int kConvDwRows = detail::kConvDwRows;  // 4 filters
inline constexpr int kConvDwCols = detail::kConvDwCols;  // 6 taps

/// @brief The weight-gradient tile of a stride-1 convolution, as dot products along the output
///        positions (available when conv_k16_available()): for i < 4, j < 6, the 16 lanes
///        acc[(i·6 + j)·16 + l], l < 16, together gain Σ_{q < nq} dy[i·ldy + q] · x[off[j] + q].
///
/// Which lane holds which positions' products depends on the instruction set (AVX-512: lane
/// q mod 16; AVX2: lane q mod 8, lanes 8..15 untouched), so the caller adds the 16 lanes of
/// each accumulator up at the end, and starts them at 0. nq must be a multiple of 16;
/// dy and acc 64-byte aligned, ldy a multiple of 16; x[off[j] + nq − 1] readable.
void conv_dw_tile(int64_t nq, const float* dy, int64_t ldy, const int64_t* off, const float* x,
                  float* acc);

/// Rows (channel, filter-row pairs) per conv_dw3_k16 call, at most.
inline constexpr int kConvDw3Rows = 9;

/// @brief The weight-gradient tile of a stride-1, 3-wide convolution with 16 filters in the
///        lanes (available when conv_k16_available()): for b < nb (1 or 2 blocks of 16 filters;
///        2 only where conv_k16_blocks() says 2), r < rows (1 .. 9), v < 3, f < 16,
///        acc[b·astride + (r·3 + v)·16 + f] +=
///            Σ_{i < h2, j < w2} x[r][i·wp + j + v] · dyt[b·dstride + (i·w2 + j)·16 + f].
///
/// x[r] points at the padded input row of pair r for output row 0; dyt is dy pixel-major (16
/// filters per pixel). dyt, acc and both strides must be 64-byte aligned.
void conv_dw3_k16(int nb, int rows, const float* const* x, int64_t wp, int64_t h2, int64_t w2,
                  const float* dyt, int64_t dstride, float* acc, int64_t astride);

// ---- backward-data ------------------------------------------------------------------------------

/// Channels and pixels per conv_dx16 call.
inline constexpr int kConvDx16Channels = detail::kConvDx16Channels;  // 6
inline constexpr int kConvDx16Pixels = detail::kConvDx16Pixels;      // 4

/// @brief The data-gradient tile for a convolution with 16 filters per group (available when
///        conv_k16_available()): dy pixel-major (16 filters per pixel), for c < 6, p < 4,
///        out[c·4 + p] = Σ_{u0 <= u < u1, v0 <= v < v1, k < 16}
///                       dyt[u·rowstep + v·colstep + p·16 + k] · w[((u·fw + v)·6 + c)·16 + k].
///
/// The tap window [u0, u1) × [v0, v1) lets the caller skip taps that meet only zero padding.
/// dyt and w must be 64-byte aligned, rowstep and colstep multiples of 16.
void conv_dx16(int64_t u0, int64_t u1, int64_t v0, int64_t v1, int64_t fw, int64_t rowstep,
               int64_t colstep, const float* dyt, const float* w, float* out);

}  // namespace cnnlab::omp
