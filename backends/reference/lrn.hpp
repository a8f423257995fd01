// lrn.hpp — reference local response normalisation across channels (AlexNet's NORM), forward
// and backward, as nested loops.
//
// Contract (cnnlab/ops/lrn_geometry.hpp has the settings and PyTorch's convention): at every
// pixel (n, h, w), with a = alpha / size and the channel window win(c) = [c − before,
// c + after] ∩ [0, C) (before = ⌊size/2⌋, after = ⌊(size−1)/2⌋),
//
//     d[c] = k + a · Σ_{c' ∈ win(c)} x[c']²,        y[c] = x[c] · d[c]^(−β).
//
// Backward. y[c] depends on x[j] directly when c = j, and through d[c] whenever j ∈ win(c):
//
//     ∂y[c]/∂x[j] = δ(c,j) · d[c]^(−β)  +  x[c] · (−β) d[c]^(−β−1) · ∂d[c]/∂x[j],
//     ∂d[c]/∂x[j] = 2a · x[j]   if j ∈ win(c), else 0.
//
// So dL/dx[j] = Σ_c dL/dy[c] · ∂y[c]/∂x[j]
//
//     dx[j] = dy[j] · d[j]^(−β)  −  2aβ · x[j] · Σ_{c : j ∈ win(c)} dy[c] · x[c] · d[c]^(−β−1),
//
// and j ∈ win(c) ⇔ c − before ≤ j ≤ c + after ⇔ c ∈ [j − after, j + before]: the backward
// window is the forward one mirrored (they differ when size is even). Every value is written.
// Templated on the scalar type T (float for the reference backend, double for the gradient
// check). Not here: argument checks (lrn_geometry()).
#pragma once

#include <cnnlab/ops/lrn_geometry.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace cnnlab::ref {

/// d = k + (alpha/size) · Σ x² over the channel window of channel @p c, at the pixel whose
/// channel-0 value is x[0] (channels are g.H·g.W apart).
template <class T>
T lrn_denominator(const T* x, const LrnGeometry& g, int64_t c) {
  const int64_t plane = g.H * g.W;
  T sum = T(0);
  for (int64_t q = std::max<int64_t>(c - g.before, 0); q <= std::min(c + g.after, g.C - 1); ++q)
    sum += x[q * plane] * x[q * plane];
  return static_cast<T>(g.k) + static_cast<T>(g.alpha) / static_cast<T>(g.size) * sum;
}

// x (N, C, H, W)  ->  y (N, C, H, W)
template <class T>
void lrn_forward(const T* x, T* y, const LrnGeometry& g) {
  const int64_t plane = g.H * g.W;
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t e = 0; e < plane; ++e) {
        const int64_t at = (n * g.C + c) * plane + e;
        const T d = lrn_denominator(x + n * g.C * plane + e, g, c);
        y[at] = x[at] * std::pow(d, -static_cast<T>(g.beta));
      }
}

// x and dy (N, C, H, W)  ->  dx (N, C, H, W), by the formula above.
template <class T>
void lrn_backward(const T* x, const T* dy, T* dx, const LrnGeometry& g) {
  const int64_t plane = g.H * g.W, total = g.N * g.C * plane;
  const T beta = static_cast<T>(g.beta), a = static_cast<T>(g.alpha) / static_cast<T>(g.size);
  // d[c] of every element, then t[c] = dy[c] · x[c] · d[c]^(−β−1), the term each c sends back.
  std::vector<T> d(static_cast<size_t>(total)), t(static_cast<size_t>(total));
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t e = 0; e < plane; ++e) {
        const int64_t at = (n * g.C + c) * plane + e;
        d[at] = lrn_denominator(x + n * g.C * plane + e, g, c);
        t[at] = dy[at] * x[at] * std::pow(d[at], -beta - T(1));
      }
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t j = 0; j < g.C; ++j)
      for (int64_t e = 0; e < plane; ++e) {
        const int64_t at = (n * g.C + j) * plane + e;
        T sum = T(0);  // over the channels c whose window holds j: c ∈ [j − after, j + before]
        for (int64_t c = std::max<int64_t>(j - g.after, 0); c <= std::min(j + g.before, g.C - 1);
             ++c)
          sum += t[(n * g.C + c) * plane + e];
        dx[at] = dy[at] * std::pow(d[at], -beta) - T(2) * a * beta * x[at] * sum;
      }
}

}  // namespace cnnlab::ref
