// gemm_kernels_neon.cpp — the NEON (ARMv8 Advanced SIMD) SGEMM micro-kernel: an 8×12 tile of C
// in registers.
//
// Contract: implements sgemm_micro_neon as specified in gemm_kernels.hpp. This file is compiled
// only for aarch64 (see CMakeLists.txt), with no extra flags: NEON/ASIMD is part of the base
// ARMv8-A instruction set, so every arm64 CPU runs it and gemm.cpp chooses it there unless
// sgemm_force_kernel("portable") asks for the fallback. It includes nothing but <arm_neon.h>
// and the kernel header, like the x86 kernel files. It uses unaligned loads (vld1q_f32), so it
// works whatever the panels' alignment. Not here: packing, edge tiles, threads — the driver
// (gemm.cpp) does those.
#include "gemm_kernels.hpp"

#include <arm_neon.h>

namespace cnnlab::omp::detail {

// Loop order and blocking: the same outer-product loop over k as the x86 kernels. At each k it
// loads one row of the B micro-panel (12 floats = three q registers) and the column of the A
// micro-panel (8 floats = two q registers), then does 3 fused multiply-adds per row of the tile,
// each multiplying a B register by one lane of an A register (FMLA by element, so the A values
// need no separate broadcast):
//     acc[i][:] += a(i, k) · b(k, :)          for i = 0 .. 7
// Why 8×12: aarch64 has 32 q registers of 4 floats. 24 hold the C tile (8 rows × 3) for the
// whole k loop, 3 the B row and 2 the A column — 29 in use, none spilled. Per k that is 24 FMAs
// against 5 vector loads (4.8 FMAs per load, enough for cores that issue two 128-bit FMAs and
// two loads per cycle), and 24 independent accumulators cover the FMA latency (4 cycles × up to
// 2 FMAs per cycle needs >= 8 chains). The alternatives: 12×8 uses the same 29 registers with
// the roles of A and B swapped; 8×16 needs 32 accumulators alone; 16×8 likewise; 4×16 loads
// more per FMA (4.0). 8×12 is also the tile of Arm's own Compute Library sgemm for these cores.

namespace {

/// acc[I][:] += a(I, k) · b(k, :), with a(I, k) taken from lane I % 4 of a_lo (rows 0..3) or
/// a_hi (rows 4..7). A template so that the lane number is a constant, as FMLA by element needs.
template <int I>
inline void fma_row(float32x4_t (&acc)[kNeonMR][3], float32x4_t a_lo, float32x4_t a_hi,
                    float32x4_t b0, float32x4_t b1, float32x4_t b2) {
  const float32x4_t a = I < 4 ? a_lo : a_hi;
  acc[I][0] = vfmaq_laneq_f32(acc[I][0], b0, a, I % 4);
  acc[I][1] = vfmaq_laneq_f32(acc[I][1], b1, a, I % 4);
  acc[I][2] = vfmaq_laneq_f32(acc[I][2], b2, a, I % 4);
}

}  // namespace

void sgemm_micro_neon(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                      float alpha, float beta) {
  constexpr int MR = kNeonMR;  // 8 = 2 q
  constexpr int NR = kNeonNR;  // 12 = 3 q
  static_assert(MR == 8 && NR == 12, "the row updates below are written out for an 8×12 tile");

  float32x4_t acc[MR][3];
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = acc[i][2] = vdupq_n_f32(0.0f);

  // The C tile is touched only at the end; ask for its cache lines now so they arrive while
  // the k loop runs. A row of 12 floats is 48 bytes: one 64-byte line, or two when the row
  // crosses a line boundary (bytes 0 and 44 cover both cases).
  for (int i = 0; i < MR; ++i) {
    const char* ci = reinterpret_cast<const char*>(c + i * ldc);
    __builtin_prefetch(ci, 1);
    __builtin_prefetch(ci + 44, 1);
  }

#pragma GCC unroll 4
  for (int64_t k = 0; k < kc; ++k) {
    const float32x4_t b0 = vld1q_f32(b);        // b(k, 0..3)
    const float32x4_t b1 = vld1q_f32(b + 4);    // b(k, 4..7)
    const float32x4_t b2 = vld1q_f32(b + 8);    // b(k, 8..11)
    const float32x4_t a_lo = vld1q_f32(a);      // a(0..3, k)
    const float32x4_t a_hi = vld1q_f32(a + 4);  // a(4..7, k)
    fma_row<0>(acc, a_lo, a_hi, b0, b1, b2);
    fma_row<1>(acc, a_lo, a_hi, b0, b1, b2);
    fma_row<2>(acc, a_lo, a_hi, b0, b1, b2);
    fma_row<3>(acc, a_lo, a_hi, b0, b1, b2);
    fma_row<4>(acc, a_lo, a_hi, b0, b1, b2);
    fma_row<5>(acc, a_lo, a_hi, b0, b1, b2);
    fma_row<6>(acc, a_lo, a_hi, b0, b1, b2);
    fma_row<7>(acc, a_lo, a_hi, b0, b1, b2);
    a += MR;
    b += NR;
  }

  // c = alpha·acc + beta·c. With beta == 0, C is not read (it may hold NaN garbage).
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i, c += ldc) {
#pragma GCC unroll 3
    for (int q = 0; q < 3; ++q) {
      float32x4_t cq = vmulq_n_f32(acc[i][q], alpha);
      if (beta != 0.0f) cq = vfmaq_n_f32(cq, vld1q_f32(c + 4 * q), beta);
      vst1q_f32(c + 4 * q, cq);
    }
  }
}

}  // namespace cnnlab::omp::detail
