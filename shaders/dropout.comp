#version 450
// dropout.comp — dropout's mask applied to x (forward) or dy (backward): one invocation per
// element, no loop. out[i] = keep(i) ? in[i]·scale : 0, where
//   keep(i) = drop_all == 0 && mix32(key ^ mix32(i)) >= threshold
// mirrors src/cnnlab/ops/dropout_mask.hpp line for line (mix32 = lowbias32), and the host
// computes key, threshold, drop_all and scale with that header's dropout_mask(): the mask is
// bit-identical to the C++ backends'. Bound: i < pc.total.
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer In { float inv[]; };
layout(std430, binding = 1) writeonly buffer Out { float outv[]; };

layout(push_constant) uniform Push { uint total, key, threshold, drop_all; float scale; } pc;

uint mix32(uint x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

void main() {
  const uint i = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i >= pc.total) return;
  const bool keep = pc.drop_all == 0u && mix32(pc.key ^ mix32(i)) >= pc.threshold;
  outv[i] = keep ? inv[i] * pc.scale : 0.0;
}
