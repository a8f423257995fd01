/// @file im2col.hpp
/// @brief Convolution as one matrix product: im2col ("unfold") + GEMM, the readable version.
///
/// Contract: the lecture's trick, written plainly and single-threaded on host memory. Every
/// F×F×C patch the filter visits becomes one column of a matrix (im2col), every filter one row
/// of the weight matrix, and the whole convolution is their product:
///
///     cols  [C·FH·FW, H2·W2]   (one image; row (c, u, v), column (i, j) holds
///                               x[c, i·S − P + u·D, j·S − P + v·D], 0 in the padding)
///     y_img [K, H2·W2] = W [K, C·FH·FW] · cols  (+ b[k] on row k)
///
/// With groups G, group g's filters [Kg = K/G rows] multiply only the rows of its own
/// Cg = C/G channels (rows g·Cg·FH·FW ... (g+1)·Cg·FH·FW − 1 of cols, a contiguous block).
/// The result equals conv2d_forward() (backends/reference/conv2d.hpp) up to float rounding, and
/// im2col() equals PyTorch's torch.nn.functional.unfold.
/// What this is not: the fast path. The OpenMP backend (backends/openmp) packs, tiles and
/// threads its GEMM; this file is the baseline that shows why lowering to GEMM pays off at all
/// (contiguous inner loops instead of scattered window reads).
#pragma once

#include <cnnlab/core/tensor.hpp>
#include <cnnlab/ops/geometry.hpp>

#include <cstdint>

namespace cnnlab {

/// @brief The raw kernels behind im2col() and conv2d_forward_im2col(), on float arrays.
namespace lowering {

/// @brief One image's column matrix: x (C, H, W) → cols (C·FH·FW, H2·W2), row-major.
/// Row r = (c·FH + u)·FW + v, column q = i·W2 + j; padding positions are 0. Uses g's C, H, W,
/// FH, FW, H2, W2, S, P, D (not N, K or G: all C channels are unfolded).
void im2col(const float* x, float* cols, const Conv2dGeometry& g);

/// @brief c (M, N) = a (M, K) · b (K, N), all row-major; c is overwritten.
/// Loop order i-k-j: the innermost loop walks a row of b and a row of c contiguously.
void matmul(const float* a, const float* b, float* c, int64_t M, int64_t K, int64_t N);

/// @brief y (N, K, H2, W2) = conv2d of x (N, C, H, W) with w (K, C/G, FH, FW) and b (K) or
/// nullptr, computed image by image as im2col + one matmul per group.
void conv2d_forward_im2col(const float* x, const float* w, const float* b, float* y,
                           const Conv2dGeometry& g);

}  // namespace lowering

/// @brief The column matrices of a batch: x [N, C, H, W] → [N, C·FH·FW, H2·W2], like
///        torch.nn.functional.unfold(x, (FH, FW), dilation=D, padding=P, stride=S).
/// @param p stride, padding, dilation (groups is not used: all C channels are unfolded)
/// @throws Error for a bad shape or hyperparameter (the rules of conv2d_geometry()), or for a
///         tensor that is not in host memory (reference or OpenMP backend).
Tensor im2col(const Tensor& x, int64_t FH, int64_t FW, const Conv2dParams& p = {});

/// @brief y[N,K,H2,W2] = x ⋆ w + b, computed as im2col + GEMM (single-threaded, host memory).
///        Same result as conv2d_forward() up to float rounding; y lives on x's backend.
/// @param b bias [K], or an undefined Tensor() for no bias.
/// @throws Error as conv2d_forward() does, or for tensors that are not in host memory.
Tensor conv2d_forward_im2col(const Tensor& x, const Tensor& w, const Tensor& b,
                             const Conv2dParams& p = {});

}  // namespace cnnlab
