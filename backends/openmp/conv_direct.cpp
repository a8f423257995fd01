// conv_direct.cpp — the direct convolutions of conv_direct.hpp, with their loop orders.
#include "backends/openmp/conv_direct.hpp"

#include "backends/openmp/gemm.hpp"

#include <omp.h>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

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

}  // namespace

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
        copy_into_padded(x + (n * d.C + grp * Cg) * d.H * d.W, Cg, d.H, d.W, xpad, Hp, Wp, d.ph,
                         d.pw);
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
  // Block b holds filters b·16 .. b·16 + 15 of w (Kg is a multiple of 16). Large filter sets
  // (VGG deep: 590 K floats) are packed by all threads; small ones on this thread, since a
  // thread team's start and barrier would cost more (LeNet c2: 2400 floats).
  AlignedBuffer wbuf;
  float* wk = wbuf.get(d.G * kblocks * taps * 16);
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

#pragma omp parallel if (d.N > 1 && d.N * d.K * hw2 * taps > (int64_t{1} << 20))
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
    for (int64_t n = 0; n < d.N; ++n)
      for (int64_t grp = 0; grp < d.G; ++grp) {
        if (S == 1)  // the phase split of stride 1 is the padded plane itself
          copy_into_padded(x + (n * d.C + grp * Cg) * d.H * d.W, Cg, d.H, d.W, xq, Hp, Wp, d.ph,
                           d.pw);
        else
          for (int64_t c = 0; c < Cg; ++c)
            for (int64_t h = 0; h < d.H; ++h) {
              const float* src = x + ((n * d.C + grp * Cg + c) * d.H + h) * d.W;
              float* dst = xq + (c * Hp + h + d.ph) * S * Wq;
              if (d.pw == 0) {
                split_row(src, d.W, S, Wq, dst);
                continue;
              }
              std::memcpy(padded.data() + d.pw, src, static_cast<size_t>(d.W) * sizeof(float));
              split_row(padded.data(), Wp, S, Wq, dst);  // its zero borders go to the phases too
            }
        for (int64_t i_b = 0; i_b < d.H2; i_b += band) {
          const int64_t nrows = std::min(band, d.H2 - i_b), bpix = nrows * d.W2;
          for (int64_t kb = 0; kb < kblocks; ++kb)
            for (int64_t i0 = i_b; i0 < i_b + nrows; i0 += 2)
              for (int64_t j0 = 0; j0 < d.W2; j0 += jw) {
                const int rows = static_cast<int>(std::min<int64_t>(2, i_b + nrows - i0));
                const int cols = static_cast<int>(std::min(jw, d.W2 - j0));
                omp::conv_k16(rows, cols, taps, off.data(), xq + i0 * row + j0, row,
                              wk + (grp * kblocks + kb) * taps * 16,
                              pix + (kb * band_pix + (i0 - i_b) * d.W2 + j0) * 16, d.W2);
              }
          for (int64_t kb = 0; kb < kblocks; ++kb) {
            const int64_t ch = grp * Kg + kb * 16;  // the block's first filter
            for (int64_t p = 0; p < bpix; p += 16)
              omp::transpose16_bias(pix + (kb * band_pix + p) * 16,
                                    static_cast<int>(std::min<int64_t>(16, bpix - p)),
                                    b16.data() + ch, y + (n * d.K + ch) * hw2 + i_b * d.W2 + p,
                                    hw2);
          }
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
namespace {
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
}  // namespace

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
        copy_into_padded(x + (n * g.C + grp * p.Cg) * g.H * g.W, p.Cg, g.H, g.W, xpad, p.Hp, p.Wp,
                         g.P, g.P);
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

bool dw3_k16_suits(const Conv2dGeometry& g) {
  // At least two tiles of (channel, filter-row) pairs, so that the transposed copy of dy is
  // used by several tiles: with one (CIFAR's 3 input channels) the copy costs a quarter of the
  // arithmetic and im2col + sgemm is faster (66 against 58 GFLOP/s).
  return omp::conv_k16_available() && g.S == 1 && g.D == 1 && g.FW == 3 &&
         g.filters_per_group() % 16 == 0 && g.W2 >= 8 && g.N * g.H2 > 0 &&
         g.channels_per_group() * g.FH >= 2 * omp::kConvDw3Rows;
}

/// Loop order: per image (and group), x is copied into a zero-padded plane and dy transposed to
/// pixel-major blocks of 16 filters (dyt, 16×16 in-register transposes); then each tile — one
/// block of 16 filters × up to 9 (channel, filter-row) pairs × 3 filter columns — runs over all
/// the image's output pixels with its 27 accumulators in registers (the block's dyt, H2·W2·64
/// bytes, and the tile's 9 input rows stay in L1/L2). Per-tile sums live in `acc`, laid out
/// tile by tile (27 taps × 16 filters each), and are scattered into dW at the end.
void direct_dw3_k16(const float* x, const float* dy, const Conv2dGeometry& g, int threads,
                    float* partial, float* dwp) {
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group(), kblocks = Kg / 16;
  const int64_t Hp = g.H + 2 * g.P, Wp = g.W + 2 * g.P, plane = Cg * Hp * Wp;
  const int64_t hw2 = g.H2 * g.W2, hw16 = (hw2 + 15) / 16 * 16;
  const int64_t pairs = Cg * g.FH, rgroups = (pairs + omp::kConvDw3Rows - 1) / omp::kConvDw3Rows;
  const int64_t tile = 27 * 16, tiles = g.G * kblocks * rgroups;
  const int64_t cff = Cg * g.FH * 3, wsize = g.K * cff;

  // x of image n, group grp → xpad (zero borders); dy → dyt[kb][pixel][16 filters].
  auto prepare = [&](int64_t n, int64_t grp, float* xpad, float* dyt) {
    copy_into_padded(x + (n * g.C + grp * Cg) * g.H * g.W, Cg, g.H, g.W, xpad, Hp, Wp, g.P, g.P);
    alignas(64) float block[16 * 16];
    for (int64_t kb = 0; kb < kblocks; ++kb) {
      const float* src = dy + (n * g.K + grp * Kg + kb * 16) * hw2;
      for (int64_t p0 = 0; p0 < hw2; p0 += 16) {
        const int64_t np = std::min<int64_t>(16, hw2 - p0);
        for (int64_t f = 0; f < 16; ++f) {
          copy_short(block + f * 16, src + f * hw2 + p0, np);
          std::fill(block + f * 16 + np, block + f * 16 + 16, 0.0f);
        }
        // block[f·16 + q] → dyt[(p0 + q)·16 + f]; up to 15 pixels past hw2 land in the slack.
        omp::transpose16_bias(block, 16, kZeros16, dyt + (kb * hw16 + p0) * 16, 16);
      }
    }
  };
  // Tile t = (grp, kb, rg) over one prepared image, into acc + t·tile.
  auto run_tile = [&](int64_t t, const float* xpad, const float* dyt, float* acc) {
    const int64_t rg = t % rgroups, kb = t / rgroups % kblocks;
    const int64_t r0 = rg * omp::kConvDw3Rows, rows = std::min<int64_t>(omp::kConvDw3Rows, pairs - r0);
    const float* rowp[omp::kConvDw3Rows];
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t c = (r0 + r) / g.FH, u = (r0 + r) % g.FH;
      rowp[r] = xpad + (c * Hp + u) * Wp;
    }
    omp::conv_dw3_k16(static_cast<int>(rows), rowp, Wp, g.H2, g.W2, dyt + kb * hw16 * 16,
                      acc + t * tile);
  };
  // acc tile by tile → dst (K × cff): dst[grp·Kg + kb·16 + f][(r0 + r)·3 + v] = acc[t][(r·3 + v)·16 + f].
  auto scatter = [&](const float* acc, float* dst) {
    for (int64_t t = 0; t < tiles; ++t) {
      const int64_t rg = t % rgroups, kb = t / rgroups % kblocks, grp = t / rgroups / kblocks;
      const int64_t r0 = rg * omp::kConvDw3Rows, rows = std::min<int64_t>(omp::kConvDw3Rows, pairs - r0);
      for (int64_t e = 0; e < rows * 3; ++e)
        for (int64_t f = 0; f < 16; ++f)
          dst[(grp * Kg + kb * 16 + f) * cff + r0 * 3 + e] = acc[t * tile + e * 16 + f];
    }
  };

  // The order the tiles of one group run in. Either every block of 16 filters sweeps all the
  // row groups (the padded input is read kblocks times, its dyt block stays in L2), or blocks
  // of row groups whose input rows (~128 KB) stay in L2 while every filter block passes over
  // them (dyt is read once per such block) — whichever reads less from L3: VGG deep, 16 filter
  // blocks over a 900 KB input, takes the second; VGG mid, 4 blocks of 200 KB dyt, the first.
  int64_t rg_block = std::max<int64_t>(
      1, (int64_t{1} << 15) / std::max<int64_t>(1, 3 * Hp * Wp));  // ~3 channels per row group
  const int64_t sweep_input = plane * kblocks;
  const int64_t sweep_dy = kblocks * hw16 * 16 * ((rgroups + rg_block - 1) / rg_block) + plane;
  if (sweep_input <= sweep_dy) rg_block = rgroups;
  std::vector<int64_t> order;  // tile indices within a group: kb·rgroups + rg
  for (int64_t rb = 0; rb < rgroups; rb += rg_block)
    for (int64_t kb = 0; kb < kblocks; ++kb)
      for (int64_t rg = rb; rg < std::min(rgroups, rb + rg_block); ++rg)
        order.push_back(kb * rgroups + rg);
  // One worker's buffers: the padded input (its padding zeroed once), dyt, and the tile sums.
  struct Scratch {
    AlignedBuffer accbuf;
    float *xpad, *dyt, *acc;
  };
  auto make_scratch = [&](Scratch& w) {
    const int64_t xfloats = (plane + 15) / 16 * 16;
    w.xpad = t_packed_b.get(xfloats + kblocks * hw16 * 16);
    w.dyt = w.xpad + xfloats;
    std::fill(w.xpad, w.xpad + plane, 0.0f);  // borders stay 0; interiors are rewritten
    w.acc = w.accbuf.get(tiles * tile);
    std::fill(w.acc, w.acc + tiles * tile, 0.0f);
  };
  if (threads > 1) {  // images shared out; each thread sums into its own acc
#pragma omp parallel num_threads(threads)
    {
      Scratch w;
      make_scratch(w);
#pragma omp for schedule(static)
      for (int64_t n = 0; n < g.N; ++n)
        for (int64_t grp = 0; grp < g.G; ++grp) {
          prepare(n, grp, w.xpad, w.dyt);
          for (const int64_t q : order) run_tile(grp * kblocks * rgroups + q, w.xpad, w.dyt, w.acc);
        }
      scatter(w.acc, partial + omp_get_thread_num() * wsize);
    }
    return;
  }
  Scratch w;  // one image at a time; its tiles shared out (disjoint parts of acc)
  make_scratch(w);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t grp = 0; grp < g.G; ++grp) {
      prepare(n, grp, w.xpad, w.dyt);
      const int64_t t0 = grp * kblocks * rgroups, t1 = t0 + kblocks * rgroups;
#pragma omp parallel for schedule(dynamic) if (t1 - t0 > 1 && hw2 * 27 * 16 * (t1 - t0) > (1 << 20))
      for (int64_t q = 0; q < t1 - t0; ++q)
        run_tile(t0 + order[static_cast<size_t>(q)], w.xpad, w.dyt, w.acc);
    }
  scatter(w.acc, dwp);
}

}  // namespace cnnlab::omp_conv
