// elementwise.hpp — reference elementwise add and the SGD update.
//
// Contract:
//   add   y = a + b;  backward: da = dy, db = dy (done in src/ops/ops.cpp, nothing to compute)
//   sgd   g = grad + wd·param;  v = momentum·v + g;  param = param − lr·v   (in place;
//         PyTorch's SGD rule, so a student can compare step by step)
#pragma once

#include <cstdint>

namespace cnnlab::ref {

template <class T>
void add_forward(const T* a, const T* b, T* y, int64_t n) {
  for (int64_t e = 0; e < n; ++e) y[e] = a[e] + b[e];
}

template <class T>
void sgd_update(T* param, const T* grad, T* velocity, int64_t n, T lr, T momentum, T wd) {
  for (int64_t e = 0; e < n; ++e) {
    const T g = grad[e] + wd * param[e];
    velocity[e] = momentum * velocity[e] + g;
    param[e] -= lr * velocity[e];
  }
}

}  // namespace cnnlab::ref
