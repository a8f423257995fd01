// test_openmp_conv.cpp — the OpenMP convolution's special paths against the reference backend.
//
// backends/openmp/openmp_conv2d.cpp picks among several ways to compute a convolution. Direct
// stride-1 kernels (AVX-512 or AVX2 + FMA): forward, and backward-data as a convolution of dy with
// flipped filters, with a 32-position × filters tile or a 16-filter × short-row tile (filters
// in the lanes; it also takes forward passes with stride > 1, from a phase-split input copy);
// for large layers, a weight gradient whose transposed column matrix is written straight
// into the GEMM's packed panels, or (3-wide filters) 16 filters × 27 taps in registers; for 16
// filters, a data gradient that reduces over the filters in the lanes; and a weight gradient as dot
// products along the output positions. Otherwise im2col written straight into packed GEMM panels,
// in column blocks that group several small images or cut a large image into pieces (for stride S >
// 1, read from a copy of x split into its S column phases). The shapes below are chosen to land on
// each path and on its edges (partial filter tiles, several 32-position blocks, groups, dilation,
// several column blocks per image, a partial last group of images; depthwise layers, which have
// their own plane-by-plane path), on every sgemm kernel this CPU
// runs (omp::sgemm_supported_kernels(); the direct paths follow the kernel choice, so each
// instruction set runs its own paths: "avx2" the AVX2 versions of the direct tiles and depthwise
// loops, which cut each tile into smaller register blocks; "portable" none), with 1 and 2
// threads, and 5 for the one-image cases (more threads than images: work split inside an
// image). Outputs start as NaN, so an element a path forgets to write shows up; each line names
// the kernel.
//
// Tolerance: testing::tolerance() of backend_compare.hpp (through expect_close()), for the
// reduction length L. Each check prints "OK ... max_err/tol=...".
#include <catch2/catch.hpp>

#include "backends/openmp/gemm.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/ops/ops.hpp>

#include "backend_compare.hpp"
#include "openmp_kernels.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace cnnlab;
using namespace cnnlab::testing;

namespace {

constexpr SizeRule F = SizeRule::floor;

struct Case {
  Shape x;
  int64_t K, F;
  Conv2dParams p;
  const char* why;
};

const std::vector<Case> kCases = {
    {{3, 4, 20, 20}, 11, 3, {1, 1, 1, 1}, "direct: 11 filters (partial tile), several blocks"},
    {{2, 8, 16, 16}, 12, 3, {1, 2, 2, 2}, "direct: dilation 2, groups 2"},
    {{5, 16, 10, 10}, 6, 5, {1, 0, 1, 1}, "direct: LeNet-c2-like data gradient (6 channels)"},
    {{1, 64, 41, 41}, 20, 3, {2, 1, 1, 1}, "im2col: several column blocks per image, batch 1"},
    {{20, 32, 13, 13}, 10, 3, {2, 1, 1, 1}, "im2col: groups of images, partial last group"},
    {{9, 3, 16, 16}, 32, 3, {1, 1, 1, 1}, "CIFAR-like: direct forward, GEMM data gradient"},
    {{3, 3, 32, 32}, 32, 3, {1, 1, 1, 1}, "CIFAR: grid tile blocks start at each output row"},
    {{33, 3, 32, 32}, 32, 3, {1, 1, 1, 1}, "CIFAR, 1.08 M outputs: streamed with 2 threads"},
    {{2, 2, 9, 61}, 11, 5, {1, 2, 1, 1}, "grid tile at each row start: 61 = 32 + 29 columns"},
    {{2, 2, 9, 9}, 4, 3, {1, 3, 1, 1}, "padding larger than F−1: GEMM data gradient"},
    {{4, 6, 14, 14}, 16, 5, {1, 0, 1, 1}, "16-filter tile: LeNet c2 forward"},
    {{3, 4, 9, 7}, 32, 3, {1, 2, 2, 2}, "16-filter tile: groups 2, dilation 2, odd rows"},
    {{2, 2, 7, 19}, 16, 5, {1, 0, 1, 1}, "16-filter tile: rows cut into 8 + 7 columns"},
    {{2, 16, 7, 28}, 32, 3, {1, 1, 1, 1}, "16-filter tile: 28-wide rows in two 14-column chunks"},
    {{3, 256, 5, 6}, 32, 3, {1, 1, 1, 1}, "16-filter tile: filters too big for the grid tile"},
    {{2, 3, 39, 43}, 32, 11, {4, 2, 1, 1}, "16-filter tile, stride 4 from phases: AlexNet c1-like"},
    {{3, 4, 15, 17}, 32, 3, {2, 1, 2, 2}, "16-filter tile, stride 2: dilation 2, groups 2"},
    {{2, 3, 35, 39},
     16,
     11,
     {4, 0, 1, 1},
     "16-filter tile, stride 4, no padding (SSE phase split)"},
    {{1, 2, 16, 19}, 16, 4, {3, 0, 1, 1}, "16-filter tile, stride 3 (scalar phase split)"},
    {{1, 2, 5, 98}, 64, 3, {1, 1, 1, 1}, "16-filter tile in bands of 2 + 2 + 1 output rows"},
    // One image: with 2 (and 5) threads the forward paths cut its output rows into parts
    // (row_parts in conv_common.hpp), each copying only the input rows it reads.
    {{1, 4, 23, 20}, 11, 3, {1, 1, 1, 1}, "one image, grid tile: rows in parts over threads"},
    {{1, 3, 21, 20}, 13, 5, {1, 2, 2, 1}, "one image, grid tile, dilation 2: rows in parts"},
    {{1, 2, 9, 61}, 11, 5, {1, 2, 1, 1}, "one image, grid tile at each row start: rows in parts"},
    {{1, 16, 30, 28}, 32, 3, {1, 1, 1, 1}, "one image, 16-filter tile: bands in parts"},
    {{1, 3, 47, 43}, 32, 11, {4, 2, 1, 1}, "one image, 16-filter tile, stride 4: rows in parts"},
    {{3, 8, 20, 18}, 32, 5, {1, 2, 1, 1}, "weight gradient from transposed columns: 3 images"},
    {{5, 16, 17, 17}, 48, 3, {1, 2, 2, 1}, "transposed columns: images over threads, dilation 2"},
    {{2, 6, 39, 39}, 64, 5, {2, 1, 1, 2}, "transposed columns: stride 2, groups 2"},
    {{1, 8, 40, 40}, 64, 3, {1, 1, 2, 1}, "transposed columns: 2 pixel chunks × 3 tap chunks"},
    {{3, 7, 11, 13},
     32,
     3,
     {1, 1, 1, 1},
     "3-wide weight tile: 21 (channel, row) pairs = 9 + 9 + 3"},
    {{5, 12, 9, 10}, 16, 3, {1, 0, 1, 2}, "3-wide weight tile: images over threads, groups 2"},
    {{1, 7, 12, 20}, 48, 3, {1, 2, 1, 1}, "3-wide weight tile: one image, padding 2, 3 blocks"},
    {{2, 128, 18, 18}, 32, 3, {1, 1, 1, 1}, "3-wide weight tile: row groups in two L2 blocks"},
    {{2, 3, 6, 6}, 48, 3, {1, 1, 1, 1}, "16-filter tile: three filter blocks"},
    {{2, 8, 9, 9}, 16, 3, {1, 1, 1, 1}, "16-filter data gradient: two channel tiles (6 + 2)"},
    {{2, 3, 25, 25}, 8, 3, {3, 2, 2, 1}, "im2col from stride phases: stride 3, dilation 2, pad 2"},
    {{2, 4, 37, 37}, 16, 11, {4, 1, 1, 2}, "im2col from stride phases: AlexNet-like, groups 2"},
    // size_rule floor: the stride does not tile the input, so the last rows/columns of x are
    // read by no window (their data gradient must be 0, and must be written).
    {{2, 3, 28, 28}, 16, 7, {2, 3, 1, 1, F}, "floor: ResNet-like stem 28 -> 14, k16 phases"},
    {{2, 16, 14, 14}, 32, 3, {2, 1, 1, 1, F}, "floor: ResNet 3x3 s2 p1 downsampling 14 -> 7"},
    {{2, 16, 14, 14}, 32, 1, {2, 0, 1, 1, F}, "floor: 1x1 stride-2 projection, odd rows unused"},
    {{1, 64, 42, 42}, 20, 3, {2, 1, 1, 1, F}, "floor: im2col, several column blocks"},
    {{2, 3, 38, 41}, 32, 11, {4, 2, 1, 1, F}, "floor: AlexNet-like stride 4 from phases"},
    {{2, 3, 26, 27}, 8, 3, {3, 2, 2, 1, F}, "floor: im2col from stride phases, dilation 2"},
    {{2, 6, 40, 40}, 64, 5, {2, 1, 1, 2, F}, "floor: transposed columns, stride 2, groups 2"},
    {{1, 2, 17, 20}, 16, 4, {3, 0, 1, 1, F}, "floor: stride 3 (scalar phase split)"},
    {{3, 7, 12, 14}, 32, 3, {2, 1, 1, 1, F}, "floor: 3-wide weight tile rows, stride 2"},
    {{5, 1, 28, 28}, 6, 5, {2, 2, 1, 1, F}, "floor: LeNet-c1-like, dot-product weight gradient"},
    // conv_depthwise.cpp: one input channel per group (and a channel multiplier below 16)
    {{3, 8, 13, 70}, 8, 3, {1, 1, 1, 8}, "depthwise: a 64-wide block and a 16-wide one per row"},
    {{2, 5, 17, 15}, 10, 3, {2, 3, 3, 5}, "depthwise ×2: stride 2, dilation 3, padding 3"},
    {{1, 3, 19, 22}, 3, 5, {3, 2, 1, 3}, "depthwise 5×5, stride 3 (3 column phases), batch 1"},
    {{4, 6, 9, 9}, 24, 3, {1, 0, 2, 6}, "depthwise ×4, dilation 2, no padding"},
};

}  // namespace

TEST_CASE("omp conv2d special paths match the reference", "[openmp][conv2d]") {
  Backend& be = backend_by_name("openmp");
  struct RestoreThreads {
    int threads = omp_get_max_threads();
    ~RestoreThreads() { omp_set_num_threads(threads); }
  } restore;
  for (const char* kernel : omp::sgemm_supported_kernels()) {
    const ForcedKernel forced(kernel);  // the automatic choice again after each kernel
    for (int threads : {1, 2, 5}) {
      omp_set_num_threads(threads);
      uint64_t seed = 500;
      for (const Case& c : kCases) {
        if (threads == 5 && c.x[0] != 1) continue;  // 5 threads: the one-image cases only
        const Shape ws = {c.K, c.x[1] / c.p.groups, c.F, c.F};
        const Conv2dGeometry g = conv2d_geometry(c.x, ws, c.p);
        const Tensor x = random_tensor(c.x, ++seed), w = random_tensor(ws, ++seed);
        const Tensor b = random_tensor({c.K}, ++seed), dy = random_tensor(g.output_shape(), ++seed);
        const std::string tag =
            std::string(kernel) + " " + std::to_string(threads) + " thr, " + c.why + ": ";

        Tensor y = poisoned(g.output_shape(), be);
        be.conv2d_forward(x.to(be), w.to(be), b.to(be), y, g);
        expect_close(tag + "forward", conv2d_forward(x, w, b, c.p), y, ws[1] * c.F * c.F);

        Tensor dx = poisoned(c.x, be);
        be.conv2d_backward_data(dy.to(be), w.to(be), dx, g);
        expect_close(tag + "data", conv2d_backward_data(dy, w, c.x, c.p), dx,
                     g.filters_per_group() * c.F * c.F);

        Tensor dw = poisoned(ws, be), db = poisoned({c.K}, be);
        be.conv2d_backward_weight(x.to(be), dy.to(be), dw, db, g);
        const ParamGrads r = conv2d_backward_weight(x, dy, ws, true, c.p);
        expect_close(tag + "weight", r.dw, dw, g.N * g.H2 * g.W2);
        expect_close(tag + "bias", r.db, db, g.N * g.H2 * g.W2);
      }
    }
  }
}
