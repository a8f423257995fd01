// openmp_backend.hpp — the fast CPU Backend: OpenMP threads, SIMD, and a packed SGEMM.
//
// Contract: every op of the Backend interface, computing the same function as the reference
// backend (tests/test_cross_backend.cpp holds it to that within float32 tolerances), but
// organised for speed:
//   - convolution and the fully connected layer become matrix multiplies (im2col + sgemm);
//   - memory-bound ops (pooling, activations, SGD) are one pass over memory, threaded with one
//     OpenMP pragma on the outer loop and vectorised by the compiler.
// Tensors live in ordinary host memory (HostStorage), so tensors can be read directly.
// Not here: the GEMM itself (gemm.cpp), argument checks (src/ops.cpp).
#pragma once

#include <cnnlab/core/backend.hpp>

namespace cnnlab {

/// The OpenMP CPU backend ("openmp"). Obtain the process-wide instance with
/// backend_by_name("openmp"). The number of threads is OpenMP's (OMP_NUM_THREADS).
class OpenMPBackend final : public Backend {
 public:
  std::string name() const override { return "openmp"; }
  std::string description() const override;

  std::shared_ptr<Storage> allocate(size_t n) override;
  void write(Storage& dst, const float* src, size_t n) override;
  void read(const Storage& src, float* dst, size_t n) override;
  void copy(const Storage& src, Storage& dst, size_t n) override;

  // Every op of the Backend interface, threaded with OpenMP and vectorised for this CPU.
  // The ops are listed once, in backend_ops.inc: each line becomes `void op(parameters)
  // override;` here (backend.hpp explains how).
#define CNNLAB_BACKEND_OP(op, params) void op params override;
#include <cnnlab/core/backend_ops.inc>
#undef CNNLAB_BACKEND_OP
};

/// The process-wide OpenMP backend instance.
Backend& openmp_backend();

}  // namespace cnnlab
