// conv_depthwise_generic.hpp — private: the depthwise convolution's two inner loops
// (conv_depthwise_kernels.hpp), written once for any vector width.
//
// Contract: function templates over the instruction set S (Avx512 in simd_avx512.hpp, Avx2 in
// simd_avx2.hpp), instantiated by conv_depthwise_avx512.cpp and conv_depthwise_avx2.cpp; what
// they compute is in conv_depthwise_kernels.hpp. As in conv_tiles_generic.hpp, nothing here may
// be a non-template, so no copy compiled with one instruction set's flags is shared.
//
// dw_plane keeps 4 vectors (4·L outputs of a row) in registers over all taps: per tap one
// broadcast weight, four unaligned loads and four independent FMAs (4 chains hide the FMA
// latency); then 2 vectors, then one at a time, the row's last partial vector stored with a
// mask. dw_dots takes the taps 4 at a time, each a group of 16 lanes (U vectors): per vector of
// `a` one (masked) load and four FMAs into four chains.
#pragma once

#include <cstdint>

namespace cnnlab::omp::detail {

template <class S>
void dw_plane_isa(int64_t ntaps, const float* base, const int64_t* off, const float* wts,
                  float init, int64_t rows, int64_t in_row, int64_t n, float* out, int64_t ld_out) {
  using V = typename S::V;
  constexpr int L = S::L;
  const V vinit = S::set1(init);
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = base + r * in_row;
    float* o = out + r * ld_out;
    int64_t j = 0;
    for (; j + 4 * L <= n; j += 4 * L) {
      V a0 = vinit, a1 = vinit, a2 = vinit, a3 = vinit;
      for (int64_t t = 0; t < ntaps; ++t) {
        const V w = S::set1(wts[t]);
        const float* s = in + off[t] + j;
        a0 = S::fmadd(w, S::loadu(s), a0);
        a1 = S::fmadd(w, S::loadu(s + L), a1);
        a2 = S::fmadd(w, S::loadu(s + 2 * L), a2);
        a3 = S::fmadd(w, S::loadu(s + 3 * L), a3);
      }
      S::storeu(o + j, a0);
      S::storeu(o + j + L, a1);
      S::storeu(o + j + 2 * L, a2);
      S::storeu(o + j + 3 * L, a3);
    }
    for (; j + 2 * L <= n; j += 2 * L) {
      V a0 = vinit, a1 = vinit;
      for (int64_t t = 0; t < ntaps; ++t) {
        const V w = S::set1(wts[t]);
        const float* s = in + off[t] + j;
        a0 = S::fmadd(w, S::loadu(s), a0);
        a1 = S::fmadd(w, S::loadu(s + L), a1);
      }
      S::storeu(o + j, a0);
      S::storeu(o + j + L, a1);
    }
    for (; j < n; j += L) {
      V a0 = vinit;
      for (int64_t t = 0; t < ntaps; ++t)
        a0 = S::fmadd(S::set1(wts[t]), S::loadu(in + off[t] + j), a0);
      S::storeu_first(o + j, n - j, a0);
    }
  }
}

/// One block of dw_dots: NT taps (1 or 4) × the U vectors of their 16-lane groups.
template <class S, int NT>
void dw_dots_block(const float* base, const int64_t* off, int64_t rows, int64_t in_row,
                   const float* a, int64_t lda, int64_t n, float* lanes) {
  using V = typename S::V;
  constexpr int L = S::L, U = 16 / S::L;
  V c[NT][U];
#pragma GCC unroll 4
  for (int k = 0; k < NT; ++k)
#pragma GCC unroll 2
    for (int u = 0; u < U; ++u) c[k][u] = S::loadu(lanes + k * 16 + u * L);
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = base + r * in_row;
    const float* s[NT];
#pragma GCC unroll 4
    for (int k = 0; k < NT; ++k) s[k] = in + off[k];
    for (int64_t j = 0; j < n; j += 16)
#pragma GCC unroll 2
      for (int u = 0; u < U; ++u) {
        const int64_t q = j + u * L;
        const V av = S::loadu_first(a + r * lda + q, n - q);
#pragma GCC unroll 4
        for (int k = 0; k < NT; ++k) c[k][u] = S::fmadd(av, S::loadu(s[k] + q), c[k][u]);
      }
  }
#pragma GCC unroll 4
  for (int k = 0; k < NT; ++k)
#pragma GCC unroll 2
    for (int u = 0; u < U; ++u) S::storeu(lanes + k * 16 + u * L, c[k][u]);
}

template <class S>
void dw_dots_isa(int64_t ntaps, const float* base, const int64_t* off, int64_t rows, int64_t in_row,
                 const float* a, int64_t lda, int64_t n, float* lanes) {
  int64_t t = 0;
  for (; t + 4 <= ntaps; t += 4)
    dw_dots_block<S, 4>(base, off + t, rows, in_row, a, lda, n, lanes + t * 16);
  for (; t < ntaps; ++t)
    dw_dots_block<S, 1>(base, off + t, rows, in_row, a, lda, n, lanes + t * 16);
}

/// Defines dw_plane_<suffix> and dw_dots_<suffix> of conv_depthwise_kernels.hpp as the instances
/// of the templates above for instruction set S (once in each conv_depthwise_<isa>.cpp, inside
/// namespace cnnlab::omp::detail).
#define CNNLAB_DEPTHWISE_LOOPS(suffix, S)                                                        \
  void dw_plane_##suffix(int64_t ntaps, const float* base, const int64_t* off, const float* wts, \
                         float init, int64_t rows, int64_t in_row, int64_t n, float* out,        \
                         int64_t ld_out) {                                                       \
    dw_plane_isa<S>(ntaps, base, off, wts, init, rows, in_row, n, out, ld_out);                  \
  }                                                                                              \
  void dw_dots_##suffix(int64_t ntaps, const float* base, const int64_t* off, int64_t rows,      \
                        int64_t in_row, const float* a, int64_t lda, int64_t n, float* lanes) {  \
    dw_dots_isa<S>(ntaps, base, off, rows, in_row, a, lda, n, lanes);                            \
  }

}  // namespace cnnlab::omp::detail
