// gemm_tiled.glsl — the tiled matrix-multiply engine behind gemm and the three convolution passes.
//
// It computes C[M, N] = Σ_k A[m, k] · B[k, n] for one group g, one split-K slice and one BM×BN
// block of C per workgroup:
//   grid: x = block column (n0 = (tile_x0 + x)·BN), y = block row (m0 = y·BM), z = slice · groups + g
//   (a large GEMM is several dispatches, each over a range of block columns starting at tile_x0,
//   so that no single dispatch runs for seconds)
//   each of the WG = (BM/TM)·(BN/TN) invocations keeps a TM×TN register tile of C: rows
//   ty + i·(BM/TM) and columns tx + j·(BN/TN), so neighbouring invocations write neighbouring
//   columns; the K loop walks the slice [k_begin, k_end) in steps of BK, staging a BM×BK tile
//   of A and a BK×BN tile of B in shared memory (k-major, As[k][m] and Bs[k][n]).
// The including shader describes its operands before `#include "gemm_tiled.glsl"`:
//   A_K_CONTIG / B_K_CONTIG   true when neighbouring k of the operand are neighbours in memory
//                              (decides which way the invocations walk a tile, for coalescing)
//   float load_a(uint m, uint k), float load_b(uint k, uint n)   in-range elements (implicit
//                              GEMM: the im2col gather happens here)
//   vec4 load_a4(uint m, uint k), vec4 load_b4(uint k, uint n)  four elements along the
//                              contiguous direction, used only when VEC_A / VEC_B is set
//   uint out_index(uint m, uint n)                 where C[m, n] lives in the output tensor
//   float finish(float acc, uint m, uint n, uint idx)  epilogue (alpha, beta, bias)
// and a push-constant block `pc` with M, N, K, k_slice, groups, split, total, tile_x0. Bindings are the
// same in every including shader: 0 = A's tensor, 1 = B's tensor, 2 = output, 3 = bias, 4 = partial.
// Bounds: loads outside [0,M)×[k_begin,k_end) or [k_begin,k_end)×[0,N) read as 0; stores outside
// M×N are skipped. With split-K (pc.split = 1) the raw sums go to partial[slice·total + idx] and
// splitk_reduce.comp adds the slices and applies the epilogue.
// Tile shapes: the host picks one per call (choose_gemm_tiles() in backends/vulkan/vk_gemm.cpp),
// the one that pads C least among five of 256 invocations and BK = 16:
//   BM×BN  64×64 (TM×TN 4×4),  32×128 and 128×32 (4×4),  16×256 (2×8),  256×16 (8×2)
// (ties keep 64×64; a GEMM with few rows, like a convolution over 6 channels, or few columns
// would otherwise waste most of a 64-wide tile). A device with fewer than 256 invocations per
// workgroup always gets 32×32 (4×4, 64 invocations). A tile may hold fewer elements than there
// are invocations, so each staging loop checks e.
// Loops: one iteration per K tile (ceil(k_slice / BK)); every inner loop has a constant trip
// count and is unrolled, so the host bounds the total by choosing k_slice.

layout(constant_id = 0) const uint BM = 64;
layout(constant_id = 1) const uint BN = 64;
layout(constant_id = 2) const uint BK = 16;
layout(constant_id = 3) const uint TM = 4;
layout(constant_id = 4) const uint TN = 4;
layout(constant_id = 5) const bool VEC_A = false;
layout(constant_id = 6) const bool VEC_B = false;
layout(local_size_x_id = 7) in;  // WG = (BM/TM)·(BN/TN), set by the host to match

const uint WG = (BM / TM) * (BN / TN);

shared float As[BK][BM];
shared float Bs[BK][BN];

layout(std430, binding = 4) writeonly buffer Partial { float partial[]; };

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint tx = tid % (BN / TN), ty = tid / (BN / TN);
  const uint m0 = gl_WorkGroupID.y * BM, n0 = (pc.tile_x0 + gl_WorkGroupID.x) * BN;
  const uint slice = gl_WorkGroupID.z / pc.groups;
  set_group(gl_WorkGroupID.z % pc.groups);
  const uint k_begin = slice * pc.k_slice;
  const uint k_end = min(pc.K, k_begin + pc.k_slice);

  float acc[TM][TN];
  [[unroll]] for (uint i = 0; i < TM; ++i)
    [[unroll]] for (uint j = 0; j < TN; ++j) acc[i][j] = 0.0;

  for (uint k0 = k_begin; k0 < k_end; k0 += BK) {
    // ---- stage the A tile (BM × BK) -------------------------------------------------------
    if (VEC_A) {
      [[unroll]] for (uint l = 0; l < (BM * BK / 4 + WG - 1) / WG; ++l) {
        const uint e = l * WG + tid;
        if (e >= BM * BK / 4) break;
        if (A_K_CONTIG) {
          const uint mm = e / (BK / 4), kk = (e % (BK / 4)) * 4;
          const vec4 v = (m0 + mm < pc.M && k0 + kk < k_end) ? load_a4(m0 + mm, k0 + kk) : vec4(0);
          As[kk][mm] = v.x; As[kk + 1][mm] = v.y; As[kk + 2][mm] = v.z; As[kk + 3][mm] = v.w;
        } else {
          const uint kk = e / (BM / 4), mm = (e % (BM / 4)) * 4;
          const vec4 v = (m0 + mm < pc.M && k0 + kk < k_end) ? load_a4(m0 + mm, k0 + kk) : vec4(0);
          As[kk][mm] = v.x; As[kk][mm + 1] = v.y; As[kk][mm + 2] = v.z; As[kk][mm + 3] = v.w;
        }
      }
    } else {
      [[unroll]] for (uint l = 0; l < (BM * BK + WG - 1) / WG; ++l) {
        const uint e = l * WG + tid;
        if (e >= BM * BK) break;
        const uint mm = A_K_CONTIG ? e / BK : e % BM;
        const uint kk = A_K_CONTIG ? e % BK : e / BM;
        As[kk][mm] = (m0 + mm < pc.M && k0 + kk < k_end) ? load_a(m0 + mm, k0 + kk) : 0.0;
      }
    }
    // ---- stage the B tile (BK × BN) -------------------------------------------------------
    if (VEC_B) {
      [[unroll]] for (uint l = 0; l < (BN * BK / 4 + WG - 1) / WG; ++l) {
        const uint e = l * WG + tid;
        if (e >= BN * BK / 4) break;
        if (B_K_CONTIG) {
          const uint nn = e / (BK / 4), kk = (e % (BK / 4)) * 4;
          const vec4 v = (n0 + nn < pc.N && k0 + kk < k_end) ? load_b4(k0 + kk, n0 + nn) : vec4(0);
          Bs[kk][nn] = v.x; Bs[kk + 1][nn] = v.y; Bs[kk + 2][nn] = v.z; Bs[kk + 3][nn] = v.w;
        } else {
          const uint kk = e / (BN / 4), nn = (e % (BN / 4)) * 4;
          const vec4 v = (n0 + nn < pc.N && k0 + kk < k_end) ? load_b4(k0 + kk, n0 + nn) : vec4(0);
          Bs[kk][nn] = v.x; Bs[kk][nn + 1] = v.y; Bs[kk][nn + 2] = v.z; Bs[kk][nn + 3] = v.w;
        }
      }
    } else {
      [[unroll]] for (uint l = 0; l < (BN * BK + WG - 1) / WG; ++l) {
        const uint e = l * WG + tid;
        if (e >= BN * BK) break;
        const uint nn = B_K_CONTIG ? e / BK : e % BN;
        const uint kk = B_K_CONTIG ? e % BK : e / BN;
        Bs[kk][nn] = (n0 + nn < pc.N && k0 + kk < k_end) ? load_b(k0 + kk, n0 + nn) : 0.0;
      }
    }
    barrier();
    // ---- multiply the tiles: TM×TN outer products per k ------------------------------------
    [[unroll]] for (uint kk = 0; kk < BK; ++kk) {
      float a[TM], b[TN];
      [[unroll]] for (uint i = 0; i < TM; ++i) a[i] = As[kk][ty + i * (BM / TM)];
      [[unroll]] for (uint j = 0; j < TN; ++j) b[j] = Bs[kk][tx + j * (BN / TN)];
      [[unroll]] for (uint i = 0; i < TM; ++i)
        [[unroll]] for (uint j = 0; j < TN; ++j) acc[i][j] += a[i] * b[j];
    }
    barrier();
  }

  // ---- write the register tile --------------------------------------------------------------
  [[unroll]] for (uint i = 0; i < TM; ++i) {
    const uint m = m0 + ty + i * (BM / TM);
    [[unroll]] for (uint j = 0; j < TN; ++j) {
      const uint n = n0 + tx + j * (BN / TN);
      if (m < pc.M && n < pc.N) {
        const uint idx = out_index(m, n);
        if (pc.split != 0)
          partial[slice * pc.total + idx] = acc[i][j];
        else
          store_out(idx, finish(acc[i][j], m, n, idx));
      }
    }
  }
}
