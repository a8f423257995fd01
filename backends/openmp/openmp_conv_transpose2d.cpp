// openmp_conv_transpose2d.cpp — transposed convolution on the OpenMP backend, by the convolution
// passes of openmp_conv2d.cpp.
//
// Contract: the same function as backends/reference/conv_transpose2d.hpp (the scatter), computed
// without a loop of its own over the taps: a transposed convolution is the adjoint of the
// convolution g.as_conv() (input y-shaped [N,K,H2,W2], output x-shaped [N,C,H,W], the same
// weights read as C filters of K/G channels), so
//   forward          y  = conv2d_backward_data(dy := x, w)   + b[k] on every pixel of channel k
//   backward_data    dx = conv2d_forward(x := dy, w)         (no bias)
//   backward_weight  dw = conv2d_backward_weight(x := dy, dy := x), db[k] = Σ_{n,h,w} dy[n,k,h,w]
// and each pass takes whatever fast path (packed GEMM, direct tiles, threads) the convolution
// pass chooses for that geometry. Only the bias and its gradient are written here: memory-bound
// loops, parallel over the N·K planes (forward) or the K channels (db), vectorised inside.
#include "backends/openmp/openmp_backend.hpp"

#include <cstdint>

namespace cnnlab {

void OpenMPBackend::conv_transpose2d_forward(const Tensor& x, const Tensor& w, const Tensor& b,
                                             Tensor& y, const ConvTranspose2dGeometry& g) {
  conv2d_backward_data(x, w, y, g.as_conv());  // the scatter, as the convolution's adjoint
  if (!b.defined()) return;
  const float* bias = b.data();
  float* out = y.data();
  const int64_t planes = g.N * g.K, plane = g.H2 * g.W2;
#pragma omp parallel for schedule(static) if (planes * plane > (1 << 15))
  for (int64_t p = 0; p < planes; ++p) {
    const float bk = bias[p % g.K];
    float* row = out + p * plane;
#pragma omp simd
    for (int64_t e = 0; e < plane; ++e) row[e] += bk;
  }
}

void OpenMPBackend::conv_transpose2d_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx,
                                                   const ConvTranspose2dGeometry& g) {
  conv2d_forward(dy, w, Tensor(), dx, g.as_conv());  // each x pixel gathers its window of dy
}

void OpenMPBackend::conv_transpose2d_backward_weight(const Tensor& x, const Tensor& dy, Tensor& dw,
                                                     Tensor& db, const ConvTranspose2dGeometry& g) {
  Tensor no_db;  // the convolution's own db would sum x, not dy
  conv2d_backward_weight(dy, x, dw, no_db, g.as_conv());
  if (!db.defined()) return;
  const float* grad = dy.data();
  float* out = db.data();
  const int64_t plane = g.H2 * g.W2;
#pragma omp parallel for schedule(static) if (g.N * g.K * plane > (1 << 15))
  for (int64_t k = 0; k < g.K; ++k) {
    float sum = 0.0f;
    for (int64_t n = 0; n < g.N; ++n) {
      const float* row = grad + (n * g.K + k) * plane;
#pragma omp simd reduction(+ : sum)
      for (int64_t e = 0; e < plane; ++e) sum += row[e];
    }
    out[k] = sum;
  }
}

}  // namespace cnnlab
