#version 450
// gemm.comp — C[M,N] = alpha · op(A) · op(B) + beta · C (+ bias[n]), op = optional transpose.
//
// Used by gemm/matmul and the three passes of the fully connected layer:
//   linear_forward        y  = x · W + b      (no transposes, bias per column)
//   linear_backward_data  dx = dy · Wᵀ        (TRANS_B)
//   linear_backward_weight dW = xᵀ · dy       (TRANS_A; the reduction runs over the batch)
// A is stored (M, K), or (K, M) with TRANS_A; B is (K, N), or (N, K) with TRANS_B; all row-major.
// The tiling is gemm_tiled.glsl's. VEC_A / VEC_B (vec4 loads) are set by the host only when the
// contiguous dimension of that operand is a multiple of 4, so a vec4 never straddles a row end.
// beta == 0 means C is only written, never read (its old contents may be garbage or NaN).
#include "common.glsl"

layout(constant_id = 10) const bool TRANS_A = false;
layout(constant_id = 11) const bool TRANS_B = false;
const bool A_K_CONTIG = !TRANS_A;
const bool B_K_CONTIG = TRANS_B;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 0) readonly buffer A4 { vec4 a4[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 1) readonly buffer B4 { vec4 b4[]; };
layout(std430, binding = 2) buffer C { float c[]; };
layout(std430, binding = 3) readonly buffer Bias { float bias[]; };

layout(push_constant) uniform Push {
  uint M, N, K, k_slice, groups, split, total, tile_x0;
  float alpha, beta;
  uint has_bias;  // 1: add bias[n] (linear layer)
} pc;

void set_group(uint g) {}
float load_a(uint m, uint k) { return TRANS_A ? a[k * pc.M + m] : a[m * pc.K + k]; }
float load_b(uint k, uint n) { return TRANS_B ? b[n * pc.K + k] : b[k * pc.N + n]; }
vec4 load_a4(uint m, uint k) { return TRANS_A ? a4[(k * pc.M + m) / 4] : a4[(m * pc.K + k) / 4]; }
vec4 load_b4(uint k, uint n) { return TRANS_B ? b4[(n * pc.K + k) / 4] : b4[(k * pc.N + n) / 4]; }
uint out_index(uint m, uint n) { return m * pc.N + n; }
float finish(float acc, uint m, uint n, uint idx) {
  float v = pc.alpha * acc;
  if (pc.beta != 0.0) v += pc.beta * c[idx];
  if (pc.has_bias != 0) v += bias[n];
  return v;
}
void store_out(uint idx, float v) { c[idx] = v; }

#include "gemm_tiled.glsl"
