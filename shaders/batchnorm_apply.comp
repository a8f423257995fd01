#version 450
// batchnorm_apply.comp — batch norm's elementwise pass, one invocation per element of
// x[N, C, H, W] (channel c = (e / S) % C, S = H·W), no loop.
//
// MODE (shader_modes.h), with xhat = (x − mean[c])·invstd[c]:
//   BN_APPLY_FORWARD         out = gamma[c]·xhat + beta[c]                   (p = beta)
//   BN_APPLY_BACKWARD_BATCH  out = gamma[c]·invstd[c]·(dy − p[c]/M − xhat·q[c]/M)
//                            (p = dβ = Σ dy, q = dγ = Σ dy·xhat; batch statistics)
//   BN_APPLY_BACKWARD_FIXED  out = gamma[c]·invstd[c]·dy                     (eval statistics)
// Bindings: 0 x, 1 dy (backward; dummy otherwise), 2 mean, 3 invstd, 4 gamma, 5 p, 6 q
// (BACKWARD_BATCH; dummy otherwise), 7 out. Bound: e < pc.total.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = BN_APPLY_FORWARD;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 2) readonly buffer Mean { float mean[]; };
layout(std430, binding = 3) readonly buffer Invstd { float invstd[]; };
layout(std430, binding = 4) readonly buffer Gamma { float gamma[]; };
layout(std430, binding = 5) readonly buffer P { float pv[]; };
layout(std430, binding = 6) readonly buffer Q { float qv[]; };
layout(std430, binding = 7) writeonly buffer Out { float outv[]; };

layout(push_constant) uniform Push { uint total, C, S; float inv_m; } pc;

void main() {
  const uint e = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (e >= pc.total) return;
  const uint c = (e / pc.S) % pc.C;
  if (MODE == BN_APPLY_FORWARD) {
    outv[e] = gamma[c] * ((x[e] - mean[c]) * invstd[c]) + pv[c];
  } else if (MODE == BN_APPLY_BACKWARD_BATCH) {
    const float xhat = (x[e] - mean[c]) * invstd[c];
    outv[e] = gamma[c] * invstd[c] * (dy[e] - pv[c] * pc.inv_m - xhat * (qv[c] * pc.inv_m));
  } else {
    outv[e] = gamma[c] * invstd[c] * dy[e];
  }
}
