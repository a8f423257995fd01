// gemm_kernels_avx2.cpp — the AVX2 + FMA SGEMM micro-kernel: a 6×16 tile of C in registers.
//
// Contract: implements sgemm_micro_avx2 as specified in gemm_kernels.hpp. This file alone is
// compiled with -mavx2 -mfma (see CMakeLists.txt); gemm.cpp calls it only after
// __builtin_cpu_supports("avx2") and ("fma") said yes. It includes nothing but <immintrin.h> and
// the kernel header, so no AVX2 copy of a shared inline function can leak into other code.
// Not here: packing, edge tiles, threads — the driver (gemm.cpp) does those.
#include "gemm_kernels.hpp"

#include <immintrin.h>

namespace cnnlab::omp::detail {

// Loop order and blocking: the same outer-product loop over k as the AVX-512 kernel. At each k
// it loads one row of the B micro-panel (16 floats = two ymm registers), broadcasts each of the
// 6 values of the A column, and does 2 fused multiply-adds per broadcast:
//     acc[i][:] += a(i, k) · b(k, :)          for i = 0 .. 5
// Why 6×16: AVX2 has only 16 ymm registers. 12 hold the C tile, 2 the B row, 1 the broadcast
// A value — 15 in use. 12 FMAs per 2 vector loads + 6 broadcasts keeps the two FMA pipes busy,
// and 12 independent accumulators cover the FMA latency (needs >= 8 in flight).
void sgemm_micro_avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                      float alpha, float beta) {
  constexpr int MR = kAvx2MR;  // 6
  constexpr int NR = kAvx2NR;  // 16 = 2 ymm

  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    acc[i][0] = _mm256_setzero_ps();
    acc[i][1] = _mm256_setzero_ps();
  }

  // The C tile is touched only at the end; ask for its cache lines now so they arrive while
  // the k loop runs. A row of 16 floats is 64 bytes: one line, or two when the row does not
  // start on a line boundary (bytes 0 and 60 cover both cases).
  for (int i = 0; i < MR; ++i) {
    const char* ci = reinterpret_cast<const char*>(c + i * ldc);
    _mm_prefetch(ci, _MM_HINT_T0);
    _mm_prefetch(ci + 60, _MM_HINT_T0);
  }

#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b);      // b(k, 0..7)
    const __m256 b1 = _mm256_load_ps(b + 8);  // b(k, 8..15)
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);  // a(i, k) in all 8 lanes
      acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }

  // c = alpha·acc + beta·c. With beta == 0, C is not read (it may hold NaN garbage).
  const __m256 va = _mm256_set1_ps(alpha);
  const __m256 vb = _mm256_set1_ps(beta);
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i, c += ldc) {
    __m256 c0 = _mm256_mul_ps(va, acc[i][0]);
    __m256 c1 = _mm256_mul_ps(va, acc[i][1]);
    if (beta != 0.0f) {
      c0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c), c0);
      c1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(c + 8), c1);
    }
    _mm256_storeu_ps(c, c0);
    _mm256_storeu_ps(c + 8, c1);
  }
}

}  // namespace cnnlab::omp::detail
