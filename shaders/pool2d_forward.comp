#version 450
// pool2d_forward.comp — max, average or L2 pooling forward; one invocation per output element.
//
// Output (p, i, j) (p = n·C + c is the plane) looks at the window rows [i·S − P, i·S − P + F) and
// columns [j·S − P, j·S − P + F), clipped to the input; a ceil-mode window is first cut at the
// padded input's edge (H + P), which also gives the average's divisor (padding counts, overhang
// does not — PyTorch's count_include_pad). MODE (specialization constant, shader_modes.h):
//   POOL_FORWARD_MAX     y = the window's first NaN in row-major order if it has one (PyTorch's
//                        rule: a NaN is never hidden), else its first maximum (strict >); only
//                        positions inside the input are looked at, so padding never wins
//   POOL_FORWARD_ARGMAX  idx[o] = flat offset h·W + w of that element inside the plane (for backward)
//   POOL_FORWARD_AVG     y = window sum / divisor
//   POOL_FORWARD_L2      y = sqrt(window sum of squares / divisor): L2 (root-mean-square) pooling
// Loops: at most F·F + F iterations; the host rejects windows larger than 127×127.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = POOL_FORWARD_MAX;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 1) writeonly buffer Idx { uint idx[]; };

layout(push_constant) uniform Push { uint total, H, W, H2, W2, F, S, P; } pc;

void main() {
  const uint o = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (o >= pc.total) return;
  const uint j = o % pc.W2, t = o / pc.W2, i = t % pc.H2, plane = t / pc.H2;
  const int hs = int(i * pc.S) - int(pc.P), ws = int(j * pc.S) - int(pc.P);
  const int he = min(hs + int(pc.F), int(pc.H + pc.P)), we = min(ws + int(pc.F), int(pc.W + pc.P));
  const int h0 = max(hs, 0), h1 = min(he, int(pc.H)), w0 = max(ws, 0), w1 = min(we, int(pc.W));
  const uint base = plane * pc.H * pc.W;
  if (MODE == POOL_FORWARD_AVG) {
    float sum = 0.0;
    for (int h = h0; h < h1; ++h)
      for (int w = w0; w < w1; ++w) sum += x[base + uint(h) * pc.W + uint(w)];
    y[o] = sum / float((he - hs) * (we - ws));
  } else if (MODE == POOL_FORWARD_L2) {
    float sum = 0.0;
    for (int h = h0; h < h1; ++h)
      for (int w = w0; w < w1; ++w) {
        const float v = x[base + uint(h) * pc.W + uint(w)];
        sum += v * v;
      }
    y[o] = sqrt(sum / float((he - hs) * (we - ws)));
  } else {
    // NaN is tested on the bits, never through a comparison (see common.glsl); once the best
    // value is a NaN nothing replaces it, and until then bv is a number, so v > bv is exact.
    uint best = uint(h0) * pc.W + uint(w0);
    float bv = x[base + best];
    bool found_nan = nan_bits(bv);
    for (int h = h0; h < h1; ++h)
      for (int w = w0; w < w1; ++w) {
        if (found_nan) continue;
        const uint at = uint(h) * pc.W + uint(w);
        const float v = x[base + at];
        if (nan_bits(v)) { bv = v; best = at; found_nan = true; }
        else if (v > bv) { bv = v; best = at; }
      }
    if (MODE == POOL_FORWARD_MAX) y[o] = bv; else idx[o] = best;  // POOL_FORWARD_ARGMAX
  }
}
