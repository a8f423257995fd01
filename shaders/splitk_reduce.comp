#version 450
// splitk_reduce.comp — adds the split-K slices of a tiled GEMM and applies its epilogue.
//
// One invocation per output element e (2-D grid, see common.glsl):
//   out[e] = alpha · Σ_{s < slices} partial[s·total + e] + beta · out[e] + bias[(e / bias_inner) % bias_count]
// (beta == 0: out is not read; has_bias == 0: no bias). Loop: `slices` iterations, which the host
// keeps ≤ 1024.
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Partial { float partial[]; };
layout(std430, binding = 1) buffer Out { float outv[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };

layout(push_constant) uniform Push {
  uint total, slices;
  float alpha, beta;
  uint has_bias, bias_inner, bias_count;
} pc;

void main() {
  const uint e = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (e >= pc.total) return;
  float sum = 0.0;
  for (uint s = 0; s < pc.slices; ++s) sum += partial[s * pc.total + e];
  float v = pc.alpha * sum;
  if (pc.beta != 0.0) v += pc.beta * outv[e];
  if (pc.has_bias != 0) v += bias[(e / pc.bias_inner) % pc.bias_count];
  outv[e] = v;
}
