// simd_avx2.hpp — private: the AVX2 + FMA vector type and the operations the ISA-generic
// convolution loops (conv_tiles_generic.hpp, conv_depthwise_generic.hpp) are written in.
//
// Contract: one struct, Avx2, with the same members as Avx512 in simd_avx512.hpp: a vector V of
// L = 8 floats, kRegs = 16 registers (ymm0 .. ymm15). Include it ONLY from files compiled with
// -mavx2 -mfma (conv_tiles_avx2.cpp, conv_depthwise_avx2.cpp; see CMakeLists.txt), for the same
// reason as its twin: its inline functions are AVX2 code.
// What it deliberately is not: a general SIMD library — only what the loops use.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace cnnlab::omp::detail {

struct Avx2 {
  using V = __m256;
  static constexpr int L = 8;       ///< floats per vector
  static constexpr int kRegs = 16;  ///< vector registers (ymm0 .. ymm15)
  static constexpr const char* kName = "avx2";

  static V zero() { return _mm256_setzero_ps(); }
  static V set1(float a) { return _mm256_set1_ps(a); }
  static V load(const float* p) { return _mm256_load_ps(p); }  ///< p 32-byte aligned
  static V loadu(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_store_ps(p, v); }  ///< p 32-byte aligned
  static void storeu(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }  ///< a·b + c

  /// The first `left` floats at p (none when left <= 0, all 8 when left >= 8), zeros in the other
  /// lanes; nothing past them is read (vmaskmovps does not touch masked-off lanes).
  static V loadu_first(const float* p, int64_t left) {
    return _mm256_maskload_ps(p, first_mask(left));
  }
  /// Stores the first `left` lanes of v at p (all 8 when left >= 8); nothing else is written.
  static void storeu_first(float* p, int64_t left, V v) {
    _mm256_maskstore_ps(p, first_mask(left), v);
  }

  /// The sum of the 8 lanes.
  static float hsum(V a) {
    __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s4 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    s4 = _mm_add_ss(s4, _mm_shuffle_ps(s4, s4, 1));
    return _mm_cvtss_f32(s4);
  }

 private:
  /// Lane i is all ones when i < left: (0, 1, .., 7) < left, compared as 32-bit integers.
  static __m256i first_mask(int64_t left) {
    const int n = left >= 8 ? 8 : static_cast<int>(left);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
};

}  // namespace cnnlab::omp::detail
