// openmp_lrn.cpp — local response normalisation across channels on the OpenMP backend.
//
// Contract: the same function as the reference (backends/reference/lrn.hpp, which derives the
// backward formula): at every pixel, d[c] = k + (alpha/size)·Σ_{win(c)} x², y = x·d^(−β);
// dx[j] = dy[j]·d[j]^(−β) − 2(alpha/size)β·x[j]·Σ_{c ∈ [j−after, j+before]} dy[c]x[c]d[c]^(−β−1).
// How: LRN is memory-bound, so each value is read once per pass. The work is cut into tasks of
// (image n, a run of kTile pixels); a task walks the channels c = 0, 1, ..., C−1 keeping, for
// its kTile pixels, a running sum of the window's squares (add the channel entering the window,
// subtract the one leaving) instead of re-adding size values per output. The running sums are
// kept in double, so adding and subtracting large squares cannot leave an error that a later
// small window would feel. Every inner loop runs over the kTile contiguous pixels of one channel
// and vectorises. d^(−β) for AlexNet's β = 0.75 is 1/(√d·√√d) (vectorised square roots); other
// β use std::pow. Backward keeps d^(−β) and dy·x·d^(−β−1) of a task's [C, kTile] block in
// per-thread scratch, then runs the mirrored window's running sum over the latter.
#include "backends/openmp/openmp_backend.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace cnnlab {

namespace {

/// Pixels per task: a [C, kTile] block of each tensor a task touches stays in L2 for C ≲ 500.
constexpr int64_t kTile = 128;

/// d^(−β) for AlexNet's β = 0.75, in square roots (which vectorise).
struct PowThreeQuarters {
  float operator()(float d) const { return 1.0f / (std::sqrt(d) * std::sqrt(std::sqrt(d))); }
};
/// d^(−β) for any other β.
struct PowAny {
  float beta;
  float operator()(float d) const { return std::pow(d, -beta); }
};
/// Calls f(pw) with the d^(−β) function for @p beta, chosen once, outside the loops.
template <class F>
void with_pow(double beta, F f) {
  if (beta == 0.75)
    f(PowThreeQuarters{});
  else
    f(PowAny{static_cast<float>(beta)});
}

/// Runs body(n, e0, e1) for every task: image n, pixels [e0, e1) of its H·W, over the threads.
template <class Body>
void for_each_task(const LrnGeometry& g, Body body) {
  const int64_t plane = g.H * g.W, tiles = (plane + kTile - 1) / kTile, tasks = g.N * tiles;
#pragma omp parallel for schedule(static) if (g.N * g.C * plane > omp::kParallelMin)
  for (int64_t t = 0; t < tasks; ++t) {
    const int64_t n = t / tiles, e0 = (t % tiles) * kTile;
    body(n, e0, std::min(e0 + kTile, plane));
  }
}

/// Sets acc[0..m) to Σ_{q ∈ [lo, hi] ∩ [0, C)} v(q)[e] for the channel rows v(q), then, for each
/// channel c = 0 .. C−1 in turn, calls at(c, acc) with acc holding the sum over the window
/// [c − back, c + ahead] ∩ [0, C): the window slides, one channel in, one out.
template <class Row, class At>
void sliding_channel_sum(int64_t C, int64_t back, int64_t ahead, int64_t m, Row v, double* acc,
                         At at) {
  for (int64_t e = 0; e < m; ++e) acc[e] = 0.0;
  for (int64_t q = 0; q <= std::min(ahead, C - 1); ++q) {
    const float* r = v(q);
#pragma omp simd
    for (int64_t e = 0; e < m; ++e) acc[e] += static_cast<double>(r[e]);
  }
  for (int64_t c = 0; c < C; ++c) {
    if (c > 0 && c + ahead < C) {
      const float* r = v(c + ahead);
#pragma omp simd
      for (int64_t e = 0; e < m; ++e) acc[e] += static_cast<double>(r[e]);
    }
    if (c - back - 1 >= 0) {
      const float* r = v(c - back - 1);
#pragma omp simd
      for (int64_t e = 0; e < m; ++e) acc[e] -= static_cast<double>(r[e]);
    }
    at(c, acc);
  }
}

}  // namespace

void OpenMPBackend::lrn_forward(const Tensor& x, Tensor& y, const LrnGeometry& g) {
  const float* in = x.data();
  float* out = y.data();
  const int64_t plane = g.H * g.W;
  const float k = static_cast<float>(g.k), a = static_cast<float>(g.alpha / double(g.size));
  with_pow(g.beta, [&](auto pw) {
    for_each_task(g, [&](int64_t n, int64_t e0, int64_t e1) {
      const int64_t m = e1 - e0;
      const float* xn = in + n * g.C * plane + e0;
      float* yn = out + n * g.C * plane + e0;
      float sq[kTile];  // the squares of one channel row of the tile (reused per call of v)
      double acc[kTile];
      // The squares of channel q, computed into sq when the window needs that row.
      const auto squares = [&](int64_t q) {
        const float* r = xn + q * plane;
#pragma omp simd
        for (int64_t e = 0; e < m; ++e) sq[e] = r[e] * r[e];
        return static_cast<const float*>(sq);
      };
      sliding_channel_sum(g.C, g.before, g.after, m, squares, acc, [&](int64_t c, const double* s) {
        const float* xc = xn + c * plane;
        float* yc = yn + c * plane;
#pragma omp simd
        for (int64_t e = 0; e < m; ++e) yc[e] = xc[e] * pw(k + a * static_cast<float>(s[e]));
      });
    });
  });
}

void OpenMPBackend::lrn_backward(const Tensor& x, const Tensor& dy, Tensor& dx,
                                 const LrnGeometry& g) {
  const float* in = x.data();
  const float* grad = dy.data();
  float* out = dx.data();
  const int64_t plane = g.H * g.W;
  const float k = static_cast<float>(g.k), a = static_cast<float>(g.alpha / double(g.size));
  const float coef = 2.0f * a * static_cast<float>(g.beta);
  const size_t block = static_cast<size_t>(g.C * kTile);
  // per thread: d^(−β) and t, [C, kTile] each
  std::vector<std::vector<float>> scratch(static_cast<size_t>(omp_get_max_threads()),
                                          std::vector<float>(2 * block));
  with_pow(g.beta, [&](auto pw) {
    for_each_task(g, [&](int64_t n, int64_t e0, int64_t e1) {
      const int64_t m = e1 - e0;
      const float* xn = in + n * g.C * plane + e0;
      const float* gn = grad + n * g.C * plane + e0;
      float* dn = out + n * g.C * plane + e0;
      float* pwd = scratch[static_cast<size_t>(omp_get_thread_num())].data();  // [C, kTile]
      float* t = pwd + block;                                                  // [C, kTile]
      float sq[kTile];
      double acc[kTile];
      const auto squares = [&](int64_t q) {
        const float* r = xn + q * plane;
#pragma omp simd
        for (int64_t e = 0; e < m; ++e) sq[e] = r[e] * r[e];
        return static_cast<const float*>(sq);
      };
      // 1. d^(−β) and t = dy·x·d^(−β−1) = dy·x·d^(−β)/d of every channel of the tile
      sliding_channel_sum(g.C, g.before, g.after, m, squares, acc, [&](int64_t c, const double* s) {
        const float* xc = xn + c * plane;
        const float* gc = gn + c * plane;
        float* pc = pwd + c * kTile;
        float* tc = t + c * kTile;
#pragma omp simd
        for (int64_t e = 0; e < m; ++e) {
          const float d = k + a * static_cast<float>(s[e]);
          pc[e] = pw(d);
          tc[e] = gc[e] * xc[e] * pc[e] / d;
        }
      });
      // 2. dx[j] = dy[j]·d[j]^(−β) − coef·x[j]·Σ_{c ∈ [j − after, j + before]} t[c]: the mirrored
      // window (back = after, ahead = before) slides over t
      const auto t_row = [&](int64_t q) { return static_cast<const float*>(t + q * kTile); };
      sliding_channel_sum(g.C, g.after, g.before, m, t_row, acc, [&](int64_t j, const double* s) {
        const float* xj = xn + j * plane;
        const float* gj = gn + j * plane;
        const float* pj = pwd + j * kTile;
        float* dj = dn + j * plane;
#pragma omp simd
        for (int64_t e = 0; e < m; ++e)
          dj[e] = gj[e] * pj[e] - coef * xj[e] * static_cast<float>(s[e]);
      });
    });
  });
}

}  // namespace cnnlab
