// conv_direct_forward.cpp — the forward direct convolutions: y (N, K, H2, W2) = w (K, C/G, FH,
// FW) ⋆ x (N, C, H, W) + b, computed by register tiles that read a zero-padded copy of the input
// (no column matrix).
//
// Contract: implements direct_suits / direct_conv_s1 (the 32-position grid tile, stride 1) and
// k16_suits / direct_conv_k16 (16 filters in the lanes, any stride S) of conv_direct.hpp. The
// stride-1 data gradient runs through the same two functions (openmp_conv2d.cpp passes dy as
// the input and the filters flipped and transposed). The thresholds the *_suits tests compare
// against are named in conv_paths.hpp; the tiles themselves are in conv_tiles_generic.hpp.
// What it deliberately is not: the choice between the paths (openmp_conv2d.cpp), nor the
// backward passes' own tiles (conv_direct_data.cpp, conv_direct_weight.cpp).
#include "backends/openmp/conv_direct.hpp"

#include "backends/openmp/conv_paths.hpp"
#include "backends/openmp/conv_tiles.hpp"

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace cnnlab::omp_conv {

namespace {

/// The S column phases of one row of n floats: dst[b·Wq + j] = row[j·S + b] for j·S + b < n
/// (other slots untouched). Strides 2 and 4 — the common ones — go through SSE shuffles
/// (4×4 transposes for S = 4, even/odd splits for S = 2): about a quarter of the time of the
/// scalar strided loop, which was 7% of AlexNet c1's forward pass.
void split_row(const float* row, int64_t n, int64_t S, int64_t Wq, float* dst) {
  int64_t done = 0;  // columns [0, done) are written
#if defined(__SSE2__)
  if (S == 4) {
    for (; done + 16 <= n; done += 16) {
      __m128 r0 = _mm_loadu_ps(row + done), r1 = _mm_loadu_ps(row + done + 4);
      __m128 r2 = _mm_loadu_ps(row + done + 8), r3 = _mm_loadu_ps(row + done + 12);
      _MM_TRANSPOSE4_PS(r0, r1, r2, r3);  // r_b = row[done + b], row[done + 4 + b], ...
      const int64_t j = done / 4;
      _mm_storeu_ps(dst + j, r0);
      _mm_storeu_ps(dst + Wq + j, r1);
      _mm_storeu_ps(dst + 2 * Wq + j, r2);
      _mm_storeu_ps(dst + 3 * Wq + j, r3);
    }
  } else if (S == 2) {
    for (; done + 8 <= n; done += 8) {
      const __m128 a = _mm_loadu_ps(row + done), c = _mm_loadu_ps(row + done + 4);
      const int64_t j = done / 2;
      _mm_storeu_ps(dst + j, _mm_shuffle_ps(a, c, _MM_SHUFFLE(2, 0, 2, 0)));       // even
      _mm_storeu_ps(dst + Wq + j, _mm_shuffle_ps(a, c, _MM_SHUFFLE(3, 1, 3, 1)));  // odd
    }
  }
#endif
  for (int64_t q = done; q < n; ++q) dst[(q % S) * Wq + q / S] = row[q];
}

/// Whether direct_conv_s1 starts its 32-position blocks at each output row rather than every 32
/// positions along the grid: when that computes fewer positions per row (W2 rounded up to 32
/// below Wp: CIFAR's 32 on a 34-wide grid). Then every block's outputs are one run of a single
/// row, copied out in one piece; along the grid a block straddles rows and its copy-out, split
/// at each row end, took a fifth of CIFAR's forward time (AVX2, one thread: 70 → 88 GFLOP/s,
/// two threads 121 → 144). Where both compute the same (LeNet c1: 28 of a 32-wide grid, whose
/// blocks are rows already) the grid loop stays: the row loop measured 94 → 74 GFLOP/s there
/// with two AVX2 threads, for reasons not found.
bool grid_row_aligned(const DirectConv& d) { return (d.W2 + 31) / 32 * 32 < d.W + 2 * d.pw; }

}  // namespace

/// Whether the direct path suits this convolution better than im2col + GEMM: tiles, stride 1,
/// filters small enough to stay in L1/L2 next to a padded input plane, and little waste from
/// the padded-width grid (W2/Wp) and from partial filter tiles (Kg vs a multiple of mr). The
/// limits are kGridTileMaxFilterFloats, kDirectMaxPlaneFloats and kGridTileMinUseful
/// (conv_paths.hpp).
bool direct_suits(const DirectConv& d) {
  const int64_t Kg = d.K / d.G, Cg = d.C / d.G, taps = Cg * d.FH * d.FW;
  const int mr = omp::conv_tile_rows(Kg);
  if (mr == 0 || Kg * taps > kGridTileMaxFilterFloats) return false;
  const int64_t Wp = d.W + 2 * d.pw, Hp = d.H + 2 * d.ph;
  if (Cg * Hp * Wp > kDirectMaxPlaneFloats) return false;  // padded plane within 1 MB
  // Positions computed per output row: Wp along the grid, or W2 rounded up to whole blocks.
  const int64_t per_row = grid_row_aligned(d) ? (d.W2 + 31) / 32 * 32 : Wp;
  const double useful = static_cast<double>(d.W2) / static_cast<double>(per_row) *
                        static_cast<double>(Kg) / static_cast<double>((Kg + mr - 1) / mr * mr);
  return useful >= kGridTileMinUseful;
}

/// Loop order: images (or, with fewer images than threads, parts of an image's output rows: see
/// row_parts) over threads; per image and group, the input plane is copied once into a
/// zero-padded buffer (plus 32 floats of slack for the last tile's overhang); then for each
/// block of 32 output positions (two zmm; along the grid, or from each row start when
/// grid_row_aligned), every tile of mr filters runs over all taps —
/// the block's input window stays in L1/L2 across the filter tiles, and the packed filters
/// (at most 256 KB) stay in L2 for the whole call.
void direct_conv_s1(const float* x, const float* w, const float* bias, float* y,
                    const DirectConv& d) {
  const int64_t Cg = d.C / d.G, Kg = d.K / d.G, taps = Cg * d.FH * d.FW;
  const int64_t Hp = d.H + 2 * d.ph, Wp = d.W + 2 * d.pw, plane = Cg * Hp * Wp;
  const int64_t hw2 = d.H2 * d.W2;
  const int mr = omp::conv_tile_rows(Kg);
  const int64_t ktiles = (Kg + mr - 1) / mr;
  // Filters, tap-major per tile of mr:
  //   wp[((grp·ktiles + kt)·taps + t)·mr + i] = w[grp·Kg + kt·mr + i][t].
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
  // Work items: (image, group, part of the output rows); see row_parts. A part of rows [r0, r1)
  // copies the input rows they read and computes grid positions r0·Wp .. (r1 − 1)·Wp + W2 − 1.
  const bool row_aligned = grid_row_aligned(d);
  // Streaming stores for whole aligned rows of a large output (kStreamMinOutputFloats).
  [[maybe_unused]] const bool stream =  // (no streaming stores without SSE2: arm64)
      omp_get_max_threads() > 1 && d.N * d.K * hw2 > kStreamMinOutputFloats;
  const int64_t parts = row_parts(d.N * d.G, d.H2, omp_get_max_threads());
  const int64_t part_rows = (d.H2 + parts - 1) / parts, items = d.N * d.G * parts;

#pragma omp parallel if (items > 1 && d.N * d.K * hw2 * taps > (int64_t{1} << 20))
  {
    float* xpad = t_packed_b.get(plane + 32);
    alignas(64) float tile[14 * 32];
    std::fill(xpad, xpad + plane + 32, 0.0f);  // borders and slack stay 0; interiors are rewritten
#pragma omp for schedule(dynamic)
    for (int64_t item = 0; item < items; ++item) {
      const int64_t n = item / (d.G * parts), grp = item / parts % d.G, part = item % parts;
      const int64_t r0 = part * part_rows, r1 = std::min(d.H2, r0 + part_rows);
      if (r0 >= r1) continue;
      const RowRange in = input_rows(r0, r1, 1, d.FH, d.D, d.ph, d.H);
      copy_into_padded(x + (n * d.C + grp * Cg) * d.H * d.W, Cg, d.H, d.W, xpad, Hp, Wp, d.ph, d.pw,
                       in.h0, in.h1);
      // Positions past qe, and those of padding columns, read whatever the buffer holds (other
      // rows, 0 or slack) and are never stored.
      const int64_t qs = r0 * Wp, qe = (r1 - 1) * Wp + d.W2;
      if (row_aligned) {
        // Blocks start at each output row (i·Wp + jb): tile row m, lanes 0 .. len − 1 are
        // filter kt·mr + m at output columns jb .. jb + len − 1 of row i, one straight copy.
        for (int64_t i = r0; i < r1; ++i)
          for (int64_t jb = 0; jb < d.W2; jb += 32) {
            const int64_t len = std::min<int64_t>(32, d.W2 - jb);
            for (int64_t kt = 0; kt < ktiles; ++kt) {
              const int64_t kn = std::min<int64_t>(mr, Kg - kt * mr), k0 = grp * Kg + kt * mr;
              const float* wt = wp.data() + (grp * ktiles + kt) * taps * mr;
              omp::conv_tile(mr, taps, off.data(), xpad + i * Wp + jb, wt, tile);
              for (int64_t m = 0; m < kn; ++m) {
                const int64_t k = k0 + m;
                const float b = bias ? bias[k] : 0.0f;
                const float* src = tile + m * 32;
                float* dst = y + (n * d.K + k) * hw2 + i * d.W2 + jb;
#if defined(__SSE2__)
                if (stream && len == 32 && reinterpret_cast<uintptr_t>(dst) % 16 == 0) {
                  const __m128 bv = _mm_set1_ps(b);
                  for (int e = 0; e < 32; e += 4)
                    _mm_stream_ps(dst + e, _mm_add_ps(_mm_load_ps(src + e), bv));
                  continue;
                }
#endif
                for (int64_t e = 0; e < len; ++e) dst[e] = src[e] + b;
              }
            }
          }
        continue;
      }
      for (int64_t q0 = qs; q0 < qe; q0 += 32)
        for (int64_t kt = 0; kt < ktiles; ++kt) {
          omp::conv_tile(mr, taps, off.data(), xpad + q0,
                         wp.data() + (grp * ktiles + kt) * taps * mr, tile);
          // tile row m, lane l is filter kt·mr + m at position q = q0 + l = i·Wp + j
          const int64_t q1 = std::min(qe, q0 + 32);
          const int64_t kn = std::min<int64_t>(mr, Kg - kt * mr);
          for (int64_t q = q0; q < q1;) {
            const int64_t i = q / Wp, j = q % Wp;
            if (j >= d.W2) {  // padding columns: skip to the next row
              q = (i + 1) * Wp;
              continue;
            }
            const int64_t len = std::min(d.W2 - j, q1 - q);
            for (int64_t m = 0; m < kn; ++m) {
              const int64_t k = grp * Kg + kt * mr + m;
              const float b = bias ? bias[k] : 0.0f;
              const float* src = tile + m * 32 + (q - q0);
              float* dst = y + (n * d.K + k) * hw2 + i * d.W2 + j;
              for (int64_t e = 0; e < len; ++e) dst[e] = src[e] + b;
            }
            q += len;
          }
        }
    }
#if defined(__SSE2__)
    if (stream) _mm_sfence();  // the streamed stores are visible before the region ends
#endif
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
/// The limits are named in conv_paths.hpp (kK16MaxBlockFilterFloats, kDirectMaxPlaneFloats,
/// kGridTileMaxFilterFloats, kK16GridWasteDivisor).
bool k16_suits(const DirectConv& d) {
  const int64_t Kg = d.K / d.G, Cg = d.C / d.G, taps = Cg * d.FH * d.FW;
  if (!omp::conv_k16_available() || Kg % 16 != 0 || taps * 16 > kK16MaxBlockFilterFloats)
    return false;
  const int64_t Wp = d.W + 2 * d.pw, Hp = d.H + 2 * d.ph, Wq = (Wp + d.S - 1) / d.S;
  if (Cg * Hp * Wq * d.S > kDirectMaxPlaneFloats) return false;  // padded plane within 1 MB
  if (d.S > 1 || Kg * taps > kGridTileMaxFilterFloats) return true;
  if (d.W2 % omp::kConvK16MaxCols == 0) return true;
  const int64_t grid = ((d.H2 - 1) * Wp + d.W2 + 31) / 32 * 32;  // positions conv_tile computes
  // real outputs < (1 − 1/kK16GridWasteDivisor) of the positions: 4/5
  return d.H2 * d.W2 * kK16GridWasteDivisor < grid * (kK16GridWasteDivisor - 1);
}

/// The same convolution as direct_conv_s1, with 16 filters per zmm (omp::conv_k16) on tiles of
/// real output pixels: 2 output rows × up to 14 columns; any stride S. Loop order: images (or
/// parts of an image's rows, when there are fewer images than threads: row_parts) over threads; per
/// image and group the input is copied once into a zero-padded plane, split into its S column
/// phases (xq below; for S = 1 that is just the padded plane), so that the inputs of consecutive
/// output columns are consecutive floats for every tap, whatever the stride. Then per block of 16
/// filters, per tile of pixels, the kernel runs over all taps (the block's packed filters, taps·64
/// bytes, stay in L1/L2, the tile's input window in L1). The kernel leaves the outputs pixel-major
/// (16 filters per pixel) in a per-image buffer, which is then transposed into y's 16 filter
/// planes, 16 pixels at a time in registers, with the bias added.
void direct_conv_k16(const float* x, const float* w, const float* bias, float* y,
                     const DirectConv& d) {
  const int64_t Cg = d.C / d.G, Kg = d.K / d.G, taps = Cg * d.FH * d.FW, S = d.S;
  // Padded input row h, column q = j'·S + b lives at xq[((c·Hp + h)·S + b)·Wq + j'].
  const int64_t Hp = d.H + 2 * d.ph, Wp = d.W + 2 * d.pw, Wq = (Wp + S - 1) / S;
  const int64_t plane = Cg * Hp * S * Wq;
  const int64_t hw2 = d.H2 * d.W2, kblocks = Kg / 16;
  // Filters, tap-major per block of 16: wk[((grp·kblocks + kb)·taps + t)·16 + k] =
  // w[grp·Kg + kb·16 + k][t].
  // Block b holds filters b·16 .. b·16 + 15 of w (Kg is a multiple of 16). Large filter sets
  // (VGG deep: 590 K floats) are packed by all threads; small ones on this thread, since a
  // thread team's start and barrier would cost more (LeNet c2: 2400 floats).
  float* wk = t_filters.get(d.G * kblocks * taps * 16);
#pragma omp parallel for schedule(static) if (d.K * taps > (int64_t{1} << 16))
  for (int64_t b = 0; b < d.G * kblocks; ++b) {
    const float* src = w + b * 16 * taps;
    float* dst = wk + b * taps * 16;
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t k = 0; k < 16; ++k) dst[t * 16 + k] = src[k * taps + t];
  }
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
  // Output rows are computed in bands (an even number of rows) small enough that the band's
  // input rows (≤ 256 KB) and its outputs for all filters (≤ 128 KB) stay in L2 while every
  // block of 16 filters runs over them: the whole padded input of a deep layer (VGG deep:
  // 900 KB) would not, and re-reading it from L3 for each filter block cost ~3%.
  const int64_t in_row_floats = Cg * S * Wq;  // one padded input row, all channels
  int64_t band = 2;
  while (band < d.H2 &&
         ((band + 1) * S + (d.FH - 1) * d.D + 1) * in_row_floats <= (int64_t{1} << 16) &&
         (band + 2) * d.W2 * Kg <= (int64_t{1} << 15))
    band += 2;
  const int64_t band_pix = (band * d.W2 + 15) / 16 * 16;
  const int64_t nb = omp::conv_k16_blocks();  // blocks of 16 filters per tile call

  // Work items: (image, group, part of the output rows, in whole bands); see row_parts. A part
  // copies the input rows its outputs read.
  const int64_t nbands = (d.H2 + band - 1) / band;
  const int64_t parts = row_parts(d.N * d.G, nbands, omp_get_max_threads());
  const int64_t part_rows = (nbands + parts - 1) / parts * band, items = d.N * d.G * parts;

#pragma omp parallel if (items > 1 && d.N * d.K * hw2 * taps > (int64_t{1} << 20))
  {
    // The tile reads at most the last output's last tap: inside the plane.
    float* xq = t_packed_b.get(plane);
    std::vector<float> padded(static_cast<size_t>(Wp), 0.0f);  // one padded input row
    // One band's outputs, per block of 16 filters pixel-major (16 floats per pixel).
    float* pix = t_product.get(kblocks * band_pix * 16);
    // The padding stays 0; interiors are rewritten. (Without padding, the only slots never
    // written are the phase rows' slack past the row's end, which no tap reads.)
    if (d.ph > 0 || d.pw > 0) std::fill(xq, xq + plane, 0.0f);
#pragma omp for schedule(dynamic)
    for (int64_t item = 0; item < items; ++item) {
      const int64_t n = item / (d.G * parts), grp = item / parts % d.G, part = item % parts;
      const int64_t r0 = part * part_rows, r1 = std::min(d.H2, r0 + part_rows);
      if (r0 >= r1) continue;
      const RowRange in = input_rows(r0, r1, S, d.FH, d.D, d.ph, d.H);
      if (S == 1)  // the phase split of stride 1 is the padded plane itself
        copy_into_padded(x + (n * d.C + grp * Cg) * d.H * d.W, Cg, d.H, d.W, xq, Hp, Wp, d.ph, d.pw,
                         in.h0, in.h1);
      else
        for (int64_t c = 0; c < Cg; ++c)
          for (int64_t h = in.h0; h < in.h1; ++h) {
            const float* src = x + ((n * d.C + grp * Cg + c) * d.H + h) * d.W;
            float* dst = xq + (c * Hp + h + d.ph) * S * Wq;
            if (d.pw == 0) {
              split_row(src, d.W, S, Wq, dst);
              continue;
            }
            std::memcpy(padded.data() + d.pw, src, static_cast<size_t>(d.W) * sizeof(float));
            split_row(padded.data(), Wp, S, Wq, dst);  // its zero borders go to the phases too
          }
      for (int64_t i_b = r0; i_b < r1; i_b += band) {
        const int64_t nrows = std::min(band, r1 - i_b), bpix = nrows * d.W2;
        for (int64_t kb = 0; kb < kblocks; kb += nb) {
          const int bn = static_cast<int>(std::min<int64_t>(nb, kblocks - kb));
          for (int64_t i0 = i_b; i0 < i_b + nrows; i0 += 2)
            for (int64_t j0 = 0; j0 < d.W2; j0 += jw) {
              const int rows = static_cast<int>(std::min<int64_t>(2, i_b + nrows - i0));
              const int cols = static_cast<int>(std::min(jw, d.W2 - j0));
              omp::conv_k16(bn, rows, cols, taps, off.data(), xq + i0 * row + j0, row,
                            wk + (grp * kblocks + kb) * taps * 16, taps * 16,
                            pix + (kb * band_pix + (i0 - i_b) * d.W2 + j0) * 16, d.W2,
                            band_pix * 16);
            }
        }
        for (int64_t kb = 0; kb < kblocks; ++kb) {
          const int64_t ch = grp * Kg + kb * 16;  // the block's first filter
          for (int64_t p = 0; p < bpix; p += 16)
            omp::transpose16_bias(pix + (kb * band_pix + p) * 16,
                                  static_cast<int>(std::min<int64_t>(16, bpix - p)),
                                  b16.data() + ch, y + (n * d.K + ch) * hw2 + i_b * d.W2 + p, hw2);
        }
      }
    }
  }
}

}  // namespace cnnlab::omp_conv
