// gemm_kernels.hpp — private: the SGEMM micro-kernels the driver in gemm.cpp can choose from.
//
// Contract: every micro-kernel computes one small tile of C from two packed micro-panels,
//     c (MR×NR, row stride ldc) = alpha · (A-panel · B-panel) + beta · c
// where, for k = 0 .. kc-1,
//     a[k*MR + i] = op(A)(i, k)      (the A micro-panel: kc columns of MR floats)
//     b[k*NR + j] = op(B)(k, j)      (the B micro-panel: kc rows of NR floats)
// The panels are zero-padded by the packing code, so a kernel always works on a full MR×NR
// tile; the driver routes edge tiles through a scratch tile. Both panels start on a 64-byte
// boundary. beta == 0 means c is not read. kc >= 1.
//
// What this header deliberately is not: a place for inline code. Each kernel lives in its own
// .cpp compiled with its own instruction-set flags (-mavx512f, -mavx2), and an inline function
// defined here would be compiled once per flag set and merged by the linker, so that AVX-512
// instructions could end up in code that runs on a CPU without them. Only declarations and
// constants live here, and the kernel files include nothing but this and <immintrin.h>.
#pragma once

#include <cstdint>

namespace cnnlab::omp::detail {

/// Signature shared by all micro-kernels (see the contract above).
using MicroKernel = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                             float alpha, float beta);

// AVX-512F: 14 rows × 32 columns (two zmm registers per row) — gemm_kernels_avx512.cpp.
inline constexpr int kAvx512MR = 14;
inline constexpr int kAvx512NR = 32;
void sgemm_micro_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                        float alpha, float beta);
// The same kernel with fewer rows (6, 8, 10, 12 × 32), for matrices with few rows: the driver
// picks the row count that wastes the fewest padded rows (see choose_rows in gemm.cpp).
void sgemm_micro_avx512_m6(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                           float alpha, float beta);
void sgemm_micro_avx512_m8(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                           float alpha, float beta);
void sgemm_micro_avx512_m10(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                            float alpha, float beta);
void sgemm_micro_avx512_m12(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                            float alpha, float beta);

// Direct stride-1 convolution tile (AVX-512 only; see gemm_kernels_avx512.cpp and
// omp::conv_tile in gemm.hpp): c (mr × 32, row stride 32) =
//     sum over t < ntaps of  w[t*mr + i] · x[off[t] + q]      (i < mr, q < 32)
// mr is 6, 8, 10, 12 or 14. x + off[t] + 31 must be readable for every t.
void conv_tile_avx512(int mr, int64_t ntaps, const int64_t* off, const float* x, const float* w,
                      float* c);

// Direct stride-1 convolution tile with 16 filters in the lanes (AVX-512 only; see
// omp::conv_k16 in gemm.hpp): for a tile of rows × cols output pixels (rows 1 or 2, cols 1..14),
//     c[(r*ldc + j)*16 + k] = sum over t < ntaps of  x[off[t] + r*row + j] · w[t*16 + k]
// w is 64-byte aligned.
void conv_k16_avx512(int rows, int cols, int64_t ntaps, const int64_t* off, const float* x,
                     int64_t row, const float* w, float* c, int64_t ldc);
// dst[k*ldd + p] = src[p*16 + k] + bias[k] for k < 16, p < npix (1..16); other dst untouched.
void transpose16_bias_avx512(const float* src, int npix, const float* bias, float* dst,
                             int64_t ldd);

// Weight-gradient tile (AVX-512 only; see omp::conv_dw_tile in gemm.hpp): for i < 4 filters,
// j < 6 taps, l < 16 lanes,
//     acc[(i*6 + j)*16 + l] += sum over s < nq/16 of  dy[i*ldy + 16s + l] · x[off[j] + 16s + l]
// nq is a multiple of 16; dy, ldy·4 bytes and acc are 64-byte aligned.
inline constexpr int kConvDwRows = 4;
inline constexpr int kConvDwCols = 6;
void conv_dw_tile_avx512(int64_t nq, const float* dy, int64_t ldy, const int64_t* off,
                         const float* x, float* acc);

// Weight-gradient tile for 3-wide filters with the 16 filters in the lanes (AVX-512 only; see
// omp::conv_dw3_k16 in gemm.hpp): for r < rows (1..9), v < 3, f < 16,
//     acc[(r*3 + v)*16 + f] += sum over i < h2, j < w2 of
//                              x[r][i*wp + j + v] · dyt[(i*w2 + j)*16 + f]
// where x[r] are `rows` row pointers. dyt and acc are 64-byte aligned.
void conv_dw3_k16_avx512(int rows, const float* const* x, int64_t wp, int64_t h2, int64_t w2,
                         const float* dyt, float* acc);

// Data-gradient tile for 16 filters per group (AVX-512 only; see omp::conv_dx16 in gemm.hpp):
//     out[c*4 + p] = sum over u0 <= u < u1, v0 <= v < v1, k < 16 of
//                    dyt[u*rowstep + v*colstep + p*16 + k] · w[((u*fw + v)*6 + c)*16 + k]
// for c < 6 channels, p < 4 pixels. dyt, the steps·4 bytes and w are 64-byte aligned.
inline constexpr int kConvDx16Channels = 6;
inline constexpr int kConvDx16Pixels = 4;
void conv_dx16_avx512(int64_t u0, int64_t u1, int64_t v0, int64_t v1, int64_t fw,
                      int64_t rowstep, int64_t colstep, const float* dyt, const float* w,
                      float* out);

// AVX2 + FMA: 6 rows × 16 columns (two ymm registers per row) — gemm_kernels_avx2.cpp.
inline constexpr int kAvx2MR = 6;
inline constexpr int kAvx2NR = 16;
void sgemm_micro_avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                      float alpha, float beta);

// Portable C++: 6 rows × 8 columns, left to the compiler's auto-vectoriser —
// gemm_kernels_portable.cpp.
inline constexpr int kPortableMR = 6;
inline constexpr int kPortableNR = 8;
void sgemm_micro_portable(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                          float alpha, float beta);

}  // namespace cnnlab::omp::detail
