// conv_depthwise_avx512.cpp — the AVX-512 versions of the depthwise convolution's inner loops
// (conv_depthwise_kernels.hpp): compiled alone with -mavx512f -mfma, including nothing but
// <immintrin.h> and the kernel header.
//
// dw_plane keeps 4 zmm (64 outputs of a row) in registers over all taps: per tap one broadcast
// weight, four unaligned loads and four independent FMAs (4 chains hide the FMA latency); the
// row's last partial vector is stored with a mask. dw_dots takes the taps 4 at a time: one
// (masked) load of `a`, four FMAs into four chains.
#include "conv_depthwise_kernels.hpp"

#include <immintrin.h>

namespace cnnlab::omp::detail {

namespace {
__mmask16 tail_mask(int64_t left) {
  return left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1u);
}
}  // namespace

void dw_plane_avx512(int64_t ntaps, const float* base, const int64_t* off, const float* wts,
                     float init, int64_t rows, int64_t in_row, int64_t n, float* out,
                     int64_t ld_out) {
  const __m512 vinit = _mm512_set1_ps(init);
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = base + r * in_row;
    float* o = out + r * ld_out;
    int64_t j = 0;
    for (; j + 64 <= n; j += 64) {
      __m512 a0 = vinit, a1 = vinit, a2 = vinit, a3 = vinit;
      for (int64_t t = 0; t < ntaps; ++t) {
        const __m512 w = _mm512_set1_ps(wts[t]);
        const float* s = in + off[t] + j;
        a0 = _mm512_fmadd_ps(w, _mm512_loadu_ps(s), a0);
        a1 = _mm512_fmadd_ps(w, _mm512_loadu_ps(s + 16), a1);
        a2 = _mm512_fmadd_ps(w, _mm512_loadu_ps(s + 32), a2);
        a3 = _mm512_fmadd_ps(w, _mm512_loadu_ps(s + 48), a3);
      }
      _mm512_storeu_ps(o + j, a0);
      _mm512_storeu_ps(o + j + 16, a1);
      _mm512_storeu_ps(o + j + 32, a2);
      _mm512_storeu_ps(o + j + 48, a3);
    }
    for (; j + 32 <= n; j += 32) {
      __m512 a0 = vinit, a1 = vinit;
      for (int64_t t = 0; t < ntaps; ++t) {
        const __m512 w = _mm512_set1_ps(wts[t]);
        const float* s = in + off[t] + j;
        a0 = _mm512_fmadd_ps(w, _mm512_loadu_ps(s), a0);
        a1 = _mm512_fmadd_ps(w, _mm512_loadu_ps(s + 16), a1);
      }
      _mm512_storeu_ps(o + j, a0);
      _mm512_storeu_ps(o + j + 16, a1);
    }
    for (; j < n; j += 16) {
      __m512 a0 = vinit;
      for (int64_t t = 0; t < ntaps; ++t)
        a0 = _mm512_fmadd_ps(_mm512_set1_ps(wts[t]), _mm512_loadu_ps(in + off[t] + j), a0);
      _mm512_mask_storeu_ps(o + j, tail_mask(n - j), a0);
    }
  }
}

void dw_dots_avx512(int64_t ntaps, const float* base, const int64_t* off, int64_t rows,
                    int64_t in_row, const float* a, int64_t lda, int64_t n, float* lanes) {
  int64_t t = 0;
  for (; t + 4 <= ntaps; t += 4) {
    __m512 c0 = _mm512_loadu_ps(lanes + t * 16), c1 = _mm512_loadu_ps(lanes + t * 16 + 16);
    __m512 c2 = _mm512_loadu_ps(lanes + t * 16 + 32), c3 = _mm512_loadu_ps(lanes + t * 16 + 48);
    for (int64_t r = 0; r < rows; ++r) {
      const float* in = base + r * in_row;
      const float *s0 = in + off[t], *s1 = in + off[t + 1], *s2 = in + off[t + 2],
                  *s3 = in + off[t + 3];
      for (int64_t j = 0; j < n; j += 16) {
        const __m512 av = _mm512_maskz_loadu_ps(tail_mask(n - j), a + r * lda + j);
        c0 = _mm512_fmadd_ps(av, _mm512_loadu_ps(s0 + j), c0);
        c1 = _mm512_fmadd_ps(av, _mm512_loadu_ps(s1 + j), c1);
        c2 = _mm512_fmadd_ps(av, _mm512_loadu_ps(s2 + j), c2);
        c3 = _mm512_fmadd_ps(av, _mm512_loadu_ps(s3 + j), c3);
      }
    }
    _mm512_storeu_ps(lanes + t * 16, c0);
    _mm512_storeu_ps(lanes + t * 16 + 16, c1);
    _mm512_storeu_ps(lanes + t * 16 + 32, c2);
    _mm512_storeu_ps(lanes + t * 16 + 48, c3);
  }
  for (; t < ntaps; ++t) {
    __m512 c0 = _mm512_loadu_ps(lanes + t * 16);
    for (int64_t r = 0; r < rows; ++r) {
      const float* s = base + r * in_row + off[t];
      for (int64_t j = 0; j < n; j += 16)
        c0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail_mask(n - j), a + r * lda + j),
                             _mm512_loadu_ps(s + j), c0);
    }
    _mm512_storeu_ps(lanes + t * 16, c0);
  }
}

}  // namespace cnnlab::omp::detail
