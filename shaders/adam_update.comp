#version 450
// adam_update.comp — one Adam / AdamW step, in place (PyTorch's rules):
//   MODE ADAM_L2:         g = grad + wd · param
//   MODE ADAM_DECOUPLED:  param *= 1 − lr · wd;  g = grad          (AdamW)
//   m = β1 · m + (1 − β1) · g;   v = β2 · v + (1 − β2) · g²
//   param −= lr · (m / bc1) / (sqrt(v / bc2) + eps)
// bc1 = 1 − β1^t and bc2 = 1 − β2^t, the bias corrections of step t, come from the host
// (adam_bias_correction(), computed in double, the same numbers as the CPU backends use).
// Four elements per invocation (buffers are padded to a multiple of 4 floats); bound i < n4.
// No loops.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = ADAM_L2;

layout(std430, binding = 0) buffer Param { vec4 param[]; };
layout(std430, binding = 1) readonly buffer Grad { vec4 grad[]; };
layout(std430, binding = 2) buffer M { vec4 m[]; };
layout(std430, binding = 3) buffer V { vec4 v[]; };

layout(push_constant) uniform Push {
  uint n4;
  float lr, beta1, beta2, eps, wd, bc1, bc2;
} pc;

void main() {
  const uint i = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i >= pc.n4) return;
  vec4 p = param[i];
  vec4 g = grad[i];
  if (MODE == ADAM_DECOUPLED)
    p *= 1.0 - pc.lr * pc.wd;
  else
    g += pc.wd * p;
  const vec4 m1 = pc.beta1 * m[i] + (1.0 - pc.beta1) * g;
  const vec4 m2 = pc.beta2 * v[i] + (1.0 - pc.beta2) * g * g;
  m[i] = m1;
  v[i] = m2;
  param[i] = p - pc.lr * (m1 / pc.bc1) / (sqrt(m2 / pc.bc2) + pc.eps);
}
