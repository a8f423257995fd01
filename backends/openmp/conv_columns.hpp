// conv_columns.hpp — the column matrix of im2col, built the ways the OpenMP convolution needs it.
//
// Contract (internal header; definitions and loop orders in conv_columns.cpp). For one group
// (Cg = C/G channels, Kg = K/G filters) the column matrix has one row per tap (c, u, v) and one
// column per output pixel p = n·H2·W2 + i·W2 + j:
//     col[(c·FH + u)·FW + v][p] = x[n, c, i·S − P + u·D, j·S − P + v·D]   (0 in the padding)
// Builders: the plain matrix (im2col), blocks of its columns written straight into the GEMM's
// packed B̃ layout (im2col_packed, and an AVX-512 version), its transpose written as B̃ for the
// weight gradient (im2col_t_packed_avx512), dy blocks as B̃ (pack_dy), and the adjoint that
// scatters a column block back into dx (col2im_add). Stride S > 1 reads a phase-split copy of x
// (split_phases) so that every tap is a run of consecutive floats.
#pragma once

#include "backends/openmp/conv_common.hpp"

#include <cnnlab/ops/geometry.hpp>

#include <cstdint>

namespace cnnlab::omp_conv {

/// How forward and backward-data cut the N·H2·W2 columns into blocks. Images are grouped
/// `images` at a time (one group = one unit of work for backward-data), and a group's columns
/// are cut into `per_group` chunks of at most `cols` columns (a multiple of NR).
struct ColumnBlocks {
  int64_t images;     ///< images per group
  int64_t groups;     ///< ceil(N / images)
  int64_t per_group;  ///< chunks per group
  int64_t cols;       ///< columns per chunk (the last chunk of a group may be shorter)
};

/// Cuts the N·H2·W2 columns into chunks of about `budget` floats of B̃ (rows·cols), at least
/// 2·NR columns wide.
ColumnBlocks plan_columns(const Conv2dGeometry& g, int64_t rows, int nr, int64_t budget);

/// B̃ budget: 128 Ki floats (512 KB), half of the per-core L2 next to Ã and the output block.
inline constexpr int64_t kBlockFloats = int64_t{1} << 17;

/// x_g (Cg, H, W) → col (Cg·FH·FW, H2·W2), row-major with row stride ld >= H2·W2.
void im2col(const float* x, float* col, int64_t ld, int64_t Cg, const Conv2dGeometry& g);

/// x with every input row split into its S column phases (see PhaseSplit).
PhaseSplit split_phases(const float* x, const Conv2dGeometry& g);

/// Columns [p0, p0+ncols) of group grp's column matrix, written as B̃ with NR = nr.
void im2col_packed(const float* x, const PhaseSplit& ps, const Conv2dGeometry& g, int64_t grp,
                   int64_t p0, int64_t ncols, int nr, float* dst);

#if defined(__x86_64__)
/// im2col_packed for NR = 32 with AVX-512 masked loads (call only when the CPU has AVX-512).
void im2col_packed_avx512(const float* x, const PhaseSplit& ps, const Conv2dGeometry& g,
                          int64_t grp, int64_t p0, int64_t ncols, float* dst);

/// colᵀ of image n, group grp — pixels [p0, p0+np) × taps [t0, t0+nt) — written as B̃ for
/// NR = 32 (AVX-512 only); may write up to 16·32 floats past np·nt (see conv_columns.cpp).
void im2col_t_packed_avx512(const float* x, const PhaseSplit& ps, const Conv2dGeometry& g,
                            int64_t n, int64_t grp, int64_t p0, int64_t np, int64_t t0, int64_t nt,
                            float* dst);

/// The same for NR = 16 (the AVX2 micro-kernel's width) with AVX2 masked loads (call only when
/// the CPU has AVX2); may write up to 16·16 floats past np·nt.
void im2col_t_packed_avx2(const float* x, const PhaseSplit& ps, const Conv2dGeometry& g,
                          int64_t n, int64_t grp, int64_t p0, int64_t np, int64_t t0, int64_t nt,
                          float* dst);
#endif

/// Columns [p0, p0+ncols) of group grp's dy (Kg × N·H2W2), written as B̃ with NR = nr.
void pack_dy(const float* dy, const Conv2dGeometry& g, int64_t grp, int64_t p0, int64_t ncols,
             int nr, float* dst);

/// col2im for columns [p0, p0+ncols): dx += dcol scattered back (the adjoint of im2col); dcol is
/// (Cg·FH·FW) × ncols with row stride ld. Only the group's channels [c0, c1) when given: each
/// channel's dx comes from its own FH·FW rows of dcol, so threads may share out channels.
void col2im_add(const float* dcol, int64_t ld, const Conv2dGeometry& g, int64_t grp, int64_t p0,
                int64_t ncols, float* dx, int64_t c0 = 0, int64_t c1 = -1);

}  // namespace cnnlab::omp_conv
