#version 450
// conv2d_depthwise.comp — forward pass and data gradient of a depthwise convolution (one input
// channel per group, C/G = 1; Kg = K/G filters per channel, c = k / Kg), one invocation per
// output element. The general paths give such a layer 4-wide filter tiles (direct forward) or
// one-row GEMM tiles (data gradient, stride > 1), mostly padding.
//   DATA = false:  y[n, k, i, j]  = b[k] + Σ_{u,v} w[k, u, v] · x[n, c, i·S − P + u·D, j·S − P + v·D]
//   DATA = true:   dx[n, c, h, w] = Σ_{k of c} Σ_{u,v} w[k, u, v] · dy[n, k, i, j]
//                  over the taps with h = i·S − P + u·D and w = j·S − P + v·D (i, j whole and in
//                  range): a gather, so no two invocations write the same element.
// Specialization constants: 0 = WG, 1..4 = FH, FW, S, D, 5 = DATA.
// Loops: FH·FW unrolled taps (the data gradient: times Kg < 16 filters, a plain loop).
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint FH = 3;
layout(constant_id = 2) const uint FW = 3;
layout(constant_id = 3) const uint S = 1;
layout(constant_id = 4) const uint D = 1;
layout(constant_id = 5) const bool DATA = false;
const uint FF = FH * FW;

layout(std430, binding = 0) readonly buffer In { float src[]; };  // x (forward) or dy (data)
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) writeonly buffer Out { float dst[]; };  // y or dx
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };

layout(push_constant) uniform Push { uint total, C, H, W, K, H2, W2, P, Kg, has_bias; } pc;

void main() {
  const uint o = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (o >= pc.total) return;
  if (!DATA) {
    const uint j = o % pc.W2, t = o / pc.W2, i = t % pc.H2, plane = t / pc.H2;  // plane = n·K + k
    const uint k = plane % pc.K, n = plane / pc.K, c = k / pc.Kg;
    const uint base = (n * pc.C + c) * pc.H * pc.W;
    const int h0 = int(i * S) - int(pc.P), w0 = int(j * S) - int(pc.P);
    float acc = pc.has_bias != 0 ? bias[k] : 0.0;
    [[unroll]] for (uint u = 0; u < FH; ++u) {
      const int h = h0 + int(u * D);
      if (h < 0 || h >= int(pc.H)) continue;
      [[unroll]] for (uint v = 0; v < FW; ++v) {
        const int ww = w0 + int(v * D);
        if (ww >= 0 && ww < int(pc.W)) acc += w[k * FF + u * FW + v] * src[base + uint(h) * pc.W + uint(ww)];
      }
    }
    dst[o] = acc;
    return;
  }
  const uint x = o % pc.W, t = o / pc.W, h = t % pc.H, plane = t / pc.H;  // plane = n·C + c
  const uint c = plane % pc.C, n = plane / pc.C, HW2 = pc.H2 * pc.W2;
  float acc = 0.0;
  for (uint kk = 0; kk < pc.Kg; ++kk) {
    const uint k = c * pc.Kg + kk;
    const uint base = (n * pc.K + k) * HW2;
    [[unroll]] for (uint u = 0; u < FH; ++u) {
      const int num = int(h + pc.P) - int(u * D);  // = i·S
      if (num < 0 || uint(num) % S != 0 || uint(num) / S >= pc.H2) continue;
      const uint i = uint(num) / S;
      [[unroll]] for (uint v = 0; v < FW; ++v) {
        const int numw = int(x + pc.P) - int(v * D);  // = j·S
        if (numw < 0 || uint(numw) % S != 0 || uint(numw) / S >= pc.W2) continue;
        acc += w[k * FF + u * FW + v] * src[base + i * pc.W2 + uint(numw) / S];
      }
    }
  }
  dst[o] = acc;
}
