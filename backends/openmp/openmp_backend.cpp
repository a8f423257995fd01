// openmp_backend.cpp — the OpenMP backend's instance and its one-line description.
//
// Contract: memory is HostBackend's (host memory, like the reference backend); the ops live in
// one file per op family: openmp_conv2d.cpp, openmp_pool2d.cpp, openmp_linear.cpp,
// openmp_elementwise.cpp (activations, add, SGD) and openmp_softmax.cpp.
#include "backends/openmp/openmp_backend.hpp"

#include "backends/openmp/gemm.hpp"

#include <omp.h>

#include <string>

namespace cnnlab {

Backend& openmp_backend() {
  // The kernel choice reads CNNLAB_ISA (gemm.hpp): make it here, on first use, so that a bad
  // value is a cnnlab::Error for the caller, never an exception inside an OpenMP team.
  omp::sgemm_auto_kernel();
  static OpenMPBackend instance;
  return instance;
}

std::string OpenMPBackend::description() const {
  std::string supported;
  for (const char* name : omp::sgemm_supported_kernels()) {
    if (!supported.empty()) supported += ' ';
    supported += name;
  }
  return "openmp (" + std::to_string(omp_get_max_threads()) + " threads, sgemm kernel " +
         omp::sgemm_kernel_name() + "; this CPU runs " + supported + ")";
}

}  // namespace cnnlab
