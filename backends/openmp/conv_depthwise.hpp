// conv_depthwise.hpp — depthwise convolution on the OpenMP backend: every filter reads one input
// channel (C/G = 1, G > 1), with K/G filters per channel (the channel multiplier).
//
// Contract (internal header; loops in conv_depthwise.cpp). The same function as
// backends/reference/conv2d.hpp for such layers — any stride, padding, dilation, FH × FW — but
// computed plane by plane instead of as G tiny matrix products (one filter row per GEMM, which
// ran at 1–5 GFLOP/s for MobileNet's 3×3 layers):
//   forward          y[n, k] = b[k] + Σ_{u,v} w[k, 0, u, v] · x[n, c, i·S − P + u·D, j·S − P + v·D]
//                    c = k / Kg; one thread per input plane (n, c), which makes its Kg outputs
//   backward-data    dx[n, c, h, x'] = Σ_{k in c's group} Σ_{u,v} w[k, 0, u, v] · dy[n, k, i, j]
//                    over the (i, j) with i·S − P + u·D = h, j·S − P + v·D = x'; one thread per
//                    dx plane, gathering (no atomics, no scatter)
//   backward-weight  dW[k, 0, u, v] = Σ_n Σ_{i,j} dy[n, k, i, j] · x[n, c, i·S − P + u·D, ...];
//                    one thread per channel c (all its Kg filters, all images in order), so the
//                    sums do not depend on the thread count
// Every row is computed over a zero-padded, stride-phase-split copy of its input plane, so each
// tap of a row of outputs is one contiguous run (the inner loops of conv_depthwise_kernels.hpp).
// The bias gradient stays with the caller (openmp_conv2d.cpp).
#pragma once

#include <cnnlab/ops/geometry.hpp>

namespace cnnlab::omp_conv {

/// Whether the depthwise path takes this layer: G > 1 groups of one input channel each, and
/// fewer than 16 filters per group (from 16 up the 16-filters-in-the-lanes tile is at home).
bool depthwise_suits(const Conv2dGeometry& g);

/// y = w ⋆ x (+ bias, may be null) for a depthwise layer (depthwise_suits).
void depthwise_forward(const float* x, const float* w, const float* bias, float* y,
                       const Conv2dGeometry& g);
/// dx = the adjoint of the forward pass applied to dy (every element written).
void depthwise_backward_data(const float* dy, const float* w, float* dx, const Conv2dGeometry& g);
/// dw = Σ over images and output pixels (every element written; not the bias).
void depthwise_backward_weight(const float* x, const float* dy, float* dw, const Conv2dGeometry& g);

}  // namespace cnnlab::omp_conv
