// openmp_kernels.hpp — running OpenMP-backend tests on every instruction set this CPU executes.
//
// Contract: the OpenMP backend picks one SGEMM micro-kernel ("avx512", "avx2", "portable", ...;
// backends/openmp/gemm.hpp) and everything else follows that one choice: the packed GEMM, the
// direct convolution tiles, the depthwise loops. A test that loops over
// omp::sgemm_supported_kernels() and holds a ForcedKernel for each therefore runs every path
// the CPU can execute; the kernel's name goes into the test's section or message, so a
// failure says which instruction set ran. ForcedKernel goes back to the automatic choice
// (CNNLAB_ISA, else the widest kernel) when its scope ends, also when a check throws.
// What it is not: a way to test kernels this CPU cannot run (they are not in the list; the
// SGEMM test warns which ones were left out).
#pragma once

#include "backends/openmp/gemm.hpp"

namespace cnnlab::testing {

/// Forces one SGEMM kernel (omp::sgemm_force_kernel) for the lifetime of this object.
class ForcedKernel {
 public:
  /// @throws cnnlab::Error when this CPU cannot run @p name (see sgemm_force_kernel).
  explicit ForcedKernel(const char* name) { omp::sgemm_force_kernel(name); }
  ~ForcedKernel() { omp::sgemm_force_kernel(nullptr); }
  ForcedKernel(const ForcedKernel&) = delete;
  ForcedKernel& operator=(const ForcedKernel&) = delete;
};

}  // namespace cnnlab::testing
