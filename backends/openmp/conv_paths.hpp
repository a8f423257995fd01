// conv_paths.hpp — the thresholds that choose a convolution's path on the OpenMP backend, named
// and explained in one place (internal header).
//
// Contract: constants only. openmp_conv2d.cpp chooses the path of each pass by asking the
// *_suits tests in this order (the first that says yes wins; "gemm" is im2col + SGEMM). First of
// all, a depthwise layer (one input channel per group, G > 1, fewer than 16 filters per group)
// takes conv_depthwise.cpp in all three passes, any stride and dilation (MobileNet's 3×3: 25 /
// 25 / 17 GFLOP per CPU-second against 5 / 6 / 0.9 GFLOP/s through per-channel GEMMs). Otherwise:
//
//   forward          direct_conv_k16 → direct_conv_s1 (stride 1) → im2col + sgemm_prepacked
//   backward-data    stride 1 only, as a forward convolution of dy with the flipped filters:
//                    direct_conv_dx16 → direct_conv_k16 → direct_conv_s1;
//                    otherwise (or none suits) dy packed + sgemm_prepacked + col2im
//   backward-weight  direct_dw_image_loop → direct_dw3_k16 → weight_grad_transposed_columns
//                    → batched im2col + sgemm
//
// The tests live next to their algorithms (conv_direct_forward.cpp, conv_direct_data.cpp,
// conv_direct_weight.cpp, openmp_conv2d.cpp) because they depend on how each one lays out its
// buffers; the numbers they compare against are the constants below. Every direct path also
// needs the convolution tiles, AVX-512 or AVX2 + FMA (omp::conv_k16_available, conv_tiles.hpp).
// With the layers of bench/ (N, C, H, W; K filters of F×F, stride S, padding P) the choices are:
//
//   layer        forward   backward-data   backward-weight
//   LeNet c1     s1        gemm            dw (dot products)
//   LeNet c2     k16       dx16            dw (dot products)
//   CIFAR        s1        gemm            dw (dot products)
//   VGG mid      k16       k16             dw3
//   VGG deep     k16       k16             dw3
//   AlexNet c1   k16       gemm            transposed columns
//
// Sizes are in floats (4 bytes) and were chosen for the development machine (AMD EPYC, Zen 4:
// L1d 32 KB, L2 1 MB per core, L3 32 MB); where a commit measured the effect of a threshold, the
// figure is quoted (GFLOP/s, one thread). What this header is not: the tuning inside each path
// (band heights, chunk sizes, when to start threads), which stays next to the loops it tunes.
#pragma once

#include <cstdint>

namespace cnnlab::omp_conv {

// ---- shared by the direct paths -----------------------------------------------------------------

/// Largest zero-padded input plane (all Cg channels of a group, Hp × Wp, or its pixel-major or
/// phase-split copy) a direct path copies per image: 256 Ki floats = 1 MB, the per-core L2. Each
/// thread keeps one such plane and reads it once per tile of filters, so it has to stay near the
/// core; a larger input goes through im2col + GEMM, which streams its column blocks instead.
inline constexpr int64_t kDirectMaxPlaneFloats = int64_t{1} << 18;

// ---- forward (and the stride-1 data gradient) ---------------------------------------------------

/// direct_conv_s1 (the 32-position grid tile) only for filters of at most 64 Ki floats
/// (Kg·Cg·FH·FW, 256 KB packed): they stay in L2 for the whole call while the input window of
/// each 32-position block streams past. direct_conv_k16 also takes over above this size, since
/// the only other choice, im2col + GEMM, copies the input once per tap (about 6% of VGG deep's
/// forward; 102 → 108 GFLOP/s forward, 100 → 106 backward-data when k16 took it).
inline constexpr int64_t kGridTileMaxFilterFloats = int64_t{1} << 16;

/// direct_conv_s1 only when at least 60% of what its tiles compute is real output: the share
/// of real columns in the padded-width grid (W2/Wp) times the share of real filters in its
/// mr-row tiles (Kg / Kg rounded up to mr). Below that, im2col + GEMM (which computes no
/// padding columns) wins. Not measured finely; the layers it was made for are well above
/// (LeNet c1: 0.88, CIFAR: 0.94; LeNet c1's data gradient, at 0.15, goes to the GEMM).
inline constexpr double kGridTileMinUseful = 0.6;

/// direct_conv_k16 (16 filters in the lanes) only when one block's packed filters (Cg·FH·FW
/// taps × 16 floats) stay within 128 Ki floats = 512 KB, half of L2: every tile of pixels runs
/// over all of them.
inline constexpr int64_t kK16MaxBlockFilterFloats = int64_t{1} << 17;

/// direct_conv_k16 rather than the grid tile when the grid tile would waste more than
/// 1/kK16GridWasteDivisor of the positions it computes (padding columns and the overhang of the
/// last 32-wide block): real outputs · 5 < computed positions · 4. LeNet c2 (10×10 outputs on a
/// 14-wide grid: 100 real of 160 computed) is the case; there k16 took the forward pass from
/// 66 to 101 GFLOP/s.
inline constexpr int64_t kK16GridWasteDivisor = 5;

// ---- backward-data ------------------------------------------------------------------------------

/// direct_conv_dx16 (the 16 filters of a group reduced in the lanes) only for at most 12 output
/// channels per group (dx's channels, the forward pass's input channels): with so few channels
/// the other direct tiles would pad their filter tiles or fill only a few lanes. Made for
/// LeNet c2 (6 channels); the limit of 12 itself was not measured.
inline constexpr int64_t kDx16MaxChannels = 12;

// ---- backward-weight ----------------------------------------------------------------------------

/// direct_dw_image_loop (dot products along the grid) only when its per-thread buffers — the
/// padded input, dy on the padded grid and the 16-lane accumulators of all 4×6 tiles — total at
/// most 128 Ki floats = 512 KB, so they stay in L2 for the whole image.
inline constexpr int64_t kDwMaxScratchFloats = int64_t{1} << 17;

/// direct_dw_image_loop only when at least 40% of its work is real: the share of real outputs
/// on the padded grid times the share of real entries in its 4-filter × 6-tap tiles. LeNet c1
/// (6 filters × 25 taps on 8 × 30 tiles) is at 55% and still 4× faster than im2col + sgemm
/// with M = 6.
inline constexpr double kDwMinUseful = 0.4;

/// direct_dw3_k16 (3-wide filters, 16 filters in the lanes) only for output rows of at least 8
/// pixels. The layers it was made for (VGG) have rows of 28 and 56; shorter rows were not
/// measured, so they keep the other paths.
inline constexpr int64_t kDw3MinRowPixels = 8;

/// direct_dw3_k16 only with at least two tiles of 9 (channel, filter-row) pairs, i.e.
/// Cg·FH >= 18, so that the transposed copy of dy it makes per image is shared by several tiles.
/// With one tile (3 input channels) the copy costs a quarter of the arithmetic and im2col +
/// sgemm was faster (66 against 58 GFLOP/s).
inline constexpr int64_t kDw3MinRowTiles = 2;

/// weight_grad_transposed_columns (dy chunk as Ã, colᵀ written straight into B̃) only for a
/// product large in every direction: at least 32 filters, 64 taps (Cg·FH·FW) and 256 output
/// pixels per image. Smaller layers (few pixels per image) do better with the batched
/// im2col + sgemm below, which puts several images' pixels into one long product. When it was
/// introduced: VGG deep 92 → 99-103, VGG mid 68 → 81-84, AlexNet c1 67 → 77-84 GFLOP/s.
inline constexpr int64_t kTransposedMinFilters = 32;
inline constexpr int64_t kTransposedMinTaps = 64;
inline constexpr int64_t kTransposedMinPixels = 256;

/// The batched weight gradient (im2col + sgemm) lays the column matrices of several images side
/// by side, about this many pixels in all (at least one image): a long reduction (the GEMM's K)
/// instead of a short one per image (LeNet c2: 100 pixels), which spares sgemm's per-call
/// packing and its passes over C.
inline constexpr int64_t kWeightBatchPixels = 1024;

// ---- threads ------------------------------------------------------------------------------------

/// direct_conv_s1 writes its output with streaming (non-temporal) stores, which skip the read
/// of each cache line before it is overwritten, when several threads write an output of more
/// than this many floats (4 MB, beyond the L2 of the cores writing it). Measured on CIFAR's
/// forward pass (8 MB out, 2 threads): 144 → 159 GFLOP/s with AVX2, 162 → 251 with AVX-512;
/// with one thread the reads cost nothing and streaming measured 4% slower (87.5 → 84).
inline constexpr int64_t kStreamMinOutputFloats = int64_t{1} << 20;

/// The weight gradient shares out whole images (each thread with its own dW, summed in a fixed
/// order at the end) when every thread gets at least this many; otherwise the threads share the
/// work inside each image.
inline constexpr int kMinImagesPerThread = 2;

}  // namespace cnnlab::omp_conv
