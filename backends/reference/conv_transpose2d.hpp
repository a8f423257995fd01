// conv_transpose2d.hpp — reference 2-D transposed convolution ("learnable upsampling"), forward
// and backward, as nested loops.
//
// Contract: the lecture's picture, written once and templated on the scalar type T (float for
// the reference backend, double for the gradient checker). Each input pixel x[n,c,i,j] stamps
// a copy of its filter, scaled by its value, into the output, at a position that moves S
// pixels for every pixel of the input; where stamps overlap they add up:
//
//   y[n, k, i·S − P + u·D, j·S − P + v·D] += x[n,c,i,j] · w[c, k − g·Kg, u, v]   (+ b[k] once)
//
// for every tap (u, v), g = c / Cg the group of input channel c, Cg = C/G input channels and
// Kg = K/G output channels per group; positions outside [0,H2)×[0,W2) are cropped away (that
// is what the padding P does here). w is [C, K/G, FH, FW], PyTorch's layout.
// The backward passes read the same index map the other way round: dx gathers what each x
// pixel sent out (which is a plain convolution of dy with w), dw pairs each x pixel with the
// dy it touched.
// Not here: speed (the OpenMP and Vulkan backends run the convolution passes instead, see
// backend_ops.inc), argument checks (src/ops/ops.cpp, src/ops/geometry.cpp).
#pragma once

#include <cnnlab/ops/geometry.hpp>

#include <cstdint>

namespace cnnlab::ref {

/// Where tap u of input row i lands in the output (size @p size), or -1 if it is cropped.
inline int64_t conv_transpose_output_index(int64_t i, int64_t u, int64_t S, int64_t P, int64_t D,
                                           int64_t size) {
  const int64_t pos = i * S - P + u * D;
  return (pos >= 0 && pos < size) ? pos : -1;
}

// x (N, C, H, W), w (C, K/G, FH, FW), b (K) or nullptr  ->  y (N, K, H2, W2): the scatter.
template <class T>
void conv_transpose2d_forward(const T* x, const T* w, const T* b, T* y,
                              const ConvTranspose2dGeometry& g) {
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group();
  const int64_t plane = g.H2 * g.W2;
  for (int64_t n = 0; n < g.N; ++n)  // y starts as the bias (or 0)
    for (int64_t k = 0; k < g.K; ++k)
      for (int64_t e = 0; e < plane; ++e) y[(n * g.K + k) * plane + e] = b ? b[k] : T(0);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t c = 0; c < g.C; ++c) {
      const int64_t k0 = (c / Cg) * Kg;  // first output channel of c's group
      for (int64_t i = 0; i < g.H; ++i)
        for (int64_t j = 0; j < g.W; ++j) {
          const T value = x[((n * g.C + c) * g.H + i) * g.W + j];
          for (int64_t k = 0; k < Kg; ++k)
            for (int64_t u = 0; u < g.FH; ++u) {
              const int64_t h = conv_transpose_output_index(i, u, g.S, g.P, g.D, g.H2);
              if (h < 0) continue;
              for (int64_t v = 0; v < g.FW; ++v) {
                const int64_t ww = conv_transpose_output_index(j, v, g.S, g.P, g.D, g.W2);
                if (ww < 0) continue;
                y[((n * g.K + k0 + k) * g.H2 + h) * g.W2 + ww] +=
                    value * w[((c * Kg + k) * g.FH + u) * g.FW + v];
              }
            }
        }
    }
}

// dy (N, K, H2, W2), w (C, K/G, FH, FW)  ->  dx (N, C, H, W)
// dL/dx[n,c,i,j] = Σ over the (k,u,v) that x[n,c,i,j] reached of dy[n,k,h,w]·w[c,k,u,v]: each
// input pixel collects from the same window it scattered into.
template <class T>
void conv_transpose2d_backward_data(const T* dy, const T* w, T* dx,
                                    const ConvTranspose2dGeometry& g) {
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group();
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t c = 0; c < g.C; ++c) {
      const int64_t k0 = (c / Cg) * Kg;
      for (int64_t i = 0; i < g.H; ++i)
        for (int64_t j = 0; j < g.W; ++j) {
          T sum = T(0);
          for (int64_t k = 0; k < Kg; ++k)
            for (int64_t u = 0; u < g.FH; ++u) {
              const int64_t h = conv_transpose_output_index(i, u, g.S, g.P, g.D, g.H2);
              if (h < 0) continue;
              for (int64_t v = 0; v < g.FW; ++v) {
                const int64_t ww = conv_transpose_output_index(j, v, g.S, g.P, g.D, g.W2);
                if (ww < 0) continue;
                sum += dy[((n * g.K + k0 + k) * g.H2 + h) * g.W2 + ww] *
                       w[((c * Kg + k) * g.FH + u) * g.FW + v];
              }
            }
          dx[((n * g.C + c) * g.H + i) * g.W + j] = sum;
        }
    }
}

// x (N, C, H, W), dy (N, K, H2, W2)  ->  dw (C, K/G, FH, FW), db (K) or nullptr
// dL/dw[c,k,u,v] = Σ_n Σ_i Σ_j x[n,c,i,j] · dy[n, k0+k, i·S−P+u·D, j·S−P+v·D];
// dL/db[k] = Σ dy[n,k,·,·] (the bias was added once to every output pixel).
template <class T>
void conv_transpose2d_backward_weight(const T* x, const T* dy, T* dw, T* db,
                                      const ConvTranspose2dGeometry& g) {
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group();
  for (int64_t c = 0; c < g.C; ++c) {
    const int64_t k0 = (c / Cg) * Kg;
    for (int64_t k = 0; k < Kg; ++k)
      for (int64_t u = 0; u < g.FH; ++u)
        for (int64_t v = 0; v < g.FW; ++v) {
          T sum = T(0);
          for (int64_t n = 0; n < g.N; ++n)
            for (int64_t i = 0; i < g.H; ++i) {
              const int64_t h = conv_transpose_output_index(i, u, g.S, g.P, g.D, g.H2);
              if (h < 0) continue;
              for (int64_t j = 0; j < g.W; ++j) {
                const int64_t ww = conv_transpose_output_index(j, v, g.S, g.P, g.D, g.W2);
                if (ww < 0) continue;
                sum += x[((n * g.C + c) * g.H + i) * g.W + j] *
                       dy[((n * g.K + k0 + k) * g.H2 + h) * g.W2 + ww];
              }
            }
          dw[((c * Kg + k) * g.FH + u) * g.FW + v] = sum;
        }
  }
  if (db)
    for (int64_t k = 0; k < g.K; ++k) {
      T sum = T(0);
      for (int64_t n = 0; n < g.N; ++n)
        for (int64_t e = 0; e < g.H2 * g.W2; ++e) sum += dy[(n * g.K + k) * g.H2 * g.W2 + e];
      db[k] = sum;
    }
}

}  // namespace cnnlab::ref
