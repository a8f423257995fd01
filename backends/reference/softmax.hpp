// softmax.hpp — reference row-wise softmax and softmax-cross-entropy loss.
//
// Contract: inputs are N rows of D scores.
//   softmax   y[n,j] = e^(x[n,j] − m) / Σ_k e^(x[n,k] − m), with m = max_k x[n,k], so large
//             logits never overflow.  Backward: dx[n,j] = y[n,j] · (dy[n,j] − Σ_k dy[n,k] y[n,k]).
//   softmax cross-entropy with integer labels t[n]:
//             L = (1/N) Σ_n ( m_n + log Σ_k e^(x[n,k] − m_n) − x[n, t[n]] )
//             dL/dx[n,j] = dloss · (softmax(x)[n,j] − 1(j = t[n])) / N
// Labels arrive as floats holding integers; src/ops/ops.cpp has already checked they are in range.
#pragma once

#include <cnnlab/core/error.hpp>

#include <cmath>
#include <cstdint>

namespace cnnlab::ref {

// x (N, D)  ->  y (N, D)
template <class T>
void softmax_forward(const T* x, T* y, int64_t N, int64_t D) {
  // BEGIN SOLUTION exercise 5: softmax_forward [x, y, N, D]
  for (int64_t n = 0; n < N; ++n) {
    const T* row = x + n * D;
    T m = row[0];
    for (int64_t j = 1; j < D; ++j) m = row[j] > m ? row[j] : m;
    T total = T(0);
    for (int64_t j = 0; j < D; ++j) total += (y[n * D + j] = std::exp(row[j] - m));
    for (int64_t j = 0; j < D; ++j) y[n * D + j] /= total;
  }
  // END SOLUTION
}

// y (N, D) = softmax output, dy (N, D)  ->  dx (N, D)
template <class T>
void softmax_backward(const T* y, const T* dy, T* dx, int64_t N, int64_t D) {
  // BEGIN SOLUTION exercise 5: softmax_backward [y, dy, dx, N, D]
  for (int64_t n = 0; n < N; ++n) {
    T dot = T(0);
    for (int64_t j = 0; j < D; ++j) dot += dy[n * D + j] * y[n * D + j];
    for (int64_t j = 0; j < D; ++j) dx[n * D + j] = y[n * D + j] * (dy[n * D + j] - dot);
  }
  // END SOLUTION
}

/// log Σ_k e^(row[k]) computed stably as m + log Σ_k e^(row[k] − m).
template <class T>
T log_sum_exp(const T* row, int64_t D) {
  // BEGIN SOLUTION exercise 5: log_sum_exp [row, D]
  T m = row[0];
  for (int64_t j = 1; j < D; ++j) m = row[j] > m ? row[j] : m;
  T total = T(0);
  for (int64_t j = 0; j < D; ++j) total += std::exp(row[j] - m);
  return m + std::log(total);
  // END SOLUTION
}

// logits (N, D), labels (N)  ->  mean loss (a single value)
// The sum over the batch is kept in double: N row losses that each fit in a float (up to about
// 3.4e38) may add up to more, while their mean still fits.
template <class T>
T softmax_cross_entropy_forward(const T* logits, const float* labels, int64_t N, int64_t D) {
  // BEGIN SOLUTION exercise 5: softmax_cross_entropy_forward [logits, labels, N, D]
  double sum = 0.0;
  for (int64_t n = 0; n < N; ++n) {
    const auto t = static_cast<int64_t>(labels[n]);
    sum += static_cast<double>(log_sum_exp(logits + n * D, D) - logits[n * D + t]);
  }
  return static_cast<T>(sum / static_cast<double>(N));
  // END SOLUTION
}

// logits (N, D), labels (N), dloss  ->  dx = dL/dlogits (N, D)
template <class T>
void softmax_cross_entropy_backward(const T* logits, const float* labels, T dloss, T* dx, int64_t N,
                                    int64_t D) {
  // BEGIN SOLUTION exercise 5: softmax_cross_entropy_backward [logits, labels, dloss, dx, N, D]
  softmax_forward(logits, dx, N, D);
  const T scale = dloss / static_cast<T>(N);
  for (int64_t n = 0; n < N; ++n) {
    const auto t = static_cast<int64_t>(labels[n]);
    for (int64_t j = 0; j < D; ++j)
      dx[n * D + j] = scale * (dx[n * D + j] - (j == t ? T(1) : T(0)));
  }
  // END SOLUTION
}

}  // namespace cnnlab::ref
