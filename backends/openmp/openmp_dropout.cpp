// openmp_dropout.cpp — dropout on the OpenMP backend, forward and backward.
//
// Contract: y[i] = keep(i) ? x[i]·scale : 0 with the mask of cnnlab/ops/dropout_mask.hpp, so
// the mask is bit-identical to the reference's and Vulkan's. The hash is integer arithmetic on
// the element index only, so the loop has no dependence between elements: a parallel-for over
// blocks of elements, each a branch-free SIMD loop (a data-dependent branch on a random mask
// would mispredict half the time; this loop is about 20 times faster than the plain one).
// Forward and backward are the same pass (the backward applies the mask to dy).
#include "backends/openmp/openmp_backend.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace cnnlab {

namespace {
// Blocks of 64 Ki elements: the parallel unit, and short enough that the inner loop can count
// in uint32_t (the mask's index is the element index modulo 2^32 anyway).
constexpr int64_t kBlock = int64_t{1} << 16;

void apply_mask(const float* in, float* out, int64_t n, const DropoutMask& m) {
  const uint32_t key = m.key, threshold = m.threshold;
  const uint32_t all = m.drop_all ? 0u : 0xffffffffu;
  const float scale = m.scale;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (n > omp::kParallelMin)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t begin = b * kBlock;
    const auto len = static_cast<uint32_t>(std::min(kBlock, n - begin));
    const auto base = static_cast<uint32_t>(begin);
    const float* src = in + begin;
    float* dst = out + begin;
    // Branch-free, so that it vectorises: the kept lanes keep the bits of x·scale, the dropped
    // ones become +0 (exactly what the reference's `keep ? x·scale : 0` gives, NaN included).
#pragma omp simd
    for (uint32_t j = 0; j < len; ++j) {
      const uint32_t h = dropout_mix32(key ^ dropout_mix32(base + j));
      const uint32_t keep = (0u - static_cast<uint32_t>(h >= threshold)) & all;
      const float v = src[j] * scale;
      uint32_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      bits &= keep;
      std::memcpy(dst + j, &bits, sizeof bits);
    }
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
