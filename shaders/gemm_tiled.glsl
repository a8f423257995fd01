// gemm_tiled.glsl — the tiled matrix-multiply engine behind gemm and the three convolution passes.
//
// It computes C[M, N] = Σ_k A[m, k] · B[k, n] for one group g, one split-K slice and one BM×BN
// block of C per workgroup:
//   grid: x = block column (n0 = (tile_x0 + x)·BN), y = block row (m0 = y·BM), z = slice · groups + g
//   (a large GEMM is several dispatches, each over a range of block columns starting at tile_x0,
//   so that no single dispatch runs for seconds)
//   each of the WG = (BM/TM)·(BN/TN) invocations keeps a TM×TN register tile of C; the K loop walks
//   the slice [k_begin, k_end) in steps of BK, staging a BM×BK tile of A and a BK×BN tile of B in
//   shared memory (k-major, As[k][m] and Bs[k][n]).
// Two kernels, chosen by the specialization constant BLOCKED:
//   classic (BLOCKED = false): invocation (tx, ty) owns rows ty + i·(BM/TM) and columns
//     tx + j·(BN/TN), so neighbouring invocations write neighbouring columns; each K step loads the
//     tiles, barrier, multiplies, barrier.
//   register-blocked (BLOCKED = true; TM and TN multiples of 4, e.g. 128×128 with 8×8): invocation
//     (tx, ty) owns rows (i/4)·(4·BM/TM) + 4·ty + i%4 and columns (j/4)·(4·BN/TN) + 4·tx + j%4, so
//     the inner product reads the shared tiles as vec4 (4 rows of A, 4 columns of B per load) and
//     accumulates vec4 FMAs. The next K tile is fetched from global memory into registers while
//     the current one is multiplied (hiding the load latency), then stored to shared memory. With
//     DOUBLE_BUFFER the tiles have two shared buffers and each K step needs one barrier (the store
//     goes to the buffer not being read); without it, one buffer and two barriers per step.
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
// Specialization constants 0..9 are the engine's (below); the including shader's own start at 10.
// Bounds: loads outside [0,M)×[k_begin,k_end) or [k_begin,k_end)×[0,N) read as 0; stores outside
// M×N are skipped. With split-K (pc.split = 1) the raw sums go to partial[slice·total + idx] and
// splitk_reduce.comp adds the slices and applies the epilogue.
// Tile shapes: the host picks one per call (choose_gemm_tiles() in backends/vulkan/vk_gemm.cpp;
// CNNLAB_VK_GEMM_TILE overrides it). Classic, 256 invocations, BK = 16, the one that pads C least:
//   BM×BN  64×64 (TM×TN 4×4),  32×128 and 128×32 (4×4),  16×256 (2×8),  256×16 (8×2)
// (ties keep 64×64; a GEMM with few rows, like a convolution over 6 channels, or few columns
// would otherwise waste most of a 64-wide tile). A device with fewer than 256 invocations per
// workgroup always gets 32×32 (4×4, 64 invocations; CNNLAB_VK_GEMM_TILE=32x32 forces it anywhere).
// Register-blocked: 128×128, BK = 8, TM×TN 8×8 (256 invocations, 16 KB of shared memory
// double-buffered), for large M and N (M, N ≥ 256), double-buffered on GPUs, single on lavapipe.
// A tile may hold fewer elements than there are invocations, so each staging loop checks e.
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
layout(constant_id = 8) const bool BLOCKED = false;
layout(constant_id = 9) const bool DOUBLE_BUFFER = false;

const uint WG = (BM / TM) * (BN / TN);

// Shared memory of the kernel not in use shrinks to one element.
shared float As[BLOCKED ? 1 : BK][BLOCKED ? 1 : BM];
shared float Bs[BLOCKED ? 1 : BK][BLOCKED ? 1 : BN];
const uint NBUF = DOUBLE_BUFFER ? 2 : 1;
shared vec4 As4[BLOCKED ? NBUF * BK * (BM / 4) : 1];  // [buffer][k][m / 4]
shared vec4 Bs4[BLOCKED ? NBUF * BK * (BN / 4) : 1];  // [buffer][k][n / 4]

layout(std430, binding = 4) writeonly buffer Partial { float partial[]; };

// Where C[m, n] of the register tile goes: the output tensor, or this slice's partial sums.
void write_c(uint m, uint n, uint slice, float v) {
  if (m < pc.M && n < pc.N) {
    const uint idx = out_index(m, n);
    if (pc.split != 0)
      partial[slice * pc.total + idx] = v;
    else
      store_out(idx, finish(v, m, n, idx));
  }
}

// ---- the classic kernel ---------------------------------------------------------------------
void gemm_classic(uint tid, uint m0, uint n0, uint slice, uint k_begin, uint k_end) {
  const uint tx = tid % (BN / TN), ty = tid / (BN / TN);
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

  [[unroll]] for (uint i = 0; i < TM; ++i)
    [[unroll]] for (uint j = 0; j < TN; ++j)
      write_c(m0 + ty + i * (BM / TM), n0 + tx + j * (BN / TN), slice, acc[i][j]);
}

// ---- the register-blocked kernel ------------------------------------------------------------
// The staging registers: each invocation fetches its share of the next A and B tiles (scalars,
// or vec4 with VEC_A / VEC_B) with the classic kernel's element mapping.
const uint LA = (BM * BK + WG - 1) / WG, LA4 = (BM * BK / 4 + WG - 1) / WG;
const uint LB = (BN * BK + WG - 1) / WG, LB4 = (BN * BK / 4 + WG - 1) / WG;
float ra[LA];
vec4 ra4[LA4];
float rb[LB];
vec4 rb4[LB4];

void fetch_tiles(uint tid, uint m0, uint n0, uint k0, uint k_end) {
  if (VEC_A) {
    [[unroll]] for (uint l = 0; l < LA4; ++l) {
      const uint e = l * WG + tid;
      if (e >= BM * BK / 4) break;
      const uint mm = A_K_CONTIG ? e / (BK / 4) : (e % (BM / 4)) * 4;
      const uint kk = A_K_CONTIG ? (e % (BK / 4)) * 4 : e / (BM / 4);
      ra4[l] = (m0 + mm < pc.M && k0 + kk < k_end) ? load_a4(m0 + mm, k0 + kk) : vec4(0);
    }
  } else {
    [[unroll]] for (uint l = 0; l < LA; ++l) {
      const uint e = l * WG + tid;
      if (e >= BM * BK) break;
      const uint mm = A_K_CONTIG ? e / BK : e % BM;
      const uint kk = A_K_CONTIG ? e % BK : e / BM;
      ra[l] = (m0 + mm < pc.M && k0 + kk < k_end) ? load_a(m0 + mm, k0 + kk) : 0.0;
    }
  }
  if (VEC_B) {
    [[unroll]] for (uint l = 0; l < LB4; ++l) {
      const uint e = l * WG + tid;
      if (e >= BN * BK / 4) break;
      const uint nn = B_K_CONTIG ? e / (BK / 4) : (e % (BN / 4)) * 4;
      const uint kk = B_K_CONTIG ? (e % (BK / 4)) * 4 : e / (BN / 4);
      rb4[l] = (n0 + nn < pc.N && k0 + kk < k_end) ? load_b4(k0 + kk, n0 + nn) : vec4(0);
    }
  } else {
    [[unroll]] for (uint l = 0; l < LB; ++l) {
      const uint e = l * WG + tid;
      if (e >= BN * BK) break;
      const uint nn = B_K_CONTIG ? e / BK : e % BN;
      const uint kk = B_K_CONTIG ? e % BK : e / BN;
      rb[l] = (n0 + nn < pc.N && k0 + kk < k_end) ? load_b(k0 + kk, n0 + nn) : 0.0;
    }
  }
}

// Stores the fetched tiles into shared buffer `buf`.
void stash_tiles(uint tid, uint buf) {
  const uint a0 = buf * BK * (BM / 4), b0 = buf * BK * (BN / 4);
  if (VEC_A) {
    [[unroll]] for (uint l = 0; l < LA4; ++l) {
      const uint e = l * WG + tid;
      if (e >= BM * BK / 4) break;
      if (A_K_CONTIG) {  // four k of one row m
        const uint mm = e / (BK / 4), kk = (e % (BK / 4)) * 4;
        [[unroll]] for (uint c = 0; c < 4; ++c)
          As4[a0 + (kk + c) * (BM / 4) + mm / 4][mm % 4] = ra4[l][c];
      } else {  // four rows m of one k: a whole vec4 of the tile
        As4[a0 + (e / (BM / 4)) * (BM / 4) + e % (BM / 4)] = ra4[l];
      }
    }
  } else {
    [[unroll]] for (uint l = 0; l < LA; ++l) {
      const uint e = l * WG + tid;
      if (e >= BM * BK) break;
      const uint mm = A_K_CONTIG ? e / BK : e % BM;
      const uint kk = A_K_CONTIG ? e % BK : e / BM;
      As4[a0 + kk * (BM / 4) + mm / 4][mm % 4] = ra[l];
    }
  }
  if (VEC_B) {
    [[unroll]] for (uint l = 0; l < LB4; ++l) {
      const uint e = l * WG + tid;
      if (e >= BN * BK / 4) break;
      if (B_K_CONTIG) {
        const uint nn = e / (BK / 4), kk = (e % (BK / 4)) * 4;
        [[unroll]] for (uint c = 0; c < 4; ++c)
          Bs4[b0 + (kk + c) * (BN / 4) + nn / 4][nn % 4] = rb4[l][c];
      } else {
        Bs4[b0 + (e / (BN / 4)) * (BN / 4) + e % (BN / 4)] = rb4[l];
      }
    }
  } else {
    [[unroll]] for (uint l = 0; l < LB; ++l) {
      const uint e = l * WG + tid;
      if (e >= BN * BK) break;
      const uint nn = B_K_CONTIG ? e / BK : e % BN;
      const uint kk = B_K_CONTIG ? e % BK : e / BN;
      Bs4[b0 + kk * (BN / 4) + nn / 4][nn % 4] = rb[l];
    }
  }
}

// vec4s per register-tile row / column (at least 1, so that the classic shapes' TM or TN = 2 still
// declare valid arrays where this kernel is compiled away)
const uint TM4 = TM >= 4 ? TM / 4 : 1, TN4 = TN >= 4 ? TN / 4 : 1;

void gemm_blocked(uint tid, uint m0, uint n0, uint slice, uint k_begin, uint k_end) {
  const uint tx = tid % (BN / TN), ty = tid / (BN / TN);
  vec4 acc[TM][TN4];
  [[unroll]] for (uint i = 0; i < TM; ++i)
    [[unroll]] for (uint j = 0; j < TN4; ++j) acc[i][j] = vec4(0);

  if (k_begin < k_end) {
    fetch_tiles(tid, m0, n0, k_begin, k_end);
    stash_tiles(tid, 0);
  }
  barrier();
  uint buf = 0;
  for (uint k0 = k_begin; k0 < k_end; k0 += BK) {
    const bool more = k0 + BK < k_end;  // the same in every invocation: barriers stay uniform
    if (more) fetch_tiles(tid, m0, n0, k0 + BK, k_end);  // global → registers, in flight ...
    // ... while this tile is multiplied: TM×TN outer products per k, read as vec4
    const uint a0 = buf * BK * (BM / 4), b0 = buf * BK * (BN / 4);
    [[unroll]] for (uint kk = 0; kk < BK; ++kk) {
      vec4 a[TM4], b[TN4];
      [[unroll]] for (uint i = 0; i < TM4; ++i) a[i] = As4[a0 + kk * (BM / 4) + i * (BM / TM) + ty];
      [[unroll]] for (uint j = 0; j < TN4; ++j) b[j] = Bs4[b0 + kk * (BN / 4) + j * (BN / TN) + tx];
      [[unroll]] for (uint i = 0; i < TM; ++i)
        [[unroll]] for (uint j = 0; j < TN4; ++j) acc[i][j] += a[i / 4][i % 4] * b[j];
    }
    if (DOUBLE_BUFFER) {
      // the other buffer was last read in the previous step, which ended with a barrier
      if (more) stash_tiles(tid, buf ^ 1u);
      barrier();
      buf ^= 1u;
    } else {
      barrier();  // everyone is done reading the one buffer
      if (more) stash_tiles(tid, 0);
      barrier();
    }
  }

  [[unroll]] for (uint i = 0; i < TM; ++i) {
    const uint m = m0 + (i / 4) * (4 * BM / TM) + 4 * ty + i % 4;
    [[unroll]] for (uint j = 0; j < TN4; ++j)
      [[unroll]] for (uint c = 0; c < 4; ++c)
        write_c(m, n0 + j * (4 * BN / TN) + 4 * tx + c, slice, acc[i][j][c]);
  }
}

void main() {
  const uint tid = gl_LocalInvocationID.x;
  const uint m0 = gl_WorkGroupID.y * BM, n0 = (pc.tile_x0 + gl_WorkGroupID.x) * BN;
  const uint slice = gl_WorkGroupID.z / pc.groups;
  set_group(gl_WorkGroupID.z % pc.groups);
  const uint k_begin = slice * pc.k_slice;
  const uint k_end = min(pc.K, k_begin + pc.k_slice);
  if (BLOCKED)
    gemm_blocked(tid, m0, n0, slice, k_begin, k_end);
  else
    gemm_classic(tid, m0, n0, slice, k_begin, k_end);
}
