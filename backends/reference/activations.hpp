// activations.hpp — reference elementwise activations, each backward next to its forward.
//
// Contract: n elements in, n out; any shape. The backward rules:
//   ReLU      y = max(0, x)            dx = dy · 1(x > 0)      (derivative at 0 taken as 0)
//             with NaN kept, as in PyTorch: y = (x <= 0) ? 0 : x and dx = (x <= 0) ? 0 : dy,
//             so relu(NaN) = NaN and a NaN x lets dy through (a diverging net shows its NaNs)
//   sigmoid   y = 1 / (1 + e^−x)       dx = dy · y · (1 − y)   (from the output y)
//   tanh      y = tanh(x)              dx = dy · (1 − y²)      (from the output y)
// Sigmoid is evaluated in a form that never overflows: for x < 0 it uses e^x / (1 + e^x).
#pragma once

#include <cnnlab/core/error.hpp>

#include <cmath>
#include <cstdint>

namespace cnnlab::ref {

// [relu_forward] (docs/backends.md shows the lines between these markers)
template <class T>
void relu_forward(const T* x, T* y, int64_t n) {
  // BEGIN SOLUTION exercise 4: relu_forward [x, y, n]
  for (int64_t e = 0; e < n; ++e) y[e] = x[e] <= T(0) ? T(0) : x[e];  // NaN <= 0 is false
  // END SOLUTION
}
// [relu_forward]
template <class T>
void relu_backward(const T* x, const T* dy, T* dx, int64_t n) {
  // BEGIN SOLUTION exercise 4: relu_backward [x, dy, dx, n]
  for (int64_t e = 0; e < n; ++e) dx[e] = x[e] <= T(0) ? T(0) : dy[e];
  // END SOLUTION
}

template <class T>
void sigmoid_forward(const T* x, T* y, int64_t n) {
  // BEGIN SOLUTION exercise 4: sigmoid_forward [x, y, n]
  for (int64_t e = 0; e < n; ++e) {
    if (x[e] >= T(0)) {
      y[e] = T(1) / (T(1) + std::exp(-x[e]));
    } else {
      const T z = std::exp(x[e]);  // e^x < 1: no overflow
      y[e] = z / (T(1) + z);
    }
  }
  // END SOLUTION
}
template <class T>
void sigmoid_backward(const T* y, const T* dy, T* dx, int64_t n) {
  // BEGIN SOLUTION exercise 4: sigmoid_backward [y, dy, dx, n]
  for (int64_t e = 0; e < n; ++e) dx[e] = dy[e] * y[e] * (T(1) - y[e]);
  // END SOLUTION
}

template <class T>
void tanh_forward(const T* x, T* y, int64_t n) {
  for (int64_t e = 0; e < n; ++e) y[e] = std::tanh(x[e]);
}
template <class T>
void tanh_backward(const T* y, const T* dy, T* dx, int64_t n) {
  for (int64_t e = 0; e < n; ++e) dx[e] = dy[e] * (T(1) - y[e] * y[e]);
}

}  // namespace cnnlab::ref
