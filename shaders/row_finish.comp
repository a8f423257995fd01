#version 450
// row_finish.comp — second stage of a long reduction: combines the chunks row_reduce.comp left.
//
// One invocation per row r, looping over its `chunks` partial results (the host keeps that
// ≤ 8,192):
// MODE (shader_modes.h):
//   ROW_FINISH_SOFTMAX_STATS  m = max m_c,  s = Σ s_c · e^(m_c − m)  → out[2r] = m, out[2r+1] = s
//   ROW_FINISH_SUM            out[r] = scale · Σ partial_c  (row_reduce's dot and sum)
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = ROW_FINISH_SOFTMAX_STATS;

layout(std430, binding = 0) readonly buffer Partial { float part[]; };
layout(std430, binding = 1) writeonly buffer Out { float outv[]; };

layout(push_constant) uniform Push { uint rows, chunks; float scale; } pc;

void main() {
  const uint r = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (r >= pc.rows) return;
  const uint base = r * pc.chunks;
  if (MODE == ROW_FINISH_SOFTMAX_STATS) {
    float m = -1.0 / 0.0;
    for (uint c = 0; c < pc.chunks; ++c) m = max(m, part[2 * (base + c)]);
    float s = 0.0;
    for (uint c = 0; c < pc.chunks; ++c) s += part[2 * (base + c) + 1] * exp(part[2 * (base + c)] - m);
    outv[2 * r] = m;
    outv[2 * r + 1] = s;
  } else {
    float s = 0.0;
    for (uint c = 0; c < pc.chunks; ++c) s += part[base + c];
    outv[r] = pc.scale * s;
  }
}
