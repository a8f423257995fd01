#version 450
// conv2d_backward_data.comp — dx[N,C,H,W] from dy[N,K,H2,W2] and w[K,C/G,FH,FW], an implicit GEMM.
//
// Every product w[k,c,u,v]·x[n,c,h,w] of the forward pass sends dy[n,k,i,j]·w[k,c,u,v] back to
// x[n,c,h,w], where h = i·S − P + u·D. Turned around, for group g, channel c and input pixel
// q = (n, h, w), with r = (k, u, v):
//   dX_g[c, q] = Σ_r Wᵀ_g[c, r] · dŶ_g[r, q],   dŶ_g[r, q] = dy[n, g·Kg + k, i, j]
// where i = (h + P − u·D)/S must be a whole number in [0, H2) (likewise j), else the term is 0.
// M = Cg, N = N·H·W, K = Kg·FH·FW; both operands are gathered in load_a / load_b. FH, FW, S, D
// are specialization constants (tap math divides by constants) and each invocation's pixel
// column q is decomposed once (see conv2d_forward.comp). dx is written once per element, so it
// needs no clearing first.
#include "common.glsl"

layout(constant_id = 10) const uint FH = 3;
layout(constant_id = 11) const uint FW = 3;
layout(constant_id = 12) const uint S = 1;
layout(constant_id = 13) const uint D = 1;
const uint FHW = FH * FW;

layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 0) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };
layout(std430, binding = 3) readonly buffer Unused { float unused[]; };

layout(push_constant) uniform Push {
  uint M, N, K, k_slice, groups, split, total, tile_x0;
  uint C, H, W, Kf, FH_, FW_, H2, W2, S_, P, D_;
} pc;

const bool A_K_CONTIG = true;
const bool B_K_CONTIG = false;

uint g_group = 0;
void set_group(uint g) { g_group = g; }

uint memo_q = 0xFFFFFFFFu;
uint memo_base = 0;  // dy offset of (n, g·Kg, 0, 0)
uint memo_hp = 0, memo_wp = 0;  // h + P, w + P
void pixel(uint q) {
  if (q == memo_q) return;
  memo_q = q;
  const uint HW = pc.H * pc.W, n = q / HW, p = q - n * HW, h = p / pc.W, ww = p - h * pc.W;
  memo_base = (n * pc.Kf + g_group * (pc.K / FHW)) * pc.H2 * pc.W2;
  memo_hp = h + pc.P;
  memo_wp = ww + pc.P;
}

// A[c, r] = w[g·Kg + k, c, u, v]
float load_a(uint c, uint r) {
  const uint k = r / FHW, uv = r - k * FHW;
  return w[((g_group * (pc.K / FHW) + k) * pc.M + c) * FHW + uv];
}
vec4 load_a4(uint m, uint r) { return vec4(0); }  // never used
// B[r, q] = dy[n, g·Kg + k, i, j] for the (i, j) whose tap (u, v) lands on (h, w), else 0
float load_b(uint r, uint q) {
  pixel(q);
  const uint k = r / FHW, uv = r - k * FHW, u = uv / FW, v = uv - u * FW;
  if (memo_hp < u * D || memo_wp < v * D) return 0.0;
  const uint hi = memo_hp - u * D, wj = memo_wp - v * D;
  if (hi % S != 0 || wj % S != 0) return 0.0;
  const uint i = hi / S, j = wj / S;
  if (i >= pc.H2 || j >= pc.W2) return 0.0;
  return dy[memo_base + (k * pc.H2 + i) * pc.W2 + j];
}
vec4 load_b4(uint r, uint q) { return vec4(0); }  // never used
uint out_index(uint c, uint q) {
  const uint HW = pc.H * pc.W, n = q / HW, p = q - n * HW;
  return (n * pc.C + g_group * pc.M + c) * HW + p;
}
float finish(float acc, uint m, uint q, uint idx) { return acc; }
void store_out(uint idx, float v) { dx[idx] = v; }

#include "gemm_tiled.glsl"
