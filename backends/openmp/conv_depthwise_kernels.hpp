// conv_depthwise_kernels.hpp — private: the two inner loops of the depthwise convolution
// (conv_depthwise.cpp), once in plain C++ and once with AVX-512.
//
// Contract: declarations only. Both versions compute the same sums in the same order, so a
// result does not depend on which one ran:
//   dw_row:  out[j] = init + Σ_{t < ntaps} wts[t] · src[t][j]                  (j < n)
//   dw_dots: lanes[t·16 + l] += Σ_{s < n/16} a[16s + l] · src[t][16s + l]      (t < ntaps, l < 16)
// n is a multiple of 16. The forward pass and the data gradient are dw_row over a row of
// outputs (one tap per filter position reaching it); the weight gradient is dw_dots over a row
// of dy against the shifted input rows of every tap. The AVX-512 versions live in
// conv_depthwise_avx512.cpp (compiled with -mavx512f -mfma, called only after
// omp::conv_k16_available() said yes); as in conv_tiles_kernels.hpp, no inline code here, so no
// AVX-512 copy of a shared function can leak into code that runs without it.
#pragma once

#include <cstdint>

namespace cnnlab::omp::detail {

void dw_row_portable(int64_t ntaps, const float* const* src, const float* wts, float init,
                     int64_t n, float* out);
void dw_dots_portable(int64_t ntaps, const float* const* src, const float* a, int64_t n,
                      float* lanes);

void dw_row_avx512(int64_t ntaps, const float* const* src, const float* wts, float init, int64_t n,
                   float* out);
void dw_dots_avx512(int64_t ntaps, const float* const* src, const float* a, int64_t n,
                    float* lanes);

}  // namespace cnnlab::omp::detail
