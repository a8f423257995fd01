// gemm_kernels_portable.cpp — the portable SGEMM micro-kernel: plain C++ on a 6×8 tile.
//
// Contract: implements sgemm_micro_portable as specified in gemm_kernels.hpp, with no
// intrinsics and no special compiler flags, so it builds and runs on any CPU. It is the
// fallback when the CPU has neither AVX-512 nor AVX2+FMA, and the easiest kernel to read first:
// the SIMD kernels do exactly this, with the inner j loop written as vector instructions.
// Not here: packing, edge tiles, threads — the driver (gemm.cpp) does those.
#include "gemm_kernels.hpp"

namespace cnnlab::omp::detail {

// Loop order and blocking: for each k, an outer product of the A column (6 values) and the
// B row (8 values) is added to a 6×8 accumulator tile:
//     acc[i][j] += a(i, k) · b(k, j)
// The innermost j loop has a fixed length of 8 over contiguous floats, which compilers turn
// into SIMD multiplies and adds (2 SSE registers per row on baseline x86-64, NEON on ARM).
// Why 6×8: the 48 accumulators fill 12 of the 16 SSE registers, leaving room for the B row and
// the broadcast A value, so nothing spills to memory inside the k loop. (A 4×16 tile needs all
// 16 registers for accumulators alone, and runs 5× slower.)
void sgemm_micro_portable(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                          float alpha, float beta) {
  constexpr int MR = kPortableMR;  // 6
  constexpr int NR = kPortableNR;  // 8

  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < MR; ++i) {
      const float ai = a[i];
      for (int j = 0; j < NR; ++j) acc[i][j] += ai * b[j];
    }
    a += MR;
    b += NR;
  }

  // c = alpha·acc + beta·c. With beta == 0, C is not read (it may hold NaN garbage).
  for (int i = 0; i < MR; ++i, c += ldc) {
    if (beta == 0.0f) {
      for (int j = 0; j < NR; ++j) c[j] = alpha * acc[i][j];
    } else {
      for (int j = 0; j < NR; ++j) c[j] = alpha * acc[i][j] + beta * c[j];
    }
  }
}

}  // namespace cnnlab::omp::detail
