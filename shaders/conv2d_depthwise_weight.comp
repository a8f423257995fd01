#version 450
// conv2d_depthwise_weight.comp — the weight gradient of a depthwise convolution (one input
// channel per group, C/G = 1, Kg = K/G filters per channel):
//   dw[k, 0, u, v] = Σ_{n,i,j} dy[n, k, i, j] · x[n, c, i·S − P + u·D, j·S − P + v·D],  c = k / Kg
// (0 where the tap falls in the padding). The general path is a GEMM with one filter row per
// group (M = Kg, N = FH·FW taps), whose 64-wide tiles were nearly all padding — 200× slower
// than the forward pass on lavapipe for MobileNet's 3×3 layer.
//
// Grid: x = filter k (one workgroup per filter). Each of the WG invocations takes the output
// pixels q = tid, tid + WG, ... of all images and keeps the FH·FW sums of its pixels in
// registers; the workgroup then adds its WG partial sums per tap in shared memory (a tree in a
// fixed order, so results do not depend on timing) and invocation 0 writes the tap.
// Specialization constants: 0 = WG (a power of two), 1..4 = FH, FW, S, D.
// Loops: ⌈N·H2·W2 / WG⌉ iterations over pixels (the host keeps it within lavapipe's 65,535 and
// FH·FW ≤ 64), FH·FW unrolled taps, FH·FW · log2(WG) reduction steps.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint FH = 3;
layout(constant_id = 2) const uint FW = 3;
layout(constant_id = 3) const uint S = 1;
layout(constant_id = 4) const uint D = 1;
const uint FF = FH * FW;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) writeonly buffer DW { float dw[]; };

layout(push_constant) uniform Push { uint C, H, W, K, H2, W2, P, Kg, pixels, k0; } pc;

shared float red[gl_WorkGroupSize.x];

void main() {
  const uint tid = gl_LocalInvocationID.x, WG = gl_WorkGroupSize.x;
  const uint k = pc.k0 + gl_WorkGroupID.x, c = k / pc.Kg, HW2 = pc.H2 * pc.W2;
  float acc[FF];
  [[unroll]] for (uint t = 0; t < FF; ++t) acc[t] = 0.0;

  for (uint q = tid; q < pc.pixels; q += WG) {
    const uint n = q / HW2, s = q - n * HW2, i = s / pc.W2, j = s - i * pc.W2;
    const float g = dy[(n * pc.K + k) * HW2 + s];
    const uint base = (n * pc.C + c) * pc.H * pc.W;
    const int h0 = int(i * S) - int(pc.P), w0 = int(j * S) - int(pc.P);
    [[unroll]] for (uint u = 0; u < FH; ++u) {
      const int h = h0 + int(u * D);
      if (h < 0 || h >= int(pc.H)) continue;
      [[unroll]] for (uint v = 0; v < FW; ++v) {
        const int w = w0 + int(v * D);
        if (w >= 0 && w < int(pc.W)) acc[u * FW + v] += g * x[base + uint(h) * pc.W + uint(w)];
      }
    }
  }

  for (uint t = 0; t < FF; ++t) {
    red[tid] = acc[t];
    barrier();
    for (uint half_ = WG / 2; half_ > 0; half_ /= 2) {
      if (tid < half_) red[tid] += red[tid + half_];
      barrier();
    }
    if (tid == 0) dw[k * FF + t] = red[0];
    barrier();
  }
}
