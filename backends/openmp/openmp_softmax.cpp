// openmp_softmax.cpp — softmax and softmax cross-entropy on the OpenMP backend.
//
// Contract: the same formulas as backends/reference/softmax.hpp, on rows of a [N, D] matrix:
// one row per iteration of one `parallel for` over the N rows (max subtracted first, so large
// logits are safe). Small matrices stay on one thread (omp::kParallelMin).
#include "backends/openmp/openmp_backend.hpp"

#include <cmath>

namespace cnnlab {

using omp::kParallelMin;

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

}  // namespace cnnlab
