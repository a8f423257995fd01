// conv_direct_data.cpp — the data gradient's own direct tile: dx (N, C, H, W) of a stride-1
// convolution whose groups have exactly 16 filters, as a convolution of dy with the 16 filters
// reduced over in the lanes.
//
// Contract: implements dx16_suits / direct_conv_dx16 of conv_direct.hpp. openmp_conv2d.cpp
// writes the stride-1 data gradient as a forward convolution (of dy, zero-padded by
// D·(F−1) − P, with the filters flipped and transposed) and asks dx16_suits first; the other
// two direct paths it may take are the forward ones (conv_direct_forward.cpp). Thresholds are
// named in conv_paths.hpp; the tile itself is omp::conv_dx16 (conv_tiles_generic.hpp).
// What it deliberately is not: the strided data gradient (im2col's adjoint, col2im, in
// conv_columns.cpp) nor the choice between the paths (openmp_conv2d.cpp).
#include "backends/openmp/conv_direct.hpp"

#include "backends/openmp/conv_paths.hpp"
#include "backends/openmp/conv_tiles.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace cnnlab::omp_conv {

/// Whether omp::conv_dx16 suits a direct convolution (the data gradient written as one, see
/// conv2d_backward_data): exactly 16 input channels per group — the forward pass's 16 filters,
/// reduced over in the lanes — and few output channels, where conv_tile would pad its tile
/// with unused filter rows or use only a few per tile (LeNet c2: 6): at most kDx16MaxChannels
/// (conv_paths.hpp), and the pixel-major padded plane within kDirectMaxPlaneFloats.
bool dx16_suits(const DirectConv& d) {
  const int64_t Hp = d.H + 2 * d.ph, Wp = d.W + 2 * d.pw;
  return omp::conv_k16_available() && d.C / d.G == 16 && d.K / d.G <= kDx16MaxChannels &&
         (Hp * Wp + omp::kConvDx16Pixels) * 16 <= kDirectMaxPlaneFloats;
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
  float* wq = t_filters.get(d.G * ctiles * taps * CT * 16);
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
              omp::conv_dx16(u0, u1, v0, v1, d.FW, d.D * Wp * 16, d.D * 16, xt + (i * Wp + j0) * 16,
                             wq + (grp * ctiles + ct) * taps * CT * 16, sums);
              for (int64_t c = 0; c < cn; ++c) {
                float* dst = y + ((n * d.K + grp * Kg + ct * CT + c) * d.H2 + i) * d.W2 + j0;
                for (int64_t p = 0; p < pn; ++p) dst[p] = sums[c * PT + p];
              }
            }
        }
      }
  }
}

}  // namespace cnnlab::omp_conv
