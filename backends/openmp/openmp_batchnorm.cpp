// openmp_batchnorm.cpp — batch normalisation on the OpenMP backend, forward and backward.
//
// Contract: the same results as backends/reference/batchnorm.hpp (to rounding), in as few
// passes over memory as the maths allows, since batch norm is memory-bound:
//   forward (train)  1 read of x for the statistics, 1 read of x + 1 write of y for the output
//   forward (eval)   1 read + 1 write
//   backward         1 read of x and dy for the two sums, 1 more read of both + 1 write of dx
// Each pass is split over the N·C planes (independent runs of S = H·W contiguous values), so a
// batch with few channels still uses every thread; each plane's sums are vectorised float SIMD
// reductions, and the per-plane partial results are combined per channel in double (N terms).
// The statistics pass uses shifted sums: with K_c = the channel's first value, d = x − K_c,
//   mean = K_c + Σd/M,  var = (Σd² − (Σd)²/M)/M,
// which is one pass yet free of the catastrophic cancellation of Σx² − Mμ² when |μ| ≫ σ
// (K_c is a sample of the channel, so |mean − K_c| is of the order of σ).
#include "backends/openmp/openmp_backend.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace cnnlab {

using omp::kParallelMin;

namespace {

/// Per channel: y = x·scale[c] + shift[c] over every plane (the affine pass of the forward).
void affine_planes(const float* x, float* y, const std::vector<float>& scale,
                   const std::vector<float>& shift, int64_t N, int64_t C, int64_t S) {
  const int64_t planes = N * C;
#pragma omp parallel for schedule(static) if (planes * S > kParallelMin)
  for (int64_t p = 0; p < planes; ++p) {
    const float a = scale[static_cast<size_t>(p % C)], b = shift[static_cast<size_t>(p % C)];
    const float* in = x + p * S;
    float* out = y + p * S;
#pragma omp simd
    for (int64_t s = 0; s < S; ++s) out[s] = in[s] * a + b;
  }
}

}  // namespace

void OpenMPBackend::batchnorm2d_forward_train(const Tensor& x, const Tensor& gamma,
                                              const Tensor& beta, const BatchNormParams& p,
                                              Tensor& y, Tensor& mean, Tensor& invstd,
                                              Tensor& running_mean, Tensor& running_var) {
  const int64_t N = x.dim(0), C = x.dim(1), S = x.dim(2) * x.dim(3), M = N * S, planes = N * C;
  const float* in = x.data();
  // 1. shifted sums per plane: Σd and Σd², d = x − K_c
  std::vector<double> s1(static_cast<size_t>(planes)), s2(static_cast<size_t>(planes));
#pragma omp parallel for schedule(static) if (planes * S > kParallelMin)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const float K = in[(pl % C) * S];  // x[0, c, 0]
    const float* v = in + pl * S;
    float a = 0.0f, b = 0.0f;
#pragma omp simd reduction(+ : a, b)
    for (int64_t s = 0; s < S; ++s) {
      const float d = v[s] - K;
      a += d;
      b += d * d;
    }
    s1[static_cast<size_t>(pl)] = a;
    s2[static_cast<size_t>(pl)] = b;
  }
  // 2. per channel: mean, invstd, running statistics, and the affine map of the output pass
  std::vector<float> scale(static_cast<size_t>(C)), shift(static_cast<size_t>(C));
  float* rm = running_mean.defined() ? running_mean.data() : nullptr;
  float* rv = running_var.defined() ? running_var.data() : nullptr;
  for (int64_t c = 0; c < C; ++c) {
    double a = 0, b = 0;
    for (int64_t n = 0; n < N; ++n) {
      a += s1[static_cast<size_t>(n * C + c)];
      b += s2[static_cast<size_t>(n * C + c)];
    }
    const double Md = static_cast<double>(M), K = in[c * S];
    const double sq = std::max(0.0, b - a * a / Md);  // Σ(x − μ)²
    const double mu = K + a / Md, var = sq / Md;
    const float m = static_cast<float>(mu);
    const float is = static_cast<float>(1.0 / std::sqrt(var + static_cast<double>(p.eps)));
    mean.data()[c] = m;
    invstd.data()[c] = is;
    const float g = gamma.data()[c] * is;
    scale[static_cast<size_t>(c)] = g;
    shift[static_cast<size_t>(c)] = beta.data()[c] - m * g;
    if (rm) {
      rm[c] = (1 - p.momentum) * rm[c] + p.momentum * m;
      rv[c] = (1 - p.momentum) * rv[c] + p.momentum * static_cast<float>(sq / (Md - 1));
    }
  }
  // 3. y = gamma·(x − mean)·invstd + beta = x·scale + shift
  affine_planes(in, y.data(), scale, shift, N, C, S);
}

void OpenMPBackend::batchnorm2d_forward_eval(const Tensor& x, const Tensor& gamma,
                                             const Tensor& beta, const Tensor& running_mean,
                                             const Tensor& running_var, const BatchNormParams& p,
                                             Tensor& y, Tensor& invstd) {
  const int64_t N = x.dim(0), C = x.dim(1), S = x.dim(2) * x.dim(3);
  std::vector<float> scale(static_cast<size_t>(C)), shift(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    const float is = static_cast<float>(
        1.0 / std::sqrt(static_cast<double>(running_var.data()[c]) + static_cast<double>(p.eps)));
    invstd.data()[c] = is;
    const float g = gamma.data()[c] * is;
    scale[static_cast<size_t>(c)] = g;
    shift[static_cast<size_t>(c)] = beta.data()[c] - running_mean.data()[c] * g;
  }
  affine_planes(x.data(), y.data(), scale, shift, N, C, S);
}

void OpenMPBackend::batchnorm2d_backward(const Tensor& x, const Tensor& dy, const Tensor& gamma,
                                         const Tensor& mean, const Tensor& invstd, bool batch_stats,
                                         Tensor& dx, Tensor& dgamma, Tensor& dbeta) {
  const int64_t N = x.dim(0), C = x.dim(1), S = x.dim(2) * x.dim(3), M = N * S, planes = N * C;
  const float *xv = x.data(), *g = dy.data(), *mu = mean.data(), *is = invstd.data();
  // 1. per plane: Σdy and Σdy·(x − mean)
  std::vector<double> s1(static_cast<size_t>(planes)), s2(static_cast<size_t>(planes));
#pragma omp parallel for schedule(static) if (planes * S > kParallelMin)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const float m = mu[pl % C];
    const float *xp = xv + pl * S, *gp = g + pl * S;
    float a = 0.0f, b = 0.0f;
#pragma omp simd reduction(+ : a, b)
    for (int64_t s = 0; s < S; ++s) {
      a += gp[s];
      b += gp[s] * (xp[s] - m);
    }
    s1[static_cast<size_t>(pl)] = a;
    s2[static_cast<size_t>(pl)] = b;
  }
  // 2. per channel: dbeta, dgamma, and dx = A·dy + B·(x − mean) + D
  std::vector<float> A(static_cast<size_t>(C)), B(static_cast<size_t>(C)),
      D(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    double a = 0, b = 0;
    for (int64_t n = 0; n < N; ++n) {
      a += s1[static_cast<size_t>(n * C + c)];
      b += s2[static_cast<size_t>(n * C + c)];
    }
    b *= static_cast<double>(is[c]);  // Σ dy·xhat
    dbeta.data()[c] = static_cast<float>(a);
    dgamma.data()[c] = static_cast<float>(b);
    const double k = static_cast<double>(gamma.data()[c]) * static_cast<double>(is[c]);
    const double Md = static_cast<double>(M);
    A[static_cast<size_t>(c)] = static_cast<float>(k);
    B[static_cast<size_t>(c)] =
        batch_stats ? static_cast<float>(-k * static_cast<double>(is[c]) * b / Md) : 0.0f;
    D[static_cast<size_t>(c)] = batch_stats ? static_cast<float>(-k * a / Md) : 0.0f;
  }
  float* out = dx.data();
#pragma omp parallel for schedule(static) if (planes * S > kParallelMin)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const size_t c = static_cast<size_t>(pl % C);
    const float a = A[c], b = B[c], d = D[c], m = mu[c];
    const float *xp = xv + pl * S, *gp = g + pl * S;
    float* o = out + pl * S;
#pragma omp simd
    for (int64_t s = 0; s < S; ++s) o[s] = a * gp[s] + b * (xp[s] - m) + d;
  }
}

}  // namespace cnnlab
