// elementwise.hpp — reference elementwise add and the SGD and Adam updates.
//
// Contract:
//   copy_channels  dst[n, dst_c0 + c, :, :] = src[n, src_c0 + c, :, :] for c < channels: one
//         block of channels between [N, C_src, H, W] and [N, C_dst, H, W] (concat's forward
//         puts each piece in place; its backward takes each piece's block of dy back out)
//   add   y = a + b;  backward: da = dy, db = dy (done in src/ops/ops.cpp, nothing to compute)
//   sgd   g = grad + wd·param;  v = momentum·v + g;
//         param = param − lr·(nesterov ? g + momentum·v : v)   (in place)
//   adam  Adam: g = grad + wd·param;  AdamW (decoupled): param *= 1 − lr·wd, g = grad; then
//         m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;
//         param −= lr · (m / bc1) / (sqrt(v / bc2) + eps)   (in place; bc1 = 1 − β1^t and
//         bc2 = 1 − β2^t are the bias corrections of step t, computed once by the caller)
// Both updates are PyTorch's rules (torch.optim.SGD with dampening 0, torch.optim.Adam and
// AdamW), so a student can compare step by step.
#pragma once

#include <cnnlab/core/error.hpp>

#include <cmath>
#include <cstdint>

namespace cnnlab::ref {

template <class T>
void add_forward(const T* a, const T* b, T* y, int64_t n) {
  for (int64_t e = 0; e < n; ++e) y[e] = a[e] + b[e];
}

// src [N, src_channels, plane] -> dst [N, dst_channels, plane], plane = H·W: per image n, the
// channels·plane contiguous values from channel src_c0 of src land at channel dst_c0 of dst.
template <class T>
void copy_channels(const T* src, int64_t src_channels, int64_t src_c0, T* dst, int64_t dst_channels,
                   int64_t dst_c0, int64_t channels, int64_t batch, int64_t plane) {
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t e = 0; e < plane; ++e)
        dst[((n * dst_channels) + dst_c0 + c) * plane + e] =
            src[((n * src_channels) + src_c0 + c) * plane + e];
}

template <class T>
void sgd_update(T* param, const T* grad, T* velocity, int64_t n, T lr, T momentum, T wd,
                bool nesterov) {
  // BEGIN SOLUTION exercise 10: sgd_update [param, grad, velocity, n, lr, momentum, wd, nesterov]
  for (int64_t e = 0; e < n; ++e) {
    const T g = grad[e] + wd * param[e];
    velocity[e] = momentum * velocity[e] + g;
    const T step = nesterov ? g + momentum * velocity[e] : velocity[e];
    param[e] -= lr * step;
  }
  // END SOLUTION
}

template <class T>
void adam_update(T* param, const T* grad, T* m, T* v, int64_t n, T lr, T beta1, T beta2, T eps,
                 T wd, bool decoupled, T bc1, T bc2) {
  for (int64_t e = 0; e < n; ++e) {
    T g = grad[e];
    if (decoupled)
      param[e] *= T(1) - lr * wd;  // AdamW: decay the weight itself
    else
      g += wd * param[e];  // Adam: L2 penalty added to the gradient
    m[e] = beta1 * m[e] + (T(1) - beta1) * g;
    v[e] = beta2 * v[e] + (T(1) - beta2) * g * g;
    const T m_hat = m[e] / bc1, v_hat = v[e] / bc2;
    param[e] -= lr * m_hat / (std::sqrt(v_hat) + eps);
  }
}

}  // namespace cnnlab::ref
