#version 450
// softmax_apply.comp — the elementwise last step of softmax, its backward and the loss gradient.
//
// One invocation per element (n, j) of an [N, D] matrix; stats holds per-row values computed by
// row_reduce.comp / row_finish.comp. MODE (shader_modes.h):
//   SOFTMAX_APPLY_FORWARD      y  = e^(x − m_n) / s_n             (stats = (m, s) per row)
//   SOFTMAX_APPLY_BACKWARD     dx = y · (dy − dot_n)              (stats = dot_n = Σ_j dy·y)
//   SOFTMAX_APPLY_CE_BACKWARD  dl = scale · (e^(x − m_n)/s_n − 1(j = label_n)), scale = dloss/N
//                              (softmax_cross_entropy_backward)
// a = x (or y), b = dy (backward) or the labels (cross-entropy). Bound: e < N·D; no loops.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = SOFTMAX_APPLY_FORWARD;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) readonly buffer Stats { float stats[]; };
layout(std430, binding = 3) writeonly buffer Out { float outv[]; };

layout(push_constant) uniform Push { uint total, D; float scale; } pc;

void main() {
  const uint e = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (e >= pc.total) return;
  const uint n = e / pc.D, j = e % pc.D;
  if (MODE == SOFTMAX_APPLY_BACKWARD) {
    outv[e] = a[e] * (b[e] - stats[n]);
  } else {
    const float p = exp(a[e] - stats[2 * n]) / stats[2 * n + 1];
    if (MODE == SOFTMAX_APPLY_FORWARD) outv[e] = p;
    else outv[e] = pc.scale * (p - (j == uint(b[n]) ? 1.0 : 0.0));
  }
}
