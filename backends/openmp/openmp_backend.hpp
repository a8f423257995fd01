// openmp_backend.hpp — the fast CPU Backend: OpenMP threads, SIMD register tiles, and a packed
// SGEMM.
//
// Contract: every op of the Backend interface, computing the same function as the reference
// backend (tests/test_cross_backend.cpp holds it to that within float32 tolerances), but
// organised for speed:
//   - convolution picks, per layer and pass, the fastest of several paths (openmp_conv2d.cpp;
//     thresholds in conv_paths.hpp): with AVX-512 or AVX2 mostly direct register tiles that read
//     the zero-padded input themselves, no column matrix (conv_direct_*.cpp on the tiles of
//     conv_tiles.hpp); otherwise im2col written straight into the packed GEMM layout + sgemm
//     (conv_columns.cpp, gemm.hpp);
//   - the fully connected layer is three sgemm calls (openmp_linear.cpp);
//   - memory-bound ops (pooling, activations, SGD) are one pass over memory, threaded with one
//     OpenMP pragma on the outer loop and vectorised by the compiler.
// Tensors live in ordinary host memory (HostStorage), so tensors can be read directly.
// Not here: the GEMM itself (gemm.cpp), the convolution tiles (conv_tiles_generic.hpp), argument
// checks (src/ops/ops.cpp). docs/openmp.md explains the paths.
#pragma once

#include <cnnlab/core/host_backend.hpp>

namespace cnnlab {

/// The OpenMP CPU backend ("openmp"). Obtain the process-wide instance with
/// backend_by_name("openmp"). The number of threads is OpenMP's (OMP_NUM_THREADS).
class OpenMPBackend final : public HostBackend {
 public:
  std::string name() const override { return "openmp"; }
  std::string description() const override;

  // Every op of the Backend interface, threaded with OpenMP and vectorised for this CPU.
  // The ops are listed once, in backend_ops.inc: each line becomes `void op(parameters)
  // override;` here (backend.hpp explains how).
#define CNNLAB_BACKEND_OP(op, params) void op params override;
#include <cnnlab/core/backend_ops.inc>
#undef CNNLAB_BACKEND_OP
};

namespace omp {
/// Below this many elements a memory-bound loop (activations, softmax, pooling, SGD) runs on one
/// thread: starting the threads would cost more than the work.
inline constexpr int64_t kParallelMin = 1 << 15;
}  // namespace omp

/// The process-wide OpenMP backend instance.
Backend& openmp_backend();

}  // namespace cnnlab
