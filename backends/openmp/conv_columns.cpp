// conv_columns.cpp — the im2col builders of conv_columns.hpp, with their loop orders.
#include "backends/openmp/conv_columns.hpp"

#include "backends/openmp/conv_tiles.hpp"

#include <omp.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

namespace cnnlab::omp_conv {

/// x_g (Cg, H, W) → col (Cg·FH·FW, H2·W2), row-major with row stride ld >= H2·W2 (used by
/// backward-weight, which puts several images' columns side by side).
void im2col(const float* x, float* col, int64_t ld, int64_t Cg, const Conv2dGeometry& g) {
  for (int64_t c = 0; c < Cg; ++c)
    for (int64_t u = 0; u < g.FH; ++u)
      for (int64_t v = 0; v < g.FW; ++v) {
        float* row = col + ((c * g.FH + u) * g.FW + v) * ld;
        const ValidRange js = valid_outputs(v, g.S, g.P, g.D, g.W, g.W2);
        for (int64_t i = 0; i < g.H2; ++i) {
          float* out = row + i * g.W2;
          const int64_t h = i * g.S - g.P + u * g.D;
          if (h < 0 || h >= g.H) {
            std::fill(out, out + g.W2, 0.0f);
            continue;
          }
          const float* in = x + (c * g.H + h) * g.W;
          const int64_t shift = v * g.D - g.P;  // input column of output column 0
          std::fill(out, out + js.lo, 0.0f);
          if (g.S == 1)
            copy_short(out + js.lo, in + js.lo + shift, js.hi - js.lo);
          else
            for (int64_t j = js.lo; j < js.hi; ++j) out[j] = in[j * g.S + shift];
          std::fill(out + js.hi, out + g.W2, 0.0f);
        }
      }
}

/// Chunks of about `budget` floats of B̃ (rows·cols), at least 2·NR columns wide.
ColumnBlocks plan_columns(const Conv2dGeometry& g, int64_t rows, int nr, int64_t budget) {
  const int64_t hw2 = g.H2 * g.W2;
  const int64_t want = std::max<int64_t>(2 * nr, budget / std::max<int64_t>(rows, 1) / nr * nr);
  ColumnBlocks b;
  b.images = std::clamp<int64_t>(want / std::max<int64_t>(hw2, 1), 1, std::max<int64_t>(g.N, 1));
  b.groups = (g.N + b.images - 1) / b.images;
  const int64_t group_cols = b.images * hw2;
  b.per_group = std::max<int64_t>(1, (group_cols + want - 1) / want);
  b.cols = (group_cols + b.per_group - 1) / b.per_group;
  b.cols = (b.cols + nr - 1) / nr * nr;
  return b;
}

PhaseSplit split_phases(const float* x, const Conv2dGeometry& g) {
  PhaseSplit ps;
  ps.Wq = (g.W + g.S - 1) / g.S;
  const int64_t rows = g.N * g.C * g.H, S = g.S, W = g.W, Wq = ps.Wq;
  ps.xs.resize(static_cast<size_t>(rows * S * Wq));
  float* xs = ps.xs.data();
#pragma omp parallel for schedule(static) if (rows * W > (int64_t{1} << 18))
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t b = 0; b < S; ++b) {
      float* d = xs + (r * S + b) * Wq;
      const float* in = x + r * W + b;
      for (int64_t j = 0; j < (W - b + S - 1) / S; ++j) d[j] = in[j * S];
    }
  return ps;
}

/// Columns [p0, p0+ncols) of group grp's column matrix, written as B̃ (gemm.hpp): NR-wide
/// slivers, each (Cg·FH·FW) rows of NR floats. Loop order: sliver, then the row runs of output
/// pixels inside it, then the Cg·FH·FW taps — so each sliver (rows·NR floats) is written while
/// it sits in L1/L2, and each tap's values are a contiguous copy: from x when the stride is 1,
/// from the phase-split copy `ps` (split_phases) otherwise.
void im2col_packed(const float* x, const PhaseSplit& ps, const Conv2dGeometry& g, int64_t grp,
                   int64_t p0, int64_t ncols, int nr, float* dst) {
  const int64_t Cg = g.channels_per_group(), cff = Cg * g.FH * g.FW;
  std::vector<ValidRange> vr(static_cast<size_t>(g.FW));
  // Tap v reads input column j·S + off_v, off_v = v·D − P = base_v·S + phase_v (0 <= phase < S):
  // element j + base_v of phase row phase_v.
  std::vector<int64_t> phase(static_cast<size_t>(g.FW)), base(static_cast<size_t>(g.FW));
  for (int64_t v = 0; v < g.FW; ++v) {
    vr[v] = valid_outputs(v, g.S, g.P, g.D, g.W, g.W2);
    const int64_t off = v * g.D - g.P;
    phase[v] = (off % g.S + g.S) % g.S;
    base[v] = (off - phase[v]) / g.S;
  }
  for (int64_t s = 0; s * nr < ncols; ++s) {
    float* d = dst + s * cff * nr;
    const int64_t ps0 = p0 + s * nr, pe = std::min(ps0 + nr, p0 + ncols);
    for_each_row_run(ps0, pe, g, [&](int64_t n, int64_t i, int64_t j0, int64_t len, int64_t lane) {
      const int64_t row0 = (n * g.C + grp * Cg) * g.H;  // input row index of (n, channel 0, h 0)
      for (int64_t c = 0; c < Cg; ++c)
        for (int64_t u = 0; u < g.FH; ++u) {
          const int64_t h = i * g.S - g.P + u * g.D;
          const int64_t r0 = (c * g.FH + u) * g.FW;
          if (h < 0 || h >= g.H) {  // the whole row of taps is padding
            for (int64_t v = 0; v < g.FW; ++v) std::fill_n(d + (r0 + v) * nr + lane, len, 0.0f);
            continue;
          }
          const int64_t r = row0 + c * g.H + h;
          for (int64_t v = 0; v < g.FW; ++v) {
            float* out = d + (r0 + v) * nr + lane;  // out[t] is output column j0 + t
            const int64_t lo = std::clamp(vr[v].lo - j0, int64_t{0}, len);
            const int64_t hi = std::clamp(vr[v].hi - j0, lo, len);
            // in[t] is out[t]'s input
            const float* in = g.S == 1 ? x + r * g.W + j0 + v * g.D - g.P
                                       : ps.xs.data() + (r * g.S + phase[v]) * ps.Wq + j0 + base[v];
            std::fill_n(out, lo, 0.0f);
            copy_short(out + lo, in + lo, hi - lo);
            std::fill_n(out + hi, len - hi, 0.0f);
          }
        }
    });
  }
}

#if defined(__x86_64__)
/// im2col_packed for 32-wide slivers (the AVX-512 kernels' NR), with AVX-512 masked loads: each
/// 32-float row of a sliver (one tap) is assembled in two zmm registers from one masked load per
/// row run and half (the lanes of a run read consecutive input floats; lanes whose input lies in
/// the padding are masked off and stay 0), then stored whole. Loop order: sliver, then channel c
/// and filter row u (where each run's input row is found once), then filter column v and the
/// sliver's row runs (at most a few) — so every store is a full, aligned 64-byte line, no lane
/// is written twice, and the inner loop is little more than the masked loads. The masks and
/// input offsets of each run and filter column v are worked out once per sliver.
__attribute__((target("avx512f"))) void im2col_packed_avx512(const float* x, const PhaseSplit& ps,
                                                             const Conv2dGeometry& g, int64_t grp,
                                                             int64_t p0, int64_t ncols,
                                                             float* dst) {
  constexpr int NR = 32;
  const int64_t Cg = g.channels_per_group(), cff = Cg * g.FH * g.FW;
  const int64_t FW = g.FW, S = g.S;
  // Per run r (at most NR): its first input row, its output row, and per filter column v the
  // lanes whose input is inside the row (lo16/hi16 halves) and where lane 0 would read.
  int64_t row0[NR], out_row[NR];
  const float* rowp[NR];
  std::vector<__mmask16> mlo(static_cast<size_t>(NR * FW)), mhi(static_cast<size_t>(NR * FW));
  std::vector<int64_t> shift(static_cast<size_t>(NR * FW));
  std::vector<int64_t> phase(static_cast<size_t>(FW)), base(static_cast<size_t>(FW));
  std::vector<ValidRange> vr(static_cast<size_t>(FW));
  for (int64_t v = 0; v < FW; ++v) {
    vr[v] = valid_outputs(v, g.S, g.P, g.D, g.W, g.W2);
    const int64_t off = v * g.D - g.P;
    phase[v] = (off % S + S) % S;
    base[v] = (off - phase[v]) / S;
  }
  const float* src = S == 1 ? x : ps.xs.data();
  const int64_t row_floats = S == 1 ? g.W : S * ps.Wq;  // floats per input row (all phases)
  for (int64_t s = 0; s * NR < ncols; ++s) {
    float* d = dst + s * cff * NR;
    const int64_t ps0 = p0 + s * NR, pe = std::min(ps0 + NR, p0 + ncols);
    int nruns = 0;
    for_each_row_run(ps0, pe, g, [&](int64_t n, int64_t i, int64_t j0, int64_t len, int64_t lane) {
      row0[nruns] = (n * g.C + grp * Cg) * g.H;
      out_row[nruns] = i;
      for (int64_t v = 0; v < FW; ++v) {
        const int64_t lo = std::clamp(vr[v].lo - j0, int64_t{0}, len);
        const int64_t hi = std::clamp(vr[v].hi - j0, lo, len);
        const uint64_t bits = (((uint64_t{1} << hi) - 1) & ~((uint64_t{1} << lo) - 1)) << lane;
        const size_t k = static_cast<size_t>(nruns * FW + v);
        mlo[k] = static_cast<__mmask16>(bits & 0xffff);
        mhi[k] = static_cast<__mmask16>((bits >> 16) & 0xffff);
        // lane + t reads input column j0 + t (+ v·D − P, or base_v in phase row phase_v)
        shift[k] = S == 1 ? j0 + v * g.D - g.P - lane : phase[v] * ps.Wq + j0 + base[v] - lane;
      }
      ++nruns;
    });
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t u = 0; u < g.FH; ++u) {
        int live = 0;  // runs whose input row is inside the image (the others stay 0)
        int which[NR];
        for (int r = 0; r < nruns; ++r) {
          const int64_t h = out_row[r] * S - g.P + u * g.D;
          if (h < 0 || h >= g.H) continue;
          rowp[live] = src + (row0[r] + c * g.H + h) * row_floats;
          which[live++] = r;
        }
        float* out = d + (c * g.FH + u) * FW * NR;
        for (int64_t v = 0; v < FW; ++v, out += NR) {
          __m512 lo16 = _mm512_setzero_ps(), hi16 = _mm512_setzero_ps();
          for (int q = 0; q < live; ++q) {
            const size_t k = static_cast<size_t>(which[q] * FW + v);
            // Lane 0's address may lie before the row: masked-off lanes are never read, and the
            // address is formed as an integer so no out-of-range pointer is ever created.
            const auto* p =
                reinterpret_cast<const float*>(reinterpret_cast<uintptr_t>(rowp[q]) +
                                               static_cast<uintptr_t>(shift[k]) * sizeof(float));
            lo16 = _mm512_mask_loadu_ps(lo16, mlo[k], p);
            hi16 = _mm512_mask_loadu_ps(hi16, mhi[k], p + 16);
          }
          _mm512_store_ps(out, lo16);
          _mm512_store_ps(out + 16, hi16);
        }
      }
  }
}
#endif

#if defined(__x86_64__)
namespace {

/// The bookkeeping the two transposed-column packers below share: where the 16 pixels of one
/// block read the input for each tap (c, u, v). A block of pixels [k0, k0+16) ∩ [0, np) is cut
/// into row runs at output-row ends; a run's pixels read consecutive floats of x (or of the
/// phase-split copy for stride S > 1), so one masked load per run gathers them. Per run r and
/// filter column v it keeps the lanes whose input column lies inside the row (bits) and the
/// offset of lane 0's input from the row start (which may be negative: those lanes are masked
/// off); per tap it keeps the runs whose input row lies inside the image ("live") and their
/// row starts. What it is not: the loads themselves, which are per instruction set.
class BlockGather {
 public:
  BlockGather(const float* x, const PhaseSplit& ps, const Conv2dGeometry& g, int64_t n, int64_t grp,
              int64_t p0, int64_t np)
      : g_(g),
        p0_(p0),
        np_(np),
        taps_per_c_(g.FH * g.FW),
        src_(g.S == 1 ? x : ps.xs.data()),
        row_floats_(g.S == 1 ? g.W : g.S * ps.Wq),
        row0_((n * g.C + grp * g.channels_per_group()) * g.H),
        vr_(static_cast<size_t>(g.FW)),
        vshift_(static_cast<size_t>(g.FW)),
        bits_(static_cast<size_t>(16 * g.FW)),
        shift_(static_cast<size_t>(16 * g.FW)) {
    for (int64_t v = 0; v < g.FW; ++v) {
      vr_[static_cast<size_t>(v)] = valid_outputs(v, g.S, g.P, g.D, g.W, g.W2);
      const int64_t off = v * g.D - g.P, phase = (off % g.S + g.S) % g.S;
      vshift_[static_cast<size_t>(v)] = g.S == 1 ? off : phase * ps.Wq + (off - phase) / g.S;
    }
  }

  /// Cuts the block of pixels starting at k0 (relative to p0) into its row runs.
  void start_block(int64_t k0) {
    nruns_ = 0;
    for (int64_t k = k0; k < std::min(k0 + 16, np_);) {
      const int64_t pix = p0_ + k, i = pix / g_.W2, j0 = pix % g_.W2, lane = k - k0;
      const int64_t len = std::min({g_.W2 - j0, k0 + 16 - k, np_ - k});
      for (int64_t v = 0; v < g_.FW; ++v) {
        const ValidRange& js = vr_[static_cast<size_t>(v)];
        const int64_t lo = std::clamp(js.lo - j0, int64_t{0}, len);
        const int64_t hi = std::clamp(js.hi - j0, lo, len);
        const size_t e = static_cast<size_t>(nruns_ * g_.FW + v);
        bits_[e] = (((1u << hi) - 1u) & ~((1u << lo) - 1u)) << lane;
        shift_[e] = vshift_[static_cast<size_t>(v)] + j0 - lane;
      }
      run_i_[nruns_++] = i;
      k += len;
    }
  }
  int runs() const { return nruns_; }
  /// The 16 lane bits of run r for filter column v.
  uint32_t run_bits(int r, int64_t v) const { return bits_[static_cast<size_t>(r * g_.FW + v)]; }

  /// Goes to tap t = (c, u, v) and finds the live runs.
  void seek(int64_t t) {
    c_ = t / taps_per_c_;
    u_ = t % taps_per_c_ / g_.FW;
    v_ = t % g_.FW;
    find_rows();
  }
  /// The next tap, stepped along without divisions.
  void next() {
    if (++v_ == g_.FW) {  // next filter row, or next channel
      v_ = 0;
      if (++u_ == g_.FH) u_ = 0, ++c_;
      find_rows();
    }
  }
  int live() const { return live_; }
  int live_run(int q) const { return which_[q]; }  ///< which run live run q is
  int64_t column() const { return v_; }            ///< the current tap's filter column
  uint32_t live_bits(int q) const { return run_bits(which_[q], v_); }
  /// Where lane 0 of live run q reads at the current tap. It may lie before the row, so it is
  /// formed as an integer (masked-off lanes are never read).
  const float* lane0(int q) const {
    const int64_t shift = shift_[static_cast<size_t>(which_[q] * g_.FW + v_)];
    return reinterpret_cast<const float*>(reinterpret_cast<uintptr_t>(rowp_[q]) +
                                          static_cast<uintptr_t>(shift) * sizeof(float));
  }

 private:
  void find_rows() {
    live_ = 0;
    for (int r = 0; r < nruns_; ++r) {
      const int64_t h = run_i_[r] * g_.S - g_.P + u_ * g_.D;
      if (h < 0 || h >= g_.H) continue;
      rowp_[live_] = src_ + (row0_ + c_ * g_.H + h) * row_floats_;
      which_[live_++] = r;
    }
  }

  const Conv2dGeometry& g_;
  int64_t p0_, np_, taps_per_c_;
  const float* src_;
  int64_t row_floats_, row0_;    // floats per input row; row of (n, the group's channel 0, h 0)
  std::vector<ValidRange> vr_;   // per filter column: the output columns with input inside
  std::vector<int64_t> vshift_;  // per filter column: input column of output column 0
  std::vector<uint32_t> bits_;   // per (run, filter column)
  std::vector<int64_t> shift_;   // per (run, filter column)
  int nruns_ = 0;
  int64_t run_i_[16] = {};  // output row of each run
  int64_t c_ = 0, u_ = 0, v_ = 0;
  int live_ = 0;
  int which_[16] = {};
  const float* rowp_[16] = {};
};

/// The eight 8-float rows r[0..7] (r[j][q]) transposed in place (r[q][j]): the usual AVX
/// unpack / shuffle / 128-bit permute sequence.
__attribute__((target("avx2,fma"))) void transpose8x8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}

/// The lanes of an 8-bit mask as an AVX2 load mask (lane l all ones when bit l is set).
__attribute__((target("avx2,fma"))) __m256i lane_mask8(uint32_t bits) {
  const __m256i lanes = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  const __m256i b = _mm256_set1_epi32(static_cast<int>(bits & 0xFFu));
  return _mm256_cmpeq_epi32(_mm256_and_si256(b, lanes), lanes);
}

}  // namespace

/// The transposed column matrix for the weight gradient, written as B̃ for NR = 32: op(B) is
/// colᵀ, whose row k is output pixel p0 + k of image n and whose column t is tap t0 + t of
/// group grp, i.e. dst[s·np·32 + k·32 + j] = col[t0 + s·32 + j][p0 + k] for the np pixels
/// [p0, p0+np) and nt taps [t0, t0+nt). Lanes past nt in the last sliver are left as they are
/// (sgemm_prepacked ignores them). Because the block of 16 pixels is stored whole, the last block
/// may write up to 15 rows past np: into the next sliver (rewritten after) or, for the last
/// sliver, into slack the caller provides (16·32 floats).
///
/// Loop order: sliver, block of 16 pixels, tap. For each tap the 16 pixels' inputs are gathered
/// into one zmm with a masked load per row run (BlockGather above; padding lanes stay 0), 16
/// taps go to a 16×16 scratch block, and omp::transpose16_bias turns it into 16 pixel rows of
/// 16 taps — half a B̃ row each.
__attribute__((target("avx512f"))) void im2col_t_packed_avx512(const float* x, const PhaseSplit& ps,
                                                               const Conv2dGeometry& g, int64_t n,
                                                               int64_t grp, int64_t p0, int64_t np,
                                                               int64_t t0, int64_t nt, float* dst) {
  constexpr int NR = 32;
  BlockGather gather(x, ps, g, n, grp, p0, np);
  alignas(64) float block[16 * 16];
  std::fill(block, block + 256, 0.0f);
  for (int64_t s = 0; s * NR < nt; ++s) {
    float* d = dst + s * np * NR;
    const int64_t ts = t0 + s * NR, te = std::min(ts + NR, t0 + nt);
    for (int64_t k0 = 0; k0 < np; k0 += 16) {
      gather.start_block(k0);
      for (int64_t half = 0; ts + half * 16 < te; ++half) {
        const int64_t h0 = ts + half * 16, h1 = std::min(h0 + 16, te);
        gather.seek(h0);
        for (int64_t t = h0; t < h1; ++t, gather.next()) {
          __m512 acc = _mm512_setzero_ps();
          for (int q = 0; q < gather.live(); ++q)
            acc = _mm512_mask_loadu_ps(acc, static_cast<__mmask16>(gather.live_bits(q)),
                                       gather.lane0(q));
          _mm512_store_ps(block + (t - h0) * 16, acc);
        }
        // block[j·16 + q] = tap h0 + j at pixel k0 + q  →  d[(k0 + q)·32 + half·16 + j]
        omp::transpose16_bias(block, 16, kZeros16, d + k0 * NR + half * 16, NR);
      }
    }
  }
}

/// im2col_t_packed_avx512 for NR = 16, with AVX2 masked loads: dst[s·np·16 + k·16 + j] =
/// col[t0 + s·16 + j][p0 + k]. The same loop order, blocks of 16 pixels and BlockGather (two
/// ymm per tap, the lane masks made once per block and run), and the 16×16 block transposed as
/// four 8×8 blocks in registers. The last block may write up to 15 rows past np (16·16 floats
/// of slack).
__attribute__((target("avx2,fma"))) void im2col_t_packed_avx2(const float* x, const PhaseSplit& ps,
                                                              const Conv2dGeometry& g, int64_t n,
                                                              int64_t grp, int64_t p0, int64_t np,
                                                              int64_t t0, int64_t nt, float* dst) {
  constexpr int NR = 16;
  BlockGather gather(x, ps, g, n, grp, p0, np);
  alignas(64) float block[16 * 16];
  std::fill(block, block + 256, 0.0f);
  // The load masks of lanes 0-7 and 8-15 per (run, filter column), at masks + (r·FW + v)·16:
  // 8 int32 lanes each, kept as plain ints (a vector of __m256i would drop its alignment).
  std::vector<int32_t> masks(static_cast<size_t>(16 * g.FW * 16));
  auto mask_at = [&](int r, int64_t v) {
    return reinterpret_cast<__m256i_u*>(masks.data() + (r * g.FW + v) * 16);
  };
  for (int64_t s = 0; s * NR < nt; ++s) {
    float* d = dst + s * np * NR;
    const int64_t ts = t0 + s * NR, te = std::min(ts + NR, t0 + nt);
    for (int64_t k0 = 0; k0 < np; k0 += 16) {
      gather.start_block(k0);
      for (int r = 0; r < gather.runs(); ++r)
        for (int64_t v = 0; v < g.FW; ++v) {
          _mm256_storeu_si256(mask_at(r, v), lane_mask8(gather.run_bits(r, v)));
          _mm256_storeu_si256(mask_at(r, v) + 1, lane_mask8(gather.run_bits(r, v) >> 8));
        }
      gather.seek(ts);
      for (int64_t t = ts; t < te; ++t, gather.next()) {
        __m256 lo8 = _mm256_setzero_ps(), hi8 = _mm256_setzero_ps();
        for (int q = 0; q < gather.live(); ++q) {
          // The runs' lanes are disjoint (masked-off lanes load 0), so OR puts them together.
          const __m256i_u* m = mask_at(gather.live_run(q), gather.column());
          const float* p = gather.lane0(q);
          lo8 = _mm256_or_ps(lo8, _mm256_maskload_ps(p, _mm256_loadu_si256(m)));
          hi8 = _mm256_or_ps(hi8, _mm256_maskload_ps(p + 8, _mm256_loadu_si256(m + 1)));
        }
        _mm256_store_ps(block + (t - ts) * 16, lo8);
        _mm256_store_ps(block + (t - ts) * 16 + 8, hi8);
      }
      // block[j·16 + q] = tap ts + j at pixel k0 + q  →  d[(k0 + q)·16 + j], in four 8×8 blocks:
      // taps 8a .. 8a+7 × pixels 8b .. 8b+7.
      for (int a = 0; a < 2; ++a)
        for (int b = 0; b < 2; ++b) {
          __m256 r[8];
          for (int j = 0; j < 8; ++j) r[j] = _mm256_load_ps(block + (8 * a + j) * 16 + 8 * b);
          transpose8x8(r);
          for (int q = 0; q < 8; ++q) _mm256_store_ps(d + (k0 + 8 * b + q) * NR + 8 * a, r[q]);
        }
    }
  }
}
#endif

/// Columns [p0, p0+ncols) of group grp's dy (Kg × N·H2W2), written as B̃.
void pack_dy(const float* dy, const Conv2dGeometry& g, int64_t grp, int64_t p0, int64_t ncols,
             int nr, float* dst) {
  const int64_t Kg = g.filters_per_group(), hw2 = g.H2 * g.W2;
  for (int64_t s = 0; s * nr < ncols; ++s) {
    float* d = dst + s * Kg * nr;
    const int64_t ps = p0 + s * nr, pe = std::min(ps + nr, p0 + ncols);
    for_each_image_run(ps, pe, hw2, [&](int64_t n, int64_t pix, int64_t len, int64_t lane) {
      const float* src = dy + (n * g.K + grp * Kg) * hw2 + pix;
      for (int64_t k = 0; k < Kg; ++k) copy_short(d + k * nr + lane, src + k * hw2, len);
    });
  }
}

/// col2im for columns [p0, p0+ncols): dx += dcol scattered back (the adjoint of im2col).
/// dcol is (Cg·FH·FW) × ncols with row stride ld; channels [c0, c1) of the group (all: c1 < 0).
void col2im_add(const float* dcol, int64_t ld, const Conv2dGeometry& g, int64_t grp, int64_t p0,
                int64_t ncols, float* dx, int64_t c0, int64_t c1) {
  const int64_t Cg = g.channels_per_group();
  if (c1 < 0) c1 = Cg;
  std::vector<ValidRange> vr(static_cast<size_t>(g.FW));
  for (int64_t v = 0; v < g.FW; ++v) vr[v] = valid_outputs(v, g.S, g.P, g.D, g.W, g.W2);
  for_each_row_run(p0, p0 + ncols, g,
                   [&](int64_t n, int64_t i, int64_t j0, int64_t len, int64_t off) {
                     float* dxn = dx + (n * g.C + grp * Cg) * g.H * g.W;
                     for (int64_t c = c0; c < c1; ++c)
                       for (int64_t u = 0; u < g.FH; ++u) {
                         const int64_t h = i * g.S - g.P + u * g.D;
                         if (h < 0 || h >= g.H) continue;
                         float* row = dxn + (c * g.H + h) * g.W;
                         for (int64_t v = 0; v < g.FW; ++v) {
                           const float* in =
                               dcol + ((c * g.FH + u) * g.FW + v) * ld + off;  // in[t]: column j0+t
                           const int64_t lo = std::clamp(vr[v].lo - j0, int64_t{0}, len);
                           const int64_t hi = std::clamp(vr[v].hi - j0, lo, len);
                           float* out = row + j0 * g.S + v * g.D - g.P;
                           if (g.S == 1)
                             for (int64_t t = lo; t < hi; ++t) out[t] += in[t];
                           else
                             for (int64_t t = lo; t < hi; ++t) out[t * g.S] += in[t];
                         }
                       }
                   });
}

}  // namespace cnnlab::omp_conv
