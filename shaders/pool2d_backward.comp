#version 450
// pool2d_backward.comp — max or average pooling backward; one invocation per INPUT element.
//
// Written as a gather, so no two invocations write the same element and no atomics are needed:
// input (p, h, w) lies in the windows i ∈ [ceil((h + P − F + 1)/S), floor((h + P)/S)] ∩ [0, H2)
// (likewise j), and it sums, in row-major window order like the reference (MODE: shader_modes.h),
//   POOL_BACKWARD_MAX:  dy[p, i, j] over those windows whose chosen element (idx, from the argmax pass
//                       of pool2d_forward.comp: the first NaN, else the first maximum) is exactly
//                       this element — the lecture's 1(x = y)·dy with the first-maximum tie rule;
//   POOL_BACKWARD_AVG:  dy[p, i, j] / divisor(i, j) over all of them.
//   POOL_BACKWARD_GLOBAL_AVG: global average pooling, whose one window is the whole plane:
//                       dx[p, h, w] = dy[p] / (H·W), dy being [N, C, 1, 1] (H2, W2, F, S, P
//                       unused). No loop.
// Loops: at most ceil(F/S)² + ceil(F/S) iterations. Every dx element is written (0 if no window
// sends it anything).
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = POOL_BACKWARD_MAX;

layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 1) readonly buffer Idx { uint idx[]; };
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };

layout(push_constant) uniform Push { uint total, H, W, H2, W2, F, S, P; } pc;

void main() {
  const uint e = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  // [add_an_op_shader]
  if (e >= pc.total) return;
  if (MODE == POOL_BACKWARD_GLOBAL_AVG) {
    dx[e] = dy[e / (pc.H * pc.W)] / float(pc.H * pc.W);
    return;
  }
  // [add_an_op_shader]
  const uint w = e % pc.W, t = e / pc.W, h = t % pc.H, plane = t / pc.H;
  // first window that still covers h: i·S − P + F > h  ⇔  i > (h + P − F)/S
  const int lo_h = int(h + pc.P) - int(pc.F) + 1, lo_w = int(w + pc.P) - int(pc.F) + 1;
  const uint i0 = lo_h <= 0 ? 0 : (uint(lo_h) + pc.S - 1) / pc.S;
  const uint j0 = lo_w <= 0 ? 0 : (uint(lo_w) + pc.S - 1) / pc.S;
  const uint i1 = min((h + pc.P) / pc.S + 1, pc.H2), j1 = min((w + pc.P) / pc.S + 1, pc.W2);
  const uint here = h * pc.W + w, out_base = plane * pc.H2 * pc.W2;
  float sum = 0.0;
  for (uint i = i0; i < i1; ++i)
    for (uint j = j0; j < j1; ++j) {
      const uint o = out_base + i * pc.W2 + j;
      if (MODE == POOL_BACKWARD_MAX) {
        if (idx[o] == here) sum += dy[o];
      } else {
        const int hs = int(i * pc.S) - int(pc.P), ws = int(j * pc.S) - int(pc.P);
        const int he = min(hs + int(pc.F), int(pc.H + pc.P)), we = min(ws + int(pc.F), int(pc.W + pc.P));
        sum += dy[o] / float((he - hs) * (we - ws));
      }
    }
  dx[e] = sum;
}
