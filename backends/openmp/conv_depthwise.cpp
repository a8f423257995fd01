// conv_depthwise.cpp — the depthwise convolution of conv_depthwise.hpp: buffers, loops, threads.
//
// Layout of an input plane as the forward pass and the weight gradient read it (build_plane):
// rows r = h + P (zero rows above and below), each row split into its S column phases with a
// left margin of M = ⌈P/S⌉ + 1 slots:
//     xb[(r·S + b)·Wq + M + q] = x[h][q·S + b]          (0 everywhere else)
// Output (i, j), tap (u, v) reads row r = i·S + u·D and column j·S − P + v·D, i.e. phase
// b = (v·D − P) mod S, slot M + j + ⌊(v·D − P)/S⌋: for fixed (u, v) a run over j is contiguous.
// Rows of outputs are computed W2 rounded up to 16 wide (the kernels take whole vectors): the
// extra outputs read zeros or finite slack and are never stored, and dy rows are copied with
// zeros past W2 so that they add nothing to the weight gradient.
#include "backends/openmp/conv_depthwise.hpp"

#include "backends/openmp/conv_common.hpp"
#include "backends/openmp/conv_depthwise_kernels.hpp"
#include "backends/openmp/gemm.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace cnnlab::omp_conv {

namespace {

using PlaneFn = void (*)(int64_t, const float*, const int64_t*, const float*, float, int64_t,
                         int64_t, int64_t, float*, int64_t);
using DotsFn = void (*)(int64_t, const float*, const int64_t*, int64_t, int64_t, const float*,
                        int64_t, int64_t, float*);

/// The inner loops in the instruction set of the convolution tiles (omp::conv_tiles_isa), else
/// in plain C++.
PlaneFn plane_kernel() {
#if defined(__x86_64__)
  if (omp::sgemm_avx512_active()) return omp::detail::dw_plane_avx512;
  if (omp::sgemm_avx2_active()) return omp::detail::dw_plane_avx2;
#endif
  return omp::detail::dw_plane_portable;
}
DotsFn dots_kernel() {
#if defined(__x86_64__)
  if (omp::sgemm_avx512_active()) return omp::detail::dw_dots_avx512;
  if (omp::sgemm_avx2_active()) return omp::detail::dw_dots_avx2;
#endif
  return omp::detail::dw_dots_portable;
}

int64_t round16(int64_t n) { return (n + 15) / 16 * 16; }
/// ⌊a / b⌋ for b > 0 and any sign of a.
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/// The padded, phase-split plane of the file comment, for one input plane of the forward pass
/// (and the weight gradient).
struct PlaneLayout {
  int64_t S, M, Hb, Wq;
  std::vector<int64_t> off;  ///< per tap (u, v): its first float for output (0, 0)
  explicit PlaneLayout(const Conv2dGeometry& g) : S(g.S) {
    M = (g.P + g.S - 1) / g.S + 1;
    Hb = (g.H2 - 1) * g.S + (g.FH - 1) * g.D + 1;  // rows the outputs reach
    const int64_t reach = M + round16(g.W2) + ((g.FW - 1) * g.D) / g.S + 1;
    Wq = std::max(reach, M + (g.W + g.S - 1) / g.S);
    for (int64_t u = 0; u < g.FH; ++u)
      for (int64_t v = 0; v < g.FW; ++v) {
        const int64_t e = v * g.D - g.P, b = e - floor_div(e, S) * S;
        off.push_back((u * g.D * S + b) * Wq + M + floor_div(e, S));
      }
  }
  int64_t floats() const { return Hb * S * Wq; }
  int64_t row_step() const { return S * S * Wq; }  ///< floats from output row i to i + 1
};

/// Copies plane x (H × W) into xb laid out as `L` says (zeros elsewhere).
void build_plane(const float* x, const Conv2dGeometry& g, const PlaneLayout& L, float* xb) {
  std::memset(xb, 0, static_cast<size_t>(L.floats()) * sizeof(float));
  for (int64_t h = 0; h < g.H; ++h) {
    const int64_t r = h + g.P;
    if (r >= L.Hb) break;
    if (g.S == 1) {
      copy_short(xb + r * L.Wq + L.M, x + h * g.W, g.W);
      continue;
    }
    for (int64_t b = 0; b < g.S; ++b) {
      float* dst = xb + (r * g.S + b) * L.Wq + L.M;
      const float* src = x + h * g.W + b;
      for (int64_t q = 0; q * g.S + b < g.W; ++q) dst[q] = src[q * g.S];
    }
  }
}

thread_local std::vector<float> t_plane, t_out;
thread_local std::vector<int64_t> t_off;
thread_local std::vector<float> t_wts;

float* grown(std::vector<float>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
  return v.data();
}

}  // namespace

bool depthwise_suits(const Conv2dGeometry& g) {
  return g.G > 1 && g.channels_per_group() == 1 && g.filters_per_group() < 16;
}

void depthwise_forward(const float* x, const float* w, const float* bias, float* y,
                       const Conv2dGeometry& g) {
  const int64_t Kg = g.filters_per_group(), ff = g.FH * g.FW, hw = g.H * g.W;
  const int64_t hw2 = g.H2 * g.W2, planes = g.N * g.C;
  const PlaneLayout L(g);
  const PlaneFn plane = plane_kernel();
#pragma omp parallel for schedule(dynamic) if (planes > 1 && planes * Kg * hw2 * ff > (1 << 16))
  for (int64_t pl = 0; pl < planes; ++pl) {
    const int64_t n = pl / g.C, c = pl % g.C;
    float* xb = grown(t_plane, L.floats());
    build_plane(x + pl * hw, g, L, xb);
    for (int64_t kk = 0; kk < Kg; ++kk) {
      const int64_t k = c * Kg + kk;
      plane(ff, xb, L.off.data(), w + k * ff, bias ? bias[k] : 0.0f, g.H2, L.row_step(), g.W2,
            y + (n * g.K + k) * hw2, g.W2);
    }
  }
}

void depthwise_backward_data(const float* dy, const float* w, float* dx, const Conv2dGeometry& g) {
  const int64_t Kg = g.filters_per_group(), ff = g.FH * g.FW, hw = g.H * g.W;
  const int64_t hw2 = g.H2 * g.W2, planes = g.N * g.C, S = g.S, P = g.P, D = g.D;
  // dx row h = rh + S·t (rh < S), column x' = a + S·q (a < S): tap (k, u, v) reaches it from
  // dy row i = (rh + P − u·D)/S + t and column j = q + (a + P − v·D)/S when both divisions are
  // exact — so for each (rh, a) the taps are fixed and the rows t are one dw_plane call. dy
  // planes are copied with Tm zero rows above, Ld zero columns to the left (i, j may be negative)
  // and zeros below and to the right.
  const int64_t Tm = ((g.FH - 1) * D) / S + 1, Ld = ((g.FW - 1) * D) / S + 1;
  const int64_t tmax = (g.H + S - 1) / S, qmax = (g.W + S - 1) / S;
  const int64_t Hd = Tm + std::max(g.H2, (S - 1 + P) / S + tmax) + 1;
  const int64_t Wd = std::max(Ld + g.W2, Ld + round16(qmax) + (S - 1 + P) / S + 1);
  const PlaneFn plane = plane_kernel();
#pragma omp parallel for schedule(dynamic) if (planes > 1 && planes * Kg * hw2 * ff > (1 << 16))
  for (int64_t pl = 0; pl < planes; ++pl) {
    const int64_t n = pl / g.C, c = pl % g.C;
    float* dyb = grown(t_plane, Kg * Hd * Wd);
    float* out = grown(t_out, S > 1 ? tmax * qmax : 0);
    t_off.resize(static_cast<size_t>(Kg * ff));
    t_wts.resize(static_cast<size_t>(Kg * ff));
    std::memset(dyb, 0, static_cast<size_t>(Kg * Hd * Wd) * sizeof(float));
    for (int64_t kk = 0; kk < Kg; ++kk)
      for (int64_t i = 0; i < g.H2; ++i)
        copy_short(dyb + (kk * Hd + Tm + i) * Wd + Ld,
                   dy + ((n * g.K + c * Kg + kk) * g.H2 + i) * g.W2, g.W2);
    float* dxp = dx + pl * hw;
    for (int64_t rh = 0; rh < std::min(S, g.H); ++rh)
      for (int64_t a = 0; a < std::min(S, g.W); ++a) {
        int64_t nt = 0;
        for (int64_t kk = 0; kk < Kg; ++kk)
          for (int64_t u = 0; u < g.FH; ++u) {
            const int64_t num = rh + P - u * D;
            if (num - floor_div(num, S) * S != 0) continue;
            for (int64_t v = 0; v < g.FW; ++v) {
              const int64_t e = a + P - v * D;
              if (e - floor_div(e, S) * S != 0) continue;
              t_off[static_cast<size_t>(nt)] = (kk * Hd + Tm + num / S) * Wd + Ld + e / S;
              t_wts[static_cast<size_t>(nt)] = w[((c * Kg + kk) * g.FH + u) * g.FW + v];
              ++nt;
            }
          }
        const int64_t rows = (g.H - rh + S - 1) / S, cols = (g.W - a + S - 1) / S;
        if (S == 1) {  // rh = a = 0: straight into dx
          plane(nt, dyb, t_off.data(), t_wts.data(), 0.0f, rows, Wd, cols, dxp, g.W);
          continue;
        }
        plane(nt, dyb, t_off.data(), t_wts.data(), 0.0f, rows, Wd, cols, out, cols);
        for (int64_t t = 0; t < rows; ++t)
          for (int64_t q = 0; q < cols; ++q)
            dxp[(rh + S * t) * g.W + a + S * q] = out[t * cols + q];
      }
  }
}

void depthwise_backward_weight(const float* x, const float* dy, float* dw,
                               const Conv2dGeometry& g) {
  const int64_t Kg = g.filters_per_group(), ff = g.FH * g.FW, hw = g.H * g.W;
  const int64_t hw2 = g.H2 * g.W2;
  const PlaneLayout L(g);
  const DotsFn dots = dots_kernel();
#pragma omp parallel for schedule(dynamic) if (g.C > 1 && g.N * g.K * hw2 * ff > (1 << 16))
  for (int64_t c = 0; c < g.C; ++c) {
    float* xb = grown(t_plane, L.floats());
    std::vector<float> lanes(static_cast<size_t>(Kg * ff * 16), 0.0f);
    for (int64_t n = 0; n < g.N; ++n) {
      build_plane(x + (n * g.C + c) * hw, g, L, xb);
      for (int64_t kk = 0; kk < Kg; ++kk)
        dots(ff, xb, L.off.data(), g.H2, L.row_step(), dy + (n * g.K + c * Kg + kk) * hw2, g.W2,
             g.W2, lanes.data() + kk * ff * 16);
    }
    // The 16 lanes of each weight, added in a fixed order.
    for (int64_t t = 0; t < Kg * ff; ++t) {
      float s = 0.0f;
      for (int l = 0; l < 16; ++l) s += lanes[static_cast<size_t>(t * 16 + l)];
      dw[c * Kg * ff + t] = s;
    }
  }
}

}  // namespace cnnlab::omp_conv
