// openmp_elementwise.cpp — activations, softmax, loss, add and SGD on the OpenMP backend.
//
// Contract: the same formulas as backends/reference (activations.hpp, softmax.hpp,
// elementwise.hpp); here each is one pass over memory with one OpenMP pragma on the outer
// loop (`parallel for simd` for flat arrays, `parallel for` over rows for softmax). Small
// tensors stay on one thread: starting threads costs more than the work.
#include "backends/openmp/openmp_backend.hpp"

#include <cmath>

namespace cnnlab {

namespace {
/// Below this many elements a loop runs on one thread.
constexpr int64_t kParallelMin = 1 << 15;
}  // namespace

void OpenMPBackend::relu_forward(const Tensor& x, Tensor& y) {
  const float* in = x.data();
  float* out = y.data();
  const int64_t n = x.numel();
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (int64_t e = 0; e < n; ++e) out[e] = in[e] <= 0.0f ? 0.0f : in[e];  // NaN stays NaN
}

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

// ---- softmax and loss: one row per iteration -----------------------------------------------
namespace {
/// y = softmax(row) for one row of D values (max subtracted first).
void softmax_row(const float* row, float* y, int64_t D) {
  float m = row[0];
  for (int64_t j = 1; j < D; ++j) m = std::fmax(m, row[j]);
  float total = 0.0f;
  for (int64_t j = 0; j < D; ++j) total += (y[j] = std::exp(row[j] - m));
  const float inv = 1.0f / total;
  for (int64_t j = 0; j < D; ++j) y[j] *= inv;
}
}  // namespace

void OpenMPBackend::softmax_forward(const Tensor& x, Tensor& y) {
  const int64_t N = x.dim(0), D = x.dim(1);
  const float* in = x.data();
  float* out = y.data();
#pragma omp parallel for schedule(static) if (N * D > kParallelMin)
  for (int64_t n = 0; n < N; ++n) softmax_row(in + n * D, out + n * D, D);
}

void OpenMPBackend::softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  const int64_t N = y.dim(0), D = y.dim(1);
  const float* s = y.data();
  const float* g = dy.data();
  float* out = dx.data();
#pragma omp parallel for schedule(static) if (N * D > kParallelMin)
  for (int64_t n = 0; n < N; ++n) {
    float dot = 0.0f;
    for (int64_t j = 0; j < D; ++j) dot += g[n * D + j] * s[n * D + j];
    for (int64_t j = 0; j < D; ++j) out[n * D + j] = s[n * D + j] * (g[n * D + j] - dot);
  }
}

void OpenMPBackend::softmax_cross_entropy_forward(const Tensor& logits, const Tensor& labels,
                                                  Tensor& loss) {
  const int64_t N = logits.dim(0), D = logits.dim(1);
  const float* x = logits.data();
  const float* t = labels.data();
  double sum = 0.0;  // accumulate the batch in double: N terms of similar size
#pragma omp parallel for reduction(+ : sum) schedule(static) if (N * D > kParallelMin)
  for (int64_t n = 0; n < N; ++n) {
    const float* row = x + n * D;
    float m = row[0];
    for (int64_t j = 1; j < D; ++j) m = std::fmax(m, row[j]);
    float total = 0.0f;
    for (int64_t j = 0; j < D; ++j) total += std::exp(row[j] - m);
    sum += static_cast<double>(m + std::log(total) - row[static_cast<int64_t>(t[n])]);
  }
  loss.data()[0] = static_cast<float>(sum / static_cast<double>(N));
}

void OpenMPBackend::softmax_cross_entropy_backward(const Tensor& logits, const Tensor& labels,
                                                   float dloss, Tensor& dlogits) {
  const int64_t N = logits.dim(0), D = logits.dim(1);
  const float* x = logits.data();
  const float* t = labels.data();
  float* out = dlogits.data();
  const float scale = dloss / static_cast<float>(N);
#pragma omp parallel for schedule(static) if (N * D > kParallelMin)
  for (int64_t n = 0; n < N; ++n) {
    softmax_row(x + n * D, out + n * D, D);
    for (int64_t j = 0; j < D; ++j) out[n * D + j] *= scale;
    out[n * D + static_cast<int64_t>(t[n])] -= scale;  // minus the one-hot label
  }
}

// ---- add and SGD ---------------------------------------------------------------------------
void OpenMPBackend::add_forward(const Tensor& a, const Tensor& b, Tensor& y) {
  const float* pa = a.data();
  const float* pb = b.data();
  float* out = y.data();
  const int64_t n = a.numel();
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (int64_t e = 0; e < n; ++e) out[e] = pa[e] + pb[e];
}

void OpenMPBackend::sgd_update(Tensor& param, const Tensor& grad, Tensor& velocity,
                               const SgdParams& p) {
  float* w = param.data();
  const float* g = grad.data();
  float* v = velocity.data();
  const int64_t n = param.numel();
  const float lr = p.lr, mom = p.momentum, wd = p.weight_decay;
#pragma omp parallel for simd schedule(static) if (n > kParallelMin)
  for (int64_t e = 0; e < n; ++e) {
    v[e] = mom * v[e] + (g[e] + wd * w[e]);
    w[e] -= lr * v[e];
  }
}

}  // namespace cnnlab
