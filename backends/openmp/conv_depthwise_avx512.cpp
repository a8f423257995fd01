// conv_depthwise_avx512.cpp — the AVX-512 versions of the depthwise convolution's inner loops
// (conv_depthwise_kernels.hpp): compiled alone with -mavx512f -mfma, including nothing but
// <immintrin.h> and the kernel header.
//
// dw_row keeps 4 zmm (64 outputs) in registers over all taps: per tap one broadcast weight and
// four unaligned loads, four independent FMAs (the FMA latency of 4 cycles is hidden by the 4
// chains). dw_dots takes the taps 4 at a time: one load of `a`, four FMAs into four chains.
// The sums are the same as the portable ones (fused multiply-add only differs in rounding).
#include "conv_depthwise_kernels.hpp"

#include <immintrin.h>

namespace cnnlab::omp::detail {

void dw_row_avx512(int64_t ntaps, const float* const* src, const float* wts, float init, int64_t n,
                   float* out) {
  const __m512 vinit = _mm512_set1_ps(init);
  int64_t j = 0;
  for (; j + 64 <= n; j += 64) {
    __m512 a0 = vinit, a1 = vinit, a2 = vinit, a3 = vinit;
    for (int64_t t = 0; t < ntaps; ++t) {
      const __m512 w = _mm512_set1_ps(wts[t]);
      const float* s = src[t] + j;
      a0 = _mm512_fmadd_ps(w, _mm512_loadu_ps(s), a0);
      a1 = _mm512_fmadd_ps(w, _mm512_loadu_ps(s + 16), a1);
      a2 = _mm512_fmadd_ps(w, _mm512_loadu_ps(s + 32), a2);
      a3 = _mm512_fmadd_ps(w, _mm512_loadu_ps(s + 48), a3);
    }
    _mm512_storeu_ps(out + j, a0);
    _mm512_storeu_ps(out + j + 16, a1);
    _mm512_storeu_ps(out + j + 32, a2);
    _mm512_storeu_ps(out + j + 48, a3);
  }
  for (; j < n; j += 16) {
    __m512 a0 = vinit;
    for (int64_t t = 0; t < ntaps; ++t)
      a0 = _mm512_fmadd_ps(_mm512_set1_ps(wts[t]), _mm512_loadu_ps(src[t] + j), a0);
    _mm512_storeu_ps(out + j, a0);
  }
}

void dw_dots_avx512(int64_t ntaps, const float* const* src, const float* a, int64_t n,
                    float* lanes) {
  int64_t t = 0;
  for (; t + 4 <= ntaps; t += 4) {
    __m512 c0 = _mm512_loadu_ps(lanes + t * 16), c1 = _mm512_loadu_ps(lanes + t * 16 + 16);
    __m512 c2 = _mm512_loadu_ps(lanes + t * 16 + 32), c3 = _mm512_loadu_ps(lanes + t * 16 + 48);
    const float *s0 = src[t], *s1 = src[t + 1], *s2 = src[t + 2], *s3 = src[t + 3];
    for (int64_t j = 0; j < n; j += 16) {
      const __m512 av = _mm512_loadu_ps(a + j);
      c0 = _mm512_fmadd_ps(av, _mm512_loadu_ps(s0 + j), c0);
      c1 = _mm512_fmadd_ps(av, _mm512_loadu_ps(s1 + j), c1);
      c2 = _mm512_fmadd_ps(av, _mm512_loadu_ps(s2 + j), c2);
      c3 = _mm512_fmadd_ps(av, _mm512_loadu_ps(s3 + j), c3);
    }
    _mm512_storeu_ps(lanes + t * 16, c0);
    _mm512_storeu_ps(lanes + t * 16 + 16, c1);
    _mm512_storeu_ps(lanes + t * 16 + 32, c2);
    _mm512_storeu_ps(lanes + t * 16 + 48, c3);
  }
  for (; t < ntaps; ++t) {
    __m512 c0 = _mm512_loadu_ps(lanes + t * 16);
    for (int64_t j = 0; j < n; j += 16)
      c0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + j), _mm512_loadu_ps(src[t] + j), c0);
    _mm512_storeu_ps(lanes + t * 16, c0);
  }
}

}  // namespace cnnlab::omp::detail
