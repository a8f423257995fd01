#version 450
// softmax_apply.comp — the elementwise last step of softmax, its backward and the loss gradient.
//
// One invocation per element (n, j) of an [N, D] matrix; stats holds per-row values computed by
// row_reduce.comp / row_finish.comp. MODE:
//   0 softmax_forward                y  = e^(x − m_n) / s_n             (stats = (m, s) per row)
//   1 softmax_backward               dx = y · (dy − dot_n)              (stats = dot_n = Σ_j dy·y)
//   2 softmax_cross_entropy_backward dl = scale · (e^(x − m_n)/s_n − 1(j = label_n)), scale = dloss/N
// a = x (or y), b = dy (MODE 1) or the labels (MODE 2). Bound: e < N·D; no loops.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = 0;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) readonly buffer Stats { float stats[]; };
layout(std430, binding = 3) writeonly buffer Out { float outv[]; };

layout(push_constant) uniform Push { uint total, D; float scale; } pc;

void main() {
  const uint e = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (e >= pc.total) return;
  const uint n = e / pc.D, j = e % pc.D;
  if (MODE == 1) {
    outv[e] = a[e] * (b[e] - stats[n]);
  } else {
    const float p = exp(a[e] - stats[2 * n]) / stats[2 * n + 1];
    if (MODE == 0) outv[e] = p;
    else outv[e] = pc.scale * (p - (j == uint(b[n]) ? 1.0 : 0.0));
  }
}
