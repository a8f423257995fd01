// openmp_conv2d.cpp — convolution on the OpenMP backend: im2col + packed SGEMM, all 3 passes.
//
// Contract: the same function as backends/reference/conv2d.hpp, rewritten as matrix products.
// For one image n and one group (Cg = C/G input channels, Kg = K/G filters):
//
//   im2col:   col[(c·FH + u)·FW + v][i·W2 + j] = x[n, c, i·S − P + u·D, j·S − P + v·D]  (0 in padding)
//             a (Cg·FH·FW) × (H2·W2) matrix: column (i, j) is the input patch under output (i, j)
//   forward:  y_n        = W · col            (Kg × CgFF)·(CgFF × H2W2)   + b
//   data:     dcol       = Wᵀ · dy_n          then col2im adds dcol back into dx (the transpose of im2col)
//   weight:   dW        += dy_n · colᵀ        (Kg × H2W2)·(H2W2 × CgFF), summed over the batch
//
// A 1×1 filter with stride 1 and no padding needs no im2col: x_n itself is the column matrix.
// Threads: with at least two images per thread, images are spread over the threads (each
// with its own col buffer, and for dW its own accumulator, summed at the end); otherwise the
// images run one after another and sgemm uses the threads inside each product.
#include "backends/openmp/openmp_backend.hpp"

#include "backends/openmp/gemm.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace cnnlab {

namespace {

/// Output columns j whose tap v lands inside the input: j in [lo, hi).
struct ValidRange {
  int64_t lo, hi;
};
ValidRange valid_outputs(int64_t tap, int64_t S, int64_t P, int64_t D, int64_t in, int64_t out) {
  // need 0 <= j·S − P + tap·D < in
  const int64_t off = tap * D - P;
  int64_t lo = off >= 0 ? 0 : (-off + S - 1) / S;
  int64_t hi = in - off <= 0 ? 0 : (in - off - 1) / S + 1;
  lo = std::min(lo, out);
  hi = std::clamp(hi, lo, out);
  return {lo, hi};
}

/// x_g (Cg, H, W) → col (Cg·FH·FW, H2·W2).
void im2col(const float* x, float* col, int64_t Cg, const Conv2dGeometry& g) {
  const int64_t hw2 = g.H2 * g.W2;
  for (int64_t c = 0; c < Cg; ++c)
    for (int64_t u = 0; u < g.FH; ++u)
      for (int64_t v = 0; v < g.FW; ++v) {
        float* row = col + ((c * g.FH + u) * g.FW + v) * hw2;
        const ValidRange js = valid_outputs(v, g.S, g.P, g.D, g.W, g.W2);
        for (int64_t i = 0; i < g.H2; ++i) {
          float* out = row + i * g.W2;
          const int64_t h = i * g.S - g.P + u * g.D;
          if (h < 0 || h >= g.H) {
            std::fill(out, out + g.W2, 0.0f);
            continue;
          }
          const float* in = x + (c * g.H + h) * g.W;
          const int64_t shift = v * g.D - g.P;  // input column of output column 0
          std::fill(out, out + js.lo, 0.0f);
          for (int64_t j = js.lo; j < js.hi; ++j) out[j] = in[j * g.S + shift];
          std::fill(out + js.hi, out + g.W2, 0.0f);
        }
      }
}

/// col2im: dx_g (Cg, H, W) += dcol scattered back (the adjoint of im2col).
void col2im_add(const float* col, float* dx, int64_t Cg, const Conv2dGeometry& g) {
  const int64_t hw2 = g.H2 * g.W2;
  for (int64_t c = 0; c < Cg; ++c)
    for (int64_t u = 0; u < g.FH; ++u)
      for (int64_t v = 0; v < g.FW; ++v) {
        const float* row = col + ((c * g.FH + u) * g.FW + v) * hw2;
        const ValidRange js = valid_outputs(v, g.S, g.P, g.D, g.W, g.W2);
        for (int64_t i = 0; i < g.H2; ++i) {
          const int64_t h = i * g.S - g.P + u * g.D;
          if (h < 0 || h >= g.H) continue;
          float* out = dx + (c * g.H + h) * g.W;
          const int64_t shift = v * g.D - g.P;
          const float* in = row + i * g.W2;
          for (int64_t j = js.lo; j < js.hi; ++j) out[j * g.S + shift] += in[j];
        }
      }
}

bool is_pointwise(const Conv2dGeometry& g) {
  return g.FH == 1 && g.FW == 1 && g.S == 1 && g.P == 0;
}

/// Spread images over threads when each thread gets at least two of them.
bool batch_parallel(const Conv2dGeometry& g) { return g.N >= 2 * omp_get_max_threads(); }

}  // namespace

void OpenMPBackend::conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y,
                                   const Conv2dGeometry& g) {
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group();
  const int64_t cff = Cg * g.FH * g.FW, hw = g.H * g.W, hw2 = g.H2 * g.W2;
  const float* xp = x.data();
  const float* wp = w.data();
  const float* bp = b.defined() ? b.data() : nullptr;
  float* yp = y.data();
  const bool pointwise = is_pointwise(g);

#pragma omp parallel if (batch_parallel(g))
  {
    std::vector<float> col(pointwise ? 0 : static_cast<size_t>(cff * hw2));
#pragma omp for schedule(static)
    for (int64_t n = 0; n < g.N; ++n)
      for (int64_t grp = 0; grp < g.G; ++grp) {
        const float* xg = xp + (n * g.C + grp * Cg) * hw;
        float* yg = yp + (n * g.K + grp * Kg) * hw2;
        const float* cols = xg;
        if (!pointwise) {
          im2col(xg, col.data(), Cg, g);
          cols = col.data();
        }
        if (bp)  // start every output plane at its bias, then accumulate W·col (beta = 1)
          for (int64_t k = 0; k < Kg; ++k) std::fill(yg + k * hw2, yg + (k + 1) * hw2, bp[grp * Kg + k]);
        omp::sgemm(false, false, Kg, hw2, cff, 1.0f, wp + grp * Kg * cff, cff, cols, hw2,
                   bp ? 1.0f : 0.0f, yg, hw2);
      }
  }
}

void OpenMPBackend::conv2d_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx,
                                         const Conv2dGeometry& g) {
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group();
  const int64_t cff = Cg * g.FH * g.FW, hw = g.H * g.W, hw2 = g.H2 * g.W2;
  const float* dyp = dy.data();
  const float* wp = w.data();
  float* dxp = dx.data();
  const bool pointwise = is_pointwise(g);

#pragma omp parallel if (batch_parallel(g))
  {
    std::vector<float> dcol(pointwise ? 0 : static_cast<size_t>(cff * hw2));
#pragma omp for schedule(static)
    for (int64_t n = 0; n < g.N; ++n)
      for (int64_t grp = 0; grp < g.G; ++grp) {
        const float* dyg = dyp + (n * g.K + grp * Kg) * hw2;
        float* dxg = dxp + (n * g.C + grp * Cg) * hw;
        if (pointwise) {  // dx_g = Wᵀ·dy_g directly
          omp::sgemm(true, false, cff, hw2, Kg, 1.0f, wp + grp * Kg * cff, cff, dyg, hw2, 0.0f,
                     dxg, hw2);
          continue;
        }
        omp::sgemm(true, false, cff, hw2, Kg, 1.0f, wp + grp * Kg * cff, cff, dyg, hw2, 0.0f,
                   dcol.data(), hw2);
        std::fill(dxg, dxg + Cg * hw, 0.0f);
        col2im_add(dcol.data(), dxg, Cg, g);
      }
  }
}

void OpenMPBackend::conv2d_backward_weight(const Tensor& x, const Tensor& dy, Tensor& dw,
                                           Tensor& db, const Conv2dGeometry& g) {
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group();
  const int64_t cff = Cg * g.FH * g.FW, hw = g.H * g.W, hw2 = g.H2 * g.W2;
  const float* xp = x.data();
  const float* dyp = dy.data();
  float* dwp = dw.data();
  const int64_t wsize = g.K * cff;
  const bool pointwise = is_pointwise(g);
  const bool by_image = batch_parallel(g);
  std::fill(dwp, dwp + wsize, 0.0f);

  // In batch-parallel mode each thread sums its images' dW into its own slice of `partial`;
  // the slices are added in thread order afterwards, so the result is the same on every run.
  const int threads = by_image ? omp_get_max_threads() : 1;
  std::vector<float> partial(by_image ? static_cast<size_t>(threads * wsize) : 0, 0.0f);

#pragma omp parallel num_threads(threads) if (by_image)
  {
    std::vector<float> col(pointwise ? 0 : static_cast<size_t>(cff * hw2));
    float* acc = by_image ? partial.data() + omp_get_thread_num() * wsize : dwp;
#pragma omp for schedule(static)
    for (int64_t n = 0; n < g.N; ++n)
      for (int64_t grp = 0; grp < g.G; ++grp) {
        const float* xg = xp + (n * g.C + grp * Cg) * hw;
        const float* dyg = dyp + (n * g.K + grp * Kg) * hw2;
        const float* cols = xg;
        if (!pointwise) {
          im2col(xg, col.data(), Cg, g);
          cols = col.data();
        }
        omp::sgemm(false, true, Kg, cff, hw2, 1.0f, dyg, hw2, cols, hw2, 1.0f,
                   acc + grp * Kg * cff, cff);  // dW_g += dy_g · colᵀ
      }
  }
  for (int t = 0; t < (by_image ? threads : 0); ++t)
    for (int64_t e = 0; e < wsize; ++e) dwp[e] += partial[static_cast<size_t>(t * wsize + e)];

  if (db.defined()) {
    float* dbp = db.data();
#pragma omp parallel for schedule(static) if (g.N * g.K * hw2 > (1 << 16))
    for (int64_t k = 0; k < g.K; ++k) {
      double sum = 0.0;
      for (int64_t n = 0; n < g.N; ++n) {
        const float* plane = dyp + (n * g.K + k) * hw2;
        float s = 0.0f;
        for (int64_t e = 0; e < hw2; ++e) s += plane[e];
        sum += s;
      }
      dbp[k] = static_cast<float>(sum);
    }
  }
}

}  // namespace cnnlab
