// im2col.cpp — convolution as im2col + GEMM, single-threaded, on host memory (im2col.hpp).
//
// Contract: the three kernels (im2col, matmul, conv2d_forward_im2col) are plain loops a student
// can follow; the two Tensor functions check their arguments first (conv2d_geometry() and the
// host-memory rule) and then call the kernels. Exercise 11 of the graded exercises rebuilds
// the kernels; its checks compare them with PyTorch's unfold and conv2d and time them against
// the reference backend's nested loops.
// What this is not: fast code in the OpenMP sense (no packing, tiling, SIMD intrinsics or
// threads); see backends/openmp for that.
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/im2col.hpp>

#include <string>
#include <vector>

namespace cnnlab {

namespace lowering {

// x (C, H, W) -> cols (C·FH·FW, H2·W2): row (c, u, v) holds what tap (u, v) of channel c sees
// at every output position (i, j), in the order of the output.
void im2col(const float* x, float* cols, const Conv2dGeometry& g) {
  // BEGIN SOLUTION exercise 11: im2col [x, cols, g]
  const int64_t L = g.H2 * g.W2;  // one column per output position
  for (int64_t c = 0; c < g.C; ++c)
    for (int64_t u = 0; u < g.FH; ++u)
      for (int64_t v = 0; v < g.FW; ++v) {
        float* row = cols + ((c * g.FH + u) * g.FW + v) * L;
        for (int64_t i = 0; i < g.H2; ++i) {
          const int64_t h = i * g.S - g.P + u * g.D;  // input row of tap u
          for (int64_t j = 0; j < g.W2; ++j) {
            const int64_t w = j * g.S - g.P + v * g.D;  // input column of tap v
            const bool inside = h >= 0 && h < g.H && w >= 0 && w < g.W;
            row[i * g.W2 + j] = inside ? x[(c * g.H + h) * g.W + w] : 0.0f;  // 0: padding
          }
        }
      }
  // END SOLUTION
}

// c (M, N) = a (M, K) · b (K, N). The i-k-j order keeps the innermost loop on contiguous rows
// of b and c, which the compiler vectorizes; the textbook i-j-k order strides down b's columns.
void matmul(const float* a, const float* b, float* c, int64_t M, int64_t K, int64_t N) {
  // BEGIN SOLUTION exercise 11: matmul [a, b, c, M, K, N]
  for (int64_t e = 0; e < M * N; ++e) c[e] = 0.0f;
  for (int64_t i = 0; i < M; ++i) {
    float* c_row = c + i * N;
    for (int64_t k = 0; k < K; ++k) {
      const float a_ik = a[i * K + k];
      const float* b_row = b + k * N;
      for (int64_t j = 0; j < N; ++j) c_row[j] += a_ik * b_row[j];
    }
  }
  // END SOLUTION
}

// x (N, C, H, W), w (K, C/G, FH, FW), b (K) or nullptr -> y (N, K, H2, W2).
// Per image n: cols = im2col(x[n]); per group: y[n, group's filters] = W_group · cols_group.
void conv2d_forward_im2col(const float* x, const float* w, const float* b, float* y,
                           const Conv2dGeometry& g) {
  // BEGIN SOLUTION exercise 11: im2col_gemm [x, w, b, y, g]
  const int64_t Kg = g.filters_per_group();
  const int64_t rows = g.channels_per_group() * g.FH * g.FW;  // one filter's weights
  const int64_t L = g.H2 * g.W2;                              // output positions
  std::vector<float> cols(static_cast<size_t>(g.C * g.FH * g.FW * L));
  for (int64_t n = 0; n < g.N; ++n) {
    im2col(x + n * g.C * g.H * g.W, cols.data(), g);
    float* y_n = y + n * g.K * L;            // [K, H2·W2]
    for (int64_t grp = 0; grp < g.G; ++grp)  // group grp: filters grp·Kg.., rows grp·rows..
      matmul(w + grp * Kg * rows, cols.data() + grp * rows * L, y_n + grp * Kg * L, Kg, rows, L);
    if (b)
      for (int64_t k = 0; k < g.K; ++k)
        for (int64_t q = 0; q < L; ++q) y_n[k * L + q] += b[k];
  }
  // END SOLUTION
}

}  // namespace lowering

namespace {

void require_host(const char* op, const char* name, const Tensor& t) {
  if (!t.defined()) throw Error(std::string(op) + ": " + name + " is undefined (no tensor)");
  if (t.storage()->host_data() == nullptr)
    throw Error(std::string(op) + ": " + name + " lives on the " + t.backend().name() +
                " backend, not in host memory; move it with to(reference_backend()) first");
}

void require_same_backend(const char* op, const Tensor& x, const char* name, const Tensor& t) {
  if (&t.backend() != &x.backend())
    throw Error(std::string(op) + ": " + name + " is on the " + t.backend().name() +
                " backend but x is on the " + x.backend().name() + " backend");
}

void require_rank4_x(const char* op, const Tensor& x) {
  if (x.ndim() != 4)
    throw Error(std::string(op) + ": input x must be 4-D [N, C, H, W], got shape " +
                to_string(x.shape()));
}

}  // namespace

Tensor im2col(const Tensor& x, int64_t FH, int64_t FW, const Conv2dParams& p) {
  const char* op = "im2col";
  require_host(op, "x", x);
  require_rank4_x(op, x);
  Conv2dParams all_channels = p;
  all_channels.groups = 1;  // the columns always cover all C channels
  const Conv2dGeometry g = conv2d_geometry(x.shape(), {1, x.dim(1), FH, FW}, all_channels);
  const int64_t rows = g.C * g.FH * g.FW, L = g.H2 * g.W2;
  Tensor cols = Tensor::empty({g.N, rows, L}, x.backend());
  for (int64_t n = 0; n < g.N; ++n)
    lowering::im2col(x.data() + n * g.C * g.H * g.W, cols.data() + n * rows * L, g);
  return cols;
}

Tensor conv2d_forward_im2col(const Tensor& x, const Tensor& w, const Tensor& b,
                             const Conv2dParams& p) {
  const char* op = "conv2d_forward_im2col";
  require_host(op, "x", x);
  require_host(op, "w", w);
  require_same_backend(op, x, "w", w);
  if (b.defined()) {
    require_host(op, "b", b);
    require_same_backend(op, x, "b", b);
  }
  const Conv2dGeometry g = conv2d_geometry(x.shape(), w.shape(), p);
  if (b.defined() && b.shape() != Shape{g.K})
    throw Error(std::string(op) + ": bias b must have shape [" + std::to_string(g.K) +
                "] (one bias per filter), got " + to_string(b.shape()));
  Tensor y = Tensor::empty(g.output_shape(), x.backend());
  lowering::conv2d_forward_im2col(x.data(), w.data(), b.defined() ? b.data() : nullptr, y.data(),
                                  g);
  return y;
}

}  // namespace cnnlab
