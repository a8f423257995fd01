// conv_tiles_avx512.cpp — the AVX-512 instances of the convolution register tiles of
// conv_tiles.hpp, and the AVX-512 16×16 transpose.
//
// Contract: implements the *_avx512 functions declared in conv_tiles_kernels.hpp. This file
// alone is compiled with -mavx512f -mfma (see CMakeLists.txt, the same flags as
// gemm_kernels_avx512.cpp); it is reached through conv_tiles.cpp only after the current kernel
// choice said AVX-512 (omp::conv_tiles_isa(), which follows sgemm_force_kernel). It includes
// nothing but the kernel header, its vector type (simd_avx512.hpp) and the generic loops
// (conv_tiles_generic.hpp), so no AVX-512 copy of a shared function can leak into other code.
// The loops and the reasons for their shapes are in conv_tiles_generic.hpp, written once for
// AVX-512 and AVX2 (conv_tiles_avx2.cpp); on AVX-512 each tile is a single register block:
//   conv_tile         mr filters × 32 positions of the padded-width grid      (forward, S = 1)
//   conv_k16          16 filters in the lanes × 2 rows × up to 14 pixels      (forward, any S)
//   conv_dw_tile      4 filters × 6 taps, dot products along the grid         (weight gradient)
//   conv_dw3_k16      16 filters in the lanes × 9 (c, u) pairs × 3 columns    (weight, F = 3)
//   conv_dx16         16 filters reduced in the lanes, 6 channels × 4 pixels  (data gradient)
// Only transpose16_bias (16 pixels × 16 filters → 16 filter rows, after conv_k16) is written
// here, in AVX-512 shuffles.
#include "conv_tiles_generic.hpp"
#include "conv_tiles_kernels.hpp"
#include "simd_avx512.hpp"

namespace cnnlab::omp::detail {

CNNLAB_CONV_TILES(avx512, Avx512)

// 16 pixels × 16 filters (pixel-major, as conv_k16 leaves them) → 16 filters × 16 pixels, plus
// the bias: the classic in-register transpose in four rounds of shuffles (32-bit pairs, 64-bit
// pairs, 128-bit lanes twice), 64 shuffles for 256 values instead of 256 scalar moves. The
// unpacks are spelled as their all-lanes masked forms: GCC 12's plain forms pass an
// "undefined" register that -Wuninitialized (an error here) flags inside <immintrin.h>.
void transpose16_bias_avx512(const float* src, int npix, const float* bias, float* dst,
                             int64_t ldd) {
  constexpr __mmask16 kAll = 0xffff;
  __m512 r[16], t[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i)
    r[i] = i < npix ? _mm512_loadu_ps(src + i * 16) : _mm512_setzero_ps();
#pragma GCC unroll 8
  for (int i = 0; i < 16; i += 2) {  // round 1: interleave the floats of pixel pairs
    t[i] = _mm512_mask_unpacklo_ps(r[i], kAll, r[i], r[i + 1]);
    t[i + 1] = _mm512_mask_unpackhi_ps(r[i], kAll, r[i], r[i + 1]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 16; i += 4) {  // round 2: interleave 64-bit pairs of pixel quads
    const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
    const __m512d c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
    r[i] = _mm512_castpd_ps(_mm512_mask_unpacklo_pd(a, 0xff, a, c));
    r[i + 1] = _mm512_castpd_ps(_mm512_mask_unpackhi_pd(a, 0xff, a, c));
    r[i + 2] = _mm512_castpd_ps(_mm512_mask_unpacklo_pd(b, 0xff, b, d));
    r[i + 3] = _mm512_castpd_ps(_mm512_mask_unpackhi_pd(b, 0xff, b, d));
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {  // round 3: 128-bit lanes of quads 0/1 and 2/3
    t[i] = _mm512_mask_shuffle_f32x4(r[i], kAll, r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_mask_shuffle_f32x4(r[i], kAll, r[i], r[i + 4], 0xdd);
    t[i + 8] = _mm512_mask_shuffle_f32x4(r[i + 8], kAll, r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_mask_shuffle_f32x4(r[i + 8], kAll, r[i + 8], r[i + 12], 0xdd);
  }
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {  // round 4: 128-bit lanes of the two halves
    r[i] = _mm512_mask_shuffle_f32x4(t[i], kAll, t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_mask_shuffle_f32x4(t[i], kAll, t[i], t[i + 8], 0xdd);
  }
  if (npix == 16) {  // whole rows: plain stores (a masked store costs more on some cores)
#pragma GCC unroll 16
    for (int k = 0; k < 16; ++k)
      _mm512_storeu_ps(dst + k * ldd, _mm512_add_ps(r[k], _mm512_set1_ps(bias[k])));
    return;
  }
  const __mmask16 m = static_cast<__mmask16>((1u << npix) - 1u);
#pragma GCC unroll 16
  for (int k = 0; k < 16; ++k)
    _mm512_mask_storeu_ps(dst + k * ldd, m, _mm512_add_ps(r[k], _mm512_set1_ps(bias[k])));
}

}  // namespace cnnlab::omp::detail
