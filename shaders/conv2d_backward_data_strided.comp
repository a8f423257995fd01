#version 450
// conv2d_backward_data_strided.comp — dx for a convolution with stride S > 1 (dilation 1), one
// stride phase at a time, so no work is spent on taps that cannot reach a pixel.
//
// A tap u of output row i lands on input row h = i·S − P + u, so h receives something from tap u
// only when u ≡ (h + P) (mod S). The input pixels therefore split into S² classes by their phase
// (ph, pw) = ((h + P) mod S, (w + P) mod S); class (ph, pw) holds the pixels
//   h = h_first + hh·S  (hh < HH),   w = w_first + ww·S  (ww < WW)
// and uses only the taps u = ph + tu·S (tu < TU), v = pw + tv·S (tv < TV), for which
// i = (h + P − u)/S = i_first + hh − tu is a whole number (likewise j). Per class and group g this
// is the GEMM, with r = (k, tu, tv) and q = (n, hh, ww):
//   dX_g[c, q] = Σ_r W_g[k, c, u, v] · dy[n, g·Kg + k, i, j]     (0 where i ∉ [0,H2) or j ∉ [0,W2))
// M = Cg, N = N·HH·WW, K = Kg·TU·TV — 1/S² of conv2d_backward_data.comp's work. The host
// dispatches each class separately (never split-K); together the classes write every dx element
// exactly once. FH, FW, S are specialization constants.
#include "common.glsl"

layout(constant_id = 10) const uint FH = 3;
layout(constant_id = 11) const uint FW = 3;
layout(constant_id = 12) const uint S = 2;
const uint FHW = FH * FW;

layout(std430, binding = 1) readonly buffer DY { float dy[]; };
layout(std430, binding = 0) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) writeonly buffer DX { float dx[]; };
layout(std430, binding = 3) readonly buffer Unused { float unused[]; };

layout(push_constant) uniform Push {
  uint M, N, K, k_slice, groups, split, total, tile_x0;
  uint C, H, W, Kf, H2, W2, Kg;
  uint ph, pw, h_first, w_first, HH, WW, TU, TV, i_first, j_first;
} pc;

const bool A_K_CONTIG = true;
const bool B_K_CONTIG = false;

uint g_group = 0;
void set_group(uint g) { g_group = g; }

uint memo_q = 0xFFFFFFFFu;
uint memo_base = 0;        // dy offset of (n, g·Kg, 0, 0)
int memo_i0 = 0, memo_j0 = 0;  // i and j of tap (tu, tv) = (0, 0)
void pixel(uint q) {
  if (q == memo_q) return;
  memo_q = q;
  const uint HW = pc.HH * pc.WW, n = q / HW, p = q - n * HW, hh = p / pc.WW, ww = p - hh * pc.WW;
  memo_base = (n * pc.Kf + g_group * pc.Kg) * pc.H2 * pc.W2;
  memo_i0 = int(pc.i_first + hh);
  memo_j0 = int(pc.j_first + ww);
}

// A[c, r] = w[g·Kg + k, c, ph + tu·S, pw + tv·S]
float load_a(uint c, uint r) {
  const uint T = pc.TU * pc.TV, k = r / T, t = r - k * T, tu = t / pc.TV, tv = t - tu * pc.TV;
  return w[((g_group * pc.Kg + k) * pc.M + c) * FHW + (pc.ph + tu * S) * FW + pc.pw + tv * S];
}
vec4 load_a4(uint m, uint r) { return vec4(0); }  // never used
// B[r, q] = dy[n, g·Kg + k, i_first + hh − tu, j_first + ww − tv]
float load_b(uint r, uint q) {
  pixel(q);
  const uint T = pc.TU * pc.TV, k = r / T, t = r - k * T, tu = t / pc.TV, tv = t - tu * pc.TV;
  const int i = memo_i0 - int(tu), j = memo_j0 - int(tv);
  if (i < 0 || i >= int(pc.H2) || j < 0 || j >= int(pc.W2)) return 0.0;
  return dy[memo_base + (k * pc.H2 + uint(i)) * pc.W2 + uint(j)];
}
vec4 load_b4(uint r, uint q) { return vec4(0); }  // never used
uint out_index(uint c, uint q) {
  const uint HW = pc.HH * pc.WW, n = q / HW, p = q - n * HW, hh = p / pc.WW, ww = p - hh * pc.WW;
  const uint h = pc.h_first + hh * S, w = pc.w_first + ww * S;
  return ((n * pc.C + g_group * pc.M + c) * pc.H + h) * pc.W + w;
}
float finish(float acc, uint m, uint q, uint idx) { return acc; }
void store_out(uint idx, float v) { dx[idx] = v; }

#include "gemm_tiled.glsl"
