#version 450
// sgd_update.comp — one SGD step with momentum and weight decay, in place (PyTorch's rule):
//   g = grad + wd · param;   velocity = momentum · velocity + g;
//   MODE SGD_MOMENTUM:  param −= lr · velocity
//   MODE SGD_NESTEROV:  param −= lr · (g + momentum · velocity)
// Four elements per invocation (buffers are padded to a multiple of 4 floats); bound i < n4.
// No loops.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = SGD_MOMENTUM;

layout(std430, binding = 0) buffer Param { vec4 param[]; };
layout(std430, binding = 1) readonly buffer Grad { vec4 grad[]; };
layout(std430, binding = 2) buffer Velocity { vec4 velocity[]; };

layout(push_constant) uniform Push { uint n4; float lr, momentum, wd; } pc;

void main() {
  const uint i = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i >= pc.n4) return;
  const vec4 p = param[i];
  const vec4 g = grad[i] + pc.wd * p;
  const vec4 v = pc.momentum * velocity[i] + g;
  velocity[i] = v;
  if (MODE == SGD_NESTEROV)
    param[i] = p - pc.lr * (g + pc.momentum * v);
  else
    param[i] = p - pc.lr * v;
}
