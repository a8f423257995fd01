// batchnorm.hpp — reference kernels of batch normalisation (BatchNorm2d), forward and backward.
//
// Contract: plain loops over raw pointers, templated on the scalar T (float for the reference
// backend, double for the gradient check). x, y, dy, dx are [N, C, H, W] with S = H·W pixels per
// plane; every per-channel array (gamma, beta, mean, invstd, running_*) is [C]. Channel c's
// values are x[n, c, s] for n < N, s < S: M = N·S of them, in N runs of S contiguous values.
// Sums are accumulated in double whatever T is, so the float reference is the accurate answer
// the other backends are compared against. No argument checks (the ops API makes them).
//
// The maths (per channel; xhat_i = (x_i − μ)·σ⁻¹ with σ⁻¹ = invstd = 1/sqrt(var + eps)):
//
//   forward (train)  μ = (1/M) Σ x_i,  var = (1/M) Σ (x_i − μ)²  (biased),  y_i = γ·xhat_i + β
//   forward (eval)   μ, var = the running statistics;                        y_i = γ·xhat_i + β
//
// Backward in evaluation mode: μ and σ are constants, so y is affine in x and
//   dβ = Σ dy_i,  dγ = Σ dy_i·xhat_i,  dx_i = γ·σ⁻¹·dy_i.
//
// Backward in training mode: μ and σ depend on every x_j of the channel. With g_i = γ·dy_i the
// gradient with respect to xhat (dL/dxhat_i = g_i), the chain rule through xhat_i = (x_i − μ)σ⁻¹:
//   ∂xhat_i/∂x_j = σ⁻¹·(δ_ij − 1/M) − (x_i − μ)·σ⁻²·∂σ/∂x_j,   ∂σ/∂x_j = (x_j − μ)/(M·σ)
//   (the Σ(x_i − μ) = 0 term of ∂var/∂x_j drops), so ∂xhat_i/∂x_j = σ⁻¹·(δ_ij − 1/M −
//   xhat_i·xhat_j/M). dx_j = Σ_i g_i ∂xhat_i/∂x_j = σ⁻¹·(g_j − (1/M)Σ_i g_i − xhat_j·(1/M)Σ_i
//   g_i·xhat_i)
//        = γ·σ⁻¹·(dy_j − mean(dy) − xhat_j·mean(dy·xhat))
//        = γ·σ⁻¹·(dy_j − dβ/M − xhat_j·dγ/M).
// So the backward needs only the saved μ and σ⁻¹ (recomputing xhat from x), two per-channel
// sums (dβ, dγ) and one elementwise pass: the whole of batch norm is memory-bound.
#pragma once

#include <cmath>
#include <cstdint>

namespace cnnlab::ref {

/// Training-mode forward: batch statistics into mean[C] and invstd[C], then y. When running_mean
/// is not null, running_mean and running_var[C] move towards the batch's mean and UNBIASED
/// variance by @p momentum (PyTorch's rule; M >= 2 then, the ops API checks it).
template <class T>
void batchnorm2d_forward_train(const T* x, const T* gamma, const T* beta, T* y, T* mean, T* invstd,
                               T* running_mean, T* running_var, int64_t N, int64_t C, int64_t S,
                               T eps, T momentum) {
  const int64_t M = N * S;
  for (int64_t c = 0; c < C; ++c) {
    double sum = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) sum += static_cast<double>(x[(n * C + c) * S + s]);
    const double mu = sum / static_cast<double>(M);
    double sq = 0;  // Σ (x − μ)²: two passes, no cancellation of Σx² − Mμ²
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const double d = static_cast<double>(x[(n * C + c) * S + s]) - mu;
        sq += d * d;
      }
    const double var = sq / static_cast<double>(M);
    const T m = static_cast<T>(mu);
    const T is = static_cast<T>(1.0 / std::sqrt(var + static_cast<double>(eps)));
    mean[c] = m;
    invstd[c] = is;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const int64_t i = (n * C + c) * S + s;
        y[i] = gamma[c] * ((x[i] - m) * is) + beta[c];
      }
    if (running_mean) {
      const double unbiased = sq / static_cast<double>(M - 1);
      running_mean[c] = static_cast<T>((1 - momentum) * running_mean[c] + momentum * m);
      running_var[c] =
          static_cast<T>((1 - momentum) * running_var[c] + momentum * static_cast<T>(unbiased));
    }
  }
}

/// Evaluation-mode forward with the running statistics: invstd[C] = 1/sqrt(running_var + eps).
template <class T>
void batchnorm2d_forward_eval(const T* x, const T* gamma, const T* beta, const T* running_mean,
                              const T* running_var, T* y, T* invstd, int64_t N, int64_t C,
                              int64_t S, T eps) {
  for (int64_t c = 0; c < C; ++c) {
    const T is = static_cast<T>(
        1.0 / std::sqrt(static_cast<double>(running_var[c]) + static_cast<double>(eps)));
    invstd[c] = is;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const int64_t i = (n * C + c) * S + s;
        y[i] = gamma[c] * ((x[i] - running_mean[c]) * is) + beta[c];
      }
  }
}

/// Backward (see the derivation above): dbeta = Σ dy, dgamma = Σ dy·xhat (both overwritten),
/// dx = γσ⁻¹(dy − dβ/M − xhat·dγ/M) with batch statistics, γσ⁻¹·dy with fixed ones.
template <class T>
void batchnorm2d_backward(const T* x, const T* dy, const T* gamma, const T* mean, const T* invstd,
                          bool batch_stats, T* dx, T* dgamma, T* dbeta, int64_t N, int64_t C,
                          int64_t S) {
  const int64_t M = N * S;
  for (int64_t c = 0; c < C; ++c) {
    double sdy = 0, sdyx = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const int64_t i = (n * C + c) * S + s;
        const double g = static_cast<double>(dy[i]);
        sdy += g;
        sdyx += g * (static_cast<double>(x[i]) - static_cast<double>(mean[c]));
      }
    sdyx *= static_cast<double>(invstd[c]);  // Σ dy·xhat
    dbeta[c] = static_cast<T>(sdy);
    dgamma[c] = static_cast<T>(sdyx);
    const T k = gamma[c] * invstd[c];
    const T a = batch_stats ? static_cast<T>(sdy / static_cast<double>(M)) : T(0);
    const T b = batch_stats ? static_cast<T>(sdyx / static_cast<double>(M)) : T(0);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t s = 0; s < S; ++s) {
        const int64_t i = (n * C + c) * S + s;
        const T xhat = (x[i] - mean[c]) * invstd[c];
        dx[i] = k * (dy[i] - a - xhat * b);
      }
  }
}

}  // namespace cnnlab::ref
