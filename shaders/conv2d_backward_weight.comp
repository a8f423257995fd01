#version 450
// conv2d_backward_weight.comp — dw[K,C/G,FH,FW] from x[N,C,H,W] and dy[N,K,H2,W2], an implicit GEMM.
//
// For group g, filter k and tap r = (c, u, v), summing over every output pixel q = (n, i, j):
//   dW_g[k, r] = Σ_q dY_g[k, q] · X̂_g[q, r],   dY_g[k, q] = dy[n, g·Kg + k, i, j],
//   X̂_g[q, r] = x[n, g·Cg + c, i·S − P + u·D, j·S − P + v·D]   (0 in the padding)
// M = Kg, N = Cg·FH·FW, K = N·H2·W2 — the long one: the host splits it into slices (split-K,
// grid z) whose partial sums splitk_reduce.comp adds, so no invocation loops too long.
// Index math: FH, FW, S, D are specialization constants; within one K tile every load of an
// invocation uses the same pixel q (gemm_tiled.glsl's mapping), so q's (n, i, j) is computed
// once per tile. dy rows are contiguous along q within an image: VEC_A when H2·W2 % 4 == 0.
// The bias gradient db[k] = Σ_q dY[k, q] is a separate reduction (row_reduce.comp).
#include "common.glsl"

layout(constant_id = 10) const uint FH = 3;
layout(constant_id = 11) const uint FW = 3;
layout(constant_id = 12) const uint S = 1;
layout(constant_id = 13) const uint D = 1;
const uint FHW = FH * FW;

layout(std430, binding = 0) readonly buffer DY { float dy[]; };
layout(std430, binding = 0) readonly buffer DY4 { vec4 dy4[]; };
layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 2) writeonly buffer DW { float dw[]; };
layout(std430, binding = 3) readonly buffer Unused { float unused[]; };

layout(push_constant) uniform Push {
  uint M, N, K, k_slice, groups, split, total, tile_x0;
  uint C, H, W, Kf, FH_, FW_, H2, W2, S_, P, D_;
} pc;

const bool A_K_CONTIG = true;
const bool B_K_CONTIG = true;

uint g_group = 0;
void set_group(uint g) { g_group = g; }

uint memo_q = 0xFFFFFFFFu;
uint memo_dy = 0;            // dy offset of (n, g·Kg, i, j)
uint memo_x = 0;             // x offset of (n, g·Cg, 0, 0)
int memo_h0 = 0, memo_w0 = 0;
void pixel(uint q) {
  if (q == memo_q) return;
  memo_q = q;
  const uint HW2 = pc.H2 * pc.W2, n = q / HW2, p = q - n * HW2, i = p / pc.W2, j = p - i * pc.W2;
  memo_dy = (n * pc.Kf + g_group * pc.M) * HW2 + p;
  memo_x = (n * pc.C + g_group * (pc.N / FHW)) * pc.H * pc.W;
  memo_h0 = int(i * S) - int(pc.P);
  memo_w0 = int(j * S) - int(pc.P);
}

float load_a(uint k, uint q) {
  pixel(q);
  return dy[memo_dy + k * pc.H2 * pc.W2];
}
vec4 load_a4(uint k, uint q) {
  pixel(q);
  return dy4[(memo_dy + k * pc.H2 * pc.W2) / 4];
}
float load_b(uint q, uint r) {
  pixel(q);
  const uint c = r / FHW, uv = r - c * FHW, u = uv / FW, v = uv - u * FW;
  const int h = memo_h0 + int(u * D), ww = memo_w0 + int(v * D);
  if (h < 0 || h >= int(pc.H) || ww < 0 || ww >= int(pc.W)) return 0.0;
  return x[memo_x + (c * pc.H + uint(h)) * pc.W + uint(ww)];
}
vec4 load_b4(uint q, uint r) { return vec4(0); }  // never used
uint out_index(uint k, uint r) { return (g_group * pc.M + k) * pc.N + r; }
float finish(float acc, uint m, uint n, uint idx) { return acc; }
void store_out(uint idx, float v) { dw[idx] = v; }

#include "gemm_tiled.glsl"
