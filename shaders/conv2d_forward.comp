#version 450
// conv2d_forward.comp — y[N,K,H2,W2] = conv(x[N,C,H,W], w[K,C/G,FH,FW]) + b[K], as an implicit GEMM.
//
// For group g (Cg = C/G input channels, Kg = K/G filters), with r = (c, u, v) a filter tap and
// q = (n, i, j) an output pixel:
//   Y_g[k, q] = Σ_r W_g[k, r] · X̂_g[r, q],   X̂_g[r, q] = x[n, g·Cg + c, i·S − P + u·D, j·S − P + v·D]
// so M = Kg, N = N·H2·W2, K = Cg·FH·FW. X̂ (im2col) is never stored: load_b gathers each element
// straight from x while the shared tile is filled (zero where the tap falls in the padding).
// Cheap index math: FH, FW, S, D are specialization constants, so splitting r into (c, u, v)
// divides by constants; and each invocation always loads the same pixel column q of a tile
// (gemm_tiled.glsl's mapping), so q's (n, i, j) is computed once and remembered.
// W_g is row-major (Kg, Cg·FH·FW), so its rows are contiguous along r: VEC_A when Cg·FH·FW % 4 == 0.
// Output element (k, q) is y[n, g·Kg + k, i, j]; the bias is added in the epilogue.
#include "common.glsl"

layout(constant_id = 10) const uint FH = 3;
layout(constant_id = 11) const uint FW = 3;
layout(constant_id = 12) const uint S = 1;
layout(constant_id = 13) const uint D = 1;
const uint FHW = FH * FW;

layout(std430, binding = 1) readonly buffer X { float x[]; };
layout(std430, binding = 0) readonly buffer Wt { float w[]; };
layout(std430, binding = 0) readonly buffer Wt4 { vec4 w4[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };

layout(push_constant) uniform Push {
  uint M, N, K, k_slice, groups, split, total, tile_x0;
  uint C, H, W, Kf, FH_, FW_, H2, W2, S_, P, D_, has_bias;
} pc;

const bool A_K_CONTIG = true;
const bool B_K_CONTIG = false;

uint g_group = 0;
void set_group(uint g) { g_group = g; }

// The pixel column q this invocation loads: its image's first channel of the group, and the
// input position of tap (0, 0).
uint memo_q = 0xFFFFFFFFu;
uint memo_base = 0;
int memo_h0 = 0, memo_w0 = 0;
void pixel(uint q) {
  if (q == memo_q) return;
  memo_q = q;
  const uint HW2 = pc.H2 * pc.W2, n = q / HW2, p = q - n * HW2, i = p / pc.W2, j = p - i * pc.W2;
  memo_base = (n * pc.C + g_group * (pc.K / FHW)) * pc.H * pc.W;
  memo_h0 = int(i * S) - int(pc.P);
  memo_w0 = int(j * S) - int(pc.P);
}

float load_a(uint m, uint r) { return w[(g_group * pc.M + m) * pc.K + r]; }
vec4 load_a4(uint m, uint r) { return w4[((g_group * pc.M + m) * pc.K + r) / 4]; }
float load_b(uint r, uint q) {
  pixel(q);
  const uint c = r / FHW, uv = r - c * FHW, u = uv / FW, v = uv - u * FW;
  const int h = memo_h0 + int(u * D), ww = memo_w0 + int(v * D);
  if (h < 0 || h >= int(pc.H) || ww < 0 || ww >= int(pc.W)) return 0.0;
  return x[memo_base + (c * pc.H + uint(h)) * pc.W + uint(ww)];
}
vec4 load_b4(uint r, uint q) { return vec4(0); }  // never used: VEC_B is off
uint out_index(uint m, uint q) {
  const uint HW2 = pc.H2 * pc.W2, n = q / HW2, p = q - n * HW2;
  return (n * pc.Kf + g_group * pc.M + m) * HW2 + p;
}
float finish(float acc, uint m, uint q, uint idx) {
  return pc.has_bias != 0 ? acc + bias[g_group * pc.M + m] : acc;
}
void store_out(uint idx, float v) { y[idx] = v; }

#include "gemm_tiled.glsl"
