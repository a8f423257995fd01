// openmp_conv2d.cpp — convolution on the OpenMP backend: im2col + packed SGEMM, all 3 passes.
//
// Contract: the same function as backends/reference/conv2d.hpp, rewritten as matrix products.
// For one group (Cg = C/G input channels, Kg = K/G filters), put the output pixels of all
// images side by side as the columns of one matrix, column p = n·H2·W2 + i·W2 + j:
//
//   im2col:   col[(c·FH + u)·FW + v][p] = x[n, c, i·S − P + u·D, j·S − P + v·D]  (0 in padding)
//             a (Cg·FH·FW) × (N·H2·W2) matrix: column p is the input patch under output pixel p
//   forward:  y          = W · col            (Kg × CgFF)·(CgFF × N·H2W2)   + b
//   data:     dcol       = Wᵀ · dy            then col2im adds dcol back into dx (the adjoint)
//   weight:   dW        += dy_n · col_nᵀ      (Kg × H2W2)·(H2W2 × CgFF), summed over the images
//
// Forward and backward-data never build the whole column matrix. They walk it in blocks of
// columns (a few hundred, sized so the block stays in the L2 cache) and write each block
// straight into the layout the GEMM micro-kernel reads (omp::PackedA / sgemm_prepacked in
// gemm.hpp): im2col and packing are one pass, and the filters are packed once per call, not
// once per image. Batching images into one block keeps the products wide when an image has
// few output pixels (LeNet's 10×10). The product goes to a small per-thread buffer and is
// then copied out: into y with the bias added (forward), or through col2im into dx (data).
// The micro-kernel's tile height is chosen by the filter count (6 filters → a 6×32 tile).
//
// Stride-1 convolutions whose filters are small take a direct path instead when the CPU has
// AVX-512 (direct_conv_s1 below): no column matrix at all, the micro-kernel reads the padded
// input itself; backward-data of a stride-1 convolution is also a stride-1 convolution (of dy,
// with the filters flipped), so it can take the same path.
//
// Threads: forward shares out the column blocks (any block may go to any thread); backward-
// data shares out whole groups of images (col2im of neighbouring columns writes the same dx
// pixels, so one image belongs to one thread); the direct path shares out images. Backward-
// weight spreads blocks of images over threads (each with its own col buffer and dW
// accumulator, summed at the end in a fixed order) when there are at least two images per
// thread; otherwise sgemm uses the threads inside each product.
#include "backends/openmp/openmp_backend.hpp"

#include "backends/openmp/gemm.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdint>
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

/// Spread images over threads when each thread gets at least two of them.
bool batch_parallel(const Conv2dGeometry& g) { return g.N >= 2 * omp_get_max_threads(); }

/// A float buffer whose start is 64-byte aligned (B̃ must be) and that only grows. Each thread
/// keeps two (thread_local below) between calls, so a convolution does not pay for fresh pages
/// (page faults) on every call.
class AlignedBuffer {
 public:
  float* get(int64_t n) {
    if (static_cast<size_t>(n + 16) > v_.size()) v_.resize(static_cast<size_t>(n + 16));
    const auto addr = reinterpret_cast<uintptr_t>(v_.data());
    return v_.data() + (64 - addr % 64) % 64 / sizeof(float);
  }

 private:
  std::vector<float> v_;
};

thread_local AlignedBuffer t_packed_b, t_product;

/// d[0 .. n) = s[0 .. n) for short runs (a few to a few dozen floats, e.g. one output row of
/// LeNet). Written as fixed-size 8-float moves, overlapping at the end, because a plain loop is
/// turned into a call to memmove, whose start-up cost is larger than such a copy.
inline void copy_short(float* d, const float* s, int64_t n) {
  if (n >= 8) {
    int64_t t = 0;
    for (; t + 8 <= n; t += 8) std::memcpy(d + t, s + t, 8 * sizeof(float));
    if (t < n) std::memcpy(d + n - 8, s + n - 8, 8 * sizeof(float));
    return;
  }
  if (n >= 4) {
    std::memcpy(d, s, 4 * sizeof(float));
    std::memcpy(d + n - 4, s + n - 4, 4 * sizeof(float));
    return;
  }
  if (n > 0) d[0] = s[0];
  if (n > 1) d[1] = s[1];
  if (n > 2) d[2] = s[2];
}

/// x_g (Cg, H, W) → col (Cg·FH·FW, H2·W2), row-major with row stride ld >= H2·W2 (used by
/// backward-weight, which puts several images' columns side by side).
void im2col(const float* x, float* col, int64_t ld, int64_t Cg, const Conv2dGeometry& g) {
  for (int64_t c = 0; c < Cg; ++c)
    for (int64_t u = 0; u < g.FH; ++u)
      for (int64_t v = 0; v < g.FW; ++v) {
        float* row = col + ((c * g.FH + u) * g.FW + v) * ld;
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
          if (g.S == 1)
            copy_short(out + js.lo, in + js.lo + shift, js.hi - js.lo);
          else
            for (int64_t j = js.lo; j < js.hi; ++j) out[j] = in[j * g.S + shift];
          std::fill(out + js.hi, out + g.W2, 0.0f);
        }
      }
}

/// How forward and backward-data cut the N·H2·W2 columns into blocks. Images are grouped
/// `images` at a time (one group = one unit of work for backward-data), and a group's columns
/// are cut into `per_group` chunks of at most `cols` columns (a multiple of NR).
struct ColumnBlocks {
  int64_t images;     ///< images per group
  int64_t groups;     ///< ceil(N / images)
  int64_t per_group;  ///< chunks per group
  int64_t cols;       ///< columns per chunk (the last chunk of a group may be shorter)
};

/// Chunks of about `budget` floats of B̃ (rows·cols), at least 2·NR columns wide.
ColumnBlocks plan_columns(const Conv2dGeometry& g, int64_t rows, int nr, int64_t budget) {
  const int64_t hw2 = g.H2 * g.W2;
  const int64_t want = std::max<int64_t>(2 * nr, budget / std::max<int64_t>(rows, 1) / nr * nr);
  ColumnBlocks b;
  b.images = std::clamp<int64_t>(want / std::max<int64_t>(hw2, 1), 1, std::max<int64_t>(g.N, 1));
  b.groups = (g.N + b.images - 1) / b.images;
  const int64_t group_cols = b.images * hw2;
  b.per_group = std::max<int64_t>(1, (group_cols + want - 1) / want);
  b.cols = (group_cols + b.per_group - 1) / b.per_group;
  b.cols = (b.cols + nr - 1) / nr * nr;
  return b;
}

/// B̃ budget: 128 Ki floats (512 KB), half of the per-core L2 next to Ã and the output block.
constexpr int64_t kBlockFloats = int64_t{1} << 17;

/// Calls f(n, i, j0, len, off) for each run of columns [p0, p1) that lies in one output row
/// (image n, row i, columns j0 .. j0+len−1); off is the run's first column relative to p0.
template <class F>
void for_each_row_run(int64_t p0, int64_t p1, const Conv2dGeometry& g, F&& f) {
  const int64_t hw2 = g.H2 * g.W2;
  for (int64_t p = p0; p < p1;) {
    const int64_t n = p / hw2, pix = p % hw2, i = pix / g.W2, j0 = pix % g.W2;
    const int64_t len = std::min(g.W2 - j0, p1 - p);
    f(n, i, j0, len, p - p0);
    p += len;
  }
}

/// Calls f(n, pix, len, off) for each run of columns [p0, p1) that lies in one image.
template <class F>
void for_each_image_run(int64_t p0, int64_t p1, int64_t hw2, F&& f) {
  for (int64_t p = p0; p < p1;) {
    const int64_t n = p / hw2, pix = p % hw2, len = std::min(hw2 - pix, p1 - p);
    f(n, pix, len, p - p0);
    p += len;
  }
}

/// Columns [p0, p0+ncols) of group grp's column matrix, written as B̃ (gemm.hpp): NR-wide
/// slivers, each (Cg·FH·FW) rows of NR floats. Loop order: sliver, then the row runs of output
/// pixels inside it, then the Cg·FH·FW taps — so each sliver (rows·NR floats) is written while
/// it sits in L1/L2, and each tap's values are a contiguous copy when the stride is 1.
void im2col_packed(const float* x, const Conv2dGeometry& g, int64_t grp, int64_t p0,
                   int64_t ncols, int nr, float* dst) {
  const int64_t Cg = g.channels_per_group(), cff = Cg * g.FH * g.FW;
  std::vector<ValidRange> vr(static_cast<size_t>(g.FW));
  for (int64_t v = 0; v < g.FW; ++v) vr[v] = valid_outputs(v, g.S, g.P, g.D, g.W, g.W2);
  for (int64_t s = 0; s * nr < ncols; ++s) {
    float* d = dst + s * cff * nr;
    const int64_t ps = p0 + s * nr, pe = std::min(ps + nr, p0 + ncols);
    for_each_row_run(ps, pe, g, [&](int64_t n, int64_t i, int64_t j0, int64_t len, int64_t lane) {
      const float* xn = x + (n * g.C + grp * Cg) * g.H * g.W;
      for (int64_t c = 0; c < Cg; ++c)
        for (int64_t u = 0; u < g.FH; ++u) {
          const int64_t h = i * g.S - g.P + u * g.D;
          const int64_t r0 = (c * g.FH + u) * g.FW;
          if (h < 0 || h >= g.H) {  // the whole row of taps is padding
            for (int64_t v = 0; v < g.FW; ++v) std::fill_n(d + (r0 + v) * nr + lane, len, 0.0f);
            continue;
          }
          const float* row = xn + (c * g.H + h) * g.W;
          for (int64_t v = 0; v < g.FW; ++v) {
            float* out = d + (r0 + v) * nr + lane;  // out[t] is output column j0 + t
            const int64_t lo = std::clamp(vr[v].lo - j0, int64_t{0}, len);
            const int64_t hi = std::clamp(vr[v].hi - j0, lo, len);
            const float* in = row + j0 * g.S + v * g.D - g.P;  // in[t·S] is out[t]'s input
            std::fill_n(out, lo, 0.0f);
            if (g.S == 1)
              copy_short(out + lo, in + lo, hi - lo);
            else
              for (int64_t t = lo; t < hi; ++t) out[t] = in[t * g.S];
            std::fill_n(out + hi, len - hi, 0.0f);
          }
        }
    });
  }
}

/// Columns [p0, p0+ncols) of group grp's dy (Kg × N·H2W2), written as B̃.
void pack_dy(const float* dy, const Conv2dGeometry& g, int64_t grp, int64_t p0, int64_t ncols,
             int nr, float* dst) {
  const int64_t Kg = g.filters_per_group(), hw2 = g.H2 * g.W2;
  for (int64_t s = 0; s * nr < ncols; ++s) {
    float* d = dst + s * Kg * nr;
    const int64_t ps = p0 + s * nr, pe = std::min(ps + nr, p0 + ncols);
    for_each_image_run(ps, pe, hw2, [&](int64_t n, int64_t pix, int64_t len, int64_t lane) {
      const float* src = dy + (n * g.K + grp * Kg) * hw2 + pix;
      for (int64_t k = 0; k < Kg; ++k) copy_short(d + k * nr + lane, src + k * hw2, len);
    });
  }
}

/// col2im for columns [p0, p0+ncols): dx += dcol scattered back (the adjoint of im2col).
/// dcol is (Cg·FH·FW) × ncols with row stride ld.
void col2im_add(const float* dcol, int64_t ld, const Conv2dGeometry& g, int64_t grp, int64_t p0,
                int64_t ncols, float* dx) {
  const int64_t Cg = g.channels_per_group();
  std::vector<ValidRange> vr(static_cast<size_t>(g.FW));
  for (int64_t v = 0; v < g.FW; ++v) vr[v] = valid_outputs(v, g.S, g.P, g.D, g.W, g.W2);
  for_each_row_run(p0, p0 + ncols, g, [&](int64_t n, int64_t i, int64_t j0, int64_t len, int64_t off) {
    float* dxn = dx + (n * g.C + grp * Cg) * g.H * g.W;
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t u = 0; u < g.FH; ++u) {
        const int64_t h = i * g.S - g.P + u * g.D;
        if (h < 0 || h >= g.H) continue;
        float* row = dxn + (c * g.H + h) * g.W;
        for (int64_t v = 0; v < g.FW; ++v) {
          const float* in = dcol + ((c * g.FH + u) * g.FW + v) * ld + off;  // in[t]: column j0+t
          const int64_t lo = std::clamp(vr[v].lo - j0, int64_t{0}, len);
          const int64_t hi = std::clamp(vr[v].hi - j0, lo, len);
          float* out = row + j0 * g.S + v * g.D - g.P;
          if (g.S == 1)
            for (int64_t t = lo; t < hi; ++t) out[t] += in[t];
          else
            for (int64_t t = lo; t < hi; ++t) out[t * g.S] += in[t];
        }
      }
  });
}

/// A stride-1 convolution as conv_tile (gemm.hpp) computes it: y (N, K, H2, W2) =
/// w (K, C/G, FH, FW) ⋆ x (N, C, H, W) zero-padded by ph rows and pw columns, dilation D, G
/// groups, plus bias (may be null). Used for the forward pass and — with dy as the input and
/// the filters flipped and transposed — for the data gradient.
struct DirectConv {
  int64_t N, C, H, W, K, G, FH, FW, D, ph, pw, H2, W2;
};

/// Whether the direct path suits this convolution better than im2col + GEMM: AVX-512, stride 1,
/// filters small enough to stay in L1/L2 next to a padded input plane, and little waste from
/// the padded-width grid (W2/Wp) and from partial filter tiles (Kg vs a multiple of mr).
bool direct_suits(const DirectConv& d) {
  const int64_t Kg = d.K / d.G, Cg = d.C / d.G, taps = Cg * d.FH * d.FW;
  const int mr = omp::conv_tile_rows(Kg);
  if (mr == 0 || Kg * taps > (int64_t{1} << 16)) return false;
  const int64_t Wp = d.W + 2 * d.pw, Hp = d.H + 2 * d.ph;
  if (Cg * Hp * Wp > (int64_t{1} << 18)) return false;  // padded plane within 1 MB
  const double useful = static_cast<double>(d.W2) / static_cast<double>(Wp) *
                        static_cast<double>(Kg) / static_cast<double>((Kg + mr - 1) / mr * mr);
  return useful >= 0.6;
}

/// Loop order: images over threads; per image and group, the input plane is copied once into a
/// zero-padded buffer (plus 32 floats of slack for the last tile's overhang); then for each
/// block of 32 output positions (two zmm), every tile of mr filters runs over all taps —
/// the block's input window stays in L1/L2 across the filter tiles, and the packed filters
/// (at most 256 KB) stay in L2 for the whole call.
void direct_conv_s1(const float* x, const float* w, const float* bias, float* y,
                    const DirectConv& d) {
  const int64_t Cg = d.C / d.G, Kg = d.K / d.G, taps = Cg * d.FH * d.FW;
  const int64_t Hp = d.H + 2 * d.ph, Wp = d.W + 2 * d.pw, plane = Cg * Hp * Wp;
  const int64_t hw2 = d.H2 * d.W2;
  const int mr = omp::conv_tile_rows(Kg);
  const int64_t ktiles = (Kg + mr - 1) / mr;
  // Filters, tap-major per tile of mr: wp[((grp·ktiles + kt)·taps + t)·mr + i] = w[grp·Kg + kt·mr + i][t].
  std::vector<float> wp(static_cast<size_t>(d.G * ktiles * taps * mr), 0.0f);
  for (int64_t grp = 0; grp < d.G; ++grp)
    for (int64_t k = 0; k < Kg; ++k)
      for (int64_t t = 0; t < taps; ++t)
        wp[static_cast<size_t>(((grp * ktiles + k / mr) * taps + t) * mr + k % mr)] =
            w[(grp * Kg + k) * taps + t];
  std::vector<int64_t> off(static_cast<size_t>(taps));
  for (int64_t c = 0; c < Cg; ++c)
    for (int64_t u = 0; u < d.FH; ++u)
      for (int64_t v = 0; v < d.FW; ++v)
        off[static_cast<size_t>((c * d.FH + u) * d.FW + v)] = (c * Hp + u * d.D) * Wp + v * d.D;
  const int64_t qn = (d.H2 - 1) * Wp + d.W2;  // positions up to the last output
  const int64_t qblocks = (qn + 31) / 32;

#pragma omp parallel if (d.N > 1 && d.N * d.K * hw2 * taps > (int64_t{1} << 20))
  {
    float* xpad = t_packed_b.get(plane + 32);
    alignas(64) float tile[14 * 32];
    std::fill(xpad, xpad + plane + 32, 0.0f);  // borders and slack stay 0; interiors are rewritten
#pragma omp for schedule(dynamic)
    for (int64_t n = 0; n < d.N; ++n)
      for (int64_t grp = 0; grp < d.G; ++grp) {
        for (int64_t c = 0; c < Cg; ++c)
          for (int64_t h = 0; h < d.H; ++h)
            std::memcpy(xpad + (c * Hp + h + d.ph) * Wp + d.pw,
                        x + ((n * d.C + grp * Cg + c) * d.H + h) * d.W,
                        static_cast<size_t>(d.W) * sizeof(float));
        for (int64_t qb = 0; qb < qblocks; ++qb)
          for (int64_t kt = 0; kt < ktiles; ++kt) {
            omp::conv_tile(mr, taps, off.data(), xpad + qb * 32,
                           wp.data() + (grp * ktiles + kt) * taps * mr, tile);
            // tile row m, lane l is filter kt·mr + m at position q = qb·32 + l = i·Wp + j
            const int64_t q1 = std::min(qn, qb * 32 + 32);
            const int64_t kn = std::min<int64_t>(mr, Kg - kt * mr);
            for (int64_t q = qb * 32; q < q1;) {
              const int64_t i = q / Wp, j = q % Wp;
              if (j >= d.W2) {  // padding columns: skip to the next row
                q = (i + 1) * Wp;
                continue;
              }
              const int64_t len = std::min(d.W2 - j, q1 - q);
              for (int64_t m = 0; m < kn; ++m) {
                const int64_t k = grp * Kg + kt * mr + m;
                const float b = bias ? bias[k] : 0.0f;
                const float* src = tile + m * 32 + (q - qb * 32);
                float* dst = y + (n * d.K + k) * hw2 + i * d.W2 + j;
                for (int64_t e = 0; e < len; ++e) dst[e] = src[e] + b;
              }
              q += len;
            }
          }
      }
  }
}

}  // namespace

void OpenMPBackend::conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y,
                                   const Conv2dGeometry& g) {
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group();
  const int64_t cff = Cg * g.FH * g.FW, hw2 = g.H2 * g.W2;
  const float* xp = x.data();
  const float* wp = w.data();
  const float* bp = b.defined() ? b.data() : nullptr;
  float* yp = y.data();
  if (g.N * hw2 == 0 || Kg == 0) return;
  if (g.S == 1) {
    const DirectConv d{g.N, g.C, g.H, g.W, g.K, g.G, g.FH, g.FW, g.D, g.P, g.P, g.H2, g.W2};
    if (direct_suits(d)) {
      direct_conv_s1(xp, wp, bp, yp, d);
      return;
    }
  }

  // The filters of each group, packed once: W_g is (Kg × CgFF), row-major.
  std::vector<omp::PackedA> filters;
  for (int64_t grp = 0; grp < g.G; ++grp)
    filters.emplace_back(false, Kg, cff, wp + grp * Kg * cff, cff);
  const int nr = filters[0].nr();
  const ColumnBlocks cb = plan_columns(g, cff, nr, kBlockFloats);
  const int64_t chunks = cb.groups * cb.per_group;

#pragma omp parallel if (chunks > 1 && g.N * g.K * hw2 * cff > (int64_t{1} << 20))
  {
    float* bt = t_packed_b.get(filters[0].packed_b_floats(cb.cols));
    float* out = t_product.get(Kg * cb.cols);
#pragma omp for schedule(dynamic)
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      const int64_t group = chunk / cb.per_group, q = chunk % cb.per_group;
      const int64_t g0 = group * cb.images * hw2;                  // the group's first column
      const int64_t g1 = std::min(g.N, (group + 1) * cb.images) * hw2;
      const int64_t p0 = g0 + q * cb.cols, p1 = std::min(g1, p0 + cb.cols);
      if (p0 >= p1) continue;
      for (int64_t grp = 0; grp < g.G; ++grp) {
        im2col_packed(xp, g, grp, p0, p1 - p0, nr, bt);
        omp::sgemm_prepacked(filters[grp], p1 - p0, bt, 0.0f, out, p1 - p0);
        // out (Kg × columns) → y[n, grp·Kg + k, pixels] + b
        for_each_image_run(p0, p1, hw2, [&](int64_t n, int64_t pix, int64_t len, int64_t off) {
          for (int64_t k = 0; k < Kg; ++k) {
            const float* src = out + k * (p1 - p0) + off;
            float* dst = yp + (n * g.K + grp * Kg + k) * hw2 + pix;
            const float bias = bp ? bp[grp * Kg + k] : 0.0f;
            for (int64_t t = 0; t < len; ++t) dst[t] = src[t] + bias;
          }
        });
      }
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
  // Stride 1: dx is itself a convolution — of dy, zero-padded by D·(F−1) − P, with the filters
  // flipped (u → FH−1−u, v → FW−1−v) and transposed (K ↔ C within each group).
  const int64_t ph = g.D * (g.FH - 1) - g.P, pw = g.D * (g.FW - 1) - g.P;
  if (g.S == 1 && ph >= 0 && pw >= 0 && g.N * hw2 > 0 && cff > 0) {
    const DirectConv d{g.N, g.K, g.H2, g.W2, g.C, g.G, g.FH, g.FW, g.D, ph, pw, g.H, g.W};
    if (direct_suits(d)) {
      std::vector<float> wf(static_cast<size_t>(g.C * Kg * g.FH * g.FW));
      for (int64_t grp = 0; grp < g.G; ++grp)
        for (int64_t c = 0; c < Cg; ++c)
          for (int64_t k = 0; k < Kg; ++k)
            for (int64_t u = 0; u < g.FH; ++u)
              for (int64_t v = 0; v < g.FW; ++v)
                wf[static_cast<size_t>((((grp * Cg + c) * Kg + k) * g.FH + u) * g.FW + v)] =
                    wp[(((grp * Kg + k) * Cg + c) * g.FH + (g.FH - 1 - u)) * g.FW + (g.FW - 1 - v)];
      direct_conv_s1(dyp, wf.data(), nullptr, dxp, d);
      return;
    }
  }
  if (g.N * hw2 == 0 || cff == 0) {
    std::fill(dxp, dxp + g.N * g.C * hw, 0.0f);
    return;
  }

  // Wᵀ of each group, packed once: W_g is stored (Kg × CgFF), so op(A) = W_gᵀ is (CgFF × Kg).
  std::vector<omp::PackedA> filters_t;
  for (int64_t grp = 0; grp < g.G; ++grp)
    filters_t.emplace_back(true, cff, Kg, wp + grp * Kg * cff, cff);
  const int nr = filters_t[0].nr();
  // Blocks sized by the output block dcol (CgFF × cols), the larger of the two.
  const ColumnBlocks cb = plan_columns(g, cff, nr, kBlockFloats);

#pragma omp parallel if (cb.groups > 1 && g.N * g.K * hw2 * cff > (int64_t{1} << 20))
  {
    float* bt = t_packed_b.get(filters_t[0].packed_b_floats(cb.cols));
    float* dcol = t_product.get(cff * cb.cols);
#pragma omp for schedule(dynamic)
    for (int64_t group = 0; group < cb.groups; ++group) {
      const int64_t g0 = group * cb.images * hw2;
      const int64_t g1 = std::min(g.N, (group + 1) * cb.images) * hw2;
      std::fill(dxp + g0 / hw2 * g.C * hw, dxp + g1 / hw2 * g.C * hw, 0.0f);  // these images' dx
      for (int64_t p0 = g0; p0 < g1; p0 += cb.cols) {
        const int64_t p1 = std::min(g1, p0 + cb.cols);
        for (int64_t grp = 0; grp < g.G; ++grp) {
          pack_dy(dyp, g, grp, p0, p1 - p0, nr, bt);
          omp::sgemm_prepacked(filters_t[grp], p1 - p0, bt, 0.0f, dcol, p1 - p0);
          col2im_add(dcol, p1 - p0, g, grp, p0, p1 - p0, dxp);
        }
      }
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
  const bool by_image = batch_parallel(g);
  std::fill(dwp, dwp + wsize, 0.0f);

  // In batch-parallel mode each thread sums its images' dW into its own slice of `partial`;
  // the slices are added in thread order afterwards, so the result is the same on every run.
  const int threads = by_image ? omp_get_max_threads() : 1;
  std::vector<float> partial(by_image ? static_cast<size_t>(threads * wsize) : 0, 0.0f);

  // Images are taken `batch` at a time: their column matrices are laid side by side
  // (CgFF × batch·H2W2) and their dy copied next to each other (Kg × batch·H2W2), so that one
  // sgemm reduces over all their pixels at once — a long K instead of a short one per image
  // (LeNet c2 has only 100 pixels per image), which spares the per-call packing and C traffic.
  const int64_t batch = std::clamp<int64_t>(1024 / std::max<int64_t>(hw2, 1), 1, g.N);
  const int64_t blocks = (g.N + batch - 1) / batch;
#pragma omp parallel num_threads(threads) if (by_image)
  {
    std::vector<float> col(static_cast<size_t>(cff * batch * hw2));
    std::vector<float> dyb(static_cast<size_t>(Kg * batch * hw2));
    float* acc = by_image ? partial.data() + omp_get_thread_num() * wsize : dwp;
#pragma omp for schedule(static)
    for (int64_t blk = 0; blk < blocks; ++blk) {
      const int64_t n0 = blk * batch, nb = std::min(batch, g.N - n0), ld = nb * hw2;
      for (int64_t grp = 0; grp < g.G; ++grp) {
        for (int64_t q = 0; q < nb; ++q) {
          const int64_t n = n0 + q;
          im2col(xp + (n * g.C + grp * Cg) * hw, col.data() + q * hw2, ld, Cg, g);
          for (int64_t k = 0; k < Kg; ++k)
            std::memcpy(dyb.data() + k * ld + q * hw2, dyp + (n * g.K + grp * Kg + k) * hw2,
                        static_cast<size_t>(hw2) * sizeof(float));
        }
        omp::sgemm(false, true, Kg, cff, ld, 1.0f, dyb.data(), ld, col.data(), ld, 1.0f,
                   acc + grp * Kg * cff, cff);  // dW_g += dy_block · col_blockᵀ
      }
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
