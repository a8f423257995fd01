// openmp_dropout.cpp — dropout on the OpenMP backend, forward and backward.
//
// Contract: y[i] = keep(i) ? x[i]·scale : 0 with the mask of cnnlab/ops/dropout_mask.hpp, so
// the mask is bit-identical to the reference's and Vulkan's. The hash is integer arithmetic on
// the element index only, so the loop has no dependence between elements: one parallel-for over
// the elements, vectorised (the hash is two multiplies and shifts per element). Forward and
// backward are the same pass (the backward applies the mask to dy).
#include "backends/openmp/openmp_backend.hpp"

#include <cstdint>

namespace cnnlab {

namespace {
void apply_mask(const float* in, float* out, int64_t n, const DropoutMask& m) {
  if (m.drop_all) {
#pragma omp parallel for simd schedule(static) if (n > omp::kParallelMin)
    for (int64_t i = 0; i < n; ++i) out[i] = 0.0f;
    return;
  }
  const uint32_t key = m.key, threshold = m.threshold;
  const float scale = m.scale;
#pragma omp parallel for simd schedule(static) if (n > omp::kParallelMin)
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t h = dropout_mix32(key ^ dropout_mix32(static_cast<uint32_t>(i)));
    out[i] = h >= threshold ? in[i] * scale : 0.0f;
  }
}
}  // namespace

void OpenMPBackend::dropout_forward(const Tensor& x, const DropoutParams& p, Tensor& y) {
  apply_mask(x.data(), y.data(), x.numel(), dropout_mask(p));
}
void OpenMPBackend::dropout_backward(const Tensor& dy, const DropoutParams& p, Tensor& dx) {
  apply_mask(dy.data(), dx.data(), dy.numel(), dropout_mask(p));
}

}  // namespace cnnlab
