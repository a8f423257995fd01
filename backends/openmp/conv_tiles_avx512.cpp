// conv_tiles_avx512.cpp — the AVX-512 convolution register tiles of conv_tiles.hpp: each keeps
// a tile of a convolution (or of its weight or data gradient) in the 32 zmm registers for a
// whole reduction over taps or pixels.
//
// Contract: implements the *_avx512 functions declared in conv_tiles_kernels.hpp. This file
// alone is compiled with -mavx512f -mfma (see CMakeLists.txt, the same flags as
// gemm_kernels_avx512.cpp); it is reached through conv_tiles.cpp by callers that first asked
// conv_k16_available() or conv_tile_rows(), which say yes only when the current sgemm kernel is
// the AVX-512 one, i.e. after __builtin_cpu_supports("avx512f") said yes. It includes nothing but
// <immintrin.h> and the kernel header, so no AVX-512 copy of a shared inline function can leak
// into other code. One function carries its own optimisation attribute
// (no-predictive-commoning on conv_dw3_k16, see there); keep it when editing.
// Not here: padding, filter packing, threads, the choice of tile — conv_direct_*.cpp and
// openmp_conv2d.cpp do those.
//
// The tiles, in the order below (K filters, taps t = (c, u, v) of an F×F filter):
//   conv_tile         mr filters × 32 positions of the padded-width grid      (forward, S = 1)
//   conv_k16          16 filters in the lanes × 2 rows × up to 14 pixels      (forward, any S)
//   conv_dw_tile      4 filters × 6 taps, dot products along the grid         (weight gradient)
//   transpose16_bias  16 pixels × 16 filters → 16 filter rows, plus the bias  (after conv_k16)
//   conv_dw3_k16      16 filters in the lanes × 9 (c, u) pairs × 3 columns    (weight, F = 3)
//   conv_dx16         16 filters reduced in the lanes, 6 channels × 4 pixels  (data gradient)
#include "conv_tiles_kernels.hpp"

#include <immintrin.h>

namespace cnnlab::omp::detail {

// ---- direct convolution tile --------------------------------------------------------------------
// The register tile of the GEMM micro-kernel (gemm_kernels_avx512.cpp: MR filters × 32 output
// positions, two zmm per row), but the "B row" of tap t is loaded straight from the zero-padded
// input at x + off[t] (32 consecutive positions) instead of from a packed im2col panel: for a
// stride-1 convolution, 32 consecutive output positions of one padded-width row grid read 32
// consecutive input floats per tap. So no column matrix is built at all; the caller discards the
// positions that fall in the padding.
template <int MR>
void conv_tile(int64_t ntaps, const int64_t* off, const float* x, const float* w, float* c) {
  __m512 acc[MR][2];
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) {
    acc[i][0] = _mm512_setzero_ps();
    acc[i][1] = _mm512_setzero_ps();
  }
#pragma GCC unroll 2
  for (int64_t t = 0; t < ntaps; ++t) {
    const float* xt = x + off[t];
    const __m512 b0 = _mm512_loadu_ps(xt);
    const __m512 b1 = _mm512_loadu_ps(xt + 16);
#pragma GCC unroll 14
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(w[i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
    w += MR;
  }
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) {
    _mm512_storeu_ps(c + i * 32, acc[i][0]);
    _mm512_storeu_ps(c + i * 32 + 16, acc[i][1]);
  }
}

// ---- direct convolution tile, filters in the lanes ----------------------------------------------
// The transposed orientation of the tile above, for layers whose output rows are short (LeNet
// c2: 10 pixels): one zmm holds 16 filters of one output pixel, so every FMA computes real
// outputs and none is wasted on the padded-width grid. Loop order: over taps t, load the 16
// filters' weights of t once (one zmm) and, for each of the R×J pixels of the tile, broadcast
// its input value x[off[t] + r·row + j] straight from memory into an FMA:
//     acc[r][j][:] += x[off[t] + r·row + j] · w[t·16 + :]
// R×J <= 28 accumulators + 1 weight register fit the 32 zmm registers; each weight load feeds
// R·J FMAs and each FMA takes its broadcast operand from memory (one load per FMA, within the
// load ports of every AVX-512 core). The input window of the tile (R + FH − 1 rows) stays in L1.
template <int J, int R>
void conv_k16(int64_t ntaps, const int64_t* off, const float* x, int64_t row, const float* w,
              float* c, int64_t ldc) {
  __m512 acc[R][J];
#pragma GCC unroll 28
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 14
    for (int j = 0; j < J; ++j) acc[r][j] = _mm512_setzero_ps();
#pragma GCC unroll 2
  for (int64_t t = 0; t < ntaps; ++t) {
    const __m512 wt = _mm512_load_ps(w + t * 16);
    // One pointer per row, so each broadcast is that pointer plus a constant displacement
    // (written as xt[r·row + j], GCC kept r·row + j for every j in its own register and
    // spilled some of them to the stack: ~10% slower).
    const float* xr[R];
    xr[0] = x + off[t];
    if constexpr (R > 1) xr[1] = xr[0] + row;
#pragma GCC unroll 2
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 14
      for (int j = 0; j < J; ++j)
        acc[r][j] = _mm512_fmadd_ps(_mm512_set1_ps(xr[r][j]), wt, acc[r][j]);
  }
#pragma GCC unroll 2
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 14
    for (int j = 0; j < J; ++j) _mm512_storeu_ps(c + (r * ldc + j) * 16, acc[r][j]);
}

template <int J>
void conv_k16_rows(int rows, int64_t ntaps, const int64_t* off, const float* x, int64_t row,
                   const float* w, float* c, int64_t ldc) {
  if (rows == 2)
    conv_k16<J, 2>(ntaps, off, x, row, w, c, ldc);
  else
    conv_k16<J, 1>(ntaps, off, x, row, w, c, ldc);
}

void conv_k16_avx512(int rows, int cols, int64_t ntaps, const int64_t* off, const float* x,
                     int64_t row, const float* w, float* c, int64_t ldc) {
  switch (cols) {
    case 1:
      conv_k16_rows<1>(rows, ntaps, off, x, row, w, c, ldc);
      break;
    case 2:
      conv_k16_rows<2>(rows, ntaps, off, x, row, w, c, ldc);
      break;
    case 3:
      conv_k16_rows<3>(rows, ntaps, off, x, row, w, c, ldc);
      break;
    case 4:
      conv_k16_rows<4>(rows, ntaps, off, x, row, w, c, ldc);
      break;
    case 5:
      conv_k16_rows<5>(rows, ntaps, off, x, row, w, c, ldc);
      break;
    case 6:
      conv_k16_rows<6>(rows, ntaps, off, x, row, w, c, ldc);
      break;
    case 7:
      conv_k16_rows<7>(rows, ntaps, off, x, row, w, c, ldc);
      break;
    case 8:
      conv_k16_rows<8>(rows, ntaps, off, x, row, w, c, ldc);
      break;
    case 9:
      conv_k16_rows<9>(rows, ntaps, off, x, row, w, c, ldc);
      break;
    case 10:
      conv_k16_rows<10>(rows, ntaps, off, x, row, w, c, ldc);
      break;
    case 11:
      conv_k16_rows<11>(rows, ntaps, off, x, row, w, c, ldc);
      break;
    case 12:
      conv_k16_rows<12>(rows, ntaps, off, x, row, w, c, ldc);
      break;
    case 13:
      conv_k16_rows<13>(rows, ntaps, off, x, row, w, c, ldc);
      break;
    default:
      conv_k16_rows<14>(rows, ntaps, off, x, row, w, c, ldc);
      break;
  }
}

// ---- weight gradient tile: dot products along the output positions ------------------------------
// dW[k][t] = Σ_q dy[k][q] · x[q + off[t]] over the padded-width grid of output positions q: a
// reduction along q, so the lanes of a zmm hold 16 consecutive positions and nothing has to be
// transposed (an im2col + GEMM would need the column matrix packed k-major). Loop order: over
// q in steps of 16, load 4 filters' dy vectors (aligned) and 6 taps' input vectors (unaligned),
// and do the 4×6 FMAs into 24 vector accumulators — 10 loads per 24 FMAs. The accumulators
// stay vectors (16 partial sums each) in acc, in memory between calls; the caller adds the
// lanes up once at the end, so a call on a short grid (LeNet c2: 144 positions) does not pay
// 24 horizontal reductions.
void conv_dw_tile_avx512(int64_t nq, const float* dy, int64_t ldy, const int64_t* off,
                         const float* x, float* acc) {
  constexpr int KK = kConvDwRows, TT = kConvDwCols;
  __m512 a[KK][TT];
#pragma GCC unroll 4
  for (int i = 0; i < KK; ++i)
#pragma GCC unroll 6
    for (int j = 0; j < TT; ++j) a[i][j] = _mm512_load_ps(acc + (i * TT + j) * 16);
  const float* xt[TT];
#pragma GCC unroll 6
  for (int j = 0; j < TT; ++j) xt[j] = x + off[j];
  for (int64_t q = 0; q < nq; q += 16) {
    __m512 d[KK];
#pragma GCC unroll 4
    for (int i = 0; i < KK; ++i) d[i] = _mm512_load_ps(dy + i * ldy + q);
#pragma GCC unroll 6
    for (int j = 0; j < TT; ++j) {
      const __m512 xv = _mm512_loadu_ps(xt[j] + q);
#pragma GCC unroll 4
      for (int i = 0; i < KK; ++i) a[i][j] = _mm512_fmadd_ps(d[i], xv, a[i][j]);
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < KK; ++i)
#pragma GCC unroll 6
    for (int j = 0; j < TT; ++j) _mm512_store_ps(acc + (i * TT + j) * 16, a[i][j]);
}

// 16 pixels × 16 filters (pixel-major, as conv_k16 leaves them) → 16 filters × 16 pixels, plus
// the bias: the classic in-register transpose in four rounds of shuffles (32-bit pairs, 64-bit
// pairs, 128-bit lanes twice), 64 shuffles for 256 values instead of 256 scalar moves. The
// unpacks are spelled as their all-lanes masked forms: GCC 12's plain forms pass an
// "undefined" register that -Wuninitialized (an error here) flags inside <immintrin.h>.
void transpose16_bias_avx512(const float* src, int npix, const float* bias, float* dst,
                             int64_t ldd) {
  constexpr __mmask16 kAll = 0xffff;
  __m512 r[16], t[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i)
    r[i] = i < npix ? _mm512_loadu_ps(src + i * 16) : _mm512_setzero_ps();
#pragma GCC unroll 8
  for (int i = 0; i < 16; i += 2) {  // round 1: interleave the floats of pixel pairs
    t[i] = _mm512_mask_unpacklo_ps(r[i], kAll, r[i], r[i + 1]);
    t[i + 1] = _mm512_mask_unpackhi_ps(r[i], kAll, r[i], r[i + 1]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 16; i += 4) {  // round 2: interleave 64-bit pairs of pixel quads
    const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
    const __m512d c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
    r[i] = _mm512_castpd_ps(_mm512_mask_unpacklo_pd(a, 0xff, a, c));
    r[i + 1] = _mm512_castpd_ps(_mm512_mask_unpackhi_pd(a, 0xff, a, c));
    r[i + 2] = _mm512_castpd_ps(_mm512_mask_unpacklo_pd(b, 0xff, b, d));
    r[i + 3] = _mm512_castpd_ps(_mm512_mask_unpackhi_pd(b, 0xff, b, d));
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {  // round 3: 128-bit lanes of quads 0/1 and 2/3
    t[i] = _mm512_mask_shuffle_f32x4(r[i], kAll, r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_mask_shuffle_f32x4(r[i], kAll, r[i], r[i + 4], 0xdd);
    t[i + 8] = _mm512_mask_shuffle_f32x4(r[i + 8], kAll, r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_mask_shuffle_f32x4(r[i + 8], kAll, r[i + 8], r[i + 12], 0xdd);
  }
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {  // round 4: 128-bit lanes of the two halves
    r[i] = _mm512_mask_shuffle_f32x4(t[i], kAll, t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_mask_shuffle_f32x4(t[i], kAll, t[i], t[i + 8], 0xdd);
  }
  if (npix == 16) {  // whole rows: plain stores (a masked store costs more on some cores)
#pragma GCC unroll 16
    for (int k = 0; k < 16; ++k)
      _mm512_storeu_ps(dst + k * ldd, _mm512_add_ps(r[k], _mm512_set1_ps(bias[k])));
    return;
  }
  const __mmask16 m = static_cast<__mmask16>((1u << npix) - 1u);
#pragma GCC unroll 16
  for (int k = 0; k < 16; ++k)
    _mm512_mask_storeu_ps(dst + k * ldd, m, _mm512_add_ps(r[k], _mm512_set1_ps(bias[k])));
}

// ---- weight-gradient tile with the 16 filters in the lanes --------------------------------------
// dW[f][c, u, v] = Σ_pixels dy[f][i, j] · x_pad[c][i + u][j + v] for a 3-wide filter (stride 1,
// no dilation). With dy stored pixel-major (16 filters per pixel: one zmm, dyt), each tap
// (c, u, v) is one accumulator of 16 filters, and a pixel contributes
//     acc[r][v] += x_pad[row r][i·Wp + j + v] · dyt[pixel]        (r = one (c, u) pair)
// Loop order: output rows i, then columns j; per pixel one aligned load of dy and R×3 FMAs
// whose other operand is broadcast from memory. R ≤ 9 rows × 3 taps = 27 accumulators + the
// dy register fit the 32 zmm registers; each row's pointer is advanced once per output row, so
// every broadcast is that pointer + j + a constant — 9 base registers and one index. The
// reduction runs over all H2·W2 pixels with the accumulators in registers; they are added to
// acc (memory) once at the end. (GCC's predictive commoning, on at -O3, would keep x[j + 1]
// and x[j + 2] broadcast from one pixel to the next — 27 more live registers, spilled to the
// stack: 90 instead of 115 GFLOP/s. It is turned off for this function.)
template <int R>
__attribute__((optimize("no-predictive-commoning"))) void conv_dw3_k16(const float* const* x,
                                                                       int64_t wp, int64_t h2,
                                                                       int64_t w2, const float* dyt,
                                                                       float* acc) {
  __m512 a[R][3];
#pragma GCC unroll 9
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 3
    for (int v = 0; v < 3; ++v) a[r][v] = _mm512_setzero_ps();
  const float* row[R];
#pragma GCC unroll 9
  for (int r = 0; r < R; ++r) row[r] = x[r];
  for (int64_t i = 0; i < h2; ++i) {
    for (int64_t j = 0; j < w2; ++j) {
      const __m512 d = _mm512_load_ps(dyt + j * 16);
#pragma GCC unroll 9
      for (int r = 0; r < R; ++r)
#pragma GCC unroll 3
        for (int v = 0; v < 3; ++v)
          a[r][v] = _mm512_fmadd_ps(_mm512_set1_ps(row[r][j + v]), d, a[r][v]);
    }
    dyt += w2 * 16;
#pragma GCC unroll 9
    for (int r = 0; r < R; ++r) row[r] += wp;
  }
#pragma GCC unroll 9
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 3
    for (int v = 0; v < 3; ++v) {
      float* o = acc + (r * 3 + v) * 16;
      _mm512_store_ps(o, _mm512_add_ps(_mm512_load_ps(o), a[r][v]));
    }
}

void conv_dw3_k16_avx512(int rows, const float* const* x, int64_t wp, int64_t h2, int64_t w2,
                         const float* dyt, float* acc) {
  switch (rows) {
    case 1:
      conv_dw3_k16<1>(x, wp, h2, w2, dyt, acc);
      break;
    case 2:
      conv_dw3_k16<2>(x, wp, h2, w2, dyt, acc);
      break;
    case 3:
      conv_dw3_k16<3>(x, wp, h2, w2, dyt, acc);
      break;
    case 4:
      conv_dw3_k16<4>(x, wp, h2, w2, dyt, acc);
      break;
    case 5:
      conv_dw3_k16<5>(x, wp, h2, w2, dyt, acc);
      break;
    case 6:
      conv_dw3_k16<6>(x, wp, h2, w2, dyt, acc);
      break;
    case 7:
      conv_dw3_k16<7>(x, wp, h2, w2, dyt, acc);
      break;
    case 8:
      conv_dw3_k16<8>(x, wp, h2, w2, dyt, acc);
      break;
    default:
      conv_dw3_k16<9>(x, wp, h2, w2, dyt, acc);
      break;
  }
}

// ---- data-gradient tile with the 16 filters in the lanes ----------------------------------------
// For a convolution with exactly 16 filters per group (LeNet c2), dx[c][pixel] is a reduction
// over those 16 filters and the taps: with dy stored pixel-major (16 filters per pixel, one zmm)
// on a zero-padded grid, every FMA has all 16 lanes busy, however few channels dx has (6 for
// LeNet c2, where a tile over channels would use 6 of 16 lanes). Loop order: over the taps
// (u, v) in the caller's window — taps that only meet the zero border are skipped — load the 4
// pixels' dy vectors (aligned) and the 6 channels' weight vectors, 24 FMAs into 24
// accumulators (10 loads per 24 FMAs); at the end each accumulator's 16 lanes are added up.
// The 16 lanes of a added up. Not _mm512_reduce_add_ps (nor _mm512_castps512_ps256): GCC 12's
// versions pass an "undefined" register that -Wuninitialized (an error here) flags inside
// <immintrin.h>; the all-lanes masked extracts are the same instructions.
static float hsum(__m512 a) {
  const __m512d ad = _mm512_castps_pd(a);
  const __m256 lo = _mm256_castpd_ps(_mm512_mask_extractf64x4_pd(_mm256_setzero_pd(), 0xff, ad, 0));
  const __m256 hi = _mm256_castpd_ps(_mm512_mask_extractf64x4_pd(_mm256_setzero_pd(), 0xff, ad, 1));
  const __m256 s8 = _mm256_add_ps(lo, hi);
  __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  s4 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  s4 = _mm_add_ss(s4, _mm_shuffle_ps(s4, s4, 1));
  return _mm_cvtss_f32(s4);
}

void conv_dx16_avx512(int64_t u0, int64_t u1, int64_t v0, int64_t v1, int64_t fw, int64_t rowstep,
                      int64_t colstep, const float* dyt, const float* w, float* out) {
  constexpr int CT = kConvDx16Channels, PT = kConvDx16Pixels;
  __m512 acc[CT][PT];
#pragma GCC unroll 6
  for (int c = 0; c < CT; ++c)
#pragma GCC unroll 4
    for (int p = 0; p < PT; ++p) acc[c][p] = _mm512_setzero_ps();
  for (int64_t u = u0; u < u1; ++u)
    for (int64_t v = v0; v < v1; ++v) {
      const float* dt = dyt + u * rowstep + v * colstep;
      const float* wt = w + (u * fw + v) * CT * 16;
      __m512 d[PT];
#pragma GCC unroll 4
      for (int p = 0; p < PT; ++p) d[p] = _mm512_load_ps(dt + p * 16);
#pragma GCC unroll 6
      for (int c = 0; c < CT; ++c) {
        const __m512 wc = _mm512_load_ps(wt + c * 16);
#pragma GCC unroll 4
        for (int p = 0; p < PT; ++p) acc[c][p] = _mm512_fmadd_ps(d[p], wc, acc[c][p]);
      }
    }
#pragma GCC unroll 6
  for (int c = 0; c < CT; ++c)
#pragma GCC unroll 4
    for (int p = 0; p < PT; ++p) out[c * PT + p] = hsum(acc[c][p]);
}

void conv_tile_avx512(int mr, int64_t ntaps, const int64_t* off, const float* x, const float* w,
                      float* c) {
  switch (mr) {
    case 6:
      conv_tile<6>(ntaps, off, x, w, c);
      break;
    case 8:
      conv_tile<8>(ntaps, off, x, w, c);
      break;
    case 10:
      conv_tile<10>(ntaps, off, x, w, c);
      break;
    case 12:
      conv_tile<12>(ntaps, off, x, w, c);
      break;
    default:
      conv_tile<14>(ntaps, off, x, w, c);
      break;
  }
}

}  // namespace cnnlab::omp::detail
