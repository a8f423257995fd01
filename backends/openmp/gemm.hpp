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
// CPU supports. The kernels (gemm_kernels.hpp), widest first:
//   "avx512"    14×32 (and 6..12×32 for few rows), x86-64 with AVX-512F
//   "avx2"      6×16, x86-64 with AVX2 + FMA
//   "neon"      8×12, aarch64 (NEON/ASIMD is in the base instruction set, so every arm64 CPU)
//   "portable"  6×8, plain C++ left to the auto-vectoriser: every CPU, and the fallback
// An x86-64 build contains only the x86 kernels and the portable one, an aarch64 build only the
// NEON and portable ones; other CPUs get the portable kernel alone. The environment variable
// CNNLAB_ISA caps the choice (see below). Threads come from OpenMP
// (omp_get_max_threads(), i.e. OMP_NUM_THREADS or omp_set_num_threads); small problems run on one
// thread. Called from inside an OpenMP parallel region, sgemm runs on the calling thread only.
//
// What it deliberately is not: a full BLAS. Only float, only row-major, no complex types, no
// batched or strided-batched entry points, no cleverness for tiny or skinny matrices beyond
// "do not start threads for them".
#pragma once

#include "backends/openmp/gemm_kernels.hpp"

#include <cstdint>
#include <vector>

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
void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

/// @brief Names the micro-kernel sgemm uses now, e.g. "avx512 14x32", "avx2 6x16",
///        "neon 8x12", "portable 6x8".
const char* sgemm_kernel_name();

/// @brief Forces one micro-kernel, for tests and benchmarks.
///
/// @param name "avx512", "avx2", "neon", "portable", or nullptr to go back to the automatic
///             choice (sgemm_auto_kernel(): CNNLAB_ISA's, else the widest SIMD the CPU supports).
/// @throws cnnlab::Error for an unknown name or for a kernel this CPU cannot run; the previous
///         choice stays in force.
/// The choice is global (all threads); do not change it while another thread is inside sgemm.
void sgemm_force_kernel(const char* name);

/// @brief True when this CPU (and this build) can run the named micro-kernel ("avx512", "avx2",
///        "neon", "portable"); false for an unknown name.
bool sgemm_kernel_supported(const char* name);

/// @brief The short names of all micro-kernels this build knows, widest SIMD first, whether this
///        CPU runs them or not: {"avx512", "avx2", "neon", "portable"}.
std::vector<const char*> sgemm_kernels();

/// @brief The short names of the micro-kernels this CPU can run, widest SIMD first, e.g.
///        {"avx512", "avx2", "portable"} on an AVX-512 machine, {"portable"} where no SIMD kernel
///        is built or supported. Tests loop over it to run every path the CPU can execute.
std::vector<const char*> sgemm_supported_kernels();

// ---- CNNLAB_ISA: capping the instruction set ----------------------------------------------------
//
// The automatic choice is the widest kernel the CPU supports, unless the environment variable
// CNNLAB_ISA names another one ("portable", "avx2", "avx512"; case-insensitive; unset or empty:
// no cap). It is read once, at the first kernel choice (openmp_backend() makes that choice as the
// backend is first used, so a bad value fails there, as a cnnlab::Error, never later inside an
// OpenMP team). Everything that follows the sgemm kernel follows it too: the packed-B GEMM
// (PackedA) and the direct convolution tiles (conv_tiles.hpp), so CNNLAB_ISA=avx2 makes an
// AVX-512 machine take the paths an AVX2-only one takes. sgemm_force_kernel still overrides it
// (tests).

/// The environment variable read by sgemm_auto_kernel().
inline constexpr const char* kIsaVariable = "CNNLAB_ISA";

/// @brief The kernel a CNNLAB_ISA value asks for: its short name ("avx512", "avx2", "portable"),
///        or nullptr when @p value is null or empty (no cap: the widest kernel the CPU runs).
///        Pure: reads no environment, so tests can call it with any string.
/// @param value   the setting, compared case-insensitively ("AVX2" works too).
/// @param source  what to call the setting in an error, e.g. "CNNLAB_ISA" or "--isa".
/// @throws cnnlab::Error naming @p source, @p value and the choices this CPU supports, when the
///         value names no kernel or one this CPU cannot run.
const char* sgemm_parse_isa(const char* value, const char* source = kIsaVariable);

namespace detail {
/// sgemm_parse_isa with the CPU's supported kernels given (widest first), so that tests can check
/// the "cannot run" error on any machine.
const char* parse_isa(const char* value, const char* source,
                      const std::vector<const char*>& supported);
}  // namespace detail

/// @brief The short name of the kernel the automatic choice uses: the one CNNLAB_ISA names, else
///        the widest this CPU supports. CNNLAB_ISA is read at the first call of this or any
///        other sgemm function that needs the kernel.
/// @throws cnnlab::Error from sgemm_parse_isa for a bad CNNLAB_ISA (at every call: the choice is
///         only made once the value is good, i.e. in a process started with a good one).
const char* sgemm_auto_kernel();

/// @brief True when the micro-kernel in use now (see sgemm_force_kernel) is the AVX-512 one.
///        The convolution tiles (conv_tiles.hpp) then run their AVX-512 versions.
bool sgemm_avx512_active();

/// @brief True when the micro-kernel in use now is the AVX2 + FMA one: the convolution tiles
///        then run their AVX2 versions.
bool sgemm_avx2_active();

/// @brief The row count MR of the tile sgemm and PackedA use now for an M-row product: among
///        the kernel's tile and its shorter variants, the one that pads M the least (e.g. with
///        AVX-512: 6 for M = 6, 8 for M = 16, 12 for M = 96, 14 for M = 14).
int sgemm_tile_rows(int64_t M);

/// @brief The same choice for a named kernel, whether it is in use or not (e.g. the AVX-512
///        row set for the convolution grid tile, which runs in AVX2 too). 0 for an unknown name.
int sgemm_tile_rows(const char* kernel, int64_t M);

// ---- building blocks for callers that pack B themselves ----------------------------------------
//
// A convolution's B matrix (the im2col "column" matrix) is built by the caller anyway, so it can
// be written straight into the layout the micro-kernel reads, saving sgemm's separate packing
// pass; and its A matrix (the filters) is the same for every image, so it is packed once.
// PackedA + sgemm_prepacked are that split: the caller packs A once, writes B̃ itself, and runs
// the product on the calling thread (the caller owns the threading: typically one image or one
// block of columns per thread).
//
// The B̃ layout ("packed B", for a K×N matrix B and the tile width NR = PackedA::nr()):
//     B̃[s·K·NR + k·NR + j] = B(k, s·NR + j)     for sliver s = 0 .. ceil(N/NR)−1, j < NR
// i.e. NR-wide column slivers, each stored k-major (K rows of NR contiguous floats). Columns
// past N in the last sliver are ignored (they may hold anything); B̃ must be 64-byte aligned.
// packed_b_floats(N, K) is its size.

/// @brief op(A) (M×K) packed once for sgemm_prepacked, with the tile shape chosen for M.
///
/// The micro-kernel is the one sgemm would use now (see sgemm_force_kernel), fixed at
/// construction; its row count MR is picked to pad M the least (e.g. 8×32 for 16 rows).
class PackedA {
 public:
  /// @param trans_a  false: A is stored (M, K) with row stride lda; true: stored (K, M).
  PackedA(bool trans_a, int64_t M, int64_t K, const float* A, int64_t lda);

  int64_t rows() const { return M_; }   ///< M
  int64_t depth() const { return K_; }  ///< K
  int nr() const { return nr_; }        ///< the B̃ sliver width NR this A must be paired with
  /// Floats in a B̃ holding N columns of a K×N matrix (whole slivers).
  int64_t packed_b_floats(int64_t N) const { return (N + nr_ - 1) / nr_ * nr_ * K_; }

 private:
  friend void sgemm_prepacked(const PackedA&, int64_t, const float*, float, float*, int64_t);
  const float* data() const { return buf_.data() + offset_; }
  int64_t M_, K_, kc_;  // K is cut into slices of kc_ (the last may be shorter)
  int mr_, nr_;
  int64_t slice_stride_;        // floats between two K slices of Ã
  int64_t sliver_stride_;       // floats between two MR-tall slivers within a slice
  detail::MicroKernel kernel_;  // the MR×NR micro-kernel
  std::vector<float> buf_;      // Ã, starting at buf_[offset_] (64-byte aligned)
  int64_t offset_ = 0;
};

/// @brief C (M×N) = op(A)·B + beta·C with op(A) packed in `a` and B given as B̃ (see above).
///
/// Runs on the calling thread. beta == 0 means C is only written. C has row stride ldc >= N.
void sgemm_prepacked(const PackedA& a, int64_t N, const float* packed_b, float beta, float* C,
                     int64_t ldc);

}  // namespace cnnlab::omp
