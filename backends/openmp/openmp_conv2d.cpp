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
// with the filters flipped), so it can take the same path. Its variants:
//   - direct_conv_k16: 16 filters per zmm and real output pixels per tile, for layers whose
//     output rows are too short for the 32-wide position tile (LeNet c2 forward);
//   - direct_conv_dx16: 16 input channels reduced in the lanes, skipping taps that meet only
//     the zero border (LeNet c2 backward-data: 16 filters, 6 channels);
//   - direct_dw_image_loop: backward-weight as dot products along the output positions of the
//     padded grid, no column matrix and no transposed packing (small stride-1 layers).
// Stride S > 1 im2col reads a copy of x split into its S column phases (split_phases), so each
// tap is a contiguous copy rather than an S-strided gather (AlexNet c1).
//
// Threads: forward shares out the column blocks (any block may go to any thread); backward-
// data shares out whole groups of images (col2im of neighbouring columns writes the same dx
// pixels, so one image belongs to one thread); the direct paths share out images. Backward-
// weight spreads blocks of images over threads (each with its own col buffer and dW
// accumulator, summed at the end in a fixed order) when there are at least two images per
// thread (the direct weight path: two images in all); otherwise sgemm uses the threads inside
// each product.
#include "backends/openmp/openmp_backend.hpp"

#include "backends/openmp/gemm.hpp"

#include <omp.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
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

/// Sixteen zeros: the "bias" of a plain transpose16_bias.
constexpr float kZeros16[16] = {};

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

/// x with every input row split into its S stride phases, for im2col with stride S > 1:
/// xs[(row·S + b)·Wq + j'] = x[row·W + j'·S + b] (row = (n·C + c)·H + h, Wq = ceil(W/S); the
/// slots past the row's end are never read). Then the S-strided gather of one tap,
/// x[h][j·S + off] for consecutive j, is a contiguous run of phase off mod S — a plain copy.
struct PhaseSplit {
  std::vector<float> xs;
  int64_t Wq = 0;
};

PhaseSplit split_phases(const float* x, const Conv2dGeometry& g) {
  PhaseSplit ps;
  ps.Wq = (g.W + g.S - 1) / g.S;
  const int64_t rows = g.N * g.C * g.H, S = g.S, W = g.W, Wq = ps.Wq;
  ps.xs.resize(static_cast<size_t>(rows * S * Wq));
  float* xs = ps.xs.data();
#pragma omp parallel for schedule(static) if (rows * W > (int64_t{1} << 18))
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t b = 0; b < S; ++b) {
      float* d = xs + (r * S + b) * Wq;
      const float* in = x + r * W + b;
      for (int64_t j = 0; j < (W - b + S - 1) / S; ++j) d[j] = in[j * S];
    }
  return ps;
}

/// Columns [p0, p0+ncols) of group grp's column matrix, written as B̃ (gemm.hpp): NR-wide
/// slivers, each (Cg·FH·FW) rows of NR floats. Loop order: sliver, then the row runs of output
/// pixels inside it, then the Cg·FH·FW taps — so each sliver (rows·NR floats) is written while
/// it sits in L1/L2, and each tap's values are a contiguous copy: from x when the stride is 1,
/// from the phase-split copy `ps` (split_phases) otherwise.
void im2col_packed(const float* x, const PhaseSplit& ps, const Conv2dGeometry& g, int64_t grp,
                   int64_t p0, int64_t ncols, int nr, float* dst) {
  const int64_t Cg = g.channels_per_group(), cff = Cg * g.FH * g.FW;
  std::vector<ValidRange> vr(static_cast<size_t>(g.FW));
  // Tap v reads input column j·S + off_v, off_v = v·D − P = base_v·S + phase_v (0 <= phase < S):
  // element j + base_v of phase row phase_v.
  std::vector<int64_t> phase(static_cast<size_t>(g.FW)), base(static_cast<size_t>(g.FW));
  for (int64_t v = 0; v < g.FW; ++v) {
    vr[v] = valid_outputs(v, g.S, g.P, g.D, g.W, g.W2);
    const int64_t off = v * g.D - g.P;
    phase[v] = (off % g.S + g.S) % g.S;
    base[v] = (off - phase[v]) / g.S;
  }
  for (int64_t s = 0; s * nr < ncols; ++s) {
    float* d = dst + s * cff * nr;
    const int64_t ps0 = p0 + s * nr, pe = std::min(ps0 + nr, p0 + ncols);
    for_each_row_run(ps0, pe, g, [&](int64_t n, int64_t i, int64_t j0, int64_t len, int64_t lane) {
      const int64_t row0 = (n * g.C + grp * Cg) * g.H;  // input row index of (n, channel 0, h 0)
      for (int64_t c = 0; c < Cg; ++c)
        for (int64_t u = 0; u < g.FH; ++u) {
          const int64_t h = i * g.S - g.P + u * g.D;
          const int64_t r0 = (c * g.FH + u) * g.FW;
          if (h < 0 || h >= g.H) {  // the whole row of taps is padding
            for (int64_t v = 0; v < g.FW; ++v) std::fill_n(d + (r0 + v) * nr + lane, len, 0.0f);
            continue;
          }
          const int64_t r = row0 + c * g.H + h;
          for (int64_t v = 0; v < g.FW; ++v) {
            float* out = d + (r0 + v) * nr + lane;  // out[t] is output column j0 + t
            const int64_t lo = std::clamp(vr[v].lo - j0, int64_t{0}, len);
            const int64_t hi = std::clamp(vr[v].hi - j0, lo, len);
            // in[t] is out[t]'s input
            const float* in = g.S == 1 ? x + r * g.W + j0 + v * g.D - g.P
                                       : ps.xs.data() + (r * g.S + phase[v]) * ps.Wq + j0 + base[v];
            std::fill_n(out, lo, 0.0f);
            copy_short(out + lo, in + lo, hi - lo);
            std::fill_n(out + hi, len - hi, 0.0f);
          }
        }
    });
  }
}

#if defined(__x86_64__)
/// im2col_packed for 32-wide slivers (the AVX-512 kernels' NR), with AVX-512 masked loads: each
/// 32-float row of a sliver (one tap) is assembled in two zmm registers from one masked load per
/// row run and half (the lanes of a run read consecutive input floats; lanes whose input lies in
/// the padding are masked off and stay 0), then stored whole. Loop order: sliver, then channel c
/// and filter row u (where each run's input row is found once), then filter column v and the
/// sliver's row runs (at most a few) — so every store is a full, aligned 64-byte line, no lane
/// is written twice, and the inner loop is little more than the masked loads. The masks and
/// input offsets of each run and filter column v are worked out once per sliver.
__attribute__((target("avx512f"))) void im2col_packed_avx512(const float* x, const PhaseSplit& ps,
                                                              const Conv2dGeometry& g, int64_t grp,
                                                              int64_t p0, int64_t ncols,
                                                              float* dst) {
  constexpr int NR = 32;
  const int64_t Cg = g.channels_per_group(), cff = Cg * g.FH * g.FW;
  const int64_t FW = g.FW, S = g.S;
  // Per run r (at most NR): its first input row, its output row, and per filter column v the
  // lanes whose input is inside the row (lo16/hi16 halves) and where lane 0 would read.
  int64_t row0[NR], out_row[NR];
  const float* rowp[NR];
  std::vector<__mmask16> mlo(static_cast<size_t>(NR * FW)), mhi(static_cast<size_t>(NR * FW));
  std::vector<int64_t> shift(static_cast<size_t>(NR * FW));
  std::vector<int64_t> phase(static_cast<size_t>(FW)), base(static_cast<size_t>(FW));
  std::vector<ValidRange> vr(static_cast<size_t>(FW));
  for (int64_t v = 0; v < FW; ++v) {
    vr[v] = valid_outputs(v, g.S, g.P, g.D, g.W, g.W2);
    const int64_t off = v * g.D - g.P;
    phase[v] = (off % S + S) % S;
    base[v] = (off - phase[v]) / S;
  }
  const float* src = S == 1 ? x : ps.xs.data();
  const int64_t row_floats = S == 1 ? g.W : S * ps.Wq;  // floats per input row (all phases)
  for (int64_t s = 0; s * NR < ncols; ++s) {
    float* d = dst + s * cff * NR;
    const int64_t ps0 = p0 + s * NR, pe = std::min(ps0 + NR, p0 + ncols);
    int nruns = 0;
    for_each_row_run(ps0, pe, g, [&](int64_t n, int64_t i, int64_t j0, int64_t len, int64_t lane) {
      row0[nruns] = (n * g.C + grp * Cg) * g.H;
      out_row[nruns] = i;
      for (int64_t v = 0; v < FW; ++v) {
        const int64_t lo = std::clamp(vr[v].lo - j0, int64_t{0}, len);
        const int64_t hi = std::clamp(vr[v].hi - j0, lo, len);
        const uint64_t bits = (((uint64_t{1} << hi) - 1) & ~((uint64_t{1} << lo) - 1)) << lane;
        const size_t k = static_cast<size_t>(nruns * FW + v);
        mlo[k] = static_cast<__mmask16>(bits & 0xffff);
        mhi[k] = static_cast<__mmask16>((bits >> 16) & 0xffff);
        // lane + t reads input column j0 + t (+ v·D − P, or base_v in phase row phase_v)
        shift[k] = S == 1 ? j0 + v * g.D - g.P - lane : phase[v] * ps.Wq + j0 + base[v] - lane;
      }
      ++nruns;
    });
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t u = 0; u < g.FH; ++u) {
        int live = 0;  // runs whose input row is inside the image (the others stay 0)
        int which[NR];
        for (int r = 0; r < nruns; ++r) {
          const int64_t h = out_row[r] * S - g.P + u * g.D;
          if (h < 0 || h >= g.H) continue;
          rowp[live] = src + (row0[r] + c * g.H + h) * row_floats;
          which[live++] = r;
        }
        float* out = d + (c * g.FH + u) * FW * NR;
        for (int64_t v = 0; v < FW; ++v, out += NR) {
          __m512 lo16 = _mm512_setzero_ps(), hi16 = _mm512_setzero_ps();
          for (int q = 0; q < live; ++q) {
            const size_t k = static_cast<size_t>(which[q] * FW + v);
            // Lane 0's address may lie before the row: masked-off lanes are never read, and the
            // address is formed as an integer so no out-of-range pointer is ever created.
            const auto* p = reinterpret_cast<const float*>(
                reinterpret_cast<uintptr_t>(rowp[q]) + static_cast<uintptr_t>(shift[k]) * sizeof(float));
            lo16 = _mm512_mask_loadu_ps(lo16, mlo[k], p);
            hi16 = _mm512_mask_loadu_ps(hi16, mhi[k], p + 16);
          }
          _mm512_store_ps(out, lo16);
          _mm512_store_ps(out + 16, hi16);
        }
      }
  }
}
#endif

#if defined(__x86_64__)
/// The transposed column matrix for the weight gradient, written as B̃ for NR = 32: op(B) is
/// colᵀ, whose row k is output pixel p0 + k of image n and whose column t is tap t0 + t of
/// group grp, i.e. dst[s·np·32 + k·32 + j] = col[t0 + s·32 + j][p0 + k] for the np pixels
/// [p0, p0+np) and nt taps [t0, t0+nt). Lanes past nt in the last sliver are left as they are
/// (sgemm_prepacked ignores them). Because the block of 16 pixels is stored whole, the last block
/// may write up to 15 rows past np: into the next sliver (rewritten after) or, for the last
/// sliver, into slack the caller provides (16·32 floats).
///
/// Loop order: sliver, block of 16 pixels, tap. For each tap the 16 pixels' inputs are gathered
/// into one zmm with a masked load per row run (as in im2col_packed_avx512: a run's pixels read
/// consecutive floats of x, or of the phase-split copy for stride S > 1; padding lanes stay 0),
/// 16 taps go to a 16×16 scratch block, and omp::transpose16_bias turns it into 16 pixel rows
/// of 16 taps — half a B̃ row each.
__attribute__((target("avx512f"))) void im2col_t_packed_avx512(
    const float* x, const PhaseSplit& ps, const Conv2dGeometry& g, int64_t n, int64_t grp,
    int64_t p0, int64_t np, int64_t t0, int64_t nt, float* dst) {
  constexpr int NR = 32;
  const int64_t Cg = g.channels_per_group(), S = g.S, taps_per_c = g.FH * g.FW;
  const float* src = S == 1 ? x : ps.xs.data();
  const int64_t row_floats = S == 1 ? g.W : S * ps.Wq;
  const int64_t row0 = (n * g.C + grp * Cg) * g.H;  // input row of (n, the group's channel 0, h 0)
  std::vector<ValidRange> vr(static_cast<size_t>(g.FW));
  std::vector<int64_t> vshift(static_cast<size_t>(g.FW));  // input column of output column 0
  for (int64_t v = 0; v < g.FW; ++v) {
    vr[static_cast<size_t>(v)] = valid_outputs(v, g.S, g.P, g.D, g.W, g.W2);
    const int64_t off = v * g.D - g.P, phase = (off % S + S) % S;
    vshift[static_cast<size_t>(v)] = S == 1 ? off : phase * ps.Wq + (off - phase) / S;
  }
  alignas(64) float block[16 * 16];
  std::fill(block, block + 256, 0.0f);
  // Per run r of the current block of pixels, and per filter column v: the lanes whose input
  // column is inside the row, and the offset from the row's start of lane 0's input.
  std::vector<__mmask16> mask(static_cast<size_t>(16 * g.FW));
  std::vector<int64_t> shift(static_cast<size_t>(16 * g.FW));
  for (int64_t s = 0; s * NR < nt; ++s) {
    float* d = dst + s * np * NR;
    const int64_t ts = t0 + s * NR, te = std::min(ts + NR, t0 + nt);
    for (int64_t k0 = 0; k0 < np; k0 += 16) {
      // The block's row runs: pixels [k0, k0+16) ∩ [0, np), cut at output-row ends.
      int nruns = 0;
      int64_t run_i[16];
      for (int64_t k = k0; k < std::min(k0 + 16, np);) {
        const int64_t pix = p0 + k, i = pix / g.W2, j0 = pix % g.W2, lane = k - k0;
        const int64_t len = std::min({g.W2 - j0, k0 + 16 - k, np - k});
        for (int64_t v = 0; v < g.FW; ++v) {
          const ValidRange& js = vr[static_cast<size_t>(v)];
          const int64_t lo = std::clamp(js.lo - j0, int64_t{0}, len);
          const int64_t hi = std::clamp(js.hi - j0, lo, len);
          const uint32_t bits = ((1u << hi) - 1u) & ~((1u << lo) - 1u);
          const size_t e = static_cast<size_t>(nruns * g.FW + v);
          mask[e] = static_cast<__mmask16>(bits << lane);
          shift[e] = vshift[static_cast<size_t>(v)] + j0 - lane;
        }
        run_i[nruns++] = i;
        k += len;
      }
      for (int64_t half = 0; ts + half * 16 < te; ++half) {
        const int64_t h0 = ts + half * 16, h1 = std::min(h0 + 16, te);
        // Tap h0 as (c, u, v), then stepped along without divisions.
        int64_t c = h0 / taps_per_c, u = h0 % taps_per_c / g.FW, v = h0 % g.FW;
        // The runs whose input row for (c, u) is inside the image, and those rows' starts.
        int live = 0;
        int which[16];
        const float* rowp[16];
        auto find_rows = [&] {
          live = 0;
          for (int r = 0; r < nruns; ++r) {
            const int64_t h = run_i[r] * S - g.P + u * g.D;
            if (h < 0 || h >= g.H) continue;
            rowp[live] = src + (row0 + c * g.H + h) * row_floats;
            which[live++] = r;
          }
        };
        find_rows();
        for (int64_t t = h0; t < h1; ++t) {
          __m512 acc = _mm512_setzero_ps();
          for (int q = 0; q < live; ++q) {
            const size_t e = static_cast<size_t>(which[q] * g.FW + v);
            // The address of lane 0 may lie before the row, so it is formed as an integer
            // (masked-off lanes are never read).
            const auto* p = reinterpret_cast<const float*>(
                reinterpret_cast<uintptr_t>(rowp[q]) + static_cast<uintptr_t>(shift[e]) * sizeof(float));
            acc = _mm512_mask_loadu_ps(acc, mask[e], p);
          }
          _mm512_store_ps(block + (t - h0) * 16, acc);
          if (++v == g.FW) {  // next filter row, or next channel
            v = 0;
            if (++u == g.FH) u = 0, ++c;
            find_rows();
          }
        }
        // block[j·16 + q] = tap h0 + j at pixel k0 + q  →  d[(k0 + q)·32 + half·16 + j]
        omp::transpose16_bias(block, 16, kZeros16, d + k0 * NR + half * 16, NR);
      }
    }
  }
}
#endif

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
  int64_t S = 1;  ///< stride; only direct_conv_k16 takes S > 1 (through a phase-split copy)
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

/// Whether the filters-in-lanes tile (omp::conv_k16) suits better than direct_conv_s1 and
/// im2col + GEMM: whole blocks of 16 filters, a padded input plane within 1 MB, a block's packed
/// filters (taps·64 bytes) within 512 KB of L2, and one of:
///   - output rows so short that the 32-wide grid tile would waste more than a fifth of its
///     positions on padding columns and the overhang of its last block (LeNet c2: 100 real
///     outputs out of 160 computed);
///   - rows that split into chunks of exactly 14 columns, so every tile uses all 28 accumulators
///     and, unlike the grid tile, computes no padding column at all (VGG: 28 or 56 wide);
///   - filters too large for direct_conv_s1 (Kg·taps > 64 Ki floats), where the only other
///     choice is im2col + GEMM, whose column matrix costs a copy per tap (VGG deep: 256 × 2304);
///   - a stride S > 1, which only im2col + GEMM handles otherwise (AlexNet c1: 11×11, stride 4).
bool k16_suits(const DirectConv& d) {
  const int64_t Kg = d.K / d.G, Cg = d.C / d.G, taps = Cg * d.FH * d.FW;
  if (!omp::conv_k16_available() || Kg % 16 != 0 || taps * 16 > (int64_t{1} << 17)) return false;
  const int64_t Wp = d.W + 2 * d.pw, Hp = d.H + 2 * d.ph, Wq = (Wp + d.S - 1) / d.S;
  if (Cg * Hp * Wq * d.S > (int64_t{1} << 18)) return false;  // padded plane within 1 MB
  if (d.S > 1 || Kg * taps > (int64_t{1} << 16)) return true;
  if (d.W2 % omp::kConvK16MaxCols == 0) return true;
  const int64_t grid = ((d.H2 - 1) * Wp + d.W2 + 31) / 32 * 32;  // positions conv_tile computes
  return d.H2 * d.W2 * 5 < grid * 4;
}

/// The same convolution as direct_conv_s1, with 16 filters per zmm (omp::conv_k16) on tiles of
/// real output pixels: 2 output rows × up to 14 columns; any stride S. Loop order: images over
/// threads; per image and group the input is copied once into a zero-padded plane, split into
/// its S column phases (xq below; for S = 1 that is just the padded plane), so that the inputs
/// of consecutive output columns are consecutive floats for every tap, whatever the stride.
/// Then per block of 16 filters, per tile of pixels, the kernel runs over all taps (the block's
/// packed filters, taps·64 bytes, stay in L1/L2, the tile's input window in L1). The kernel
/// leaves the outputs pixel-major (16 filters per pixel) in a per-image buffer, which is then
/// transposed into y's 16 filter planes, 16 pixels at a time in registers, with the bias added.
void direct_conv_k16(const float* x, const float* w, const float* bias, float* y,
                     const DirectConv& d) {
  const int64_t Cg = d.C / d.G, Kg = d.K / d.G, taps = Cg * d.FH * d.FW, S = d.S;
  // Padded input row h, column q = j'·S + b lives at xq[((c·Hp + h)·S + b)·Wq + j'].
  const int64_t Hp = d.H + 2 * d.ph, Wp = d.W + 2 * d.pw, Wq = (Wp + S - 1) / S;
  const int64_t plane = Cg * Hp * S * Wq;
  const int64_t hw2 = d.H2 * d.W2, kblocks = Kg / 16;
  // Filters, tap-major per block of 16: wk[((grp·kblocks + kb)·taps + t)·16 + k] =
  // w[grp·Kg + kb·16 + k][t].
  AlignedBuffer wbuf;
  float* wk = wbuf.get(d.G * kblocks * taps * 16);
  for (int64_t grp = 0; grp < d.G; ++grp)
    for (int64_t k = 0; k < Kg; ++k)
      for (int64_t t = 0; t < taps; ++t)
        wk[((grp * kblocks + k / 16) * taps + t) * 16 + k % 16] = w[(grp * Kg + k) * taps + t];
  // Tap (c, u, v) of output pixel (i, j) reads padded row i·S + u·D, column j·S + v·D, where
  // v·D = base·S + phase: element j + base of phase row `phase`. One output row further down is
  // S padded rows further on: `row` floats.
  std::vector<int64_t> off(static_cast<size_t>(taps));
  for (int64_t c = 0; c < Cg; ++c)
    for (int64_t u = 0; u < d.FH; ++u)
      for (int64_t v = 0; v < d.FW; ++v)
        off[static_cast<size_t>((c * d.FH + u) * d.FW + v)] =
            ((c * Hp + u * d.D) * S + (v * d.D) % S) * Wq + (v * d.D) / S;
  const int64_t row = S * S * Wq;
  // Column chunks of equal width, at most kConvK16MaxCols (a 28-wide row → 14 + 14).
  const int64_t nchunks = (d.W2 + omp::kConvK16MaxCols - 1) / omp::kConvK16MaxCols;
  const int64_t jw = (d.W2 + nchunks - 1) / nchunks;

  // The bias in blocks of 16 (zeros when there is none), for transpose16_bias.
  std::vector<float> b16(static_cast<size_t>(d.K), 0.0f);
  if (bias) std::copy(bias, bias + d.K, b16.begin());
  const int64_t pix16 = (hw2 + 15) / 16 * 16;

#pragma omp parallel if (d.N > 1 && d.N * d.K * hw2 * taps > (int64_t{1} << 20))
  {
    // The tile reads at most the last output's last tap: inside the plane.
    float* xq = t_packed_b.get(plane);
    // One image's outputs for one block of 16 filters, pixel-major (16 floats per pixel);
    // pixels past hw2 are zeros, read by the last transpose and not stored.
    float* pix = t_product.get(pix16 * 16);
    std::fill(pix + hw2 * 16, pix + pix16 * 16, 0.0f);
    // The padding stays 0; interiors are rewritten. (Without padding, the only slots never
    // written are the phase rows' slack past the row's end, which no tap reads.)
    if (d.ph > 0 || d.pw > 0) std::fill(xq, xq + plane, 0.0f);
#pragma omp for schedule(dynamic)
    for (int64_t n = 0; n < d.N; ++n)
      for (int64_t grp = 0; grp < d.G; ++grp) {
        for (int64_t c = 0; c < Cg; ++c)
          for (int64_t h = 0; h < d.H; ++h) {
            const float* src = x + ((n * d.C + grp * Cg + c) * d.H + h) * d.W;
            float* dst = xq + (c * Hp + h + d.ph) * S * Wq;
            if (S == 1) {
              std::memcpy(dst + d.pw, src, static_cast<size_t>(d.W) * sizeof(float));
              continue;
            }
            for (int64_t b = 0; b < S; ++b) {  // phase b holds padded columns b, b + S, ...
              // its first column inside the image: the smallest q = j'·S + b >= pw
              const int64_t j_first = (std::max<int64_t>(d.pw - b, 0) + S - 1) / S;
              float* out = dst + b * Wq;
              for (int64_t j = j_first, q = j_first * S + b; q < d.pw + d.W; ++j, q += S)
                out[j] = src[q - d.pw];
            }
          }
        for (int64_t kb = 0; kb < kblocks; ++kb) {
          for (int64_t i0 = 0; i0 < d.H2; i0 += 2)
            for (int64_t j0 = 0; j0 < d.W2; j0 += jw) {
              const int rows = static_cast<int>(std::min<int64_t>(2, d.H2 - i0));
              const int cols = static_cast<int>(std::min(jw, d.W2 - j0));
              omp::conv_k16(rows, cols, taps, off.data(), xq + i0 * row + j0, row,
                            wk + (grp * kblocks + kb) * taps * 16,
                            pix + (i0 * d.W2 + j0) * 16, d.W2);
            }
          const int64_t ch = grp * Kg + kb * 16;  // the block's first filter
          for (int64_t p = 0; p < hw2; p += 16)
            omp::transpose16_bias(pix + p * 16, static_cast<int>(std::min<int64_t>(16, hw2 - p)),
                                  b16.data() + ch, y + (n * d.K + ch) * hw2 + p, hw2);
        }
      }
  }
}

/// Whether omp::conv_dx16 suits a direct convolution (the data gradient written as one, see
/// conv2d_backward_data): exactly 16 input channels per group — the forward pass's 16 filters,
/// reduced over in the lanes — and few output channels, where conv_tile would pad its tile
/// with unused filter rows or use only a few per tile (LeNet c2: 6).
bool dx16_suits(const DirectConv& d) {
  const int64_t Hp = d.H + 2 * d.ph, Wp = d.W + 2 * d.pw;
  return omp::conv_k16_available() && d.C / d.G == 16 && d.K / d.G <= 12 &&
         (Hp * Wp + omp::kConvDx16Pixels) * 16 <= (int64_t{1} << 18);
}

/// The direct convolution of direct_conv_s1 for 16 input channels per group, with those 16 in
/// the lanes (omp::conv_dx16): the input is copied pixel-major (16 channels per pixel) onto its
/// zero-padded grid, and each tile of 6 output channels × 4 output pixels in a row is a
/// reduction over the taps and the lanes (only over the taps that meet real input somewhere in
/// the tile). Loop order: images over threads; per image and group
/// the transposed input (Hp·Wp·64 bytes) stays in L1/L2 while every tile runs over it.
void direct_conv_dx16(const float* x, const float* w, float* y, const DirectConv& d) {
  constexpr int CT = omp::kConvDx16Channels, PT = omp::kConvDx16Pixels;
  const int64_t Kg = d.K / d.G, taps = d.FH * d.FW;
  const int64_t Hp = d.H + 2 * d.ph, Wp = d.W + 2 * d.pw, hw2 = d.H2 * d.W2;
  const int64_t ctiles = (Kg + CT - 1) / CT;
  // wq[(((grp·ctiles + ct)·taps + t)·6 + c)·16 + k] = w[grp·Kg + ct·6 + c][k][t] (0 past Kg)
  AlignedBuffer wbuf;
  float* wq = wbuf.get(d.G * ctiles * taps * CT * 16);
  std::fill(wq, wq + d.G * ctiles * taps * CT * 16, 0.0f);
  for (int64_t grp = 0; grp < d.G; ++grp)
    for (int64_t c = 0; c < Kg; ++c)
      for (int64_t k = 0; k < 16; ++k)
        for (int64_t t = 0; t < taps; ++t)
          wq[(((grp * ctiles + c / CT) * taps + t) * CT + c % CT) * 16 + k] =
              w[((grp * Kg + c) * 16 + k) * taps + t];
  // Taps that meet only the zero border are skipped: output row i reads input row
  // i + u·D − ph, which is real for u in [u_lo(i), u_hi(i)); likewise for the columns of a tile
  // of PT pixels (the union of its pixels' ranges). For LeNet c2's data gradient (input dy
  // 10×10 padded by 4 to 18×18) this skips about 40 % of the taps.
  const auto tap_range = [&](int64_t first, int64_t last, int64_t pad, int64_t in, int64_t F) {
    // taps t with first + t·D − pad or last + t·D − pad inside [0, in)
    int64_t lo = 0, hi = F;
    while (lo < F && last + lo * d.D - pad < 0) ++lo;
    while (hi > lo && first + (hi - 1) * d.D - pad >= in) --hi;
    return std::pair<int64_t, int64_t>{lo, hi};
  };

#pragma omp parallel if (d.N > 1 && d.N * d.K * hw2 * 16 * taps > (int64_t{1} << 20))
  {
    // The last tile of a row may run PT − 1 pixels past the grid: slack of PT pixels of zeros.
    const int64_t floats = (Hp * Wp + PT) * 16;
    float* xt = t_packed_b.get(floats);
    std::fill(xt, xt + floats, 0.0f);  // borders and slack stay 0; interiors are rewritten
    float sums[CT * PT];
#pragma omp for schedule(dynamic)
    for (int64_t n = 0; n < d.N; ++n)
      for (int64_t grp = 0; grp < d.G; ++grp) {
        for (int64_t k = 0; k < 16; ++k)
          for (int64_t h = 0; h < d.H; ++h) {
            const float* src = x + ((n * d.C + grp * 16 + k) * d.H + h) * d.W;
            float* dst = xt + ((h + d.ph) * Wp + d.pw) * 16 + k;
            for (int64_t j = 0; j < d.W; ++j) dst[j * 16] = src[j];
          }
        for (int64_t ct = 0; ct < ctiles; ++ct) {
          const int64_t cn = std::min<int64_t>(CT, Kg - ct * CT);
          for (int64_t i = 0; i < d.H2; ++i)
            for (int64_t j0 = 0; j0 < d.W2; j0 += PT) {
              const int64_t pn = std::min<int64_t>(PT, d.W2 - j0);
              const auto [u0, u1] = tap_range(i, i, d.ph, d.H, d.FH);
              const auto [v0, v1] = tap_range(j0, j0 + pn - 1, d.pw, d.W, d.FW);
              omp::conv_dx16(u0, u1, v0, v1, d.FW, d.D * Wp * 16, d.D * 16,
                             xt + (i * Wp + j0) * 16, wq + (grp * ctiles + ct) * taps * CT * 16,
                             sums);
              for (int64_t c = 0; c < cn; ++c) {
                float* dst = y + ((n * d.K + grp * Kg + ct * CT + c) * d.H2 + i) * d.W2 + j0;
                for (int64_t p = 0; p < pn; ++p) dst[p] = sums[c * PT + p];
              }
            }
        }
      }
  }
}

/// Backward-weight of a stride-1 convolution without a column matrix (omp::conv_dw_tile):
///     dW[k][c, u, v] = Σ_n Σ_q dy_n[k][q] · xpad_n[c][q + (u·D)·Wp + v·D]
/// where q = i·Wp + j runs over the output positions laid on the padded input's row grid (width
/// Wp), and dy_n is copied onto that grid with zeros in the columns j >= W2, so the positions
/// that are not outputs add nothing. A reduction along q needs no transposed copy of anything.
struct DirectDw {
  int64_t Cg, Kg, taps, Hp, Wp, plane, nq, ktiles, ttiles;
};

DirectDw direct_dw_plan(const Conv2dGeometry& g) {
  DirectDw p;
  p.Cg = g.channels_per_group();
  p.Kg = g.filters_per_group();
  p.taps = p.Cg * g.FH * g.FW;
  p.Hp = g.H + 2 * g.P;
  p.Wp = g.W + 2 * g.P;
  p.plane = p.Cg * p.Hp * p.Wp;
  p.nq = ((g.H2 - 1) * p.Wp + g.W2 + 15) / 16 * 16;  // up to the last output, whole zmm
  p.ktiles = (p.Kg + omp::kConvDwRows - 1) / omp::kConvDwRows;
  p.ttiles = (p.taps + omp::kConvDwCols - 1) / omp::kConvDwCols;
  return p;
}

/// Whether the direct weight gradient suits: AVX-512, stride 1, every per-thread buffer (padded
/// input, dy on the grid, the vector accumulators) small enough for L2, and at least 40 % of
/// the grid positions and of the 4×6 tiles real. (LeNet c1, 6 filters × 25 taps on 8 × 30
/// tiles: 55 %, and still 4× faster than im2col + sgemm with M = 6.)
bool direct_dw_suits(const Conv2dGeometry& g) {
  if (g.S != 1 || !omp::conv_k16_available() || g.N * g.H2 * g.W2 == 0) return false;
  const DirectDw p = direct_dw_plan(g);
  const int64_t kpad = p.ktiles * omp::kConvDwRows, tpad = p.ttiles * omp::kConvDwCols;
  if (p.plane + kpad * p.nq + kpad * tpad * 16 > (int64_t{1} << 17)) return false;
  const double useful = static_cast<double>(g.H2 * g.W2) / static_cast<double>(p.nq) *
                        static_cast<double>(p.Kg * p.taps) / static_cast<double>(kpad * tpad);
  return useful >= 0.4;
}

/// Loop order: images over threads (static, so the per-thread sums are the same on every run);
/// per image and group, x is copied into a zero-padded plane and dy onto the padded grid, then
/// every 4-filter × 6-tap tile runs over all nq positions (the plane and the grid sit in L1/L2
/// for the whole image). Each thread keeps its vector accumulators (16 lanes per dW entry) for
/// all its images and adds the lanes up once, into `acc` (its slice of dW, or dW itself).
void direct_dw_image_loop(const float* x, const float* dy, const Conv2dGeometry& g, int threads,
                          float* partial, float* dwp) {
  const DirectDw p = direct_dw_plan(g);
  const int64_t hw2 = g.H2 * g.W2, kpad = p.ktiles * omp::kConvDwRows;
  const int64_t tpad = p.ttiles * omp::kConvDwCols, tile = omp::kConvDwRows * omp::kConvDwCols * 16;
  std::vector<int64_t> off(static_cast<size_t>(tpad), 0);  // taps past the end read x[0 ..]
  for (int64_t c = 0; c < p.Cg; ++c)
    for (int64_t u = 0; u < g.FH; ++u)
      for (int64_t v = 0; v < g.FW; ++v)
        off[static_cast<size_t>((c * g.FH + u) * g.FW + v)] = (c * p.Hp + u * g.D) * p.Wp + v * g.D;
  const int64_t wsize = g.K * p.taps;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    float* acc = threads > 1 ? partial + omp_get_thread_num() * wsize : dwp;
    // x[off[j] + nq − 1] may lie up to 15 floats past the plane: slack of 16 zeros.
    const int64_t xfloats = (p.plane + 16 + 15) / 16 * 16;  // so that dyg is 64-byte aligned
    float* xpad = t_packed_b.get(xfloats + kpad * p.nq);
    float* dyg = xpad + xfloats;
    AlignedBuffer vbuf;
    float* vacc = vbuf.get(g.G * p.ktiles * p.ttiles * tile);
    std::fill(xpad, dyg + kpad * p.nq, 0.0f);  // borders, slack, padded columns and rows stay 0
    std::fill(vacc, vacc + g.G * p.ktiles * p.ttiles * tile, 0.0f);
#pragma omp for schedule(static)
    for (int64_t n = 0; n < g.N; ++n)
      for (int64_t grp = 0; grp < g.G; ++grp) {
        for (int64_t c = 0; c < p.Cg; ++c)
          for (int64_t h = 0; h < g.H; ++h)
            std::memcpy(xpad + (c * p.Hp + h + g.P) * p.Wp + g.P,
                        x + ((n * g.C + grp * p.Cg + c) * g.H + h) * g.W,
                        static_cast<size_t>(g.W) * sizeof(float));
        for (int64_t k = 0; k < p.Kg; ++k)
          for (int64_t i = 0; i < g.H2; ++i)
            copy_short(dyg + k * p.nq + i * p.Wp, dy + (n * g.K + grp * p.Kg + k) * hw2 + i * g.W2,
                       g.W2);
        for (int64_t kt = 0; kt < p.ktiles; ++kt)
          for (int64_t tt = 0; tt < p.ttiles; ++tt)
            omp::conv_dw_tile(p.nq, dyg + kt * omp::kConvDwRows * p.nq, p.nq,
                              off.data() + tt * omp::kConvDwCols, xpad,
                              vacc + ((grp * p.ktiles + kt) * p.ttiles + tt) * tile);
      }
    // Add up the lanes: tile (kt, tt), entry (i, j) is dW[kt·4 + i][tt·6 + j].
    for (int64_t grp = 0; grp < g.G; ++grp)
      for (int64_t k = 0; k < p.Kg; ++k)
        for (int64_t t = 0; t < p.taps; ++t) {
          const int64_t kt = k / omp::kConvDwRows, tt = t / omp::kConvDwCols;
          const float* lanes = vacc + ((grp * p.ktiles + kt) * p.ttiles + tt) * tile +
                               ((k % omp::kConvDwRows) * omp::kConvDwCols + t % omp::kConvDwCols) * 16;
          float sum = 0.0f;
          for (int l = 0; l < 16; ++l) sum += lanes[l];
          acc[(grp * p.Kg + k) * p.taps + t] = sum;
        }
  }
}

#if defined(__x86_64__)
/// Whether the weight gradient should take weight_grad_transposed_columns: AVX-512, and a product
/// large in every direction (at least 32 filters, 64 taps and 256 output pixels per image), where
/// building the transposed column matrix straight into B̃ pays off. (Small images keep the
/// batched im2col + sgemm path below, which puts several images' pixels into one long product.)
bool transposed_columns_suit(const Conv2dGeometry& g) {
  return omp::conv_k16_available() && g.filters_per_group() >= 32 &&
         g.channels_per_group() * g.FH * g.FW >= 64 && g.H2 * g.W2 >= 256;
}

/// dW_g += Σ_n dy_n,g · col_n,gᵀ with the reduction over pixels as the GEMM's K: per image and
/// group, per chunk of np pixels, the dy chunk (Kg × np) is packed once as Ã, and per chunk of
/// nt taps the transposed columns (np × nt) are written straight into B̃
/// (im2col_t_packed_avx512) — no column matrix in memory, no second packing pass. Chunk sizes:
/// Ã about 512 KB and B̃ about 256 KB: together in the 1 MB L2 with the C block (Kg × nt).
/// Threads: whole images per thread, each into its own `partial` slice, when threads > 1 (the
/// caller's batch_parallel); otherwise the tap chunks of each pixel chunk are shared out (they
/// write disjoint columns of dW).
void weight_grad_transposed_columns(const float* x, const float* dy, const Conv2dGeometry& g,
                                    int threads, float* partial, float* dwp) {
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group();
  const int64_t cff = Cg * g.FH * g.FW, hw2 = g.H2 * g.W2, wsize = g.K * cff;
  const PhaseSplit ps = g.S > 1 ? split_phases(x, g) : PhaseSplit{};
  // Chunks of equal size (a multiple of 16 pixels, of 32 taps) within those budgets, so that no
  // chunk is a short remainder (784 pixels → 3 × 272, not 384 + 384 + 16).
  auto even = [](int64_t total, int64_t budget, int64_t unit) {
    const int64_t pieces = (total + budget - 1) / budget;
    return ((total + pieces - 1) / pieces + unit - 1) / unit * unit;
  };
  const int64_t np_max = even(hw2, std::max<int64_t>(16, (int64_t{128} << 10) / Kg / 16 * 16), 16);
  const int64_t nt_max = even(cff, std::max<int64_t>(32, (int64_t{64} << 10) / np_max / 32 * 32), 32);
  const int64_t pchunks = (hw2 + np_max - 1) / np_max, tchunks = (cff + nt_max - 1) / nt_max;
  const int64_t bt_floats = nt_max / 32 * np_max * 32 + 16 * 32;  // + slack (see the packer)

  // One pixel chunk of one image and group: C (Kg × cff, row stride cff) += Ã · B̃ over the
  // tap chunks [tc0, tc1).
  auto chunk = [&](const omp::PackedA& a, int64_t n, int64_t grp, int64_t p0, int64_t np,
                   int64_t tc, float* bt, float* c) {
    const int64_t t0 = tc * nt_max, nt = std::min(nt_max, cff - t0);
    im2col_t_packed_avx512(x, ps, g, n, grp, p0, np, t0, nt, bt);
    omp::sgemm_prepacked(a, nt, bt, 1.0f, c + t0, cff);
  };
  if (threads > 1) {
#pragma omp parallel num_threads(threads)
    {
      float* acc = partial + omp_get_thread_num() * wsize;
      float* bt = t_packed_b.get(bt_floats);
#pragma omp for schedule(static)
      for (int64_t n = 0; n < g.N; ++n)
        for (int64_t grp = 0; grp < g.G; ++grp)
          for (int64_t pc = 0; pc < pchunks; ++pc) {
            const int64_t p0 = pc * np_max, np = std::min(np_max, hw2 - p0);
            const omp::PackedA a(false, Kg, np, dy + (n * g.K + grp * Kg) * hw2 + p0, hw2);
            for (int64_t tc = 0; tc < tchunks; ++tc)
              chunk(a, n, grp, p0, np, tc, bt, acc + grp * Kg * cff);
          }
    }
    return;
  }
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t grp = 0; grp < g.G; ++grp)
      for (int64_t pc = 0; pc < pchunks; ++pc) {
        const int64_t p0 = pc * np_max, np = std::min(np_max, hw2 - p0);
        const omp::PackedA a(false, Kg, np, dy + (n * g.K + grp * Kg) * hw2 + p0, hw2);
#pragma omp parallel for schedule(dynamic) if (tchunks > 1)
        for (int64_t tc = 0; tc < tchunks; ++tc)
          chunk(a, n, grp, p0, np, tc, t_packed_b.get(bt_floats), dwp + grp * Kg * cff);
      }
}
#endif

/// Each group's filters packed once as the A operand of sgemm_prepacked: W_g, stored
/// (Kg × CgFF) row-major, or its transpose W_gᵀ (CgFF × Kg) for the data gradient.
std::vector<omp::PackedA> pack_group_filters(const float* w, const Conv2dGeometry& g,
                                             bool transposed) {
  const int64_t Kg = g.filters_per_group(), cff = g.channels_per_group() * g.FH * g.FW;
  std::vector<omp::PackedA> packed;
  for (int64_t grp = 0; grp < g.G; ++grp)
    packed.emplace_back(transposed, transposed ? cff : Kg, transposed ? Kg : cff,
                        w + grp * Kg * cff, cff);
  return packed;
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
  const DirectConv d{g.N, g.C, g.H, g.W, g.K, g.G, g.FH, g.FW, g.D, g.P, g.P, g.H2, g.W2, g.S};
  if (k16_suits(d)) {
    direct_conv_k16(xp, wp, bp, yp, d);
    return;
  }
  if (g.S == 1) {
    if (direct_suits(d)) {
      direct_conv_s1(xp, wp, bp, yp, d);
      return;
    }
  }

  // The filters of each group, packed once: W_g is (Kg × CgFF), row-major.
  const std::vector<omp::PackedA> filters = pack_group_filters(wp, g, false);
  const int nr = filters[0].nr();
  const ColumnBlocks cb = plan_columns(g, cff, nr, kBlockFloats);
  const int64_t chunks = cb.groups * cb.per_group;
  const PhaseSplit ps = g.S > 1 ? split_phases(xp, g) : PhaseSplit{};

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
#if defined(__x86_64__)
        if (nr == 32 && omp::conv_k16_available())
          im2col_packed_avx512(xp, ps, g, grp, p0, p1 - p0, bt);
        else
#endif
          im2col_packed(xp, ps, g, grp, p0, p1 - p0, nr, bt);
        if (cb.images == 1) {
          // The chunk lies in one image: the product goes straight into y (row stride H2·W2),
          // and the bias is added in place while the block is still in cache.
          const int64_t n = p0 / hw2, pix = p0 % hw2;
          float* dst = yp + (n * g.K + grp * Kg) * hw2 + pix;
          omp::sgemm_prepacked(filters[grp], p1 - p0, bt, 0.0f, dst, hw2);
          if (bp)
            for (int64_t k = 0; k < Kg; ++k) {
              const float bias = bp[grp * Kg + k];
              for (int64_t t = 0; t < p1 - p0; ++t) dst[k * hw2 + t] += bias;
            }
          continue;
        }
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
    if (dx16_suits(d) || k16_suits(d) || direct_suits(d)) {
      std::vector<float> wf(static_cast<size_t>(g.C * Kg * g.FH * g.FW));
      for (int64_t grp = 0; grp < g.G; ++grp)
        for (int64_t c = 0; c < Cg; ++c)
          for (int64_t k = 0; k < Kg; ++k)
            for (int64_t u = 0; u < g.FH; ++u)
              for (int64_t v = 0; v < g.FW; ++v)
                wf[static_cast<size_t>((((grp * Cg + c) * Kg + k) * g.FH + u) * g.FW + v)] =
                    wp[(((grp * Kg + k) * Cg + c) * g.FH + (g.FH - 1 - u)) * g.FW + (g.FW - 1 - v)];
      if (dx16_suits(d))
        direct_conv_dx16(dyp, wf.data(), dxp, d);
      else if (k16_suits(d))
        direct_conv_k16(dyp, wf.data(), nullptr, dxp, d);
      else
        direct_conv_s1(dyp, wf.data(), nullptr, dxp, d);
      return;
    }
  }
  if (g.N * hw2 == 0 || cff == 0) {
    std::fill(dxp, dxp + g.N * g.C * hw, 0.0f);
    return;
  }

  // Wᵀ of each group, packed once (op(A) = W_gᵀ is CgFF × Kg).
  const std::vector<omp::PackedA> filters_t = pack_group_filters(wp, g, true);
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
  const bool direct = direct_dw_suits(g);
  // The direct path shares out images whenever there are two or more.
  const int threads = by_image || (direct && g.N > 1) ? omp_get_max_threads() : 1;
  std::vector<float> partial(threads > 1 ? static_cast<size_t>(threads * wsize) : 0, 0.0f);
  if (direct) {
    direct_dw_image_loop(xp, dyp, g, threads, partial.data(), dwp);
#if defined(__x86_64__)
  } else if (transposed_columns_suit(g)) {
    weight_grad_transposed_columns(xp, dyp, g, threads, partial.data(), dwp);
#endif
  } else {
    // Images are taken `batch` at a time: their column matrices are laid side by side
    // (CgFF × batch·H2W2) and their dy copied next to each other (Kg × batch·H2W2), so that one
    // sgemm reduces over all their pixels at once — a long K instead of a short one per image
    // (LeNet c2 has only 100 pixels per image), which spares the per-call packing and C traffic.
    const int64_t batch = std::clamp<int64_t>(1024 / std::max<int64_t>(hw2, 1), 1, g.N);
    const int64_t blocks = (g.N + batch - 1) / batch;
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
      std::vector<float> col(static_cast<size_t>(cff * batch * hw2));
      std::vector<float> dyb(static_cast<size_t>(Kg * batch * hw2));
      float* acc = threads > 1 ? partial.data() + omp_get_thread_num() * wsize : dwp;
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
  }
  for (int t = 0; t < (threads > 1 ? threads : 0); ++t)
    for (int64_t e = 0; e < wsize; ++e) dwp[e] += partial[static_cast<size_t>(t * wsize + e)];

  if (db.defined()) {
    float* dbp = db.data();
#pragma omp parallel for schedule(static) if (g.N * g.K * hw2 > (1 << 16))
    for (int64_t k = 0; k < g.K; ++k) {
      double sum = 0.0;
      for (int64_t n = 0; n < g.N; ++n) {
        // 16 independent partial sums: the compiler may not reorder a single float sum (no
        // -ffast-math), so one accumulator is a chain of dependent adds — 4 cycles per element,
        // which made db cost more than dW for CIFAR's 32×32 planes. Lane l sums the elements
        // e ≡ l (mod 16): a fixed order, so the result is the same on every run.
        float lanes[16] = {};
        const float* plane = dyp + (n * g.K + k) * hw2;
        int64_t e = 0;
        for (; e + 16 <= hw2; e += 16)
          for (int l = 0; l < 16; ++l) lanes[l] += plane[e + l];
        for (; e < hw2; ++e) lanes[e % 16] += plane[e];
        float s = 0.0f;
        for (float v : lanes) s += v;
        sum += s;
      }
      dbp[k] = static_cast<float>(sum);
    }
  }
}

}  // namespace cnnlab
