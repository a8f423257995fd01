#version 450
// conv2d_forward_direct.comp — y[N,K,H2,W2] = conv(x[N,C,H,W], w[K,C/G,FH,FW]) + b[K], computed
// directly (no GEMM), for layers with few input channels per group (LeNet c1, CIFAR's first
// layer, AlexNet c1), where the implicit GEMM's K = Cg·FH·FW is short and its tiles mostly padding.
//
// Grid: x = block of WG·PX output pixels (block_x0 + x; q = (n, i, j) numbered over the whole
// batch), y = block of KT filters of the group (k0 = y·KT), z = group g. A workgroup first copies
// the KT filters' taps into shared memory, tap-major (ws[r][k], r = (c, u, v), zeros past Kg), so
// that every tap's KT weights are KT/4 vec4 reads that all invocations share (a broadcast). Each
// invocation then owns PX pixels, q = block·WG·PX + p·WG + tid (neighbouring invocations take
// neighbouring pixels, so the x reads of one tap are coalesced along W for stride 1), and for
// every tap loads PX inputs (0 in the padding) and does PX·KT multiply-adds:
//   acc[p][k] = Σ_{c,u,v} x[n, g·Cg + c, i·S − P + u·D, j·S − P + v·D] · w[g·Kg + k0 + k, c, u, v]
// and writes y[n, g·Kg + k0 + k, i, j] = acc (+ b) for k0 + k < Kg and q < N·H2·W2.
// Specialization constants: 0 = WG (workgroup size), 1 = KT (a multiple of 4), 2 = PX, 3 = CG
// (input channels per group), 4..7 = FH, FW, S, D, 8 = FLIP.
// FLIP (the data gradient of a stride-1 convolution, vulkan_conv2d.cpp): x is dy, y is dx, and the
// filters are the original w[K, C/G, F, F] read transposed and flipped,
//   w'[c, k, u, v] = w[k, c, F−1−u, F−1−v],
// with padding D·(F − 1) − P: dx[n, c, h, w] = Σ_{k,u,v} dy[n, k, h + P − u·D, w + P − v·D] ·
// w[k, c, u, v] is exactly that convolution. The host keeps CG·FH·FW·KT floats within the
// device's shared memory.
// Loops: the weight copy ⌈CG·FH·FW·KT / WG⌉ iterations, then CG·FH iterations over the channels
// and filter rows (the FW taps of a row and all inner loops are unrolled; unrolling the rows too
// makes lavapipe's compiler take minutes for 11×11): small, because the host uses this shader only
// for few channels (vulkan_conv2d.cpp).
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint KT = 8;
layout(constant_id = 2) const uint PX = 4;
layout(constant_id = 3) const uint CG = 1;
layout(constant_id = 4) const uint FH = 3;
layout(constant_id = 5) const uint FW = 3;
layout(constant_id = 6) const uint S = 1;
layout(constant_id = 7) const uint D = 1;
layout(constant_id = 8) const bool FLIP = false;
const uint FHW = FH * FW;
const uint R = CG * FHW;  // taps of one filter

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };

layout(push_constant) uniform Push {
  uint C, H, W, Kf, H2, W2, P, Kg, pixels, has_bias, block_x0;
} pc;

shared vec4 ws[R * (KT / 4)];  // [r][k / 4]

void main() {
  const uint tid = gl_LocalInvocationID.x, WG = gl_WorkGroupSize.x;
  const uint g = gl_WorkGroupID.z, k0 = gl_WorkGroupID.y * KT;

  // ---- the KT filters' taps into shared memory, tap-major --------------------------------------
  for (uint e = tid; e < R * KT; e += WG) {
    const uint k = e / R, r = e - k * R;  // neighbouring invocations read neighbouring taps
    uint src = (g * pc.Kg + k0 + k) * R + r;  // w[g·Kg + k0 + k, c, u, v]
    if (FLIP) {  // w'[k0 + k, c, u, v] = w[g·CG + c, k0 + k, FH−1−u, FW−1−v]
      const uint c = r / FHW, uv = r - c * FHW, u = uv / FW, v = uv - u * FW;
      src = ((g * CG + c) * pc.Kg + k0 + k) * FHW + (FH - 1 - u) * FW + (FW - 1 - v);
    }
    ws[r * (KT / 4) + k / 4][k % 4] = k0 + k < pc.Kg ? w[src] : 0.0;
  }
  barrier();

  // ---- this invocation's PX pixels ---------------------------------------------------------------
  const uint HW2 = pc.H2 * pc.W2;
  const uint q0 = (pc.block_x0 + gl_WorkGroupID.x) * WG * PX + tid;
  uint xbase[PX];
  int h0[PX], w0[PX];
  [[unroll]] for (uint p = 0; p < PX; ++p) {
    const uint q = min(q0 + p * WG, pc.pixels - 1);  // past the end: computed, never written
    const uint n = q / HW2, s = q - n * HW2, i = s / pc.W2, j = s - i * pc.W2;
    xbase[p] = (n * pc.C + g * CG) * pc.H * pc.W;
    h0[p] = int(i * S) - int(pc.P);
    w0[p] = int(j * S) - int(pc.P);
  }

  vec4 acc[PX][KT / 4];
  [[unroll]] for (uint p = 0; p < PX; ++p)
    [[unroll]] for (uint k = 0; k < KT / 4; ++k) acc[p][k] = vec4(0);

  for (uint c = 0; c < CG; ++c) {
    for (uint u = 0; u < FH; ++u) {
      [[unroll]] for (uint v = 0; v < FW; ++v) {
        float xv[PX];
        [[unroll]] for (uint p = 0; p < PX; ++p) {
          const int h = h0[p] + int(u * D), ww = w0[p] + int(v * D);
          xv[p] = (h >= 0 && h < int(pc.H) && ww >= 0 && ww < int(pc.W))
                      ? x[xbase[p] + (c * pc.H + uint(h)) * pc.W + uint(ww)]
                      : 0.0;
        }
        const uint r = (c * FH + u) * FW + v;
        [[unroll]] for (uint k = 0; k < KT / 4; ++k) {
          const vec4 wv = ws[r * (KT / 4) + k];
          [[unroll]] for (uint p = 0; p < PX; ++p) acc[p][k] += xv[p] * wv;
        }
      }
    }
  }

  // ---- write y (+ b) -------------------------------------------------------------------------------
  [[unroll]] for (uint p = 0; p < PX; ++p) {
    const uint q = q0 + p * WG;
    if (q >= pc.pixels) continue;
    const uint n = q / HW2, s = q - n * HW2;
    [[unroll]] for (uint k = 0; k < KT; ++k) {
      const uint kk = k0 + k;
      if (kk >= pc.Kg) continue;
      const uint kf = g * pc.Kg + kk;
      const float b = pc.has_bias != 0 ? bias[kf] : 0.0;
      y[(n * pc.Kf + kf) * HW2 + s] = acc[p][k / 4][k % 4] + b;
    }
  }
}
