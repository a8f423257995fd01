// conv_depthwise_kernels.hpp — private: the two inner loops of the depthwise convolution
// (conv_depthwise.cpp), in plain C++, AVX-512 and AVX2.
//
// Contract: declarations only. For r < rows, j < n (any n), taps t < ntaps, lanes l < 16:
//   dw_plane:  out[r·ld_out + j] = init + Σ_t wts[t] · base[r·in_row + off[t] + j]
//   dw_dots:   lanes[t·16 + l]  += Σ_r Σ_{s} a[r·lda + 16s + l] · base[r·in_row + off[t] + 16s + l]
//              (16s + l < n; the rest of the last vector of `a` counts as 0)
// Reads of `base` may run up to n rounded up to 16 (the callers' buffers have that slack and
// hold finite values there); nothing past n is written. The forward pass and the data gradient
// are dw_plane over a plane of outputs (taps at fixed offsets into a padded input copy); the
// weight gradient is dw_dots of dy against the shifted input of every tap. Both versions sum in
// the same order (the SIMD ones with fused multiply-adds), so the result does not depend on
// the thread count. The SIMD versions are instances of conv_depthwise_generic.hpp in
// conv_depthwise_avx512.cpp (-mavx512f -mfma) and conv_depthwise_avx2.cpp (-mavx2 -mfma), called
// only after omp::conv_tiles_isa() named their instruction set; as in conv_tiles_kernels.hpp, no
// inline code here, so no SIMD copy of a shared function can leak into code that runs without
// it.
#pragma once

#include <cstdint>

namespace cnnlab::omp::detail {

void dw_plane_portable(int64_t ntaps, const float* base, const int64_t* off, const float* wts,
                       float init, int64_t rows, int64_t in_row, int64_t n, float* out,
                       int64_t ld_out);
void dw_dots_portable(int64_t ntaps, const float* base, const int64_t* off, int64_t rows,
                      int64_t in_row, const float* a, int64_t lda, int64_t n, float* lanes);

void dw_plane_avx512(int64_t ntaps, const float* base, const int64_t* off, const float* wts,
                     float init, int64_t rows, int64_t in_row, int64_t n, float* out,
                     int64_t ld_out);
void dw_dots_avx512(int64_t ntaps, const float* base, const int64_t* off, int64_t rows,
                    int64_t in_row, const float* a, int64_t lda, int64_t n, float* lanes);

void dw_plane_avx2(int64_t ntaps, const float* base, const int64_t* off, const float* wts,
                   float init, int64_t rows, int64_t in_row, int64_t n, float* out, int64_t ld_out);
void dw_dots_avx2(int64_t ntaps, const float* base, const int64_t* off, int64_t rows,
                  int64_t in_row, const float* a, int64_t lda, int64_t n, float* lanes);

}  // namespace cnnlab::omp::detail
