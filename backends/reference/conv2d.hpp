// conv2d.hpp — reference 2-D convolution, forward and backward, as nested loops.
//
// Contract: the lecture's formula, written once and templated on the scalar type T (float for
// the reference backend, double for the gradient checker). Convolution here means
// cross-correlation, as in PyTorch and the lecture's "slide the filter, take dot products":
//
//   y[n,k,i,j] = b[k] + Σ_c Σ_u Σ_v  w[k,c,u,v] · x[n, g·Cg + c, i·S − P + u·D, j·S − P + v·D]
//
// where g = k / Kg is the group of filter k, Cg = C/G channels and Kg = K/G filters per group,
// and input positions outside [0,H)×[0,W) are the zero padding. The backward passes are the
// same loops with the roles swapped: each product w·x sends dy·w back to x and dy·x to w.
// Not here: speed (see backends/openmp), argument checks (src/ops/ops.cpp, src/ops/geometry.cpp).
#pragma once

#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/geometry.hpp>

#include <cstdint>

namespace cnnlab::ref {

/// Position of tap u of output row i in the (unpadded) input, or -1 if it falls in padding.
inline int64_t conv_input_index(int64_t i, int64_t u, int64_t S, int64_t P, int64_t D,
                                int64_t size) {
  const int64_t pos = i * S - P + u * D;
  return (pos >= 0 && pos < size) ? pos : -1;
}

// x (N, C, H, W), w (K, C/G, FH, FW), b (K) or nullptr  ->  y (N, K, H2, W2)
template <class T>
void conv2d_forward(const T* x, const T* w, const T* b, T* y, const Conv2dGeometry& g) {
  // BEGIN SOLUTION exercise 7: conv2d_forward [x, w, b, y, g]
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group();
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t k = 0; k < g.K; ++k) {
      const int64_t c0 = (k / Kg) * Cg;  // first input channel of filter k's group
      for (int64_t i = 0; i < g.H2; ++i)
        for (int64_t j = 0; j < g.W2; ++j) {
          T sum = b ? b[k] : T(0);
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t u = 0; u < g.FH; ++u) {
              const int64_t h = conv_input_index(i, u, g.S, g.P, g.D, g.H);
              if (h < 0) continue;
              for (int64_t v = 0; v < g.FW; ++v) {
                const int64_t ww = conv_input_index(j, v, g.S, g.P, g.D, g.W);
                if (ww < 0) continue;
                sum += w[((k * Cg + c) * g.FH + u) * g.FW + v] *
                       x[((n * g.C + c0 + c) * g.H + h) * g.W + ww];
              }
            }
          y[((n * g.K + k) * g.H2 + i) * g.W2 + j] = sum;
        }
    }
  // END SOLUTION
}

// dy (N, K, H2, W2), w (K, C/G, FH, FW)  ->  dx (N, C, H, W)
// dL/dx[n,c,h,w] = Σ over every (k,i,j,u,v) whose tap lands on (h,w) of dy[n,k,i,j]·w[k,c,u,v].
template <class T>
void conv2d_backward_data(const T* dy, const T* w, T* dx, const Conv2dGeometry& g) {
  // BEGIN SOLUTION exercise 8: conv2d_backward_data [dy, w, dx, g]
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group();
  for (int64_t e = 0; e < g.N * g.C * g.H * g.W; ++e) dx[e] = T(0);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t k = 0; k < g.K; ++k) {
      const int64_t c0 = (k / Kg) * Cg;
      for (int64_t i = 0; i < g.H2; ++i)
        for (int64_t j = 0; j < g.W2; ++j) {
          const T d = dy[((n * g.K + k) * g.H2 + i) * g.W2 + j];
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t u = 0; u < g.FH; ++u) {
              const int64_t h = conv_input_index(i, u, g.S, g.P, g.D, g.H);
              if (h < 0) continue;
              for (int64_t v = 0; v < g.FW; ++v) {
                const int64_t ww = conv_input_index(j, v, g.S, g.P, g.D, g.W);
                if (ww < 0) continue;
                dx[((n * g.C + c0 + c) * g.H + h) * g.W + ww] +=
                    d * w[((k * Cg + c) * g.FH + u) * g.FW + v];
              }
            }
        }
    }
  // END SOLUTION
}

// x (N, C, H, W), dy (N, K, H2, W2)  ->  dw (K, C/G, FH, FW), db (K) or nullptr
// dL/dw[k,c,u,v] = Σ_n Σ_i Σ_j dy[n,k,i,j] · x[n, c0+c, i·S−P+u·D, j·S−P+v·D];  dL/db[k] = Σ
// dy[n,k,·,·]
template <class T>
void conv2d_backward_weight(const T* x, const T* dy, T* dw, T* db, const Conv2dGeometry& g) {
  // BEGIN SOLUTION exercise 8: conv2d_backward_weight [x, dy, dw, db, g]
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group();
  for (int64_t k = 0; k < g.K; ++k) {
    const int64_t c0 = (k / Kg) * Cg;
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t u = 0; u < g.FH; ++u)
        for (int64_t v = 0; v < g.FW; ++v) {
          T sum = T(0);
          for (int64_t n = 0; n < g.N; ++n)
            for (int64_t i = 0; i < g.H2; ++i) {
              const int64_t h = conv_input_index(i, u, g.S, g.P, g.D, g.H);
              if (h < 0) continue;
              for (int64_t j = 0; j < g.W2; ++j) {
                const int64_t ww = conv_input_index(j, v, g.S, g.P, g.D, g.W);
                if (ww < 0) continue;
                sum += dy[((n * g.K + k) * g.H2 + i) * g.W2 + j] *
                       x[((n * g.C + c0 + c) * g.H + h) * g.W + ww];
              }
            }
          dw[((k * Cg + c) * g.FH + u) * g.FW + v] = sum;
        }
    if (db) {
      T sum = T(0);
      for (int64_t n = 0; n < g.N; ++n)
        for (int64_t e = 0; e < g.H2 * g.W2; ++e) sum += dy[(n * g.K + k) * g.H2 * g.W2 + e];
      db[k] = sum;
    }
  }
  // END SOLUTION
}

}  // namespace cnnlab::ref
