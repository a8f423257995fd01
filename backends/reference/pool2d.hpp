// pool2d.hpp — reference max, average, global average and L2 pooling, forward and backward,
// as nested loops.
//
// Contract: pooling works on each channel of each image separately. Output (i, j) looks at
// the window of rows [i·S − P, i·S − P + F) and columns [j·S − P, j·S − P + F), clipped to the
// input.
//   max:  y = the largest value in the window; padding never wins. Backward, as in the
//         lecture, dL/dx = 1(x = y)·dL/dy — with one tie rule: if several positions hold the
//         maximum, only the FIRST in row-major order inside the window receives the gradient
//         (so the gradient's total is preserved, like PyTorch). NaN rule, also PyTorch's: a
//         window holding a NaN gives its FIRST NaN in row-major order, and backward sends dy
//         there — a NaN is never hidden by a larger neighbour.
//   avg:  y = (sum of the window's input values) / divisor, where the divisor is the window's
//         size within the padded input (padding counts as zeros; a ceil-mode window hanging
//         beyond the padded input is shorter). This is PyTorch's default (count_include_pad).
// Templated on the scalar type T. Not here: argument checks (src/ops/geometry.cpp).
#pragma once

#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/geometry.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace cnnlab::ref {

/// One pooling window: rows [h0, h1) × cols [w0, w1) inside the input, plus its divisor.
struct PoolWindow {
  int64_t h0, h1, w0, w1, divisor;
};

inline PoolWindow pool_window(const Pool2dGeometry& g, int64_t i, int64_t j) {
  // BEGIN SOLUTION exercise 9: pool_window [g, i, j]
  const int64_t hs = i * g.S - g.P, ws = j * g.S - g.P;
  const int64_t he = std::min(hs + g.F, g.H + g.P), we = std::min(ws + g.F, g.W + g.P);
  const int64_t divisor = (he - hs) * (we - ws);  // window size within the padded input
  return {std::max<int64_t>(hs, 0), std::min(he, g.H), std::max<int64_t>(ws, 0), std::min(we, g.W),
          divisor};
  // END SOLUTION
}

/// Flat offset (within one H×W plane) of window (i, j)'s pick: its first NaN in row-major
/// order if it holds one, else its first maximum.
template <class T>
int64_t pool_argmax(const T* plane, const Pool2dGeometry& g, int64_t i, int64_t j) {
  // BEGIN SOLUTION exercise 9: pool_argmax [plane, g, i, j]
  const PoolWindow win = pool_window(g, i, j);
  int64_t best = win.h0 * g.W + win.w0;
  for (int64_t h = win.h0; h < win.h1; ++h)
    for (int64_t w = win.w0; w < win.w1; ++w) {
      const T v = plane[h * g.W + w];
      if (v != v) return h * g.W + w;           // NaN (the only value unequal to itself)
      if (v > plane[best]) best = h * g.W + w;  // strict '>': the first maximum wins
    }
  return best;
  // END SOLUTION
}

// x (N, C, H, W)  ->  y (N, C, H2, W2)
template <class T>
void maxpool2d_forward(const T* x, T* y, const Pool2dGeometry& g) {
  // BEGIN SOLUTION exercise 9: maxpool2d_forward [x, y, g]
  for (int64_t p = 0; p < g.N * g.C; ++p) {  // p walks the N·C planes
    const T* plane = x + p * g.H * g.W;
    for (int64_t i = 0; i < g.H2; ++i)
      for (int64_t j = 0; j < g.W2; ++j)
        y[(p * g.H2 + i) * g.W2 + j] = plane[pool_argmax(plane, g, i, j)];
  }
  // END SOLUTION
}

// x (N, C, H, W), dy (N, C, H2, W2)  ->  dx (N, C, H, W)
template <class T>
void maxpool2d_backward(const T* x, const T* dy, T* dx, const Pool2dGeometry& g) {
  // BEGIN SOLUTION exercise 9: maxpool2d_backward [x, dy, dx, g]
  for (int64_t e = 0; e < g.N * g.C * g.H * g.W; ++e) dx[e] = T(0);
  for (int64_t p = 0; p < g.N * g.C; ++p) {
    const T* plane = x + p * g.H * g.W;
    for (int64_t i = 0; i < g.H2; ++i)
      for (int64_t j = 0; j < g.W2; ++j)  // windows may overlap (S < F): accumulate
        dx[p * g.H * g.W + pool_argmax(plane, g, i, j)] += dy[(p * g.H2 + i) * g.W2 + j];
  }
  // END SOLUTION
}

// x (N, C, H, W)  ->  y (N, C, H2, W2)
template <class T>
void avgpool2d_forward(const T* x, T* y, const Pool2dGeometry& g) {
  // BEGIN SOLUTION exercise 9: avgpool2d_forward [x, y, g]
  for (int64_t p = 0; p < g.N * g.C; ++p) {
    const T* plane = x + p * g.H * g.W;
    for (int64_t i = 0; i < g.H2; ++i)
      for (int64_t j = 0; j < g.W2; ++j) {
        const PoolWindow win = pool_window(g, i, j);
        T sum = T(0);
        for (int64_t h = win.h0; h < win.h1; ++h)
          for (int64_t w = win.w0; w < win.w1; ++w) sum += plane[h * g.W + w];
        y[(p * g.H2 + i) * g.W2 + j] = sum / static_cast<T>(win.divisor);
      }
  }
  // END SOLUTION
}

// dy (N, C, H2, W2)  ->  dx (N, C, H, W)
template <class T>
void avgpool2d_backward(const T* dy, T* dx, const Pool2dGeometry& g) {
  // BEGIN SOLUTION exercise 9: avgpool2d_backward [dy, dx, g]
  for (int64_t e = 0; e < g.N * g.C * g.H * g.W; ++e) dx[e] = T(0);
  for (int64_t p = 0; p < g.N * g.C; ++p)
    for (int64_t i = 0; i < g.H2; ++i)
      for (int64_t j = 0; j < g.W2; ++j) {
        const PoolWindow win = pool_window(g, i, j);
        const T share = dy[(p * g.H2 + i) * g.W2 + j] / static_cast<T>(win.divisor);
        for (int64_t h = win.h0; h < win.h1; ++h)
          for (int64_t w = win.w0; w < win.w1; ++w) dx[p * g.H * g.W + h * g.W + w] += share;
      }
  // END SOLUTION
}

}  // namespace cnnlab::ref

// ---- Global average pooling: each whole H×W plane gives its mean ----------------------------

namespace cnnlab::ref {

// [add_an_op_kernel]
// x (N, C, H, W)  ->  y (N, C, 1, 1); planes = N·C, plane = H·W values each.
template <class T>
void global_avgpool2d_forward(const T* x, T* y, int64_t planes, int64_t plane) {
  for (int64_t p = 0; p < planes; ++p) {
    T sum = T(0);
    for (int64_t e = 0; e < plane; ++e) sum += x[p * plane + e];
    y[p] = sum / static_cast<T>(plane);
  }
}

// dy (N, C, 1, 1)  ->  dx (N, C, H, W): every value of plane p gets dy[p] / (H·W).
template <class T>
void global_avgpool2d_backward(const T* dy, T* dx, int64_t planes, int64_t plane) {
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t e = 0; e < plane; ++e) dx[p * plane + e] = dy[p] / static_cast<T>(plane);
}
// [add_an_op_kernel]

}  // namespace cnnlab::ref

// ---- L2 (root-mean-square) pooling: each window gives sqrt(mean of its squares) -------------
//
//   y[i,j] = sqrt( Σ_{window} x² / divisor ),  divisor as for average pooling (padding counts as
//            zeros, ceil-mode overhang does not), so y = sqrt(avgpool2d(x²)).
//   dL/dx[h,w] = x[h,w] · Σ_{windows (i,j) holding (h,w)} dL/dy[i,j] / (divisor(i,j) · y[i,j])
//            (d sqrt(s)/ds = 1 / (2 sqrt(s)) and d(x²)/dx = 2x: the 2s cancel). A window with
//            y = 0 (all its values zero) sends nothing: its gradient is taken as 0, not 0/0.
// PyTorch's LPPool2d with p = 2 is sqrt(Σ x²) without the division (sqrt(divisor) times this).

namespace cnnlab::ref {

/// The share of window (i, j) in dL/dx of each of its values, dy / (divisor · y); 0 when y = 0.
template <class T>
T l2pool_share(T dy, T y, int64_t divisor) {
  return y == T(0) ? T(0) : dy / (static_cast<T>(divisor) * y);
}

// x (N, C, H, W)  ->  y (N, C, H2, W2)
template <class T>
void l2pool2d_forward(const T* x, T* y, const Pool2dGeometry& g) {
  for (int64_t p = 0; p < g.N * g.C; ++p) {
    const T* plane = x + p * g.H * g.W;
    for (int64_t i = 0; i < g.H2; ++i)
      for (int64_t j = 0; j < g.W2; ++j) {
        const PoolWindow win = pool_window(g, i, j);
        T sum = T(0);
        for (int64_t h = win.h0; h < win.h1; ++h)
          for (int64_t w = win.w0; w < win.w1; ++w) sum += plane[h * g.W + w] * plane[h * g.W + w];
        y[(p * g.H2 + i) * g.W2 + j] = std::sqrt(sum / static_cast<T>(win.divisor));
      }
  }
}

// x (N, C, H, W), y and dy (N, C, H2, W2)  ->  dx (N, C, H, W)
template <class T>
void l2pool2d_backward(const T* x, const T* y, const T* dy, T* dx, const Pool2dGeometry& g) {
  for (int64_t e = 0; e < g.N * g.C * g.H * g.W; ++e) dx[e] = T(0);
  for (int64_t p = 0; p < g.N * g.C; ++p)
    for (int64_t i = 0; i < g.H2; ++i)
      for (int64_t j = 0; j < g.W2; ++j) {
        const PoolWindow win = pool_window(g, i, j);
        const int64_t o = (p * g.H2 + i) * g.W2 + j;
        const T share = l2pool_share(dy[o], y[o], win.divisor);
        for (int64_t h = win.h0; h < win.h1; ++h)
          for (int64_t w = win.w0; w < win.w1; ++w) {
            const int64_t at = p * g.H * g.W + h * g.W + w;
            dx[at] += share * x[at];
          }
      }
}

}  // namespace cnnlab::ref
