// gemm_kernels.hpp — private: the SGEMM micro-kernels the driver in gemm.cpp can choose from.
//
// Contract: every micro-kernel computes one small tile of C from two packed micro-panels,
//     c (MR×NR, row stride ldc) = alpha · (A-panel · B-panel) + beta · c
// where, for k = 0 .. kc-1,
//     a[k*MR + i] = op(A)(i, k)      (the A micro-panel: kc columns of MR floats)
//     b[k*NR + j] = op(B)(k, j)      (the B micro-panel: kc rows of NR floats)
// The panels are zero-padded by the packing code, so a kernel always works on a full MR×NR
// tile; the driver routes edge tiles through a scratch tile. Both panels start on a 64-byte
// boundary. beta == 0 means c is not read. kc >= 1.
//
// What this header deliberately is not: a place for inline code. Each kernel lives in its own
// .cpp compiled with its own instruction-set flags (-mavx512f, -mavx2), and an inline function
// defined here would be compiled once per flag set and merged by the linker, so that AVX-512
// instructions could end up in code that runs on a CPU without them. Only declarations and
// constants live here, and the kernel files include nothing but this and <immintrin.h> (or
// <arm_neon.h> for the NEON kernel, which needs no extra flags on aarch64). The x86 kernels are
// compiled only on x86-64 and the NEON one only on aarch64; gemm.cpp refers to each only there.
#pragma once

#include <cstdint>

namespace cnnlab::omp::detail {

/// Signature shared by all micro-kernels (see the contract above).
using MicroKernel = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                             float alpha, float beta);

// AVX-512F: 14 rows × 32 columns (two zmm registers per row) — gemm_kernels_avx512.cpp.
inline constexpr int kAvx512MR = 14;
inline constexpr int kAvx512NR = 32;
void sgemm_micro_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                        float alpha, float beta);
// The same kernel with fewer rows (6, 8, 10, 12 × 32), for matrices with few rows: the driver
// picks the row count that wastes the fewest padded rows (see choose_rows in gemm.cpp).
void sgemm_micro_avx512_m6(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                           float alpha, float beta);
void sgemm_micro_avx512_m8(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                           float alpha, float beta);
void sgemm_micro_avx512_m10(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                            float alpha, float beta);
void sgemm_micro_avx512_m12(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                            float alpha, float beta);

// AVX2 + FMA: 6 rows × 16 columns (two ymm registers per row) — gemm_kernels_avx2.cpp.
inline constexpr int kAvx2MR = 6;
inline constexpr int kAvx2NR = 16;
void sgemm_micro_avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                      float alpha, float beta);

// NEON (aarch64 only): 8 rows × 12 columns (three q registers per row) —
// gemm_kernels_neon.cpp.
inline constexpr int kNeonMR = 8;
inline constexpr int kNeonNR = 12;
void sgemm_micro_neon(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                      float alpha, float beta);

// Portable C++: 6 rows × 8 columns, left to the compiler's auto-vectoriser —
// gemm_kernels_portable.cpp.
inline constexpr int kPortableMR = 6;
inline constexpr int kPortableNR = 8;
void sgemm_micro_portable(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                          float alpha, float beta);

}  // namespace cnnlab::omp::detail
