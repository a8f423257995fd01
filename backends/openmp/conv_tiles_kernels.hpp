// conv_tiles_kernels.hpp — private: the AVX-512 and AVX2 convolution register tiles that
// conv_tiles.cpp forwards to.
//
// Contract: declarations and constants only, one per tile of conv_tiles.hpp (which documents
// what each computes, in the shapes of a convolution) and per instruction set. The definitions
// live in conv_tiles_avx512.cpp (compiled with -mavx512f -mfma) and conv_tiles_avx2.cpp
// (-mavx2 -mfma), both instances of the loops in conv_tiles_generic.hpp; callers reach them only
// through conv_tiles.cpp, after the CPU and the current sgemm kernel choice said which. The
// comments below give the AVX-512 names; each *_avx2 twin computes exactly the same.
//
// What this header deliberately is not: a place for inline code. An inline function defined
// here would be compiled once with and once without the AVX-512 flags and merged by the linker,
// so that AVX-512 instructions could end up in code that runs on a CPU without them (the same
// rule as gemm_kernels.hpp). conv_tiles_avx512.cpp includes nothing but this and <immintrin.h>.
#pragma once

#include <cstdint>

namespace cnnlab::omp::detail {

// Direct stride-1 convolution tile (see omp::conv_tile in conv_tiles.hpp): c (mr × 32, row
// stride 32) =
//     sum over t < ntaps of  w[t*mr + i] · x[off[t] + q]      (i < mr, q < 32)
// mr is 6, 8, 10, 12 or 14. x + off[t] + 31 must be readable for every t.
void conv_tile_avx512(int mr, int64_t ntaps, const int64_t* off, const float* x, const float* w,
                      float* c);
void conv_tile_avx2(int mr, int64_t ntaps, const int64_t* off, const float* x, const float* w,
                    float* c);

// Direct convolution tile with 16 filters in the lanes (see omp::conv_k16 in conv_tiles.hpp):
// for nb (1 or 2) blocks of 16 filters and a tile of rows × cols output pixels (rows 1 or 2,
// cols 1..14),
//     c[b*cstride + (r*ldc + j)*16 + k] = sum over t < ntaps of
//                                         x[off[t] + r*row + j] · w[b*wstride + t*16 + k]
// w is 64-byte aligned, wstride a multiple of 16.
void conv_k16_avx512(int nb, int rows, int cols, int64_t ntaps, const int64_t* off, const float* x,
                     int64_t row, const float* w, int64_t wstride, float* c, int64_t ldc,
                     int64_t cstride);
void conv_k16_avx2(int nb, int rows, int cols, int64_t ntaps, const int64_t* off, const float* x,
                   int64_t row, const float* w, int64_t wstride, float* c, int64_t ldc,
                   int64_t cstride);
// dst[k*ldd + p] = src[p*16 + k] + bias[k] for k < 16, p < npix (1..16); other dst untouched.
void transpose16_bias_avx512(const float* src, int npix, const float* bias, float* dst,
                             int64_t ldd);
void transpose16_bias_avx2(const float* src, int npix, const float* bias, float* dst, int64_t ldd);

// Weight-gradient tile (see omp::conv_dw_tile in conv_tiles.hpp): for i < 4 filters, j < 6
// taps, the 16 lanes acc[(i*6 + j)*16 + l] together gain
//     sum over q < nq of  dy[i*ldy + q] · x[off[j] + q]      (AVX-512: lane q mod 16; AVX2: q mod
//     8)
// nq is a multiple of 16; dy, ldy·4 bytes and acc are 64-byte aligned.
inline constexpr int kConvDwRows = 4;
inline constexpr int kConvDwCols = 6;
void conv_dw_tile_avx512(int64_t nq, const float* dy, int64_t ldy, const int64_t* off,
                         const float* x, float* acc);
void conv_dw_tile_avx2(int64_t nq, const float* dy, int64_t ldy, const int64_t* off, const float* x,
                       float* acc);

// Weight-gradient tile for 3-wide filters with the 16 filters in the lanes (see
// omp::conv_dw3_k16 in conv_tiles.hpp): for b < nb (1 or 2) blocks of 16 filters, r < rows
// (1..9), v < 3, f < 16,
//     acc[b*astride + (r*3 + v)*16 + f] += sum over i < h2, j < w2 of
//                                          x[r][i*wp + j + v] · dyt[b*dstride + (i*w2 + j)*16 + f]
// where x[r] are `rows` row pointers. dyt, acc and both strides are 64-byte aligned.
void conv_dw3_k16_avx512(int nb, int rows, const float* const* x, int64_t wp, int64_t h2,
                         int64_t w2, const float* dyt, int64_t dstride, float* acc,
                         int64_t astride);
void conv_dw3_k16_avx2(int nb, int rows, const float* const* x, int64_t wp, int64_t h2, int64_t w2,
                       const float* dyt, int64_t dstride, float* acc, int64_t astride);

// Data-gradient tile for 16 filters per group (see omp::conv_dx16 in conv_tiles.hpp):
//     out[c*4 + p] = sum over u0 <= u < u1, v0 <= v < v1, k < 16 of
//                    dyt[u*rowstep + v*colstep + p*16 + k] · w[((u*fw + v)*6 + c)*16 + k]
// for c < 6 channels, p < 4 pixels. dyt, the steps·4 bytes and w are 64-byte aligned.
inline constexpr int kConvDx16Channels = 6;
inline constexpr int kConvDx16Pixels = 4;
void conv_dx16_avx512(int64_t u0, int64_t u1, int64_t v0, int64_t v1, int64_t fw, int64_t rowstep,
                      int64_t colstep, const float* dyt, const float* w, float* out);
void conv_dx16_avx2(int64_t u0, int64_t u1, int64_t v0, int64_t v1, int64_t fw, int64_t rowstep,
                    int64_t colstep, const float* dyt, const float* w, float* out);

}  // namespace cnnlab::omp::detail
