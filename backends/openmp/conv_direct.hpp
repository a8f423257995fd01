// conv_direct.hpp — direct convolution on the OpenMP backend: no column matrix at all.
//
// Contract (internal header; loop orders in the .cpp file of each pass). With AVX-512 or AVX2
// + FMA, a convolution can be computed by tiles (conv_tiles.hpp) that read the zero-padded input
// themselves:
//   forward (conv_direct_forward.cpp):
//   - direct_conv_s1: mr filters × 32 positions of the padded-width grid (omp::conv_tile),
//     stride 1, filters small enough for L2;
//   - direct_conv_k16: 16 filters in the lanes × 2 rows × up to 14 real output pixels
//     (omp::conv_k16), any stride (from a phase-split copy of the padded input);
//   backward-data (conv_direct_data.cpp):
//   - direct_conv_dx16: 16 input channels in the lanes (omp::conv_dx16) — the data gradient of a
//     layer with 16 filters per group (LeNet c2);
//   backward-weight (conv_direct_weight.cpp):
//   - direct_dw_image_loop: the weight gradient of a stride-1 layer as dot products along the
//     padded grid (omp::conv_dw_tile);
//   - direct_dw3_k16: the weight gradient of a 3-wide stride-1 layer with 16 filters in the
//     lanes and 27 taps in registers (omp::conv_dw3_k16): the VGG layers.
// Each has a *_suits test saying when it beats the im2col + GEMM path, against the thresholds
// named in conv_paths.hpp; openmp_conv2d.cpp asks them in turn. The data gradient of a stride-1
// convolution is itself such a convolution (of dy, with the filters flipped and transposed), so
// besides direct_conv_dx16 it takes the forward paths.
#pragma once

#include "backends/openmp/conv_common.hpp"

#include <cnnlab/ops/geometry.hpp>

#include <cstdint>

namespace cnnlab::omp_conv {

/// A stride-1 convolution as conv_tile (conv_tiles.hpp) computes it: y (N, K, H2, W2) =
/// w (K, C/G, FH, FW) ⋆ x (N, C, H, W) zero-padded by ph rows and pw columns, dilation D, G
/// groups, plus bias (may be null). Used for the forward pass and — with dy as the input and
/// the filters flipped and transposed — for the data gradient.
struct DirectConv {
  int64_t N, C, H, W, K, G, FH, FW, D, ph, pw, H2, W2;
  int64_t S = 1;  ///< stride; only direct_conv_k16 takes S > 1 (through a phase-split copy)
};

// ---- forward, and the stride-1 data gradient (conv_direct_forward.cpp) --------------------------

/// Whether direct_conv_s1 suits (conv tiles available, stride 1, small filters, little grid waste).
bool direct_suits(const DirectConv& d);
/// y = w ⋆ x (+ bias, may be null) with the grid tile; stride 1.
void direct_conv_s1(const float* x, const float* w, const float* bias, float* y,
                    const DirectConv& d);

/// Whether direct_conv_k16 suits (conv tiles available, whole blocks of 16 filters, see
/// conv_direct_forward.cpp).
bool k16_suits(const DirectConv& d);
/// y = w ⋆ x (+ bias, may be null) with 16 filters per zmm; any stride.
void direct_conv_k16(const float* x, const float* w, const float* bias, float* y,
                     const DirectConv& d);

// ---- backward-data (conv_direct_data.cpp) -------------------------------------------------------

/// Whether direct_conv_dx16 suits (16 input channels per group, few output channels).
bool dx16_suits(const DirectConv& d);
/// y = w ⋆ x with the 16 input channels in the lanes; stride 1, no bias.
void direct_conv_dx16(const float* x, const float* w, float* y, const DirectConv& d);

// ---- backward-weight (conv_direct_weight.cpp) ---------------------------------------------------

/// Whether the direct weight gradient suits (conv tiles available, stride 1, buffers within L2).
bool direct_dw_suits(const Conv2dGeometry& g);
/// dW = Σ_n dy_n ⋆ x_n on `threads` threads (images shared out): each thread sums into its
/// slice of `partial` (threads > 1, summed by the caller) or straight into dwp.
void direct_dw_image_loop(const float* x, const float* dy, const Conv2dGeometry& g, int threads,
                          float* partial, float* dwp);

/// Whether direct_dw3_k16 suits: conv tiles available, stride 1, no dilation, 3-wide filters, whole
/// blocks of 16 filters, output rows of at least 8 pixels, at least 18 (channel, filter-row) pairs.
bool dw3_k16_suits(const Conv2dGeometry& g);
/// dW = Σ_n dy_n ⋆ x_n with 16 filters in the lanes (omp::conv_dw3_k16). threads > 1: images
/// shared out, each thread into its slice of `partial` (summed by the caller); otherwise the
/// tiles of each image are shared out and dW is written directly.
void direct_dw3_k16(const float* x, const float* dy, const Conv2dGeometry& g, int threads,
                    float* partial, float* dwp);

}  // namespace cnnlab::omp_conv
