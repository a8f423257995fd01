// openmp_conv2d.cpp — convolution on the OpenMP backend: which path each of the 3 passes takes.
//
// Contract: the same function as backends/reference/conv2d.hpp, computed the fastest way this
// CPU allows. For one group (Cg = C/G input channels, Kg = K/G filters) and the column matrix
// col of im2col (conv_columns.hpp: one row per tap, one column per output pixel):
//
//   forward:  y          = W · col            (Kg × CgFF)·(CgFF × N·H2W2)   + b
//   data:     dcol       = Wᵀ · dy            then col2im adds dcol back into dx (the adjoint)
//   weight:   dW        += dy_n · col_nᵀ      (Kg × H2W2)·(H2W2 × CgFF), summed over the images
//
// This file is the one place that chooses the path: each pass first asks the direct paths
// (conv_direct.hpp, AVX-512 or AVX2 + FMA; one file per pass: conv_direct_forward.cpp,
// conv_direct_data.cpp, conv_direct_weight.cpp) whether they suit: 16 filters in the lanes
// (direct_conv_k16: LeNet c2, the VGG layers, AlexNet c1), the 32-position grid tile
// (direct_conv_s1: small stride-1 layers), 16 channels in the lanes for the data gradient
// (LeNet c2), dot products along the grid (LeNet c1, LeNet c2, CIFAR) or the 3-wide tile (VGG)
// for the weight gradient. The order they are asked in, and every threshold they compare
// against, are in conv_paths.hpp. Otherwise it multiplies matrices with the packed SGEMM of
// gemm.hpp:
//   - forward and backward-data never build the whole column matrix. They walk it in blocks of
//     columns (a few hundred, sized so the block stays in the L2 cache) and write each block
//     straight into the layout the GEMM micro-kernel reads (omp::PackedA / sgemm_prepacked):
//     im2col and packing are one pass, and the filters are packed once per call. Batching
//     images into one block keeps the products wide when an image has few output pixels. The
//     product goes into y with the bias added (forward), or through col2im into dx (data);
//   - backward-weight of a large layer reduces over the pixels: the dy chunk is Ã and the
//     transposed column matrix is written straight into B̃ (weight_grad_transposed_columns);
//     small layers put several images' columns side by side and call sgemm.
//
// Threads: forward shares out the column blocks (any block may go to any thread); backward-
// data shares out whole groups of images (col2im of neighbouring columns writes the same dx
// pixels, so one image belongs to one thread); the direct paths share out images. Backward-
// weight spreads images over threads (each with its own dW accumulator, summed at the end in a
// fixed order, so results do not depend on timing) when there are at least two images per
// thread; otherwise the threads share the work inside each image.
#include "backends/openmp/openmp_backend.hpp"

#include "backends/openmp/conv_columns.hpp"
#include "backends/openmp/conv_depthwise.hpp"
#include "backends/openmp/conv_direct.hpp"
#include "backends/openmp/conv_paths.hpp"
#include "backends/openmp/conv_tiles.hpp"
#include "backends/openmp/gemm.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

namespace cnnlab {

using namespace omp_conv;

namespace {

/// Spread images over threads when each thread gets at least two of them (kMinImagesPerThread).
bool batch_parallel(const Conv2dGeometry& g) {
  return g.N >= kMinImagesPerThread * omp_get_max_threads();
}

#if defined(__x86_64__)
/// Whether the weight gradient should take weight_grad_transposed_columns: AVX-512 or AVX2 (the
/// packers of conv_columns.hpp write B̃ for their micro-kernels' NR, 32 or 16), and a product
/// large in every direction (at least 32 filters, 64 taps and 256 output pixels per image), where
/// building the transposed column matrix straight into B̃ pays off. (Small images keep the
/// batched im2col + sgemm path below, which puts several images' pixels into one long product.)
/// The limits are kTransposedMin* in conv_paths.hpp.
bool transposed_columns_suit(const Conv2dGeometry& g) {
  return (omp::sgemm_avx512_active() || omp::sgemm_avx2_active()) &&
         g.filters_per_group() >= kTransposedMinFilters &&
         g.channels_per_group() * g.FH * g.FW >= kTransposedMinTaps &&
         g.H2 * g.W2 >= kTransposedMinPixels;
}

/// dW_g += Σ_n dy_n,g · col_n,gᵀ with the reduction over pixels as the GEMM's K: per image and
/// group, per chunk of np pixels, the dy chunk (Kg × np) is packed once as Ã, and per chunk of
/// nt taps the transposed columns (np × nt) are written straight into B̃
/// (im2col_t_packed_avx512 or _avx2) — no column matrix in memory, no second packing pass. Chunk sizes:
/// Ã about 512 KB and B̃ about 256 KB: together in the 1 MB L2 with the C block (Kg × nt).
/// Threads: when threads > 1, (image, group, pixel chunk, tap chunk) items over the threads,
/// each thread into its own `partial` slice (summed by the caller); otherwise (already inside a
/// parallel region, or one thread) the tap chunks of each pixel chunk are shared out (they
/// write disjoint columns of dW).
void weight_grad_transposed_columns(const float* x, const float* dy, const Conv2dGeometry& g,
                                    int threads, float* partial, float* dwp) {
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group();
  const int64_t cff = Cg * g.FH * g.FW, hw2 = g.H2 * g.W2, wsize = g.K * cff;
  const PhaseSplit ps = g.S > 1 ? split_phases(x, g) : PhaseSplit{};
  const bool avx512 = omp::sgemm_avx512_active();  // else AVX2: B̃ for NR = 32 or 16
  // Chunks of equal size (a multiple of 16 pixels, of 32 taps) within those budgets, so that no
  // chunk is a short remainder (784 pixels → 3 × 272, not 384 + 384 + 16).
  auto even = [](int64_t total, int64_t budget, int64_t unit) {
    const int64_t pieces = (total + budget - 1) / budget;
    return ((total + pieces - 1) / pieces + unit - 1) / unit * unit;
  };
  const int64_t np_max = even(hw2, std::max<int64_t>(16, (int64_t{128} << 10) / Kg / 16 * 16), 16);
  const int64_t nt_max =
      even(cff, std::max<int64_t>(32, (int64_t{64} << 10) / np_max / 32 * 32), 32);
  const int64_t pchunks = (hw2 + np_max - 1) / np_max, tchunks = (cff + nt_max - 1) / nt_max;
  const int64_t bt_floats = nt_max / 32 * np_max * 32 + 16 * 32;  // + slack (see the packer)

  // One pixel chunk of one image and group: C (Kg × cff, row stride cff) += Ã · B̃ over the
  // tap chunks [tc0, tc1).
  auto chunk = [&](const omp::PackedA& a, int64_t n, int64_t grp, int64_t p0, int64_t np,
                   int64_t tc, float* bt, float* c) {
    const int64_t t0 = tc * nt_max, nt = std::min(nt_max, cff - t0);
    if (avx512)
      im2col_t_packed_avx512(x, ps, g, n, grp, p0, np, t0, nt, bt);
    else
      im2col_t_packed_avx2(x, ps, g, n, grp, p0, np, t0, nt, bt);
    omp::sgemm_prepacked(a, nt, bt, 1.0f, c + t0, cff);
  };
  if (threads > 1) {
#pragma omp parallel num_threads(threads)
    {
      float* acc = partial + omp_get_thread_num() * wsize;
      float* bt = t_packed_b.get(bt_floats);
      // Items (image, group, pixel chunk, tap chunk), static so that each thread's sums are the
      // same on every run: with few images (AlexNet c1's 4 on 16 threads) there are still
      // enough of them. A thread's items are consecutive, so the tap chunks of one pixel chunk
      // mostly fall to the same thread: it packs that dy chunk (Kg × np) once and keeps it
      // while the pixel chunk stays the same (AVX2, AlexNet c1 on 2 threads: packed once per
      // item, 6 times per chunk, the weight gradient ran at 123 GFLOP/s).
      const int64_t items = g.N * g.G * pchunks * tchunks;
      std::optional<omp::PackedA> a;
      int64_t packed = -1;  // the (image, group, pixel chunk) that `a` holds
#pragma omp for schedule(static)
      for (int64_t it = 0; it < items; ++it) {
        const int64_t tc = it % tchunks, pc = it / tchunks % pchunks;
        const int64_t grp = it / tchunks / pchunks % g.G, n = it / tchunks / pchunks / g.G;
        const int64_t p0 = pc * np_max, np = std::min(np_max, hw2 - p0);
        if (packed != it / tchunks) {
          a.emplace(false, Kg, np, dy + (n * g.K + grp * Kg) * hw2 + p0, hw2);
          packed = it / tchunks;
        }
        chunk(*a, n, grp, p0, np, tc, bt, acc + grp * Kg * cff);
      }
    }
    return;
  }
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t grp = 0; grp < g.G; ++grp)
      for (int64_t pc = 0; pc < pchunks; ++pc) {
        const int64_t p0 = pc * np_max, np = std::min(np_max, hw2 - p0);
        const omp::PackedA a(false, Kg, np, dy + (n * g.K + grp * Kg) * hw2 + p0, hw2);
#pragma omp parallel for schedule(dynamic) if (tchunks > 1)
        for (int64_t tc = 0; tc < tchunks; ++tc)
          chunk(a, n, grp, p0, np, tc, t_packed_b.get(bt_floats), dwp + grp * Kg * cff);
      }
}
#endif

/// Each group's filters packed once as the A operand of sgemm_prepacked: W_g, stored
/// (Kg × CgFF) row-major, or its transpose W_gᵀ (CgFF × Kg) for the data gradient.
std::vector<omp::PackedA> pack_group_filters(const float* w, const Conv2dGeometry& g,
                                             bool transposed) {
  const int64_t Kg = g.filters_per_group(), cff = g.channels_per_group() * g.FH * g.FW;
  std::vector<omp::PackedA> packed;
  for (int64_t grp = 0; grp < g.G; ++grp)
    packed.emplace_back(transposed, transposed ? cff : Kg, transposed ? Kg : cff,
                        w + grp * Kg * cff, cff);
  return packed;
}

}  // namespace

void OpenMPBackend::conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y,
                                   const Conv2dGeometry& g) {
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group();
  const int64_t cff = Cg * g.FH * g.FW, hw2 = g.H2 * g.W2;
  const float* xp = x.data();
  const float* wp = w.data();
  const float* bp = b.defined() ? b.data() : nullptr;
  float* yp = y.data();
  if (g.N * hw2 == 0 || Kg == 0) return;
  if (depthwise_suits(g)) {
    depthwise_forward(xp, wp, bp, yp, g);
    return;
  }
  const DirectConv d{g.N, g.C, g.H, g.W, g.K, g.G, g.FH, g.FW, g.D, g.P, g.P, g.H2, g.W2, g.S};
  if (k16_suits(d)) {
    direct_conv_k16(xp, wp, bp, yp, d);
    return;
  }
  if (g.S == 1) {
    if (direct_suits(d)) {
      direct_conv_s1(xp, wp, bp, yp, d);
      return;
    }
  }

  // The filters of each group, packed once: W_g is (Kg × CgFF), row-major.
  const std::vector<omp::PackedA> filters = pack_group_filters(wp, g, false);
  const int nr = filters[0].nr();
  const ColumnBlocks cb = plan_columns(g, cff, nr, kBlockFloats);
  const int64_t chunks = cb.groups * cb.per_group;
  const PhaseSplit ps = g.S > 1 ? split_phases(xp, g) : PhaseSplit{};

#pragma omp parallel if (chunks > 1 && g.N * g.K * hw2 * cff > (int64_t{1} << 20))
  {
    float* bt = t_packed_b.get(filters[0].packed_b_floats(cb.cols));
    float* out = t_product.get(Kg * cb.cols);
#pragma omp for schedule(dynamic)
    for (int64_t chunk = 0; chunk < chunks; ++chunk) {
      const int64_t group = chunk / cb.per_group, q = chunk % cb.per_group;
      const int64_t g0 = group * cb.images * hw2;  // the group's first column
      const int64_t g1 = std::min(g.N, (group + 1) * cb.images) * hw2;
      const int64_t p0 = g0 + q * cb.cols, p1 = std::min(g1, p0 + cb.cols);
      if (p0 >= p1) continue;
      for (int64_t grp = 0; grp < g.G; ++grp) {
#if defined(__x86_64__)
        if (nr == 32 && omp::sgemm_avx512_active())
          im2col_packed_avx512(xp, ps, g, grp, p0, p1 - p0, bt);
        else
#endif
          im2col_packed(xp, ps, g, grp, p0, p1 - p0, nr, bt);
        if (cb.images == 1) {
          // The chunk lies in one image: the product goes straight into y (row stride H2·W2),
          // and the bias is added in place while the block is still in cache.
          const int64_t n = p0 / hw2, pix = p0 % hw2;
          float* dst = yp + (n * g.K + grp * Kg) * hw2 + pix;
          omp::sgemm_prepacked(filters[grp], p1 - p0, bt, 0.0f, dst, hw2);
          if (bp)
            for (int64_t k = 0; k < Kg; ++k) {
              const float bias = bp[grp * Kg + k];
              for (int64_t t = 0; t < p1 - p0; ++t) dst[k * hw2 + t] += bias;
            }
          continue;
        }
        omp::sgemm_prepacked(filters[grp], p1 - p0, bt, 0.0f, out, p1 - p0);
        // out (Kg × columns) → y[n, grp·Kg + k, pixels] + b
        for_each_image_run(p0, p1, hw2, [&](int64_t n, int64_t pix, int64_t len, int64_t off) {
          for (int64_t k = 0; k < Kg; ++k) {
            const float* src = out + k * (p1 - p0) + off;
            float* dst = yp + (n * g.K + grp * Kg + k) * hw2 + pix;
            const float bias = bp ? bp[grp * Kg + k] : 0.0f;
            for (int64_t t = 0; t < len; ++t) dst[t] = src[t] + bias;
          }
        });
      }
    }
  }
}

void OpenMPBackend::conv2d_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx,
                                         const Conv2dGeometry& g) {
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group();
  const int64_t cff = Cg * g.FH * g.FW, hw = g.H * g.W, hw2 = g.H2 * g.W2;
  const float* dyp = dy.data();
  const float* wp = w.data();
  float* dxp = dx.data();
  if (depthwise_suits(g)) {
    depthwise_backward_data(dyp, wp, dxp, g);
    return;
  }
  // Stride 1: dx is itself a convolution — of dy, zero-padded by D·(F−1) − P, with the filters
  // flipped (u → FH−1−u, v → FW−1−v) and transposed (K ↔ C within each group).
  const int64_t ph = g.D * (g.FH - 1) - g.P, pw = g.D * (g.FW - 1) - g.P;
  if (g.S == 1 && ph >= 0 && pw >= 0 && g.N * hw2 > 0 && cff > 0) {
    const DirectConv d{g.N, g.K, g.H2, g.W2, g.C, g.G, g.FH, g.FW, g.D, ph, pw, g.H, g.W};
    if (dx16_suits(d) || k16_suits(d) || direct_suits(d)) {
      // wf[grp·Cg + c][k][u][v] = w[grp·Kg + k][c][FH−1−u][FW−1−v]: flipping both u and v
      // reverses the FH·FW taps of each (k, c) filter plane. Large filter sets by all threads
      // (the same threshold as the packing in direct_conv_k16).
      const int64_t ff = g.FH * g.FW;
      float* wf = t_flipped.get(g.C * Kg * ff);
#pragma omp parallel for schedule(static) if (g.K * cff > (int64_t{1} << 16))
      for (int64_t kk = 0; kk < g.K; ++kk) {  // kk = grp·Kg + k
        const int64_t grp = kk / Kg, k = kk % Kg;
        for (int64_t c = 0; c < Cg; ++c) {
          const float* src = wp + (kk * Cg + c) * ff;
          float* dst = wf + ((grp * Cg + c) * Kg + k) * ff;
          for (int64_t t = 0; t < ff; ++t) dst[t] = src[ff - 1 - t];
        }
      }
      if (dx16_suits(d))
        direct_conv_dx16(dyp, wf, dxp, d);
      else if (k16_suits(d))
        direct_conv_k16(dyp, wf, nullptr, dxp, d);
      else
        direct_conv_s1(dyp, wf, nullptr, dxp, d);
      return;
    }
  }
  if (g.N * hw2 == 0 || cff == 0) {
    std::fill(dxp, dxp + g.N * g.C * hw, 0.0f);
    return;
  }

  // Wᵀ of each group, packed once (op(A) = W_gᵀ is CgFF × Kg).
  const std::vector<omp::PackedA> filters_t = pack_group_filters(wp, g, true);
  const int nr = filters_t[0].nr();
  // Blocks sized by the output block dcol (CgFF × cols), the larger of the two.
  const ColumnBlocks cb = plan_columns(g, cff, nr, kBlockFloats);
  if (cb.groups < omp_get_max_threads() && !omp_in_parallel()) {
    // Fewer groups of images than threads (batch 1 on 2 cores, AlexNet c1's 4 images on 16):
    // the threads share each image instead. sgemm threads the product itself, and col2im is
    // shared out by input channel (each channel's dx comes from its own rows of dcol). Columns
    // in chunks of at most 4 Mi floats of dcol (16 MB), whole images when they fit.
    std::fill(dxp, dxp + g.N * g.C * hw, 0.0f);
    const int64_t chunk = std::clamp<int64_t>((int64_t{1} << 22) / cff, 1, hw2);
    AlignedBuffer dcol_buf;
    float* dcol = dcol_buf.get(cff * chunk);
    for (int64_t n = 0; n < g.N; ++n)
      for (int64_t grp = 0; grp < g.G; ++grp)
        for (int64_t q0 = 0; q0 < hw2; q0 += chunk) {
          const int64_t cols = std::min(chunk, hw2 - q0);
          // dcol (CgFF × cols) = W_gᵀ (stored Kg × CgFF) · dy_n,g (Kg × cols, row stride H2W2)
          omp::sgemm(true, false, cff, cols, Kg, 1.0f, wp + grp * Kg * cff, cff,
                     dyp + (n * g.K + grp * Kg) * hw2 + q0, hw2, 0.0f, dcol, cols);
#pragma omp parallel for schedule(static) if (Cg > 1 && cff * cols > (int64_t{1} << 16))
          for (int64_t c = 0; c < Cg; ++c)
            col2im_add(dcol, cols, g, grp, n * hw2 + q0, cols, dxp, c, c + 1);
        }
    return;
  }

#pragma omp parallel if (cb.groups > 1 && g.N * g.K * hw2 * cff > (int64_t{1} << 20))
  {
    float* bt = t_packed_b.get(filters_t[0].packed_b_floats(cb.cols));
    float* dcol = t_product.get(cff * cb.cols);
#pragma omp for schedule(dynamic)
    for (int64_t group = 0; group < cb.groups; ++group) {
      const int64_t g0 = group * cb.images * hw2;
      const int64_t g1 = std::min(g.N, (group + 1) * cb.images) * hw2;
      std::fill(dxp + g0 / hw2 * g.C * hw, dxp + g1 / hw2 * g.C * hw, 0.0f);  // these images' dx
      for (int64_t p0 = g0; p0 < g1; p0 += cb.cols) {
        const int64_t p1 = std::min(g1, p0 + cb.cols);
        for (int64_t grp = 0; grp < g.G; ++grp) {
          pack_dy(dyp, g, grp, p0, p1 - p0, nr, bt);
          omp::sgemm_prepacked(filters_t[grp], p1 - p0, bt, 0.0f, dcol, p1 - p0);
          col2im_add(dcol, p1 - p0, g, grp, p0, p1 - p0, dxp);
        }
      }
    }
  }
}

void OpenMPBackend::conv2d_backward_weight(const Tensor& x, const Tensor& dy, Tensor& dw,
                                           Tensor& db, const Conv2dGeometry& g) {
  const int64_t Cg = g.channels_per_group(), Kg = g.filters_per_group();
  const int64_t cff = Cg * g.FH * g.FW, hw = g.H * g.W, hw2 = g.H2 * g.W2;
  const float* xp = x.data();
  const float* dyp = dy.data();
  float* dwp = dw.data();
  const int64_t wsize = g.K * cff;
  const bool by_image = batch_parallel(g);
  std::fill(dwp, dwp + wsize, 0.0f);

  // In batch-parallel mode each thread sums its images' dW into its own slice of `partial`;
  // the slices are added in thread order afterwards, so the result is the same on every run.
  const bool depthwise = depthwise_suits(g);  // shares out channels itself: no partial sums
  const bool direct = !depthwise && direct_dw_suits(g);
  const bool dw3 = !depthwise && !direct && dw3_k16_suits(g);
  bool tcols = false;  // weight_grad_transposed_columns
#if defined(__x86_64__)
  tcols = !depthwise && !direct && !dw3 && transposed_columns_suit(g);
#endif
  // The direct path shares out images whenever there are two or more; the transposed columns
  // share out (image, pixel chunk, tap chunk) items, each thread into its own partial dW.
  const int threads =
      !depthwise && (by_image || (direct && g.N > 1) || (tcols && !omp_in_parallel()))
          ? omp_get_max_threads()
          : 1;
  std::vector<float> partial(threads > 1 ? static_cast<size_t>(threads * wsize) : 0, 0.0f);
  if (depthwise) {
    depthwise_backward_weight(xp, dyp, dwp, g);
  } else if (direct) {
    direct_dw_image_loop(xp, dyp, g, threads, partial.data(), dwp);
  } else if (dw3) {
    direct_dw3_k16(xp, dyp, g, threads, partial.data(), dwp);
  } else if (tcols) {
#if defined(__x86_64__)
    weight_grad_transposed_columns(xp, dyp, g, threads, partial.data(), dwp);
#endif
  } else {
    // Images are taken `batch` at a time: their column matrices are laid side by side
    // (CgFF × batch·H2W2) and their dy copied next to each other (Kg × batch·H2W2), so that one
    // sgemm reduces over all their pixels at once — a long K instead of a short one per image
    // (LeNet c2 has only 100 pixels per image), which spares the per-call packing and C traffic.
    const int64_t batch =
        std::clamp<int64_t>(kWeightBatchPixels / std::max<int64_t>(hw2, 1), 1, g.N);
    const int64_t blocks = (g.N + batch - 1) / batch;
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
      std::vector<float> col(static_cast<size_t>(cff * batch * hw2));
      std::vector<float> dyb(static_cast<size_t>(Kg * batch * hw2));
      float* acc = threads > 1 ? partial.data() + omp_get_thread_num() * wsize : dwp;
#pragma omp for schedule(static)
      for (int64_t blk = 0; blk < blocks; ++blk) {
        const int64_t n0 = blk * batch, nb = std::min(batch, g.N - n0), ld = nb * hw2;
        for (int64_t grp = 0; grp < g.G; ++grp) {
          for (int64_t q = 0; q < nb; ++q) {
            const int64_t n = n0 + q;
            im2col(xp + (n * g.C + grp * Cg) * hw, col.data() + q * hw2, ld, Cg, g);
            for (int64_t k = 0; k < Kg; ++k)
              std::memcpy(dyb.data() + k * ld + q * hw2, dyp + (n * g.K + grp * Kg + k) * hw2,
                          static_cast<size_t>(hw2) * sizeof(float));
          }
          omp::sgemm(false, true, Kg, cff, ld, 1.0f, dyb.data(), ld, col.data(), ld, 1.0f,
                     acc + grp * Kg * cff, cff);  // dW_g += dy_block · col_blockᵀ
        }
      }
    }
  }
  for (int t = 0; t < (threads > 1 ? threads : 0); ++t)
    for (int64_t e = 0; e < wsize; ++e) dwp[e] += partial[static_cast<size_t>(t * wsize + e)];

  if (db.defined()) {
    float* dbp = db.data();
#pragma omp parallel for schedule(static) if (g.N * g.K * hw2 > (1 << 16))
    for (int64_t k = 0; k < g.K; ++k) {
      double sum = 0.0;
      for (int64_t n = 0; n < g.N; ++n) {
        // 16 independent partial sums: the compiler may not reorder a single float sum (no
        // -ffast-math), so one accumulator is a chain of dependent adds — 4 cycles per element,
        // which made db cost more than dW for CIFAR's 32×32 planes. Lane l sums the elements
        // e ≡ l (mod 16): a fixed order, so the result is the same on every run.
        float lanes[16] = {};
        const float* plane = dyp + (n * g.K + k) * hw2;
        int64_t e = 0;
        for (; e + 16 <= hw2; e += 16)
          for (int l = 0; l < 16; ++l) lanes[l] += plane[e + l];
        for (; e < hw2; ++e) lanes[e % 16] += plane[e];
        float s = 0.0f;
        for (float v : lanes) s += v;
        sum += s;
      }
      dbp[k] = static_cast<float>(sum);
    }
  }
}

}  // namespace cnnlab
