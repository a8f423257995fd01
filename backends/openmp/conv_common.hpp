// conv_common.hpp — small pieces the OpenMP convolution files share (internal header).
//
// Contract: which output columns of a tap meet real input (valid_outputs); per-thread,
// 64-byte-aligned scratch buffers that only grow (so repeated convolutions pay no page faults);
// a short-run copy; walks over runs of consecutive output pixels that lie in one output row or
// one image; and the stride-phase layout of an input (PhaseSplit). Nothing here allocates per
// call except the buffers' first growth.
#pragma once

#include <cnnlab/ops/geometry.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace cnnlab::omp_conv {

/// Output columns j whose tap v lands inside the input: j in [lo, hi).
struct ValidRange {
  int64_t lo, hi;
};
inline ValidRange valid_outputs(int64_t tap, int64_t S, int64_t P, int64_t D, int64_t in,
                                int64_t out) {
  // need 0 <= j·S − P + tap·D < in
  const int64_t off = tap * D - P;
  int64_t lo = off >= 0 ? 0 : (-off + S - 1) / S;
  int64_t hi = in - off <= 0 ? 0 : (in - off - 1) / S + 1;
  lo = std::min(lo, out);
  hi = std::clamp(hi, lo, out);
  return {lo, hi};
}

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

inline thread_local AlignedBuffer t_packed_b, t_product;

/// The calling thread's buffers for one convolution's filters, packed (t_filters: the direct
/// paths' tap-major blocks) or flipped (t_flipped: backward-data's transposed, flipped filters,
/// which are then packed into t_filters). Kept between calls like the two above, and shared
/// with the thread team of the call: VGG deep's 590 K floats, freshly allocated and zeroed on
/// every call, were a serial 2.4 MB that one image on two threads could not hide.
inline thread_local AlignedBuffer t_filters, t_flipped;

/// Sixteen zeros: the "bias" of a plain transpose16_bias.
inline constexpr float kZeros16[16] = {};

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

/// Copies C channel planes (H × W each, consecutive at @p src) into the interiors of zero-padded
/// planes of Hp × Wp at @p dst, ph rows and pw columns in from the top left — only input rows
/// [h0, h1) when given (the rows one part of the outputs reads, see row_parts). The padding is
/// not touched: the caller zeroes it once and reuses the buffer for every image.
inline void copy_into_padded(const float* src, int64_t C, int64_t H, int64_t W, float* dst,
                             int64_t Hp, int64_t Wp, int64_t ph, int64_t pw, int64_t h0 = 0,
                             int64_t h1 = -1) {
  if (h1 < 0) h1 = H;
  for (int64_t c = 0; c < C; ++c)
    for (int64_t h = h0; h < h1; ++h)
      copy_short(dst + (c * Hp + h + ph) * Wp + pw, src + (c * H + h) * W, W);
}

/// Into how many parts (at most max_parts) to cut the output rows of each of `items` work units
/// (images × groups) so that a team of `threads` threads has a unit each: 1 when there are at
/// least as many units as threads (then each image's input is copied once), else enough parts
/// that units × parts >= threads. Batch 1 on 2 cores, or batch 8 on 16 cores, would otherwise
/// leave threads idle in the convolutions that share out whole images.
inline int64_t row_parts(int64_t items, int64_t max_parts, int threads) {
  if (items <= 0 || items >= threads) return 1;
  return std::clamp<int64_t>((threads + items - 1) / items, 1, std::max<int64_t>(max_parts, 1));
}

/// Input rows [h0, h1) that output rows [i0, i1) of a convolution read (stride S, F rows of
/// dilation D, ph rows of padding above), clamped to the H rows of the input.
struct RowRange {
  int64_t h0, h1;
};
inline RowRange input_rows(int64_t i0, int64_t i1, int64_t S, int64_t F, int64_t D, int64_t ph,
                           int64_t H) {
  const int64_t h0 = std::clamp<int64_t>(i0 * S - ph, 0, H);
  const int64_t h1 = std::clamp<int64_t>((i1 - 1) * S + (F - 1) * D + 1 - ph, h0, H);
  return {h0, h1};
}

}  // namespace cnnlab::omp_conv
