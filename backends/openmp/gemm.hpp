// gemm.hpp — the OpenMP backend's single-precision matrix multiply (SGEMM), written from scratch.
//
// Contract: sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major float matrices, with the
// same argument order and meaning as the reference backend's gemm (backends/reference/linear.hpp):
//   op(A) is (M, K): A is stored (M, K) with lda >= K, or (K, M) with lda >= M when trans_a
//   op(B) is (K, N): B is stored (K, N) with ldb >= N, or (N, K) with ldb >= K when trans_b
//   C     is (M, N) with ldc >= N
// beta == 0 means C is only written, never read (it may hold garbage, even NaN). alpha == 0 or
// K == 0 means A and B are not read. Bad sizes or leading dimensions throw cnnlab::Error.
//
// How it is fast (details in gemm.cpp): the matrices are cut into cache-sized blocks, each block
// is copied ("packed") into a contiguous buffer, and a small register-blocked micro-kernel written
// with SIMD intrinsics does the arithmetic. The micro-kernel is picked at run time from what the
// CPU supports: AVX-512, AVX2+FMA, or a portable C++ loop. Threads come from OpenMP
// (omp_get_max_threads(), i.e. OMP_NUM_THREADS or omp_set_num_threads); small problems run on one
// thread. Called from inside an OpenMP parallel region, sgemm runs on the calling thread only.
//
// What it deliberately is not: a full BLAS. Only float, only row-major, no complex types, no
// batched or strided-batched entry points, no cleverness for tiny or skinny matrices beyond
// "do not start threads for them".
#pragma once

#include <cstdint>

namespace cnnlab::omp {

/// @brief C (M×N) = alpha·op(A)·op(B) + beta·C, row-major, single precision.
///
/// @param trans_a  false: A is stored (M, K) row-major; true: A is stored (K, M) and op(A) = Aᵀ.
/// @param trans_b  false: B is stored (K, N) row-major; true: B is stored (N, K) and op(B) = Bᵀ.
/// @param M,N,K    the logical sizes: op(A) is M×K, op(B) is K×N, C is M×N (all >= 0).
/// @param alpha    scales the product op(A)·op(B).
/// @param A,lda    A and the distance in floats between the starts of two stored rows of A.
/// @param B,ldb    B and its row stride.
/// @param beta     scales the old C; 0 means C is overwritten and never read.
/// @param C,ldc    C and its row stride (ldc >= N).
/// @throws cnnlab::Error for negative sizes, a leading dimension smaller than the stored row
///         width, or a null pointer for a matrix that has to be read or written.
void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
           int64_t ldc);

/// @brief Names the micro-kernel sgemm uses now, e.g. "avx512 14x32", "avx2 6x16",
///        "portable 6x8".
const char* sgemm_kernel_name();

/// @brief Forces one micro-kernel, for tests and benchmarks.
///
/// @param name "avx512", "avx2", "portable", or nullptr to go back to the automatic choice
///             (the widest SIMD the CPU supports).
/// @throws cnnlab::Error for an unknown name or for a kernel this CPU cannot run; the previous
///         choice stays in force.
/// The choice is global (all threads); do not change it while another thread is inside sgemm.
void sgemm_force_kernel(const char* name);

/// @brief True when this CPU can run the named micro-kernel ("avx512", "avx2", "portable").
bool sgemm_kernel_supported(const char* name);

}  // namespace cnnlab::omp
