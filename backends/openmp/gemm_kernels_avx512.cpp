// gemm_kernels_avx512.cpp — the AVX-512 SGEMM micro-kernels: an MR×32 tile of C in registers,
// MR = 14 (the main kernel) or 6, 8, 10, 12 (for matrices with few rows).
//
// Contract: implements sgemm_micro_avx512 and its shorter variants as specified in
// gemm_kernels.hpp. This file alone is
// compiled with -mavx512f -mfma (see CMakeLists.txt); gemm.cpp calls it only after
// __builtin_cpu_supports("avx512f") said yes. It includes nothing but <immintrin.h> and the
// kernel header, so no AVX-512 copy of a shared inline function can leak into other code.
// Not here: packing, edge tiles, threads — the driver (gemm.cpp) does those; nor the
// convolution tiles built on the same register tile (conv_tiles_avx512.cpp).
#include "gemm_kernels.hpp"

#include <immintrin.h>

namespace cnnlab::omp::detail {

// Loop order and blocking: an outer-product loop over k. At each k the kernel loads one row of
// the B micro-panel (32 floats = two zmm registers), broadcasts each of the 14 values of the A
// column in turn, and does 2 fused multiply-adds per broadcast into the 14×2 accumulators:
//     acc[i][:] += a(i, k) · b(k, :)          for i = 0 .. 13
// Why 14×32: x86-64 with AVX-512 has 32 zmm registers. 28 hold the C tile for the whole k loop,
// 2 hold the current B row and 1 the broadcast A value — 31 in use, none spilled. Each loaded
// B value is used 14 times and each A value twice, so per k there are 28 FMAs against only
// 2 vector loads + 14 scalar broadcasts: the loop is bound by the FMA units, not by memory.
// 28 independent accumulators also hide the FMA latency (at most 8 chains are needed to keep
// the FMA units busy: about 4 cycles of latency × up to 2 FMAs issued per cycle).
// Shorter tiles (MR = 6 .. 12) are the same loop with fewer rows. They exist for matrices with
// few rows — a convolution's 6 or 16 filters — where a 14-row tile would be mostly zero padding;
// with 12 or more accumulators they still hide the FMA latency, and on a CPU that issues one
// 512-bit FMA per cycle (Zen 4) the extra B loads per FMA are still within the load ports.
template <int MR>
void micro_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, float alpha,
                  float beta) {
  constexpr int NR = kAvx512NR;  // 32 = 2 zmm

  __m512 acc[MR][2];
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) {
    acc[i][0] = _mm512_setzero_ps();
    acc[i][1] = _mm512_setzero_ps();
  }

  // The C tile is touched only at the end; ask for its cache lines now so they arrive while
  // the k loop runs. A row of 32 floats is 128 bytes: two 64-byte lines, or three when the row
  // does not start on a line boundary (bytes 0, 64 and 124 cover every case).
  for (int i = 0; i < MR; ++i) {
    const char* ci = reinterpret_cast<const char*>(c + i * ldc);
    _mm_prefetch(ci, _MM_HINT_T0);
    _mm_prefetch(ci + 64, _MM_HINT_T0);
    _mm_prefetch(ci + 124, _MM_HINT_T0);
  }

#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_load_ps(b);       // b(k, 0..15)
    const __m512 b1 = _mm512_load_ps(b + 16);  // b(k, 16..31)
#pragma GCC unroll 14
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);  // a(i, k) in all 16 lanes
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }

  // c = alpha·acc + beta·c. With beta == 0, C is not read (it may hold NaN garbage).
  const __m512 va = _mm512_set1_ps(alpha);
  const __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i, c += ldc) {
    __m512 c0 = _mm512_mul_ps(va, acc[i][0]);
    __m512 c1 = _mm512_mul_ps(va, acc[i][1]);
    if (beta != 0.0f) {
      c0 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(c), c0);
      c1 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(c + 16), c1);
    }
    _mm512_storeu_ps(c, c0);
    _mm512_storeu_ps(c + 16, c1);
  }
}

void sgemm_micro_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                        float alpha, float beta) {
  micro_avx512<kAvx512MR>(kc, a, b, c, ldc, alpha, beta);
}
void sgemm_micro_avx512_m6(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                           float alpha, float beta) {
  micro_avx512<6>(kc, a, b, c, ldc, alpha, beta);
}
void sgemm_micro_avx512_m8(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                           float alpha, float beta) {
  micro_avx512<8>(kc, a, b, c, ldc, alpha, beta);
}
void sgemm_micro_avx512_m10(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                            float alpha, float beta) {
  micro_avx512<10>(kc, a, b, c, ldc, alpha, beta);
}
void sgemm_micro_avx512_m12(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                            float alpha, float beta) {
  micro_avx512<12>(kc, a, b, c, ldc, alpha, beta);
}

}  // namespace cnnlab::omp::detail
