// simd_avx512.hpp — private: the AVX-512 vector type and the dozen operations the ISA-generic
// convolution loops (conv_tiles_generic.hpp, conv_depthwise_generic.hpp) are written in.
//
// Contract: one struct, Avx512, whose static members wrap one intrinsic each: a vector V of
// L = 16 floats, kRegs = 32 registers. Include it ONLY from files compiled with -mavx512f -mfma
// (conv_tiles_avx512.cpp, conv_depthwise_avx512.cpp; see CMakeLists.txt): its inline functions
// are AVX-512 code, and a copy merged by the linker into a file built without those flags would
// run AVX-512 instructions on a CPU that may not have them. The twin for AVX2 is simd_avx2.hpp,
// with the same members.
// What it deliberately is not: a general SIMD library — only what the loops use.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace cnnlab::omp::detail {

struct Avx512 {
  using V = __m512;
  static constexpr int L = 16;      ///< floats per vector
  static constexpr int kRegs = 32;  ///< vector registers (zmm0 .. zmm31)
  static constexpr const char* kName = "avx512";

  static V zero() { return _mm512_setzero_ps(); }
  static V set1(float a) { return _mm512_set1_ps(a); }
  static V load(const float* p) { return _mm512_load_ps(p); }  ///< p 64-byte aligned
  static V loadu(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_store_ps(p, v); }  ///< p 64-byte aligned
  static void storeu(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }  ///< a·b + c

  /// The first `left` floats at p (none when left <= 0, all 16 when left >= 16), zeros in the other
  /// lanes; nothing past them is read.
  static V loadu_first(const float* p, int64_t left) {
    return _mm512_maskz_loadu_ps(first_mask(left), p);
  }
  /// Stores the first `left` lanes of v at p (all 16 when left >= 16); nothing else is written.
  static void storeu_first(float* p, int64_t left, V v) {
    _mm512_mask_storeu_ps(p, first_mask(left), v);
  }

  /// The sum of the 16 lanes. Not _mm512_reduce_add_ps (nor _mm512_castps512_ps256): GCC 12's
  /// versions pass an "undefined" register that -Wuninitialized (an error here) flags inside
  /// <immintrin.h>; the all-lanes masked extracts are the same instructions.
  static float hsum(V a) {
    const __m512d ad = _mm512_castps_pd(a);
    const __m256 lo =
        _mm256_castpd_ps(_mm512_mask_extractf64x4_pd(_mm256_setzero_pd(), 0xff, ad, 0));
    const __m256 hi =
        _mm256_castpd_ps(_mm512_mask_extractf64x4_pd(_mm256_setzero_pd(), 0xff, ad, 1));
    const __m256 s8 = _mm256_add_ps(lo, hi);
    __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    s4 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    s4 = _mm_add_ss(s4, _mm_shuffle_ps(s4, s4, 1));
    return _mm_cvtss_f32(s4);
  }

 private:
  static __mmask16 first_mask(int64_t left) {
    if (left <= 0) return 0;
    return left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1u);
  }
};

}  // namespace cnnlab::omp::detail
