// test_cross_backend.cpp — every fast backend against the reference, op by op, from one table.
//
// How to add an op: see docs/add_an_op.md. Here that means adding rows: a new shape set is a
// line of a k*Cases / k*Shapes table; a new op is a row in the *_rows() function of its family
// (often one one_output(...) line), or a new *_rows() function and a TEST_CASE that passes its
// rows to check_rows().
//
// How it works: a Row is one call of one Backend virtual on one shape set, e.g.
// conv2d_backward_weight for x [2, 3, 7, 7] and K=4 filters of 3×3. check_rows() runs each row
// on the reference backend and on each backend under test (fast_backends(): OpenMP in
// cnnlab_tests, Vulkan in cnnlab_vulkan_tests) and compares the outputs. Outputs start as NaN,
// so an element a backend forgets to write shows up. Backend virtuals are called directly, with
// the same validated geometry the ops API would pass. The shapes are chosen to reach odd sizes,
// stride > 1, padding, dilation, groups, 1×1 filters, batch 1 and long reductions.
//
// The OpenMP backend takes different paths per instruction set (backends/openmp/gemm.hpp: AVX-512,
// AVX2, portable), so the rows of the ops whose paths depend on it (convolution, transposed
// convolution, linear layer and matmul) run on OpenMP once per kernel this CPU can execute,
// named in the printed line ("openmp/avx2 ..."); the other rows run on the automatic choice.
//
// Tolerance: expect_close() of backend_compare.hpp, which allows testing::tolerance() for the
// row's reduction length L. Each comparison prints
//   OK <backend> <virtual> [<output>] <shapes>  max_err/tol=...
// and fails if that ratio exceeds 1.
#include <catch2/catch.hpp>

#include <cnnlab/core/backend.hpp>
#include <cnnlab/nn/loss.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/ops/op_registry.hpp>
#include <cnnlab/ops/ops.hpp>

#include "backend_compare.hpp"
#ifdef CNNLAB_TEST_OPENMP_KERNELS  // cnnlab_tests, where the OpenMP backend's internals are linked
#include "openmp_kernels.hpp"
#endif

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace cnnlab;
using namespace cnnlab::testing;

namespace {

// ---- The table and the loop that checks it ------------------------------------------------

/// One output of a row's call: its name in the printed line, its shape, the reduction length L
/// that sets its tolerance, and its value before the call (undefined: NaN everywhere; defined:
/// the old value of an in-place update, such as sgd_update's param and velocity).
struct Output {
  std::string name;  // "" when the call has one output, else "dw", "db", "param", ...
  Shape shape;
  int64_t L = 1;
  Tensor start = {};
};

/// One row of the table: one Backend virtual called on one shape set.
struct Row {
  std::string op;      // the op as the op registry and the CLI name it: "conv2d", "sgd_update"
  std::string call;    // the Backend virtual: "conv2d_backward_weight"
  std::string shapes;  // the shape set as printed: "x [2, 3, 7, 7] K=4 F=3 S=1 P=0 D=1 G=1"
  std::vector<Output> outputs;
  /// Calls the virtual on `be` with the row's inputs moved to `be`; out[i] is outputs[i].
  std::function<void(Backend& be, std::vector<Tensor>& out)> run;
};

/// A row whose call writes one output y of @p shape (reduction length @p L).
Row one_output(std::string op, std::string call, std::string shapes, Shape shape, int64_t L,
               std::function<void(Backend& be, Tensor& y)> run) {
  return {.op = std::move(op),
          .call = std::move(call),
          .shapes = std::move(shapes),
          .outputs = {{.name = "", .shape = std::move(shape), .L = L}},
          .run = [run](Backend& be, std::vector<Tensor>& out) { run(be, out[0]); }};
}

/// Backends under test: the comma-separated list CNNLAB_TEST_BACKENDS this file was compiled with
/// (tests/CMakeLists.txt builds it twice: "openmp" into cnnlab_tests, "vulkan" into
/// cnnlab_vulkan_tests), keeping those this build has.
std::vector<std::string> fast_backends() {
#ifndef CNNLAB_TEST_BACKENDS
#define CNNLAB_TEST_BACKENDS ""
#endif
  const std::vector<std::string> built = backend_names();
  std::vector<std::string> names;
  std::stringstream list(CNNLAB_TEST_BACKENDS);
  for (std::string n; std::getline(list, n, ',');)
    if (!n.empty() && std::find(built.begin(), built.end(), n) != built.end()) names.push_back(n);
  return names;
}

/// Runs @p row on @p be: every output starts as NaN (or as its start value), then the call.
std::vector<Tensor> run_row(const Row& row, Backend& be) {
  std::vector<Tensor> out;
  for (const Output& o : row.outputs)
    out.push_back(o.start.defined() ? o.start.to(be).clone() : poisoned(o.shape, be));
  row.run(be, out);
  return out;
}

/// Whether no element of @p t is NaN, i.e. the call wrote all of a poisoned output.
bool all_written(const Tensor& t) {
  const std::vector<float> v = t.to_vector();
  return std::none_of(v.begin(), v.end(), [](float e) { return std::isnan(e); });
}

/// What the printed line says after the backend's name: "conv2d_backward_weight dw x [...] ...".
std::string label(const Row& row, const Output& o) {
  std::string s = row.call;
  if (!o.name.empty()) s += " " + o.name;
  if (!row.shapes.empty()) s += " " + row.shapes;
  return s;
}

/// Which OpenMP kernels check_rows() runs a row on.
enum class Kernels {
  automatic,  ///< only the automatic choice (the op's paths do not depend on the kernel)
  every,      ///< every kernel this CPU runs, one after the other (openmp_kernels.hpp)
};

/// The kernels to run backend @p name with: "" stands for the automatic choice.
std::vector<std::string> kernels_for(const std::string& name, Kernels kernels) {
#ifdef CNNLAB_TEST_OPENMP_KERNELS
  if (name == "openmp" && kernels == Kernels::every) {
    std::vector<std::string> all;
    for (const char* k : omp::sgemm_supported_kernels()) all.emplace_back(k);
    return all;
  }
#else
  (void)name, (void)kernels;
#endif
  return {""};
}

/// The one loop: each row on the reference, then on every backend under test (and, with
/// Kernels::every, on each OpenMP kernel), compared output by output with expect_close().
void check_rows(const std::vector<Row>& rows, Kernels kernels = Kernels::automatic) {
  const std::vector<std::string> names = fast_backends();
  if (names.empty()) {
    WARN("no backend other than reference in this build: nothing to compare");
    return;
  }
  for (const Row& row : rows) {
    INFO("op " << row.op << ": " << row.call << " " << row.shapes);
    const std::vector<Tensor> expected = run_row(row, reference_backend());
    for (const Tensor& e : expected) CHECK(all_written(e));  // else NaN would hide a difference
    for (const std::string& name : names) {
      for (const std::string& kernel : kernels_for(name, kernels)) {
#ifdef CNNLAB_TEST_OPENMP_KERNELS
        std::optional<ForcedKernel> forced;  // back to the automatic choice after this kernel
        if (!kernel.empty()) forced.emplace(kernel.c_str());
#endif
        const std::vector<Tensor> got = run_row(row, backend_by_name(name));
        const std::string who = kernel.empty() ? name : name + "/" + kernel;
        for (size_t i = 0; i < row.outputs.size(); ++i)
          expect_close(who + " " + label(row, row.outputs[i]), expected[i], got[i],
                       row.outputs[i].L);
      }
    }
  }
}

// ---- Convolution: x [N, C, H, W], w [K, C/G, F, F], b [K] -> y [N, K, H2, W2] --------------

/// One convolution shape set: input x, K filters of F×F, stride S, padding P, dilation D, groups G.
struct ConvCase {
  Shape x;
  int64_t K, F;
  Conv2dParams p = {};  // default: stride 1, no padding, no dilation, one group
  int64_t FW = 0;       // filter width when not F (F×FW filters); 0: square
};

std::string describe(const ConvCase& c) {
  std::ostringstream s;
  s << "x " << to_string(c.x) << " K=" << c.K << " F=" << c.F;
  if (c.FW != 0) s << "x" << c.FW;
  s << " S=" << c.p.stride << " P=" << c.p.padding << " D=" << c.p.dilation << " G=" << c.p.groups
    << " " << size_rule_name(c.p.size_rule);
  return s.str();
}

constexpr SizeRule kFloor = SizeRule::floor;

const std::vector<ConvCase> kConvCases = {
    {.x = {2, 3, 7, 7}, .K = 4, .F = 3},                                    // plain
    {.x = {1, 2, 7, 7}, .K = 3, .F = 3, .p = {.stride = 2, .padding = 1}},  // batch 1
    {.x = {2, 4, 9, 7}, .K = 4, .F = 3, .p = {.padding = 2, .dilation = 2, .groups = 2}},
    {.x = {3, 8, 5, 5}, .K = 6, .F = 1},  // 1x1 (pointwise)
    {.x = {2, 6, 11, 9}, .K = 6, .F = 3, .p = {.stride = 2, .padding = 1, .groups = 3}},  // odd
    {.x = {1, 4, 8, 8}, .K = 4, .F = 3, .p = {.padding = 1, .groups = 4}},  // depthwise
    {.x = {5, 1, 28, 28}, .K = 6, .F = 5, .p = {.padding = 2}},  // LeNet c1 (images > threads)
    {.x = {4, 6, 14, 14}, .K = 16, .F = 5},                      // LeNet c2
    {.x = {2, 3, 31, 31}, .K = 8, .F = 11, .p = {.stride = 4, .padding = 2}},  // AlexNet-like
    {.x = {1, 64, 10, 10}, .K = 32, .F = 3, .p = {.padding = 1}},  // long reduction: 576
    {.x = {2, 5, 6, 6}, .K = 7, .F = 2},  // even filter, odd channel counts
    // Shapes aimed at the OpenMP backend's special paths and their edges:
    {.x = {3, 4, 20, 20}, .K = 11, .F = 3, .p = {.padding = 1}},  // direct stride 1, partial tile
    {.x = {2, 8, 16, 16}, .K = 12, .F = 3, .p = {.padding = 2, .dilation = 2, .groups = 2}},
    {.x = {5, 16, 10, 10}, .K = 6, .F = 5},  // small output, 5x5, few filters
    {.x = {1, 64, 41, 41}, .K = 20, .F = 3, .p = {.stride = 2, .padding = 1}},   // odd, batch 1
    {.x = {20, 32, 13, 13}, .K = 10, .F = 3, .p = {.stride = 2, .padding = 1}},  // one GEMM
    {.x = {9, 3, 16, 16}, .K = 32, .F = 3, .p = {.padding = 1}},  // CIFAR-like first layer
    {.x = {2, 2, 9, 9}, .K = 4, .F = 3, .p = {.padding = 3}},     // padding as large as F
    {.x = {1, 3, 5, 7}, .K = 2, .F = 1, .p = {.stride = 2, .padding = 1}},  // 1x1, S and P
    // size_rule floor (PyTorch's rule): the stride does not tile the input, and the last
    // rows/columns of x are read by no window (dx is 0 there). ResNet-18's and GoogLeNet's stem
    // (224x224, 7x7, stride 2, padding 3 -> 112x112) with 8 filters:
    {.x = {1, 3, 224, 224}, .K = 8, .F = 7, .p = {.stride = 2, .padding = 3, .size_rule = kFloor}},
    // the same stem in small (14x14 -> 7x7), batch 2
    {.x = {2, 3, 14, 14}, .K = 4, .F = 7, .p = {.stride = 2, .padding = 3, .size_rule = kFloor}},
    // ResNet-18's downsampling 3x3, stride 2, padding 1: 56x56 -> 28x28 (channels scaled down)
    {.x = {2, 16, 56, 56}, .K = 32, .F = 3, .p = {.stride = 2, .padding = 1, .size_rule = kFloor}},
    // its 1x1 stride-2 projection on an even input: 56x56 -> 28x28, odd rows/columns unused
    {.x = {2, 16, 56, 56}, .K = 32, .F = 1, .p = {.stride = 2, .size_rule = kFloor}},
    // the lecture's "doesn't fit" example, 7x7 with 3x3 at stride 3, under floor: 2x2
    {.x = {2, 3, 7, 7}, .K = 5, .F = 3, .p = {.stride = 3, .size_rule = kFloor}},
    // AlexNet-like stride 4; dilation with groups; a non-square input floored on one axis only
    {.x = {1, 3, 38, 37}, .K = 16, .F = 11, .p = {.stride = 4, .padding = 2, .size_rule = kFloor}},
    {.x = {2, 4, 12, 11},
     .K = 6,
     .F = 3,
     .p = {.stride = 2, .padding = 1, .dilation = 2, .groups = 2, .size_rule = kFloor}},
    {.x = {1, 32, 20, 21}, .K = 32, .F = 3, .p = {.stride = 2, .size_rule = kFloor}},
    // Dilated, grouped and depthwise layers (issue 12), on every pass and both backends' fast
    // paths (OpenMP: conv_depthwise.cpp for one channel per group; Vulkan: the direct shaders):
    {.x = {2, 4, 9, 11}, .K = 6, .F = 3, .p = {.stride = 2, .padding = 2, .dilation = 2}},
    {.x = {1, 3, 13, 9}, .K = 5, .F = 3, .p = {.stride = 2, .padding = 1, .dilation = 3}},
    {.x = {2, 5, 10, 9}, .K = 5, .F = 3, .p = {.padding = 1, .groups = 5}},  // depthwise
    {.x = {2, 6, 11, 13},
     .K = 6,
     .F = 3,
     .p = {.stride = 2, .padding = 2, .dilation = 2, .groups = 6}},  // depthwise, dilated, strided
    {.x = {2, 4, 8, 7}, .K = 8, .F = 3, .p = {.padding = 1, .groups = 4}},  // multiplier 2
    {.x = {3, 3, 9, 9}, .K = 6, .F = 3, .p = {.stride = 2, .padding = 1, .groups = 3}},  // m 2, S 2
    {.x = {2, 8, 20, 70}, .K = 8, .F = 3, .p = {.padding = 1, .groups = 8}},  // rows > 64 wide
    {.x = {2, 6, 7, 8}, .K = 10, .F = 3, .p = {.padding = 1, .groups = 2}},   // 3 and 5 per group
    {.x = {2, 4, 7, 6}, .K = 5, .F = 3, .p = {.padding = 1}, .FW = 1},        // 3x1
    {.x = {2, 4, 6, 7}, .K = 4, .F = 1, .p = {.groups = 2}, .FW = 3},         // 1x3, groups 2
    {.x = {1, 4, 9, 8}, .K = 4, .F = 3, .p = {.padding = 1, .groups = 4}, .FW = 1},  // 3x1 dw
    {.x = {2, 4, 5, 9}, .K = 8, .F = 1, .p = {.stride = 2, .padding = 1, .groups = 4}, .FW = 3},
};

/// The input of @p t on @p be, or an undefined tensor (no bias) when @p t is undefined.
Tensor maybe_to(const Tensor& t, Backend& be) { return t.defined() ? t.to(be) : Tensor(); }

/// y = conv(x, w) + b; L = C/G·F·F terms per output. @p b may be undefined (no bias).
Row conv2d_forward_row(const std::string& shapes, const Tensor& x, const Tensor& w, const Tensor& b,
                       const Conv2dGeometry& g) {
  return one_output("conv2d", "conv2d_forward", shapes, g.output_shape(),
                    g.channels_per_group() * g.FH * g.FW, [=](Backend& be, Tensor& y) {
                      be.conv2d_forward(x.to(be), w.to(be), maybe_to(b, be), y, g);
                    });
}

/// dx [N, C, H, W] from dy and w; L = K/G·F·F terms per element.
Row conv2d_backward_data_row(const std::string& shapes, const Tensor& dy, const Tensor& w,
                             const Conv2dGeometry& g) {
  return one_output("conv2d", "conv2d_backward_data", shapes, g.input_shape(),
                    g.filters_per_group() * g.FH * g.FW, [=](Backend& be, Tensor& dx) {
                      be.conv2d_backward_data(dy.to(be), w.to(be), dx, g);
                    });
}

/// dw [K, C/G, F, F] and, when @p bias, db [K]; L = N·H2·W2 terms per element.
Row conv2d_backward_weight_row(const std::string& shapes, const Tensor& x, const Tensor& dy,
                               bool bias, const Conv2dGeometry& g) {
  const int64_t L = g.N * g.H2 * g.W2;
  std::vector<Output> outputs = {{.name = bias ? "dw" : "", .shape = g.weight_shape(), .L = L}};
  if (bias) outputs.push_back({.name = "db", .shape = {g.K}, .L = L});
  return {.op = "conv2d",
          .call = "conv2d_backward_weight",
          .shapes = shapes,
          .outputs = outputs,
          .run = [=](Backend& be, std::vector<Tensor>& out) {
            Tensor no_db;
            be.conv2d_backward_weight(x.to(be), dy.to(be), out[0], bias ? out[1] : no_db, g);
          }};
}

/// The rows of one convolution shape set: forward, data gradient, weight and bias gradients.
std::vector<Row> conv2d_rows(const ConvCase& c, uint64_t& seed) {
  const Shape ws = {c.K, c.x[1] / c.p.groups, c.F, c.FW != 0 ? c.FW : c.F};
  const Conv2dGeometry g = conv2d_geometry(c.x, ws, c.p);
  const Tensor x = random_tensor(c.x, ++seed), w = random_tensor(ws, ++seed);
  const Tensor b = random_tensor({c.K}, ++seed), dy = random_tensor(g.output_shape(), ++seed);
  const std::string shapes = describe(c);
  return {conv2d_forward_row(shapes, x, w, b, g), conv2d_backward_data_row(shapes, dy, w, g),
          conv2d_backward_weight_row(shapes, x, dy, /*bias=*/true, g)};
}

// ---- Transposed convolution: x [N, C, H, W], w [C, K/G, F, F], b [K] -> y [N, K, H2, W2] ------
// The reference runs the scatter loops; the fast backends run their convolution passes of
// g.as_conv() (backend_ops.inc), so these rows check that the roles are exchanged correctly.

/// One transposed-convolution shape set: input x, K output channels, F×F filters, settings.
struct ConvTransposeCase {
  Shape x;
  int64_t K, F;
  ConvTranspose2dParams p = {};
};

std::string describe(const ConvTransposeCase& c) {
  std::ostringstream s;
  s << "x " << to_string(c.x) << " K=" << c.K << " F=" << c.F << " S=" << c.p.stride
    << " P=" << c.p.padding << " OP=" << c.p.output_padding << " D=" << c.p.dilation
    << " G=" << c.p.groups;
  return s.str();
}

const std::vector<ConvTransposeCase> kConvTransposeCases = {
    {.x = {2, 3, 4, 4}, .K = 4, .F = 3},                                    // 4x4 -> 6x6
    {.x = {1, 2, 2, 2}, .K = 1, .F = 3, .p = {.stride = 2}},                // the seed's 2x2 -> 5x5
    {.x = {2, 4, 5, 5}, .K = 3, .F = 4, .p = {.stride = 2, .padding = 1}},  // DCGAN-like, x2
    {.x = {1, 5, 7, 7}, .K = 6, .F = 3, .p = {.stride = 2, .padding = 1, .output_padding = 1}},
    {.x = {2, 4, 5, 3},
     .K = 6,
     .F = 3,
     .p = {.stride = 3, .padding = 2, .output_padding = 2, .groups = 2}},
    {.x = {2, 6, 6, 6}, .K = 9, .F = 3, .p = {.padding = 2, .dilation = 2, .groups = 3}},
    {.x = {1, 4, 5, 5},
     .K = 4,
     .F = 3,
     .p = {.stride = 2, .padding = 1, .output_padding = 1, .dilation = 2, .groups = 4}},  // dw
    {.x = {3, 8, 5, 5}, .K = 6, .F = 1},                                                  // 1x1
    {.x = {2, 64, 8, 8}, .K = 32, .F = 4, .p = {.stride = 2, .padding = 1}},  // long: 64·16 taps
    {.x = {4, 16, 9, 11}, .K = 8, .F = 5, .p = {.stride = 2, .padding = 2, .output_padding = 1}},
};

/// The rows of one transposed-convolution shape set: forward, data gradient, weight and bias
/// gradients (and the forward without bias).
std::vector<Row> conv_transpose2d_rows(const ConvTransposeCase& c, uint64_t& seed) {
  const Shape ws = {c.x[1], c.K / c.p.groups, c.F, c.F};
  const ConvTranspose2dGeometry g = conv_transpose2d_geometry(c.x, ws, c.p);
  const Tensor x = random_tensor(c.x, ++seed), w = random_tensor(ws, ++seed);
  const Tensor b = random_tensor({g.K}, ++seed), dy = random_tensor(g.output_shape(), ++seed);
  const std::string shapes = describe(c);
  // forward: each y element sums at most C/G·F·F products; dx: K/G·F·F; dw: N·H·W; db: N·H2·W2
  const int64_t L_y = g.channels_per_group() * g.FH * g.FW;
  std::vector<Row> rows = {
      one_output("conv_transpose2d", "conv_transpose2d_forward", shapes, g.output_shape(), L_y,
                 [=](Backend& be, Tensor& y) {
                   be.conv_transpose2d_forward(x.to(be), w.to(be), b.to(be), y, g);
                 }),
      one_output("conv_transpose2d", "conv_transpose2d_forward", shapes + " no bias",
                 g.output_shape(), L_y,
                 [=](Backend& be, Tensor& y) {
                   be.conv_transpose2d_forward(x.to(be), w.to(be), Tensor(), y, g);
                 }),
      one_output("conv_transpose2d", "conv_transpose2d_backward_data", shapes, g.input_shape(),
                 g.filters_per_group() * g.FH * g.FW,
                 [=](Backend& be, Tensor& dx) {
                   be.conv_transpose2d_backward_data(dy.to(be), w.to(be), dx, g);
                 }),
      {.op = "conv_transpose2d",
       .call = "conv_transpose2d_backward_weight",
       .shapes = shapes,
       .outputs = {{.name = "dw", .shape = g.weight_shape(), .L = g.N * g.H * g.W},
                   {.name = "db", .shape = {g.K}, .L = g.N * g.H2 * g.W2}},
       .run = [=](Backend& be, std::vector<Tensor>& out) {
         be.conv_transpose2d_backward_weight(x.to(be), dy.to(be), out[0], out[1], g);
       }}};
  return rows;
}

// ---- Pooling: x [N, C, H, W] -> y [N, C, H2, W2], windows of F×F, stride S, padding P --------

/// One pooling shape set (the same for max and average pooling).
struct PoolCase {
  Shape x;
  Pool2dParams p;
};

const std::vector<PoolCase> kPoolCases = {
    {.x = {2, 3, 8, 8}, .p = {.kernel = 2, .stride = 2}},  // 2x2/2 (fast path)
    {.x = {1, 2, 7, 7}, .p = {.kernel = 2, .stride = 2, .size_rule = SizeRule::ceil}},  // ceil mode
    {.x = {2, 2, 7, 9}, .p = {.kernel = 3, .stride = 2, .padding = 1}},                 // padding
    {.x = {1, 1, 6, 6}, .p = {.kernel = 3, .stride = 1}},  // overlapping
    {.x = {3, 4, 9, 9},
     .p = {.kernel = 2, .stride = 2, .size_rule = SizeRule::floor}},  // odd: drops the last row
    {.x = {1, 3, 6, 6},
     .p = {.kernel = 3, .stride = 2, .size_rule = SizeRule::ceil}},  // ceil overhang
    // GoogLeNet's first max pool, 3x3 at stride 2 on 112x112: floor gives 55 (row/column 111
    // unused, dx 0 there), ceil 56 (PyTorch's ceil_mode, as GoogLeNet uses it)
    {.x = {1, 4, 112, 112}, .p = {.kernel = 3, .stride = 2, .size_rule = SizeRule::floor}},
    {.x = {1, 4, 112, 112}, .p = {.kernel = 3, .stride = 2, .size_rule = SizeRule::ceil}},
    {.x = {2, 3, 8, 9},
     .p = {.kernel = 3, .stride = 2, .padding = 1, .size_rule = SizeRule::floor}},  // padding
    {.x = {2, 2, 10, 11}, .p = {.kernel = 2, .stride = 3, .size_rule = SizeRule::floor}},  // gaps
};

/// The rows of one pooling shape set: max and average pooling, forward and backward.
std::vector<Row> pool2d_rows(const PoolCase& c, uint64_t& seed) {
  const Pool2dGeometry g = pool2d_geometry("maxpool2d", c.x, c.p);
  const Tensor x = random_tensor(c.x, ++seed), dy = random_tensor(g.output_shape(), ++seed);
  const std::string shapes = "x " + to_string(c.x) + " F=" + std::to_string(g.F) +
                             " S=" + std::to_string(g.S) + " P=" + std::to_string(g.P) + " " +
                             size_rule_name(c.p.size_rule);
  const int64_t window = g.F * g.F;
  return {
      one_output("maxpool2d", "maxpool2d_forward", shapes, g.output_shape(), 1,
                 [=](Backend& be, Tensor& y) { be.maxpool2d_forward(x.to(be), y, g); }),
      one_output(
          "maxpool2d", "maxpool2d_backward", shapes, c.x, window,
          [=](Backend& be, Tensor& dx) { be.maxpool2d_backward(x.to(be), dy.to(be), dx, g); }),
      one_output("avgpool2d", "avgpool2d_forward", shapes, g.output_shape(), window,
                 [=](Backend& be, Tensor& y) { be.avgpool2d_forward(x.to(be), y, g); }),
      one_output("avgpool2d", "avgpool2d_backward", shapes, c.x, window,
                 [=](Backend& be, Tensor& dx) { be.avgpool2d_backward(dy.to(be), dx, g); }),
  };
}

// ---- Global average pooling: x [N, C, H, W] -> y [N, C, 1, 1], the mean of each plane ------

// [add_an_op_cross_backend]
const std::vector<Shape> kGlobalPoolShapes = {
    {2, 3, 7, 7},      // plain
    {1, 5, 3, 5},      // batch 1, odd non-square planes
    {4, 6, 1, 1},      // 1x1 planes: y = x
    {3, 16, 13, 13},   // more planes than a small machine has threads
    {1, 2, 300, 300},  // long planes: 90,000 values each, more than lavapipe's loop limit
};

/// The rows of one x shape: forward (L = H·W terms per mean) and backward (L = 1: one division).
/// x in [1, 2): means near 1.5, so a sum that silently lost terms (lavapipe's loop limit) would
/// miss by far more than the tolerance.
std::vector<Row> global_avgpool2d_rows(const Shape& xs, uint64_t& seed) {
  const Shape ys = {xs[0], xs[1], 1, 1};
  const Tensor x = random_tensor(xs, ++seed, 1, 2), dy = random_tensor(ys, ++seed);
  const std::string shapes = "x " + to_string(xs);
  return {
      one_output("global_avgpool2d", "global_avgpool2d_forward", shapes, ys, xs[2] * xs[3],
                 [=](Backend& be, Tensor& y) { be.global_avgpool2d_forward(x.to(be), y); }),
      one_output("global_avgpool2d", "global_avgpool2d_backward", shapes, xs, 1,
                 [=](Backend& be, Tensor& dx) { be.global_avgpool2d_backward(dy.to(be), dx); }),
  };
}
// [add_an_op_cross_backend]

// ---- L2 pooling: x [N, C, H, W] -> y [N, C, H2, W2], sqrt(mean of x² over each window) -------

/// One L2 pooling shape set (every stride tiles its input exactly, so the rows hold under the
/// lecture's exact size rule as well as PyTorch's floor rule); zero_windows clears the top-left 4×4
/// block of every plane, so some windows are all zeros (y = 0: backward must send 0 there, not 0/0
/// = NaN).
struct L2PoolCase {
  Shape x;
  Pool2dParams p;
  bool zero_windows = false;
};

const std::vector<L2PoolCase> kL2PoolCases = {
    {.x = {2, 3, 8, 8}, .p = {.kernel = 2, .stride = 2, .size_rule = SizeRule::floor}},  // 2x2/2
    {.x = {2, 2, 7, 9},
     .p = {.kernel = 3, .stride = 2, .padding = 1, .size_rule = SizeRule::floor}},  // padding
    {.x = {1, 1, 6, 6},
     .p = {.kernel = 3, .stride = 1, .size_rule = SizeRule::floor}},  // overlapping
    {.x = {1, 3, 6, 6},
     .p = {.kernel = 3, .stride = 2, .size_rule = SizeRule::ceil}},  // ceil overhang
    {.x = {1, 2, 7, 7}, .p = {.kernel = 2, .stride = 2, .size_rule = SizeRule::ceil}},  // ceil mode
    {.x = {3, 4, 9, 9},
     .p = {.kernel = 2,
           .stride = 2,
           .size_rule = SizeRule::floor}},  // odd size: drops the last row
    {.x = {1, 2, 9, 11},
     .p = {.kernel = 2, .stride = 2, .size_rule = SizeRule::floor},
     .zero_windows = true},  // y = 0
    {.x = {2, 2, 8, 8},
     .p = {.kernel = 3, .stride = 1, .padding = 1, .size_rule = SizeRule::floor},
     .zero_windows = true},
    {.x = {2, 16, 29, 29},
     .p = {.kernel = 3, .stride = 2, .size_rule = SizeRule::floor}},  // more planes than threads
};

/// The rows of one L2 pooling shape set: forward (L = F² squares) and backward (L = F² shares
/// at most: each input gathers from the windows holding it). Backward takes the reference's y.
std::vector<Row> l2pool2d_rows(const L2PoolCase& c, uint64_t& seed) {
  const Pool2dGeometry g = pool2d_geometry("l2pool2d", c.x, c.p);
  Tensor x = random_tensor(c.x, ++seed);
  if (c.zero_windows) {
    std::vector<float> v = x.to_vector();
    for (int64_t p = 0; p < g.N * g.C; ++p)
      for (int64_t h = 0; h < std::min<int64_t>(4, g.H); ++h)
        for (int64_t w = 0; w < std::min<int64_t>(4, g.W); ++w)
          v[static_cast<size_t>((p * g.H + h) * g.W + w)] = 0.0f;
    x = Tensor::from_vector(c.x, v, reference_backend());
  }
  const Tensor dy = random_tensor(g.output_shape(), ++seed);
  Tensor y = Tensor::empty(g.output_shape(), reference_backend());
  reference_backend().l2pool2d_forward(x, y, g);
  const std::string shapes =
      "x " + to_string(c.x) + " F=" + std::to_string(g.F) + " S=" + std::to_string(g.S) +
      " P=" + std::to_string(g.P) +
      (c.p.size_rule != SizeRule::exact ? std::string(" ") + size_rule_name(c.p.size_rule)
                                        : std::string()) +
      (c.zero_windows ? " zeros" : "");
  const int64_t window = g.F * g.F;
  return {
      one_output("l2pool2d", "l2pool2d_forward", shapes, g.output_shape(), window,
                 [=](Backend& be, Tensor& out) { be.l2pool2d_forward(x.to(be), out, g); }),
      one_output("l2pool2d", "l2pool2d_backward", shapes, c.x, window,
                 [=](Backend& be, Tensor& dx) {
                   be.l2pool2d_backward(x.to(be), y.to(be), dy.to(be), dx, g);
                 }),
  };
}

// ---- Local response normalisation: x [N, C, H, W] -> y, across a window of channels --------

/// One LRN shape set with its settings.
struct LrnCase {
  Shape x;
  LrnParams p;
};

// alpha = 1 in most rows, so that the neighbours' terms weigh as much as a value's own (with
// AlexNet's 1e-4 a backend that dropped them would still pass).
const std::vector<LrnCase> kLrnCases = {
    {.x = {2, 7, 5, 6}, .p = {.size = 5, .alpha = 1.0f, .beta = 0.75f, .k = 1.0f}},    // plain
    {.x = {1, 3, 4, 4}, .p = {.size = 5, .alpha = 1.0f, .beta = 0.75f, .k = 1.0f}},    // size > C
    {.x = {2, 8, 3, 3}, .p = {.size = 4, .alpha = 2.0f, .beta = 0.5f, .k = 2.0f}},     // even size
    {.x = {1, 4, 1, 1}, .p = {.size = 1, .alpha = 1.0f, .beta = 1.3f, .k = 0.5f}},     // size 1
    {.x = {1, 16, 20, 20}, .p = {.size = 3, .alpha = 3.0f, .beta = 1.3f, .k = 1.0f}},  // tiles
    {.x = {2, 6, 37, 37}, .p = {.size = 6, .alpha = 1.0f, .beta = 0.75f, .k = 1.0f}},  // tail
    {.x = {1, 96, 13, 13}, .p = {}},  // AlexNet's settings and channel count
};

/// The rows of one LRN shape set: forward (L = the window) and backward (L = two windows).
std::vector<Row> lrn_rows(const LrnCase& c, uint64_t& seed) {
  const LrnGeometry g = lrn_geometry("lrn", c.x, c.p);
  const Tensor x = random_tensor(c.x, ++seed), dy = random_tensor(c.x, ++seed);
  std::ostringstream shapes;
  shapes << "x " << to_string(c.x) << " size=" << c.p.size << " alpha=" << c.p.alpha
         << " beta=" << c.p.beta << " k=" << c.p.k;
  const int64_t L = std::min(g.size, g.C);
  return {
      one_output("lrn", "lrn_forward", shapes.str(), c.x, L,
                 [=](Backend& be, Tensor& y) { be.lrn_forward(x.to(be), y, g); }),
      one_output("lrn", "lrn_backward", shapes.str(), c.x, 2 * L,
                 [=](Backend& be, Tensor& dx) { be.lrn_backward(x.to(be), dy.to(be), dx, g); }),
  };
}

// ---- Linear layer: x [N, D_in] · W [D_in, D_out] + b [D_out] -> y [N, D_out]; matmul --------

/// One fully connected layer shape set.
struct LinearCase {
  int64_t N, D_in, D_out;
};

const std::vector<LinearCase> kLinearCases = {
    {.N = 4, .D_in = 5, .D_out = 3},      {.N = 1, .D_in = 7, .D_out = 2},
    {.N = 64, .D_in = 400, .D_out = 120}, {.N = 3, .D_in = 4096, .D_out = 10},  // long: 4096
    {.N = 33, .D_in = 17, .D_out = 65},   {.N = 2, .D_in = 1, .D_out = 1},
};

/// The rows of one linear shape set: forward (L = D_in), data gradient (L = D_out), weight and
/// bias gradients (L = N).
std::vector<Row> linear_rows(const LinearCase& c, uint64_t& seed) {
  const Tensor x = random_tensor({c.N, c.D_in}, ++seed),
               w = random_tensor({c.D_in, c.D_out}, ++seed);
  const Tensor b = random_tensor({c.D_out}, ++seed), dy = random_tensor({c.N, c.D_out}, ++seed);
  const std::string shapes = "N=" + std::to_string(c.N) + " D_in=" + std::to_string(c.D_in) +
                             " D_out=" + std::to_string(c.D_out);
  return {
      one_output(
          "linear", "linear_forward", shapes, {c.N, c.D_out}, c.D_in,
          [=](Backend& be, Tensor& y) { be.linear_forward(x.to(be), w.to(be), b.to(be), y); }),
      one_output(
          "linear", "linear_backward_data", shapes, {c.N, c.D_in}, c.D_out,
          [=](Backend& be, Tensor& dx) { be.linear_backward_data(dy.to(be), w.to(be), dx); }),
      {.op = "linear",
       .call = "linear_backward_weight",
       .shapes = shapes,
       .outputs = {{.name = "dW", .shape = {c.D_in, c.D_out}, .L = c.N},
                   {.name = "db", .shape = {c.D_out}, .L = c.N}},
       .run =
           [=](Backend& be, std::vector<Tensor>& out) {
             be.linear_backward_weight(x.to(be), dy.to(be), out[0], out[1]);
           }},
  };
}

/// C [M, N] = op(A) · op(B) with a reduction of K = 300, for the four transpose combinations.
std::vector<Row> matmul_rows(uint64_t& seed) {
  const int64_t M = 37, N = 29, K = 300;
  std::vector<Row> rows;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      const Tensor a = random_tensor(ta ? Shape{K, M} : Shape{M, K}, ++seed);
      const Tensor b = random_tensor(tb ? Shape{N, K} : Shape{K, N}, ++seed);
      const std::string shapes =
          std::string("trans_a=") + (ta ? "1" : "0") + " trans_b=" + (tb ? "1" : "0");
      rows.push_back(one_output("matmul", "gemm", shapes, {M, N}, K, [=](Backend& be, Tensor& c) {
        be.gemm(ta, tb, 1.0f, a.to(be), b.to(be), 0.0f, c);
      }));
    }
  return rows;
}

// ---- Elementwise ops, SGD and Adam on any shape s; softmax and loss on rows of [N, D] -----------

const std::vector<Shape> kElementwiseShapes = {{1, 1}, {3, 7}, {2, 3, 5, 5}, {64, 6, 28, 28}};

/// The rows of one shape s: activations, add, one SGD step (with momentum, and with Nesterov
/// momentum) and Adam / AdamW steps at steps t = 1, 7 and 1000 (the bias correction changes
/// with t). x in [-4, 4) is also the "y" of the backward passes that take the forward output; every
/// tensor is [s]; L = 1 (4 for SGD, 8 for Adam).
std::vector<Row> elementwise_rows(const Shape& s, uint64_t& seed) {
  const Tensor x = random_tensor(s, ++seed, -4, 4), dy = random_tensor(s, ++seed);
  const Tensor other = random_tensor(s, ++seed);
  const std::string sh = to_string(s);
  // Adam's moments from a run in progress: m any sign, v > 0 (a mean of squares).
  const Tensor m = random_tensor(s, ++seed), v = random_tensor(s, ++seed, 0.1f, 1.0f);
  const SgdParams sgd{.lr = 0.05f, .momentum = 0.9f, .weight_decay = 1e-3f};
  SgdParams nesterov = sgd;
  nesterov.nesterov = true;
  std::vector<Row> rows = {
      one_output("relu", "relu_forward", sh, s, 1,
                 [=](Backend& be, Tensor& y) { be.relu_forward(x.to(be), y); }),
      one_output("relu", "relu_backward", sh, s, 1,
                 [=](Backend& be, Tensor& dx) { be.relu_backward(x.to(be), dy.to(be), dx); }),
      one_output("sigmoid", "sigmoid_forward", sh, s, 1,
                 [=](Backend& be, Tensor& y) { be.sigmoid_forward(x.to(be), y); }),
      one_output("sigmoid", "sigmoid_backward", sh, s, 1,
                 [=](Backend& be, Tensor& dx) { be.sigmoid_backward(x.to(be), dy.to(be), dx); }),
      one_output("tanh", "tanh_forward", sh, s, 1,
                 [=](Backend& be, Tensor& y) { be.tanh_forward(x.to(be), y); }),
      one_output("tanh", "tanh_backward", sh, s, 1,
                 [=](Backend& be, Tensor& dx) { be.tanh_backward(x.to(be), dy.to(be), dx); }),
      one_output("add", "add_forward", sh, s, 1,
                 [=](Backend& be, Tensor& y) { be.add_forward(x.to(be), other.to(be), y); }),
      // In place, from the same start on every backend: param = x, velocity = other, grad = dy.
      {.op = "sgd_update",
       .call = "sgd_update",
       .shapes = sh,
       .outputs = {{.name = "param", .shape = s, .L = 4, .start = x},
                   {.name = "velocity", .shape = s, .L = 4, .start = other}},
       .run = [=](Backend& be,
                  std::vector<Tensor>& out) { be.sgd_update(out[0], dy.to(be), out[1], sgd); }},
      {.op = "sgd_update",
       .call = "sgd_update",
       .shapes = sh + " nesterov",
       .outputs = {{.name = "param", .shape = s, .L = 4, .start = x},
                   {.name = "velocity", .shape = s, .L = 4, .start = other}},
       .run =
           [=](Backend& be, std::vector<Tensor>& out) {
             be.sgd_update(out[0], dy.to(be), out[1], nesterov);
           }},
  };
  // In place from the same start: param = x, grad = dy, m and v as above.
  for (const bool decoupled : {false, true})
    for (const int64_t t : {int64_t{1}, int64_t{7}, int64_t{1000}}) {
      const AdamParams adam{.lr = 0.01f,
                            .beta1 = 0.9f,
                            .beta2 = 0.999f,
                            .eps = 1e-8f,
                            .weight_decay = 0.01f,
                            .decoupled = decoupled,
                            .step = t};
      rows.push_back({.op = "adam_update",
                      .call = "adam_update",
                      .shapes = sh + (decoupled ? " adamw" : " adam") + " t=" + std::to_string(t),
                      .outputs = {{.name = "param", .shape = s, .L = 8, .start = x},
                                  {.name = "m", .shape = s, .L = 8, .start = m},
                                  {.name = "v", .shape = s, .L = 8, .start = v}},
                      .run = [=](Backend& be, std::vector<Tensor>& out) {
                        be.adam_update(out[0], dy.to(be), out[1], out[2], adam);
                      }});
    }
  return rows;
}

const std::vector<Shape> kSoftmaxShapes = {{1, 2}, {5, 10}, {64, 10}, {3, 1000}};

/// The rows of one [N, D]: softmax forward and backward (L = D), the mean loss (L = N·D) and its
/// gradient (L = D). Logits in [-8, 8); labels[n] = (7n + 3) mod D.
std::vector<Row> softmax_rows(const Shape& s, uint64_t& seed) {
  const int64_t N = s[0], D = s[1];
  const Tensor x = random_tensor(s, ++seed, -8, 8), dy = random_tensor(s, ++seed);
  std::vector<float> lab(static_cast<size_t>(N));
  for (size_t n = 0; n < lab.size(); ++n)
    lab[n] = static_cast<float>((n * 7 + 3) % static_cast<size_t>(D));
  const Tensor labels = Tensor::from_vector({N}, lab, reference_backend());
  const Tensor sm = softmax_forward(x);  // the forward output, input of the backward pass
  const std::string sh = to_string(s);
  return {
      one_output("softmax", "softmax_forward", sh, s, D,
                 [=](Backend& be, Tensor& y) { be.softmax_forward(x.to(be), y); }),
      one_output("softmax", "softmax_backward", sh, s, D,
                 [=](Backend& be, Tensor& dx) { be.softmax_backward(sm.to(be), dy.to(be), dx); }),
      one_output("softmax_cross_entropy", "softmax_cross_entropy_forward", sh, {1}, N * D,
                 [=](Backend& be, Tensor& loss) {
                   be.softmax_cross_entropy_forward(x.to(be), labels.to(be), loss);
                 }),
      one_output("softmax_cross_entropy", "softmax_cross_entropy_backward", sh, s, D,
                 [=](Backend& be, Tensor& dl) {
                   be.softmax_cross_entropy_backward(x.to(be), labels.to(be), 0.5f, dl);
                 }),
  };
}

// ---- Batch norm: x [N, C, H, W], gamma, beta, statistics [C]; L = M = N·H·W per channel -------

const std::vector<Shape> kBatchNormShapes = {
    {2, 3, 7, 7},      // plain
    {1, 5, 3, 5},      // batch 1, odd non-square planes
    {4, 6, 1, 1},      // 1x1 planes: the statistics run over the batch only
    {3, 16, 13, 13},   // more planes than a small machine has threads
    {1, 2, 300, 300},  // long channels: 90,000 values each, more than lavapipe's loop limit
    {16, 3, 2, 3},     // many short runs per channel
};

/// The rows of one x shape: training forward (with and without running statistics), evaluation
/// forward, and the backward with batch and with fixed statistics. x in [1, 2) (means near 1.5,
/// so a lost term shows), gamma in [0.5, 1.5), running variance in [0.5, 1.5).
std::vector<Row> batchnorm2d_rows(const Shape& xs, uint64_t& seed) {
  const int64_t C = xs[1], M = xs[0] * xs[2] * xs[3];
  const Shape cs = {C};
  const Tensor x = random_tensor(xs, ++seed, 1, 2), dy = random_tensor(xs, ++seed);
  const Tensor gamma = random_tensor(cs, ++seed, 0.5f, 1.5f), beta = random_tensor(cs, ++seed);
  const Tensor rmean = random_tensor(cs, ++seed), rvar = random_tensor(cs, ++seed, 0.5f, 1.5f);
  const BatchNormParams p{.eps = 1e-5f, .momentum = 0.1f};
  // the statistics the backward rows start from: the reference forward's
  const BatchNormForward f = batchnorm2d_forward_train(x, gamma, beta, Tensor(), Tensor(), p);
  const BatchNormForward fe = batchnorm2d_forward_eval(x, gamma, beta, rmean, rvar, p);
  const std::string sh = "x " + to_string(xs);
  std::vector<Row> rows = {
      {.op = "batchnorm2d",
       .call = "batchnorm2d_forward_train",
       .shapes = sh,
       .outputs = {{.name = "y", .shape = xs, .L = M},
                   {.name = "mean", .shape = cs, .L = M},
                   {.name = "invstd", .shape = cs, .L = M},
                   {.name = "running_mean", .shape = cs, .L = M, .start = rmean},
                   {.name = "running_var", .shape = cs, .L = M, .start = rvar}},
       .run =
           [=](Backend& be, std::vector<Tensor>& out) {
             be.batchnorm2d_forward_train(x.to(be), gamma.to(be), beta.to(be), p, out[0], out[1],
                                          out[2], out[3], out[4]);
           }},
      {.op = "batchnorm2d",
       .call = "batchnorm2d_forward_train",
       .shapes = sh + " no running statistics",
       .outputs = {{.name = "y", .shape = xs, .L = M},
                   {.name = "mean", .shape = cs, .L = M},
                   {.name = "invstd", .shape = cs, .L = M}},
       .run =
           [=](Backend& be, std::vector<Tensor>& out) {
             Tensor none;
             be.batchnorm2d_forward_train(x.to(be), gamma.to(be), beta.to(be), p, out[0], out[1],
                                          out[2], none, none);
           }},
      {.op = "batchnorm2d",
       .call = "batchnorm2d_forward_eval",
       .shapes = sh,
       .outputs = {{.name = "y", .shape = xs, .L = 2}, {.name = "invstd", .shape = cs, .L = 1}},
       .run =
           [=](Backend& be, std::vector<Tensor>& out) {
             be.batchnorm2d_forward_eval(x.to(be), gamma.to(be), beta.to(be), rmean.to(be),
                                         rvar.to(be), p, out[0], out[1]);
           }},
  };
  for (const bool batch : {true, false}) {
    const BatchNormForward& from = batch ? f : fe;
    rows.push_back({.op = "batchnorm2d",
                    .call = "batchnorm2d_backward",
                    .shapes = sh + (batch ? " batch statistics" : " fixed statistics"),
                    .outputs = {{.name = "dx", .shape = xs, .L = batch ? M : 2},
                                {.name = "dgamma", .shape = cs, .L = M},
                                {.name = "dbeta", .shape = cs, .L = M}},
                    .run = [=](Backend& be, std::vector<Tensor>& out) {
                      be.batchnorm2d_backward(x.to(be), dy.to(be), gamma.to(be), from.mean.to(be),
                                              from.invstd.to(be), batch, out[0], out[1], out[2]);
                    }});
  }
  return rows;
}

// ---- Dropout: any shape; the mask must be the same bit for bit (exact test further down) -----

const std::vector<Shape> kDropoutShapes = {{2, 3, 7, 7}, {1}, {1, 1, 1000, 1001}};

/// Forward and backward for p = 0, 0.3, 0.5 and 1 (seeds and steps varied).
std::vector<Row> dropout_rows(const Shape& s, uint64_t& seed) {
  const Tensor x = random_tensor(s, ++seed), dy = random_tensor(s, ++seed);
  std::vector<Row> rows;
  uint64_t step = 0;
  for (const float prob : {0.0f, 0.3f, 0.5f, 1.0f}) {
    const DropoutParams p{.p = prob, .seed = seed, .step = step++};
    std::ostringstream sh;
    sh << to_string(s) << " p=" << prob << " seed=" << p.seed << " step=" << p.step;
    rows.push_back(one_output("dropout", "dropout_forward", sh.str(), s, 1,
                              [=](Backend& be, Tensor& y) { be.dropout_forward(x.to(be), p, y); }));
    rows.push_back(
        one_output("dropout", "dropout_backward", sh.str(), s, 1,
                   [=](Backend& be, Tensor& dx) { be.dropout_backward(dy.to(be), p, dx); }));
  }
  return rows;
}

// ---- concat: copy_channels, the whole concatenation (forward) and the split (backward) ----

/// One concat case: the pieces' channels, and the N, H and W they share.
struct ConcatCase {
  std::vector<int64_t> channels;
  int64_t N, H, W;
};

const std::vector<ConcatCase> kConcatCases = {
    {{3, 1, 4}, 2, 5, 7},            // three pieces, odd non-square planes
    {{2, 5}, 1, 1, 1},               // batch 1, 1x1 planes (a block per image is a few values)
    {{64, 128}, 1, 28, 28},          // batch 1, blocks of 50,176 and 100,352 values (OpenMP chunks)
    {{6}, 3, 4, 4},                  // a single piece: y = x
    {{64, 128, 32, 32}, 4, 28, 28},  // GoogLeNet's inception (3a) join, batch 4
};

/// Forward: every piece copied into its place in y (one call per piece; together they write
/// all of y, which started as NaN). Backward: dy's blocks copied out into every piece.
std::vector<Row> concat_rows(const ConcatCase& k, uint64_t& seed) {
  int64_t total = 0;
  std::string shapes = "pieces";
  std::vector<Tensor> xs;
  for (int64_t c : k.channels) {
    xs.push_back(random_tensor({k.N, c, k.H, k.W}, ++seed));
    total += c;
    shapes += ' ';
    shapes += to_string(xs.back().shape());
  }
  const Shape ys = {k.N, total, k.H, k.W};
  const Tensor dy = random_tensor(ys, ++seed);
  const std::vector<int64_t> channels = k.channels;
  Row backward{.op = "concat",
               .call = "copy_channels",
               .shapes = shapes + " (split dy)",
               .outputs = {},
               .run = nullptr};
  for (size_t i = 0; i < channels.size(); ++i) {
    std::string name = std::to_string(i);
    name.insert(0, "dx");
    backward.outputs.push_back({.name = name, .shape = xs[i].shape()});
  }
  backward.run = [=](Backend& be, std::vector<Tensor>& out) {
    const Tensor d = dy.to(be);
    int64_t c0 = 0;
    for (size_t i = 0; i < channels.size(); ++i) {
      be.copy_channels(d, c0, out[i], 0, channels[i]);
      c0 += channels[i];
    }
  };
  return {
      one_output("concat", "copy_channels", shapes + " (concat)", ys, 1,
                 [=](Backend& be, Tensor& y) {
                   int64_t c0 = 0;
                   for (const Tensor& x : xs) {
                     be.copy_channels(x.to(be), 0, y, c0, x.dim(1));
                     c0 += x.dim(1);
                   }
                 }),
      std::move(backward),
  };
}

/// The rows of every shape set of a table, made by @p make; inputs take consecutive seeds after
/// @p seed, which is left at the last one used.
template <class Case>
std::vector<Row> rows_of(const std::vector<Case>& cases, uint64_t& seed,
                         std::vector<Row> (*make)(const Case&, uint64_t&)) {
  std::vector<Row> rows;
  for (const Case& c : cases)
    for (Row& r : make(c, seed)) rows.push_back(std::move(r));
  return rows;
}

/// Appends @p more to @p rows.
void append(std::vector<Row>& rows, std::vector<Row> more) {
  for (Row& r : more) rows.push_back(std::move(r));
}

// ---- The whole table, one function per TEST_CASE below ------------------------------------

std::vector<Row> conv2d_table() {
  uint64_t seed = 100;
  return rows_of(kConvCases, seed, conv2d_rows);
}

std::vector<Row> conv2d_no_bias_table() {
  // x [2, 3, 6, 6], 4 filters of 3×3, padding 1; b and db undefined.
  const Shape xs = {2, 3, 6, 6}, ws = {4, 3, 3, 3};
  const Conv2dGeometry g = conv2d_geometry(xs, ws, {.padding = 1});
  const Tensor x = random_tensor(xs, 7), w = random_tensor(ws, 8);
  const Tensor dy = random_tensor(g.output_shape(), 9);
  return {conv2d_forward_row("no bias", x, w, Tensor(), g),
          conv2d_backward_weight_row("no bias", x, dy, /*bias=*/false, g)};
}

std::vector<Row> conv_transpose2d_table() {
  uint64_t seed = 1700;
  return rows_of(kConvTransposeCases, seed, conv_transpose2d_rows);
}

std::vector<Row> pool2d_table() {
  uint64_t seed = 500;
  std::vector<Row> rows = rows_of(kPoolCases, seed, pool2d_rows);
  // [add_an_op_cross_backend_row]
  append(rows, rows_of(kGlobalPoolShapes, seed, global_avgpool2d_rows));  // seeds go on
  // [add_an_op_cross_backend_row]
  return rows;
}

std::vector<Row> l2pool2d_table() {
  uint64_t seed = 700;
  return rows_of(kL2PoolCases, seed, l2pool2d_rows);
}

std::vector<Row> lrn_table() {
  uint64_t seed = 800;
  return rows_of(kLrnCases, seed, lrn_rows);
}

std::vector<Row> linear_table() {
  uint64_t seed = 900;
  std::vector<Row> rows = rows_of(kLinearCases, seed, linear_rows);
  append(rows, matmul_rows(seed));  // seeds go on after the linear layer's
  return rows;
}

std::vector<Row> elementwise_table() {
  uint64_t seed = 1300;
  std::vector<Row> rows = rows_of(kElementwiseShapes, seed, elementwise_rows);
  append(rows, rows_of(kSoftmaxShapes, seed, softmax_rows));  // seeds go on from there
  return rows;
}

std::vector<Row> norm_table() {
  uint64_t seed = 900;
  std::vector<Row> rows = rows_of(kBatchNormShapes, seed, batchnorm2d_rows);
  append(rows, rows_of(kDropoutShapes, seed, dropout_rows));
  return rows;
}

std::vector<Row> concat_table() {
  uint64_t seed = 1700;
  std::vector<Row> rows;
  for (const ConcatCase& k : kConcatCases) append(rows, concat_rows(k, seed));
  return rows;
}

}  // namespace

TEST_CASE("cross-backend: conv2d forward, data and weight gradients", "[cross-backend][conv2d]") {
  check_rows(conv2d_table(), Kernels::every);
}

TEST_CASE("cross-backend: conv2d without bias leaves db alone", "[cross-backend][conv2d]") {
  check_rows(conv2d_no_bias_table(), Kernels::every);
}

TEST_CASE("cross-backend: conv_transpose2d forward, data and weight gradients",
          "[cross-backend][conv_transpose2d]") {
  check_rows(conv_transpose2d_table(), Kernels::every);
}

TEST_CASE("cross-backend: max, average and global average pooling, forward and backward",
          "[cross-backend][pool]") {
  check_rows(pool2d_table());
}

TEST_CASE("cross-backend: L2 pooling, forward and backward (all-zero windows included)",
          "[cross-backend][pool][l2pool2d]") {
  check_rows(l2pool2d_table());
}

TEST_CASE("cross-backend: local response normalisation, forward and backward",
          "[cross-backend][lrn]") {
  check_rows(lrn_table());
}

TEST_CASE("cross-backend: linear layer and matmul, including long reductions",
          "[cross-backend][linear]") {
  check_rows(linear_table(), Kernels::every);
}

TEST_CASE("cross-backend: activations, softmax, loss, add, SGD and Adam",
          "[cross-backend][elementwise]") {
  check_rows(elementwise_table());
}

TEST_CASE("cross-backend: batch norm (train, eval, backward) and dropout",
          "[cross-backend][batchnorm][dropout]") {
  check_rows(norm_table());
}

// The dropout mask is a pure function of (seed, step, index): every backend must keep exactly
// the same elements and scale them to exactly the same value, not merely close ones.
TEST_CASE("cross-backend: dropout masks are identical bit for bit on every backend",
          "[cross-backend][dropout]") {
  const std::vector<std::string> names = fast_backends();
  const Shape s = {3, 7, 33, 35};
  const Tensor ones = Tensor::from_vector(
      s, std::vector<float>(static_cast<size_t>(numel(s)), 1.0f), reference_backend());
  for (const DropoutParams p : {DropoutParams{.p = 0.5f, .seed = 1, .step = 0},
                                DropoutParams{.p = 0.1f, .seed = 42, .step = 7},
                                DropoutParams{.p = 0.9f, .seed = 1ull << 40, .step = 1ull << 33}}) {
    const std::vector<float> expected = dropout_forward(ones, p).to_vector();
    for (const std::string& name : names) {
      Backend& be = backend_by_name(name);
      const std::vector<float> got = dropout_forward(ones.to(be), p).to_vector();
      INFO(name << " p=" << p.p << " seed=" << p.seed << " step=" << p.step);
      REQUIRE(got.size() == expected.size());
      size_t differ = 0;
      for (size_t i = 0; i < got.size(); ++i) differ += got[i] != expected[i] ? 1 : 0;
      CHECK(differ == 0);
    }
  }
}

TEST_CASE("cross-backend: concat (copy_channels), joining and splitting channel blocks",
          "[cross-backend][concat]") {
  check_rows(concat_table());
}

// Whole composite layers (model files' residual, basic_block and inception types) on each
// backend: the logits of a forward pass and every parameter's gradient after a backward pass
// agree with the reference backend's. Stride 2 with a projection shortcut, an identity shortcut,
// and an Inception module with every branch type.
TEST_CASE("cross-backend: residual and inception models, forward and backward",
          "[cross-backend][blocks]") {
  const std::string text = R"({"name": "blocks", "input": [3, 9, 9], "classes": 5, "layers": [
    {"type": "conv2d", "filters": 8, "kernel": 3, "padding": 1},
    {"type": "basic_block", "filters": 8, "batch_norm": false},
    {"type": "basic_block", "filters": 12, "stride": 2, "batch_norm": false},
    {"type": "inception", "conv1x1": 4, "reduce3x3": 3, "conv3x3": 6, "reduce5x5": 2,
     "conv5x5": 3, "pool_proj": 5},
    {"type": "residual", "relu": false,
     "body": [{"type": "conv2d", "filters": 18, "kernel": 1}, {"type": "tanh"}]},
    {"type": "global_avgpool2d"}, {"type": "flatten"}, {"type": "linear", "units": 5}]})";
  const Shape xs = {3, 3, 9, 9};
  const Tensor x = random_tensor(xs, 2024);
  const Tensor labels = Tensor::from_vector({3}, {1, 4, 0}, reference_backend());
  auto run = [&](Backend& be, std::vector<Tensor>& out) {
    LoadedModel m = parse_model(text, "blocks.json", 7);
    m.model.to(be);
    SoftmaxCrossEntropy loss;
    const Tensor logits = m.model.forward(x.to(be));
    (void)loss.forward(logits, labels.to(be));
    m.model.backward(loss.backward());
    out = {logits};
    for (Parameter* p : m.model.parameters()) out.push_back(p->grad);
    be.synchronize();
  };
  std::vector<Tensor> expected;
  run(reference_backend(), expected);
  REQUIRE(expected.size() == 1 + 2 * 14);  // 13 convs and a linear, weight and bias each
  for (const std::string& name : fast_backends()) {
    std::vector<Tensor> got;
    run(backend_by_name(name), got);
    REQUIRE(got.size() == expected.size());
    // Reductions: a 3x3 conv over 12 channels (108 terms), a weight gradient over 3·5·5
    // pixels (75 terms) per step of the chain: L = 200.
    for (size_t i = 0; i < got.size(); ++i)
      expect_close(
          name + " blocks model " + (i == 0 ? std::string("logits") : "grad " + std::to_string(i)),
          expected[i], got[i], 200);
  }
}

// The table must keep up with the library: every Backend virtual (the one list in
// cnnlab/core/backend_ops.inc) is called by some row, every op of the op registry that reaches
// a backend has rows, and every row names an op that exists.
TEST_CASE("cross-backend: the table covers every Backend virtual and every registered op",
          "[cross-backend][coverage]") {
  std::vector<Row> rows = conv2d_table();
  append(rows, conv2d_no_bias_table());
  append(rows, conv_transpose2d_table());
  append(rows, pool2d_table());
  append(rows, l2pool2d_table());
  append(rows, lrn_table());
  append(rows, linear_table());
  append(rows, elementwise_table());
  append(rows, norm_table());
  append(rows, concat_table());
  const auto has_row = [&](auto field, const std::string& value) {
    return std::any_of(rows.begin(), rows.end(), [&](const Row& r) { return r.*field == value; });
  };

  const std::vector<std::string> virtuals = {
#define CNNLAB_BACKEND_OP(op, params) #op,
#include <cnnlab/core/backend_ops.inc>
#undef CNNLAB_BACKEND_OP
  };
  for (const std::string& v : virtuals) {
    INFO("Backend::" << v << " has no row in the cross-backend table");
    CHECK(has_row(&Row::call, v));
  }

  // Ops that only reshape (a view of the same storage) never call a backend: nothing to compare.
  const std::vector<std::string> views = {"flatten"};
  for (const std::string& op : op_names()) {
    if (std::count(views.begin(), views.end(), op) > 0) continue;
    INFO("op " << op << " of the registry has no row in the cross-backend table");
    CHECK(has_row(&Row::op, op));
  }
  std::vector<std::string> known = op_names();
  // The optimisers' updates: Backend virtuals, not ops of the registry.
  known.push_back("sgd_update");
  known.push_back("adam_update");
  for (const Row& r : rows) {
    INFO("row " << r.call << " names op '" << r.op << "', which the registry does not know");
    CHECK(std::count(known.begin(), known.end(), r.op) > 0);
  }
}
