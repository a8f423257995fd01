#version 450
// conv_transpose2d_bias.comp — adds a per-channel bias in place: y[n, k, h, w] += b[k].
//
// The bias of a transposed convolution: its forward pass is the convolution's backward-data
// pass (which has no bias), so the bias is added afterwards. y is [N, K, H2, W2]; element e
// lies in channel (e / plane) % K, plane = H2·W2. One invocation per element of y, no loop;
// bound: e < total = N·K·H2·W2. Memory-bound (one read and one write of y).
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer B { float b[]; };
layout(std430, binding = 1) buffer Y { float y[]; };

layout(push_constant) uniform Push { uint total, plane, K; } pc;

void main() {
  const uint e = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (e >= pc.total) return;
  y[e] += b[(e / pc.plane) % pc.K];
}
