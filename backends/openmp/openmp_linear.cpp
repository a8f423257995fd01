// openmp_linear.cpp — the fully connected layer and the matrix multiply on the OpenMP backend.
//
// Contract: three calls of the packed sgemm (gemm.cpp), the slide's matrix formulas:
//   y = x·W (+ b)      dx = dy·Wᵀ      dW = xᵀ·dy      db = column sums of dy
// with x [N, D_in], W [D_in, D_out], y [N, D_out].
#include "backends/openmp/openmp_backend.hpp"

#include "backends/openmp/gemm.hpp"

#include <algorithm>

namespace cnnlab {

// ---- fully connected layer: y[N, Dout] = x[N, Din] · W[Din, Dout] + b ----------------------
void OpenMPBackend::linear_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y) {
  const int64_t N = x.dim(0), Din = x.dim(1), Dout = w.dim(1);
  float* out = y.data();
  if (b.defined()) {  // start from the bias in every row, then accumulate x·W (beta = 1)
    const float* bias = b.data();
    for (int64_t n = 0; n < N; ++n) std::copy(bias, bias + Dout, out + n * Dout);
  }
  omp::sgemm(false, false, N, Dout, Din, 1.0f, x.data(), Din, w.data(), Dout,
             b.defined() ? 1.0f : 0.0f, out, Dout);
}

void OpenMPBackend::linear_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx) {
  const int64_t N = dy.dim(0), Din = w.dim(0), Dout = w.dim(1);
  omp::sgemm(false, true, N, Din, Dout, 1.0f, dy.data(), Dout, w.data(), Dout, 0.0f, dx.data(),
             Din);  // dx = dy · Wᵀ
}

void OpenMPBackend::linear_backward_weight(const Tensor& x, const Tensor& dy, Tensor& dw,
                                           Tensor& db) {
  const int64_t N = x.dim(0), Din = x.dim(1), Dout = dy.dim(1);
  omp::sgemm(true, false, Din, Dout, N, 1.0f, x.data(), Din, dy.data(), Dout, 0.0f, dw.data(),
             Dout);  // dW = xᵀ · dy
  if (db.defined()) {
    float* out = db.data();
    const float* g = dy.data();
    std::fill(out, out + Dout, 0.0f);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t o = 0; o < Dout; ++o) out[o] += g[n * Dout + o];
  }
}

void OpenMPBackend::gemm(bool trans_a, bool trans_b, float alpha, const Tensor& a, const Tensor& b,
                         float beta, Tensor& c) {
  const int64_t M = c.dim(0), N = c.dim(1), K = trans_a ? a.dim(0) : a.dim(1);
  omp::sgemm(trans_a, trans_b, M, N, K, alpha, a.data(), a.dim(1), b.data(), b.dim(1), beta,
             c.data(), N);
}

}  // namespace cnnlab
