#version 450
// l2pool2d_backward.comp — L2 (root-mean-square) pooling backward; one invocation per INPUT
// element.
//
// y[i, j] = sqrt(Σ_window x² / divisor) gives dL/dx[h, w] = x[h, w] · Σ over the windows (i, j)
// that hold (h, w) of dy[i, j] / (divisor(i, j) · y[i, j]); a window with y = 0 (all zeros)
// contributes 0, not 0/0. Written as a gather like pool2d_backward.comp (same window range
// i ∈ [ceil((h + P − F + 1)/S), floor((h + P)/S)] ∩ [0, H2), likewise j; same divisor: the
// window's size within the padded input), so no atomics are needed.
// Loops: at most ceil(F/S)² + ceil(F/S) iterations (the host rejects windows beyond 127×127).
// Every dx element is written.
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Y { float y[]; };
layout(std430, binding = 2) readonly buffer DY { float dy[]; };
layout(std430, binding = 3) writeonly buffer DX { float dx[]; };

layout(push_constant) uniform Push { uint total, H, W, H2, W2, F, S, P; } pc;

void main() {
  const uint e = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (e >= pc.total) return;
  const uint w = e % pc.W, t = e / pc.W, h = t % pc.H, plane = t / pc.H;
  const int lo_h = int(h + pc.P) - int(pc.F) + 1, lo_w = int(w + pc.P) - int(pc.F) + 1;
  const uint i0 = lo_h <= 0 ? 0 : (uint(lo_h) + pc.S - 1) / pc.S;
  const uint j0 = lo_w <= 0 ? 0 : (uint(lo_w) + pc.S - 1) / pc.S;
  const uint i1 = min((h + pc.P) / pc.S + 1, pc.H2), j1 = min((w + pc.P) / pc.S + 1, pc.W2);
  const uint out_base = plane * pc.H2 * pc.W2;
  float sum = 0.0;
  for (uint i = i0; i < i1; ++i)
    for (uint j = j0; j < j1; ++j) {
      const uint o = out_base + i * pc.W2 + j;
      const int hs = int(i * pc.S) - int(pc.P), ws = int(j * pc.S) - int(pc.P);
      const int he = min(hs + int(pc.F), int(pc.H + pc.P)), we = min(ws + int(pc.F), int(pc.W + pc.P));
      const float yo = y[o];
      if (yo != 0.0) sum += dy[o] / (float((he - hs) * (we - ws)) * yo);
    }
  dx[e] = x[e] * sum;
}
