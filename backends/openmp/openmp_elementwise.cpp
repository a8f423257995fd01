// openmp_elementwise.cpp — activations, add, SGD and Adam on the OpenMP backend.
//
// Contract: the same formulas as backends/reference (activations.hpp, elementwise.hpp); here
// each is one pass over memory with one `parallel for simd` pragma. Small tensors stay on one
// thread (omp::kParallelMin): starting threads costs more than the work. Softmax and the loss
// are in openmp_softmax.cpp. copy_channels (concat) copies whole contiguous blocks with memcpy.
#include "backends/openmp/openmp_backend.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace cnnlab {

using omp::kParallelMin;

// [relu_forward] (docs/backends.md shows the lines between these markers)
void OpenMPBackend::relu_forward(const Tensor& x, Tensor& y) {
  const float* in = x.data();
  float* out = y.data();
  const int64_t n = x.numel();
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (int64_t e = 0; e < n; ++e) out[e] = in[e] <= 0.0f ? 0.0f : in[e];  // NaN stays NaN
}
// [relu_forward]

void OpenMPBackend::relu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) {
  const float* in = x.data();
  const float* g = dy.data();
  float* out = dx.data();
  const int64_t n = x.numel();
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (int64_t e = 0; e < n; ++e) {
    const float grad = g[e];  // loaded for every e, so the select vectorises (no masked load)
    out[e] = in[e] <= 0.0f ? 0.0f : grad;  // NaN x: dy passes
  }
}

void OpenMPBackend::sigmoid_forward(const Tensor& x, Tensor& y) {
  const float* in = x.data();
  float* out = y.data();
  const int64_t n = x.numel();
#pragma omp parallel for schedule(static) if (n > kParallelMin)
  for (int64_t e = 0; e < n; ++e) {
    const float z = std::exp(-std::fabs(in[e]));  // never overflows
    out[e] = in[e] >= 0.0f ? 1.0f / (1.0f + z) : z / (1.0f + z);
  }
}

void OpenMPBackend::sigmoid_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  const float* s = y.data();
  const float* g = dy.data();
  float* out = dx.data();
  const int64_t n = y.numel();
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (int64_t e = 0; e < n; ++e) out[e] = g[e] * s[e] * (1.0f - s[e]);
}

void OpenMPBackend::tanh_forward(const Tensor& x, Tensor& y) {
  const float* in = x.data();
  float* out = y.data();
  const int64_t n = x.numel();
#pragma omp parallel for schedule(static) if (n > kParallelMin)
  for (int64_t e = 0; e < n; ++e) out[e] = std::tanh(in[e]);
}

void OpenMPBackend::tanh_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  const float* t = y.data();
  const float* g = dy.data();
  float* out = dx.data();
  const int64_t n = y.numel();
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (int64_t e = 0; e < n; ++e) out[e] = g[e] * (1.0f - t[e] * t[e]);
}

// ---- add, SGD and Adam --------------------------------------------------------------------------
void OpenMPBackend::add_forward(const Tensor& a, const Tensor& b, Tensor& y) {
  const float* pa = a.data();
  const float* pb = b.data();
  float* out = y.data();
  const int64_t n = a.numel();
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (int64_t e = 0; e < n; ++e) out[e] = pa[e] + pb[e];
}

// ---- copy_channels (concat)
// ---------------------------------------------------------------------- Per image, the block to
// copy is channels·H·W contiguous values on both sides, so the work is N memcpy calls; each block
// is cut into chunks of kChunk values, and the N·chunks pieces are shared among the threads (a
// batch of 1 with a large block still uses every thread).
void OpenMPBackend::copy_channels(const Tensor& src, int64_t src_c0, Tensor& dst, int64_t dst_c0,
                                  int64_t channels) {
  constexpr int64_t kChunk = int64_t{1} << 14;  // 64 KiB of floats per piece
  const int64_t batch = src.dim(0), plane = src.dim(2) * src.dim(3);
  const int64_t block = channels * plane;
  const int64_t chunks = (block + kChunk - 1) / kChunk;
  const float* in = src.data() + src_c0 * plane;
  float* out = dst.data() + dst_c0 * plane;
  const int64_t in_stride = src.dim(1) * plane, out_stride = dst.dim(1) * plane;
#pragma omp parallel for schedule(static) if (batch * block > kParallelMin)
  for (int64_t piece = 0; piece < batch * chunks; ++piece) {
    const int64_t n = piece / chunks, start = (piece % chunks) * kChunk;
    const int64_t count = std::min(kChunk, block - start);
    std::memcpy(out + n * out_stride + start, in + n * in_stride + start,
                static_cast<size_t>(count) * sizeof(float));
  }
}

void OpenMPBackend::sgd_update(Tensor& param, const Tensor& grad, Tensor& velocity,
                               const SgdParams& p) {
  float* w = param.data();
  const float* g = grad.data();
  float* v = velocity.data();
  const int64_t n = param.numel();
  const float lr = p.lr, mom = p.momentum, wd = p.weight_decay;
  const bool nesterov = p.nesterov;  // the same for every e: the compiler hoists the choice
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (int64_t e = 0; e < n; ++e) {
    const float ge = g[e] + wd * w[e];
    const float ve = mom * v[e] + ge;
    v[e] = ve;
    w[e] -= lr * (nesterov ? ge + mom * ve : ve);
  }
}

void OpenMPBackend::adam_update(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v,
                                const AdamParams& p) {
  float* w = param.data();
  const float* g = grad.data();
  float* m1 = m.data();
  float* m2 = v.data();
  const int64_t n = param.numel();
  const float lr = p.lr, b1 = p.beta1, b2 = p.beta2, eps = p.eps, wd = p.weight_decay;
  const bool decoupled = p.decoupled;   // the same for every e: the compiler hoists the choice
  const float shrink = 1.0f - lr * wd;  // AdamW's decay of the weight itself
  const auto bc1 = static_cast<float>(adam_bias_correction(p.beta1, p.step));
  const auto bc2 = static_cast<float>(adam_bias_correction(p.beta2, p.step));
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (int64_t e = 0; e < n; ++e) {
    const float ge = decoupled ? g[e] : g[e] + wd * w[e];  // Adam: L2 penalty in the gradient
    const float we = decoupled ? w[e] * shrink : w[e];
    const float me = b1 * m1[e] + (1.0f - b1) * ge;
    const float ve = b2 * m2[e] + (1.0f - b2) * ge * ge;
    m1[e] = me;
    m2[e] = ve;
    w[e] = we - lr * (me / bc1) / (std::sqrt(ve / bc2) + eps);
  }
}

}  // namespace cnnlab
