// openmp_pool2d.cpp — max and average pooling on the OpenMP backend.
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
#include "backends/openmp/openmp_backend.hpp"

#include "backends/reference/pool2d.hpp"

#include <cmath>

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

void OpenMPBackend::global_avgpool2d_forward(const Tensor& x, Tensor& y) {
  const float* in = x.data();
  float* out = y.data();
  const Pool2dGeometry g = whole_plane(x.shape());
  const int64_t plane = g.H * g.W;
  for_each_plane(g, [&](int64_t i, int64_t o) {
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int64_t e = 0; e < plane; ++e) sum += in[i + e];
    out[o] = sum / static_cast<float>(plane);
  });
}

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

}  // namespace cnnlab
