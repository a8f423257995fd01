// openmp_pool2d.cpp — max, average, global average and L2 pooling on the OpenMP backend.
//
// Contract: the N·C planes of a pooling layer are independent, so one OpenMP pragma spreads
// them over the threads and each plane runs the reference kernel (backends/reference/pool2d.hpp)
// — same windows, same tie rule, same NaN rule, same divisor, by construction. The common
// 2×2 / stride 2 / no padding max pool has its own loop: two input rows in, one output row
// out, a pure streaming pass that the compiler vectorises. There, the NaN rule (a window's
// first NaN wins) is a fix-up after the plain maximum, which skips NaNs (as SIMD max
// instructions and std::max do): the vectorised loop also notes whether a row of windows saw
// a NaN (two compares per four inputs, no branch), and only such a row is walked again,
// window by window.
// L2 pooling (sqrt of the mean of squares over each window) is separable, so each plane takes
// two streaming passes instead of a walk per window: forward, every input row's sums of
// squares over the W2 column windows (one [H, W2] scratch), then every output row adds its F
// rows of those; backward, the same two steps transposed (the windows' shares dy / (divisor·y)
// summed down the rows, then spread along the columns, times x). Every inner loop runs over
// output columns j with a fixed tap f, so it has no dependence and vectorises.
#include "backends/openmp/openmp_backend.hpp"

#include "backends/reference/pool2d.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace cnnlab {

namespace {
/// The geometry of one plane (N = C = 1) of a pooling layer.
Pool2dGeometry one_plane(Pool2dGeometry g) {
  g.N = 1;
  g.C = 1;
  return g;
}

bool is_2x2_stride_2(const Pool2dGeometry& g) {
  return g.F == 2 && g.S == 2 && g.P == 0 && g.H2 == g.H / 2 && g.W2 == g.W / 2;
}

/// 2×2 / stride 2 max pool of one plane: y[i][j] = max of x[2i..2i+1][2j..2j+1], or the
/// window's first NaN if it holds one.
void maxpool_2x2_plane(const float* x, float* y, int64_t W, int64_t H2, int64_t W2) {
  for (int64_t i = 0; i < H2; ++i) {
    const float* r0 = x + (2 * i) * W;
    const float* r1 = r0 + W;
    float* out = y + i * W2;
    int nan = 0;  // does this row of windows hold a NaN? (x != x only for NaN)
#pragma omp simd reduction(| : nan)
    for (int64_t j = 0; j < W2; ++j) {
      // Same first-maximum order as the reference: (0,0), (0,1), (1,0), (1,1). '>' is false
      // for a NaN, so this skips NaNs (unless one comes first), as SIMD max instructions do.
      const float a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
      float m = a;
      m = b > m ? b : m;
      m = c > m ? c : m;
      m = d > m ? d : m;
      out[j] = m;
      nan |= std::isunordered(a, b) | std::isunordered(c, d);  // a NaN among a, b, c, d
    }
    if (!nan) continue;
    // The NaN fix-up, rarely needed: each window holding a NaN gets its first NaN.
    for (int64_t j = 0; j < W2; ++j) {
      const float q[4] = {r0[2 * j], r0[2 * j + 1], r1[2 * j], r1[2 * j + 1]};
      for (float v : q)
        if (v != v) {
          out[j] = v;
          break;
        }
    }
  }
}
/// Runs body(in_offset, out_offset) for every one of the N·C planes, spread over threads:
/// where the plane starts in the input-sized and in the output-sized tensor.
template <class Body>
void for_each_plane(const Pool2dGeometry& g, Body body) {
  const int64_t planes = g.N * g.C, in_plane = g.H * g.W, out_plane = g.H2 * g.W2;
#pragma omp parallel for schedule(static) if (planes * in_plane > omp::kParallelMin)
  for (int64_t p = 0; p < planes; ++p) body(p * in_plane, p * out_plane);
}

/// Global average pooling as a pooling geometry: x [N, C, H, W], one output per plane
/// (H2 = W2 = 1), so that for_each_plane() spreads its planes like the window pools'.
Pool2dGeometry whole_plane(const Shape& x) {
  Pool2dGeometry g;
  g.N = x[0];
  g.C = x[1];
  g.H = x[2];
  g.W = x[3];
  g.H2 = g.W2 = 1;
  return g;
}

}  // namespace

void OpenMPBackend::maxpool2d_forward(const Tensor& x, Tensor& y, const Pool2dGeometry& g) {
  const float* in = x.data();
  float* out = y.data();
  const Pool2dGeometry pg = one_plane(g);
  const bool fast = is_2x2_stride_2(g);
  for_each_plane(g, [&](int64_t i, int64_t o) {
    if (fast)
      maxpool_2x2_plane(in + i, out + o, g.W, g.H2, g.W2);
    else
      ref::maxpool2d_forward<float>(in + i, out + o, pg);
  });
}

void OpenMPBackend::maxpool2d_backward(const Tensor& x, const Tensor& dy, Tensor& dx,
                                       const Pool2dGeometry& g) {
  const float* in = x.data();
  const float* grad = dy.data();
  float* out = dx.data();
  const Pool2dGeometry pg = one_plane(g);
  for_each_plane(g, [&](int64_t i, int64_t o) {
    ref::maxpool2d_backward<float>(in + i, grad + o, out + i, pg);
  });
}

void OpenMPBackend::avgpool2d_forward(const Tensor& x, Tensor& y, const Pool2dGeometry& g) {
  const float* in = x.data();
  float* out = y.data();
  const Pool2dGeometry pg = one_plane(g);
  for_each_plane(g,
                 [&](int64_t i, int64_t o) { ref::avgpool2d_forward<float>(in + i, out + o, pg); });
}

void OpenMPBackend::avgpool2d_backward(const Tensor& dy, Tensor& dx, const Pool2dGeometry& g) {
  const float* grad = dy.data();
  float* out = dx.data();
  const Pool2dGeometry pg = one_plane(g);
  for_each_plane(
      g, [&](int64_t i, int64_t o) { ref::avgpool2d_backward<float>(grad + o, out + i, pg); });
}

// ---- Global average pooling: one mean per H×W plane, planes spread over the threads ---------

// [add_an_op_openmp]
void OpenMPBackend::global_avgpool2d_forward(const Tensor& x, Tensor& y) {
  const float* in = x.data();
  float* out = y.data();
  const int64_t planes = x.dim(0) * x.dim(1), plane = x.dim(2) * x.dim(3);
  const float scale = 1.0f / static_cast<float>(plane);
  // A plain loop over the planes (not for_each_plane's lambda): the SIMD sum of a short plane
  // (ResNet's 7×7) then compiles to straight-line vector code, about 3× faster.
#pragma omp parallel for schedule(static) if (planes * plane > omp::kParallelMin)
  for (int64_t p = 0; p < planes; ++p) {
    const float* v = in + p * plane;
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int64_t e = 0; e < plane; ++e) sum += v[e];
    out[p] = sum * scale;
  }
}
// [add_an_op_openmp]

void OpenMPBackend::global_avgpool2d_backward(const Tensor& dy, Tensor& dx) {
  const float* grad = dy.data();
  float* out = dx.data();
  const Pool2dGeometry g = whole_plane(dx.shape());
  const int64_t plane = g.H * g.W;
  for_each_plane(g, [&](int64_t i, int64_t o) {
    const float share = grad[o] / static_cast<float>(plane);
#pragma omp simd
    for (int64_t e = 0; e < plane; ++e) out[i + e] = share;
  });
}

// ---- L2 pooling: separable passes per plane, planes spread over the threads -----------------

namespace {

/// The taps of one axis of the windows: window i starts at i·S − P, its divisor part is its
/// length within the padded input (min(start + F, size + P) − start), and tap f of window i
/// reads position i·S − P + f when that lies in [0, size).
struct L2Axis {
  int64_t size, out, F, S, P;
  /// First and one-past-last window i whose tap f lies inside [0, size).
  void range(int64_t f, int64_t& lo, int64_t& hi) const {
    const int64_t first = P - f;  // i·S ≥ P − f
    lo = first <= 0 ? 0 : (first + S - 1) / S;
    const int64_t last = size - 1 + P - f;  // i·S ≤ size − 1 + P − f
    hi = last < 0 ? 0 : std::min(out, last / S + 1);
    if (hi < lo) hi = lo;
  }
  float divisor(int64_t i) const {
    const int64_t start = i * S - P;
    return static_cast<float>(std::min(start + F, size + P) - start);
  }
};

/// Scratch of one thread: row sums [H, W2] (or column shares), window shares [H2, W2], one row.
struct L2Scratch {
  std::vector<float> rows, shares, line, col_div;
};

/// Runs body(plane, scratch) for every one of the N·C planes, spread over threads, each thread
/// with its own scratch.
template <class Body>
void for_each_plane_scratch(const Pool2dGeometry& g, Body body) {
  const int64_t planes = g.N * g.C;
#pragma omp parallel if (planes * g.H * g.W > omp::kParallelMin)
  {
    L2Scratch scratch;
    scratch.rows.resize(static_cast<size_t>(g.H * g.W2));
    scratch.shares.resize(static_cast<size_t>(g.H2 * g.W2));
    scratch.line.resize(static_cast<size_t>(std::max(g.W, g.W2)));
    scratch.col_div.resize(static_cast<size_t>(g.W2));
    const L2Axis cols{g.W, g.W2, g.F, g.S, g.P};
    for (int64_t j = 0; j < g.W2; ++j) scratch.col_div[static_cast<size_t>(j)] = cols.divisor(j);
#pragma omp for schedule(static)
    for (int64_t p = 0; p < planes; ++p) body(p, scratch);
  }
}

}  // namespace

void OpenMPBackend::l2pool2d_forward(const Tensor& x, Tensor& y, const Pool2dGeometry& g) {
  const float* in = x.data();
  float* out = y.data();
  const L2Axis rows{g.H, g.H2, g.F, g.S, g.P}, cols{g.W, g.W2, g.F, g.S, g.P};
  for_each_plane_scratch(g, [&](int64_t p, L2Scratch& s) {
    const float* plane = in + p * g.H * g.W;
    float* r = s.rows.data();  // r[h, j] = Σ over window j's columns of x[h, ·]²
    for (int64_t h = 0; h < g.H; ++h) {
      float* rh = r + h * g.W2;
      for (int64_t j = 0; j < g.W2; ++j) rh[j] = 0.0f;
      for (int64_t f = 0; f < g.F; ++f) {
        int64_t lo = 0, hi = 0;
        cols.range(f, lo, hi);
        const float* xr = plane + h * g.W;
        const int64_t off = f - g.P;  // tap f of window j: xr[j·S + off], inside the row
#pragma omp simd
        for (int64_t j = lo; j < hi; ++j) rh[j] += xr[j * g.S + off] * xr[j * g.S + off];
      }
    }
    const float* div = s.col_div.data();
    for (int64_t i = 0; i < g.H2; ++i) {
      float* yi = out + (p * g.H2 + i) * g.W2;
      for (int64_t j = 0; j < g.W2; ++j) yi[j] = 0.0f;
      for (int64_t f = 0; f < g.F; ++f) {
        const int64_t h = i * g.S - g.P + f;
        if (h < 0 || h >= g.H) continue;
        const float* rh = r + h * g.W2;
#pragma omp simd
        for (int64_t j = 0; j < g.W2; ++j) yi[j] += rh[j];
      }
      const float dh = rows.divisor(i);
#pragma omp simd
      for (int64_t j = 0; j < g.W2; ++j) yi[j] = std::sqrt(yi[j] / (dh * div[j]));
    }
  });
}

void OpenMPBackend::l2pool2d_backward(const Tensor& x, const Tensor& y, const Tensor& dy,
                                      Tensor& dx, const Pool2dGeometry& g) {
  const float* in = x.data();
  const float* fwd = y.data();
  const float* grad = dy.data();
  float* out = dx.data();
  const L2Axis rows{g.H, g.H2, g.F, g.S, g.P}, cols{g.W, g.W2, g.F, g.S, g.P};
  for_each_plane_scratch(g, [&](int64_t p, L2Scratch& s) {
    // 1. each window's share dy / (divisor·y), 0 where y = 0
    float* share = s.shares.data();
    const float* div = s.col_div.data();
    const int64_t o0 = p * g.H2 * g.W2;
    for (int64_t i = 0; i < g.H2; ++i) {
      const float dh = rows.divisor(i);
      const float* yi = fwd + o0 + i * g.W2;
      const float* gi = grad + o0 + i * g.W2;
      float* si = share + i * g.W2;
#pragma omp simd
      for (int64_t j = 0; j < g.W2; ++j)
        si[j] = yi[j] == 0.0f ? 0.0f : gi[j] / (dh * div[j] * yi[j]);
    }
    // 2. down the rows: c[h, j] = Σ over the windows i whose rows hold h of share[i, j]
    float* c = s.rows.data();
    for (int64_t e = 0; e < g.H * g.W2; ++e) c[e] = 0.0f;
    for (int64_t i = 0; i < g.H2; ++i)
      for (int64_t f = 0; f < g.F; ++f) {
        const int64_t h = i * g.S - g.P + f;
        if (h < 0 || h >= g.H) continue;
        float* ch = c + h * g.W2;
        const float* si = share + i * g.W2;
#pragma omp simd
        for (int64_t j = 0; j < g.W2; ++j) ch[j] += si[j];
      }
    // 3. along the columns: dx[h, w] = x[h, w] · Σ over the windows j whose columns hold w
    const float* plane = in + p * g.H * g.W;
    float* dplane = out + p * g.H * g.W;
    float* acc = s.line.data();
    for (int64_t h = 0; h < g.H; ++h) {
      for (int64_t w = 0; w < g.W; ++w) acc[w] = 0.0f;
      const float* ch = c + h * g.W2;
      for (int64_t f = 0; f < g.F; ++f) {
        int64_t lo = 0, hi = 0;
        cols.range(f, lo, hi);
        const int64_t off = f - g.P;  // tap f of window j: acc[j·S + off]; distinct j, places
#pragma omp simd
        for (int64_t j = lo; j < hi; ++j) acc[j * g.S + off] += ch[j];
      }
      const float* xh = plane + h * g.W;
      float* dh = dplane + h * g.W;
#pragma omp simd
      for (int64_t w = 0; w < g.W; ++w) dh[w] = xh[w] * acc[w];
    }
  });
}

}  // namespace cnnlab
