#version 450
// batchnorm_channel.comp — batch norm's per-channel step between the reductions and the
// elementwise pass: one invocation per channel c < C, no loop.
//
// MODE (shader_modes.h):
//   BN_CHANNEL_TRAIN   a = var[C] (biased, from row_reduce), out = invstd = 1/sqrt(var + eps);
//                      when pc.update != 0, with m = mean[C] in b:
//                      running_mean = (1 − momentum)·running_mean + momentum·mean,
//                      running_var  = (1 − momentum)·running_var + momentum·var·M/(M − 1)
//   BN_CHANNEL_EVAL    a = running_var[C], out = invstd = 1/sqrt(running_var + eps)
//   BN_CHANNEL_DGAMMA  a = Σ dy·(x − mean) [C], b = invstd[C], out = dgamma = a·b
// Bindings: 0 a, 1 b (read), 2 out (written), 3 running_mean, 4 running_var (read and written,
// BN_CHANNEL_TRAIN with update only; otherwise the host binds its dummy buffer).
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = BN_CHANNEL_TRAIN;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Out { float outv[]; };
layout(std430, binding = 3) buffer RunningMean { float rmean[]; };
layout(std430, binding = 4) buffer RunningVar { float rvar[]; };

layout(push_constant) uniform Push { uint C, update; float eps, momentum, unbias; } pc;

void main() {
  const uint c = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (c >= pc.C) return;
  if (MODE == BN_CHANNEL_DGAMMA) {
    outv[c] = a[c] * b[c];
    return;
  }
  outv[c] = 1.0 / sqrt(a[c] + pc.eps);
  if (MODE == BN_CHANNEL_TRAIN && pc.update != 0u) {
    rmean[c] = (1.0 - pc.momentum) * rmean[c] + pc.momentum * b[c];
    rvar[c] = (1.0 - pc.momentum) * rvar[c] + pc.momentum * (a[c] * pc.unbias);
  }
}
