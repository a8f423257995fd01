// linear.hpp — reference fully connected layer and matrix multiply, forward and backward.
//
// Contract: the lecture's matrix backprop, with W of shape [D_in × D_out] so the formulas read
// exactly as on the slide:
//   forward   y  = x·W + b          x (N, D_in), W (D_in, D_out), b (D_out), y (N, D_out)
//   backward  dx = dy·Wᵀ            dW = xᵀ·dy            db = Σ_n dy[n, :]
// plus a general matrix multiply C = alpha·op(A)·op(B) + beta·C used by matmul.
// Templated on the scalar type T. Not here: blocking or SIMD (backends/openmp).
#pragma once

#include <cnnlab/core/error.hpp>

#include <cstdint>

namespace cnnlab::ref {

// x (N, Din), w (Din, Dout), b (Dout) or nullptr  ->  y (N, Dout)
template <class T>
void linear_forward(const T* x, const T* w, const T* b, T* y, int64_t N, int64_t Din,
                    int64_t Dout) {
  // BEGIN SOLUTION exercise 3: linear_forward [x, w, b, y, N, Din, Dout]
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < Dout; ++o) {
      T sum = b ? b[o] : T(0);
      for (int64_t i = 0; i < Din; ++i) sum += x[n * Din + i] * w[i * Dout + o];
      y[n * Dout + o] = sum;
    }
  // END SOLUTION
}

// dy (N, Dout), w (Din, Dout)  ->  dx (N, Din) = dy · Wᵀ
template <class T>
void linear_backward_data(const T* dy, const T* w, T* dx, int64_t N, int64_t Din, int64_t Dout) {
  // BEGIN SOLUTION exercise 3: linear_backward_data [dy, w, dx, N, Din, Dout]
  for (int64_t n = 0; n < N; ++n)
    for (int64_t i = 0; i < Din; ++i) {
      T sum = T(0);
      for (int64_t o = 0; o < Dout; ++o) sum += dy[n * Dout + o] * w[i * Dout + o];
      dx[n * Din + i] = sum;
    }
  // END SOLUTION
}

// x (N, Din), dy (N, Dout)  ->  dw (Din, Dout) = xᵀ · dy,  db (Dout) = column sums of dy
template <class T>
void linear_backward_weight(const T* x, const T* dy, T* dw, T* db, int64_t N, int64_t Din,
                            int64_t Dout) {
  // BEGIN SOLUTION exercise 3: linear_backward_weight [x, dy, dw, db, N, Din, Dout]
  for (int64_t i = 0; i < Din; ++i)
    for (int64_t o = 0; o < Dout; ++o) {
      T sum = T(0);
      for (int64_t n = 0; n < N; ++n) sum += x[n * Din + i] * dy[n * Dout + o];
      dw[i * Dout + o] = sum;
    }
  if (db)
    for (int64_t o = 0; o < Dout; ++o) {
      T sum = T(0);
      for (int64_t n = 0; n < N; ++n) sum += dy[n * Dout + o];
      db[o] = sum;
    }
  // END SOLUTION
}

// C (M, N) = alpha · op(A) · op(B) + beta · C, where op(A) is (M, Kd) and op(B) is (Kd, N).
// A is stored (M, Kd), or (Kd, M) when trans_a; B is stored (Kd, N), or (N, Kd) when trans_b.
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t Kd, T alpha, const T* a,
          const T* b, T beta, T* c) {
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      T sum = T(0);
      for (int64_t k = 0; k < Kd; ++k) {
        const T av = trans_a ? a[k * M + m] : a[m * Kd + k];
        const T bv = trans_b ? b[n * Kd + k] : b[k * N + n];
        sum += av * bv;
      }
      // beta == 0 means "overwrite": C's old contents are never read (they may be garbage).
      c[m * N + n] = alpha * sum + (beta == T(0) ? T(0) : beta * c[m * N + n]);
    }
}

}  // namespace cnnlab::ref
