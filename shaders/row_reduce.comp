#version 450
// row_reduce.comp — first stage of a long reduction: one workgroup reduces one chunk of one row.
//
// A "row" r < rows has L elements; element e of row r is at
//   a[(e / inner) · rows · inner + r · inner + e % inner]
// which covers contiguous rows (inner = L: softmax over [N, D]) and strided ones (conv db[k] sums
// dy[N, K, H2·W2] over n and the pixels: rows = K, inner = H2·W2; linear db: rows = D_out,
// inner = 1). Workgroup g reduces elements [c·chunk, min(L, (c+1)·chunk)) of row r = g / chunks,
// c = g % chunks: each invocation walks chunk/WG of them, then a shared-memory tree combines the
// WG partial results. MODE (shader_modes.h):
//   ROW_REDUCE_SOFTMAX_STATS  out[2·g] = m = max a,  out[2·g+1] = Σ e^(a − m)
//   ROW_REDUCE_DOT            out[g] = Σ a · b
//   ROW_REDUCE_SUM            out[g] = Σ a
//   ROW_REDUCE_CENTERED_SQ    out[g] = Σ (a − c[r])²        (batch norm's variance; c = the means)
//   ROW_REDUCE_CENTERED_DOT   out[g] = Σ a · (b − c[r])     (batch norm's Σ dy·(x − mean))
// c (binding 3) holds one value per row, read by the CENTERED modes only.
// With chunks = 1 the output is the row's final value; otherwise row_finish.comp combines the
// chunks. Loops: 2·chunk/WG + 2·log2(WG) iterations at most (the host keeps chunk/WG = 16, more
// only for rows so long that a row would otherwise need more than 8,192 chunks).
#include "common.glsl"

layout(local_size_x_id = 0) in;  // WG, a power of two
layout(constant_id = 1) const uint MODE = ROW_REDUCE_SOFTMAX_STATS;

layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Out { float outv[]; };
layout(std430, binding = 3) readonly buffer C { float rowv[]; };

layout(push_constant) uniform Push { uint rows, L, inner, chunk, chunks; } pc;

shared float red[gl_WorkGroupSize.x];

uint at(uint r, uint e) { return (e / pc.inner) * pc.rows * pc.inner + r * pc.inner + e % pc.inner; }

// Tree reduction of red[] (max when is_max, else sum); result in red[0].
float combine(float v, bool is_max) {
  const uint tid = gl_LocalInvocationID.x;
  red[tid] = v;
  barrier();
  for (uint s = gl_WorkGroupSize.x / 2; s > 0; s >>= 1) {
    if (tid < s) red[tid] = is_max ? max(red[tid], red[tid + s]) : red[tid] + red[tid + s];
    barrier();
  }
  const float result = red[0];
  barrier();
  return result;
}

void main() {
  const uint g = flat_group();
  if (g >= pc.rows * pc.chunks) return;  // whole workgroup leaves together
  const uint r = g / pc.chunks, c = g % pc.chunks, tid = gl_LocalInvocationID.x;
  const uint begin = c * pc.chunk + tid, end = min(pc.L, (c + 1) * pc.chunk);
  if (MODE == ROW_REDUCE_SOFTMAX_STATS) {
    float m = -1.0 / 0.0;
    for (uint e = begin; e < end; e += gl_WorkGroupSize.x) m = max(m, a[at(r, e)]);
    m = combine(m, true);
    float s = 0.0;
    for (uint e = begin; e < end; e += gl_WorkGroupSize.x) s += exp(a[at(r, e)] - m);
    s = combine(s, false);
    if (tid == 0) { outv[2 * g] = m; outv[2 * g + 1] = s; }
  } else {
    float s = 0.0;
    const float centre = (MODE == ROW_REDUCE_CENTERED_SQ || MODE == ROW_REDUCE_CENTERED_DOT) ? rowv[r] : 0.0;
    for (uint e = begin; e < end; e += gl_WorkGroupSize.x) {
      const uint k = at(r, e);
      if (MODE == ROW_REDUCE_DOT) s += a[k] * b[k];
      else if (MODE == ROW_REDUCE_CENTERED_SQ) { const float d = a[k] - centre; s += d * d; }
      else if (MODE == ROW_REDUCE_CENTERED_DOT) s += a[k] * (b[k] - centre);
      else s += a[k];
    }
    s = combine(s, false);
    if (tid == 0) outv[g] = s;
  }
}
