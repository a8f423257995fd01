// reference_backend.hpp — the reference Backend: host memory (HostBackend) plus the plain-loop
// kernels.
//
// Contract: every op of the Backend interface, implemented by calling the templated kernels in
// this folder with T = float. It is the canonical answer every other backend is compared to,
// so it is written for reading, not for speed: single-threaded, no blocking, no SIMD.
#pragma once

#include <cnnlab/core/host_backend.hpp>

namespace cnnlab {

/// The plain C++ backend ("reference"). Obtain the process-wide instance with
/// reference_backend().
class ReferenceBackend final : public HostBackend {
 public:
  std::string name() const override { return "reference"; }

  // Every op of the Backend interface, each a call of a plain-loop kernel of this folder.
  // The ops are listed once, in backend_ops.inc: each line becomes `void op(parameters)
  // override;` here (backend.hpp explains how).
#define CNNLAB_BACKEND_OP(op, params) void op params override;
#include <cnnlab/core/backend_ops.inc>
#undef CNNLAB_BACKEND_OP
};

}  // namespace cnnlab
