#version 450
// lrn.comp — local response normalisation across channels; one invocation per element of
// x [N, C, H, W] (plane = H·W pixels per channel).
//
// d[c] = k + a · Σ x[c']² over the window c' ∈ [c − before, c + after] ∩ [0, C) at the same
// pixel (a = alpha / size; before = ⌊size/2⌋, after = ⌊(size−1)/2⌋: PyTorch's convention).
// MODE (specialization constant, shader_modes.h):
//   LRN_FORWARD         out = x · d^(−β)                               (binds x, out)
//   LRN_BACKWARD_TERMS  t = dy · x · d^(−β−1), what channel c sends back to its window
//                                                                      (binds x, dy, t)
//   LRN_BACKWARD_DX     out = dx = dy · d^(−β) − 2aβ · x · Σ t[c] over c ∈ [j − after, j + before]
//                       (the channels whose window holds j: the window mirrored)
//                                                                      (binds x, dy, t, out)
// backends/reference/lrn.hpp derives the backward formula. Unused bindings hold a dummy buffer.
// Loops: at most min(size, C) iterations each, two loops at most; the host rejects windows
// beyond 16,384 channels (lavapipe's 65,535-iteration limit).
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = LRN_FORWARD;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) buffer T { float t[]; };
layout(std430, binding = 3) writeonly buffer OUT { float o[]; };

layout(push_constant) uniform Push { uint total, C, plane, before, after; float a, beta, k; } pc;

void main() {
  const uint e = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (e >= pc.total) return;
  const uint pix = e % pc.plane, c = (e / pc.plane) % pc.C;
  const uint base = e - c * pc.plane;  // channel 0 of this pixel
  // d of this element: its window's sum of squares
  const uint lo = c >= pc.before ? c - pc.before : 0u, hi = min(c + pc.after, pc.C - 1u);
  float s = 0.0;
  for (uint q = lo; q <= hi; ++q) {
    const float v = x[base + q * pc.plane];
    s += v * v;
  }
  const float d = pc.k + pc.a * s;
  const float scale = pow(d, -pc.beta);  // d^(−β); d ≥ k > 0
  if (MODE == LRN_FORWARD) {
    o[e] = x[e] * scale;
  } else if (MODE == LRN_BACKWARD_TERMS) {
    t[e] = dy[e] * x[e] * scale / d;
  } else {  // LRN_BACKWARD_DX
    const uint lo2 = c >= pc.after ? c - pc.after : 0u, hi2 = min(c + pc.before, pc.C - 1u);
    float sum = 0.0;
    for (uint q = lo2; q <= hi2; ++q) sum += t[base + q * pc.plane];
    o[e] = dy[e] * scale - 2.0 * pc.a * pc.beta * x[e] * sum;
  }
}
