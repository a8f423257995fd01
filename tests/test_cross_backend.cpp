// test_cross_backend.cpp — every fast backend against the reference, op by op.
//
// How it works: for each backend under test (fast_backends(): OpenMP in cnnlab_tests, Vulkan in
// cnnlab_vulkan_tests), each op runs on random inputs of many shapes — odd sizes, stride > 1,
// padding, dilation, groups, 1×1 filters, batch 1, long reductions — once on the reference
// backend and once on the backend under test. Outputs are poisoned with NaN before the run, so
// an element the backend forgets to write shows up. Backend virtuals are called directly with
// the same validated geometry the ops API would pass.
//
// Tolerance (backend_compare.hpp): float32 sums of L terms drift by about L·ε relative to the
// size of the terms, so each comparison allows  tol = 4·ε·(L + 16)·(1 + max|reference|)  with
// ε = 2^-23 and L the op's reduction length. Each check prints "OK <backend> <op> ... max_err/tol=..." and fails
// if that ratio exceeds 1.
//
// Adding an op: add a TEST_CASE that builds inputs with random_tensor(), calls run_both(), and
// compares with expect_close().
#include <catch2/catch.hpp>

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include "backend_compare.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>

using namespace cnnlab;
using namespace cnnlab::testing;

namespace {

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

struct ConvCase {
  Shape x;
  int64_t K, F;
  Conv2dParams p;
};

std::string describe(const ConvCase& c) {
  std::ostringstream s;
  s << "x " << to_string(c.x) << " K=" << c.K << " F=" << c.F << " S=" << c.p.stride << " P=" << c.p.padding
    << " D=" << c.p.dilation << " G=" << c.p.groups;
  return s.str();
}

const std::vector<ConvCase> kConvCases = {
    {{2, 3, 7, 7}, 4, 3, {1, 0, 1, 1}},      // plain
    {{1, 2, 7, 7}, 3, 3, {2, 1, 1, 1}},      // stride 2, padding 1, batch 1
    {{2, 4, 9, 7}, 4, 3, {1, 2, 2, 2}},      // dilation 2, groups 2, non-square
    {{3, 8, 5, 5}, 6, 1, {1, 0, 1, 1}},      // 1x1 (pointwise)
    {{2, 6, 11, 9}, 6, 3, {2, 1, 1, 3}},     // stride 2, groups 3, odd sizes
    {{1, 4, 8, 8}, 4, 3, {1, 1, 1, 4}},      // depthwise
    {{5, 1, 28, 28}, 6, 5, {1, 2, 1, 1}},    // LeNet c1 (more images than threads)
    {{4, 6, 14, 14}, 16, 5, {1, 0, 1, 1}},   // LeNet c2
    {{2, 3, 31, 31}, 8, 11, {4, 2, 1, 1}},   // AlexNet-like: big filter, stride 4
    {{1, 64, 10, 10}, 32, 3, {1, 1, 1, 1}},  // long reduction: 576 per output
    {{2, 5, 6, 6}, 7, 2, {1, 0, 1, 1}},      // even filter, odd channel counts
    // Shapes aimed at the OpenMP backend's special paths and their edges:
    {{3, 4, 20, 20}, 11, 3, {1, 1, 1, 1}},   // direct stride-1 path, 11 filters (partial tile)
    {{2, 8, 16, 16}, 12, 3, {1, 2, 2, 2}},   // dilation + groups through the packed path
    {{5, 16, 10, 10}, 6, 5, {1, 0, 1, 1}},   // small output, 5x5, few filters
    {{1, 64, 41, 41}, 20, 3, {2, 1, 1, 1}},  // stride 2 on an odd size, batch 1
    {{20, 32, 13, 13}, 10, 3, {2, 1, 1, 1}}, // many small images batched into one GEMM
    {{9, 3, 16, 16}, 32, 3, {1, 1, 1, 1}},   // CIFAR-like first layer
    {{2, 2, 9, 9}, 4, 3, {1, 3, 1, 1}},      // padding as large as the filter
    {{1, 3, 5, 7}, 2, 1, {2, 1, 1, 1}},      // 1x1 with stride and padding
};

}  // namespace

TEST_CASE("cross-backend: conv2d forward, data and weight gradients", "[cross-backend][conv2d]") {
  const auto names = fast_backends();
  if (names.empty()) WARN("no backend other than reference in this build: nothing to compare");
  for (const std::string& name : names) {
    Backend& be = backend_by_name(name);
    uint64_t seed = 100;
    for (const ConvCase& c : kConvCases) {
      const Shape ws = {c.K, c.x[1] / c.p.groups, c.F, c.F};
      const Conv2dGeometry g = conv2d_geometry(c.x, ws, c.p);
      const Tensor x = random_tensor(c.x, ++seed), w = random_tensor(ws, ++seed), b = random_tensor({c.K}, ++seed);
      const Tensor dy = random_tensor(g.output_shape(), ++seed);
      const int64_t cff = ws[1] * c.F * c.F;

      Tensor y = poisoned(g.output_shape(), be);
      be.conv2d_forward(x.to(be), w.to(be), b.to(be), y, g);
      expect_close(name + " " + "conv2d_forward " + describe(c), conv2d_forward(x, w, b, c.p), y, cff);

      Tensor dx = poisoned(c.x, be);
      be.conv2d_backward_data(dy.to(be), w.to(be), dx, g);
      expect_close(name + " " + "conv2d_backward_data " + describe(c), conv2d_backward_data(dy, w, c.x, c.p), dx,
                   g.filters_per_group() * c.F * c.F);

      Tensor dw = poisoned(ws, be), db = poisoned({c.K}, be);
      be.conv2d_backward_weight(x.to(be), dy.to(be), dw, db, g);
      const ParamGrads r = conv2d_backward_weight(x, dy, ws, true, c.p);
      expect_close(name + " " + "conv2d_backward_weight dw " + describe(c), r.dw, dw, g.N * g.H2 * g.W2);
      expect_close(name + " " + "conv2d_backward_weight db " + describe(c), r.db, db, g.N * g.H2 * g.W2);
    }
  }
}

TEST_CASE("cross-backend: conv2d without bias leaves db alone", "[cross-backend][conv2d]") {
  for (const std::string& name : fast_backends()) {
    Backend& be = backend_by_name(name);
    const ConvCase c{{2, 3, 6, 6}, 4, 3, {1, 1, 1, 1}};
    const Shape ws = {4, 3, 3, 3};
    const Conv2dGeometry g = conv2d_geometry(c.x, ws, c.p);
    const Tensor x = random_tensor(c.x, 7), w = random_tensor(ws, 8);
    Tensor y = poisoned(g.output_shape(), be);
    be.conv2d_forward(x.to(be), w.to(be), Tensor(), y, g);
    expect_close(name + " " + "conv2d_forward no bias", conv2d_forward(x, w, Tensor(), c.p), y, 27);
    Tensor dw = poisoned(ws, be), no_db;
    const Tensor dy = random_tensor(g.output_shape(), 9);
    be.conv2d_backward_weight(x.to(be), dy.to(be), dw, no_db, g);
    expect_close(name + " " + "conv2d_backward_weight no bias", conv2d_backward_weight(x, dy, ws, false, c.p).dw, dw, 72);
  }
}

TEST_CASE("cross-backend: max and average pooling, forward and backward", "[cross-backend][pool]") {
  struct PoolCase {
    Shape x;
    Pool2dParams p;
  };
  const std::vector<PoolCase> cases = {
      {{2, 3, 8, 8}, {2, 2, 0, false}},   // the common 2x2/2 (fast path)
      {{1, 2, 7, 7}, {2, 2, 0, true}},    // ceil mode
      {{2, 2, 7, 9}, {3, 2, 1, false}},   // padding, non-square
      {{1, 1, 6, 6}, {3, 1, 0, false}},   // overlapping windows
      {{3, 4, 9, 9}, {2, 2, 0, false}},   // 2x2/2 with an odd size (drops the last row)
      {{1, 3, 6, 6}, {3, 2, 0, true}},    // ceil-mode overhang
  };
  for (const std::string& name : fast_backends()) {
    Backend& be = backend_by_name(name);
    uint64_t seed = 500;
    for (const PoolCase& c : cases) {
      const Pool2dGeometry g = pool2d_geometry("maxpool2d", c.x, c.p);
      const Tensor x = random_tensor(c.x, ++seed), dy = random_tensor(g.output_shape(), ++seed);
      const std::string what = "x " + to_string(c.x) + " F=" + std::to_string(g.F) + " S=" + std::to_string(g.S) +
                               " P=" + std::to_string(g.P) + (c.p.ceil_mode ? " ceil" : "");
      Tensor y = poisoned(g.output_shape(), be);
      be.maxpool2d_forward(x.to(be), y, g);
      expect_close(name + " " + "maxpool2d_forward " + what, maxpool2d_forward(x, c.p), y, 1);
      Tensor dx = poisoned(c.x, be);
      be.maxpool2d_backward(x.to(be), dy.to(be), dx, g);
      expect_close(name + " " + "maxpool2d_backward " + what, maxpool2d_backward(x, dy, c.p), dx, g.F * g.F);
      Tensor ya = poisoned(g.output_shape(), be);
      be.avgpool2d_forward(x.to(be), ya, g);
      expect_close(name + " " + "avgpool2d_forward " + what, avgpool2d_forward(x, c.p), ya, g.F * g.F);
      Tensor dxa = poisoned(c.x, be);
      be.avgpool2d_backward(dy.to(be), dxa, g);
      expect_close(name + " " + "avgpool2d_backward " + what, avgpool2d_backward(dy, c.x, c.p), dxa, g.F * g.F);
    }
  }
}

TEST_CASE("cross-backend: linear layer and matmul, including long reductions", "[cross-backend][linear]") {
  struct LinearCase {
    int64_t N, Din, Dout;
  };
  const std::vector<LinearCase> cases = {{4, 5, 3}, {1, 7, 2}, {64, 400, 120}, {3, 4096, 10}, {33, 17, 65}, {2, 1, 1}};
  for (const std::string& name : fast_backends()) {
    Backend& be = backend_by_name(name);
    uint64_t seed = 900;
    for (const LinearCase& c : cases) {
      const std::string what = "N=" + std::to_string(c.N) + " D_in=" + std::to_string(c.Din) + " D_out=" + std::to_string(c.Dout);
      const Tensor x = random_tensor({c.N, c.Din}, ++seed), w = random_tensor({c.Din, c.Dout}, ++seed);
      const Tensor b = random_tensor({c.Dout}, ++seed), dy = random_tensor({c.N, c.Dout}, ++seed);
      Tensor y = poisoned({c.N, c.Dout}, be);
      be.linear_forward(x.to(be), w.to(be), b.to(be), y);
      expect_close(name + " " + "linear_forward " + what, linear_forward(x, w, b), y, c.Din);
      Tensor dx = poisoned({c.N, c.Din}, be);
      be.linear_backward_data(dy.to(be), w.to(be), dx);
      expect_close(name + " " + "linear_backward_data " + what, linear_backward_data(dy, w), dx, c.Dout);
      Tensor dw = poisoned({c.Din, c.Dout}, be), db = poisoned({c.Dout}, be);
      be.linear_backward_weight(x.to(be), dy.to(be), dw, db);
      const ParamGrads r = linear_backward_weight(x, dy, true);
      expect_close(name + " " + "linear_backward_weight dW " + what, r.dw, dw, c.N);
      expect_close(name + " " + "linear_backward_weight db " + what, r.db, db, c.N);
    }
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        const int64_t M = 37, N = 29, K = 300;
        const Tensor a = random_tensor(ta ? Shape{K, M} : Shape{M, K}, ++seed);
        const Tensor bm = random_tensor(tb ? Shape{N, K} : Shape{K, N}, ++seed);
        Tensor c = poisoned({M, N}, be);
        be.gemm(ta, tb, 1.0f, a.to(be), bm.to(be), 0.0f, c);
        expect_close(name + " " + std::string("gemm trans_a=") + (ta ? "1" : "0") + " trans_b=" + (tb ? "1" : "0"), matmul(a, bm, ta, tb), c, K);
      }
  }
}

TEST_CASE("cross-backend: activations, softmax, loss, add and SGD", "[cross-backend][elementwise]") {
  const std::vector<Shape> shapes = {{1, 1}, {3, 7}, {2, 3, 5, 5}, {64, 6, 28, 28}};
  for (const std::string& name : fast_backends()) {
    Backend& be = backend_by_name(name);
    uint64_t seed = 1300;
    for (const Shape& s : shapes) {
      const std::string sh = to_string(s);
      const Tensor x = random_tensor(s, ++seed, -4, 4), dy = random_tensor(s, ++seed), other = random_tensor(s, ++seed);
      auto check_unary = [&](const std::string& op, const std::function<void(const Tensor&, Tensor&)>& run, const Tensor& expected) {
        Tensor out = poisoned(s, be);
        run(x.to(be), out);
        expect_close(name + " " + op + " " + sh, expected, out, 1);
      };
      check_unary("relu_forward", [&](const Tensor& in, Tensor& out) { be.relu_forward(in, out); }, relu_forward(x));
      check_unary("relu_backward", [&](const Tensor& in, Tensor& out) { be.relu_backward(in, dy.to(be), out); }, relu_backward(x, dy));
      check_unary("sigmoid_forward", [&](const Tensor& in, Tensor& out) { be.sigmoid_forward(in, out); }, sigmoid_forward(x));
      check_unary("sigmoid_backward", [&](const Tensor& in, Tensor& out) { be.sigmoid_backward(in, dy.to(be), out); }, sigmoid_backward(x, dy));
      check_unary("tanh_forward", [&](const Tensor& in, Tensor& out) { be.tanh_forward(in, out); }, tanh_forward(x));
      check_unary("tanh_backward", [&](const Tensor& in, Tensor& out) { be.tanh_backward(in, dy.to(be), out); }, tanh_backward(x, dy));
      check_unary("add_forward", [&](const Tensor& in, Tensor& out) { be.add_forward(in, other.to(be), out); }, add_forward(x, other));

      // SGD: same starting point on both backends, one step, compare param and velocity.
      Tensor p_ref = x.clone(), v_ref = other.clone();
      Tensor p = x.to(be).clone(), v = other.to(be).clone();
      const SgdParams sgd{0.05f, 0.9f, 1e-3f};
      sgd_update(p_ref, dy, v_ref, sgd);
      be.sgd_update(p, dy.to(be), v, sgd);
      expect_close(name + " " + "sgd_update param " + sh, p_ref, p, 4);
      expect_close(name + " " + "sgd_update velocity " + sh, v_ref, v, 4);
    }
    for (const Shape& s : std::vector<Shape>{{1, 2}, {5, 10}, {64, 10}, {3, 1000}}) {
      const Tensor x = random_tensor(s, ++seed, -8, 8), dy = random_tensor(s, ++seed);
      std::vector<float> lab(static_cast<size_t>(s[0]));
      for (size_t n = 0; n < lab.size(); ++n) lab[n] = static_cast<float>((n * 7 + 3) % static_cast<size_t>(s[1]));
      const Tensor labels = Tensor::from_vector({s[0]}, lab, reference_backend());
      Tensor y = poisoned(s, be);
      be.softmax_forward(x.to(be), y);
      expect_close(name + " " + "softmax_forward " + to_string(s), softmax_forward(x), y, s[1]);
      const Tensor sm = softmax_forward(x);
      Tensor dx = poisoned(s, be);
      be.softmax_backward(sm.to(be), dy.to(be), dx);
      expect_close(name + " " + "softmax_backward " + to_string(s), softmax_backward(sm, dy), dx, s[1]);
      Tensor loss = poisoned({1}, be);
      be.softmax_cross_entropy_forward(x.to(be), labels.to(be), loss);
      expect_close(name + " " + "softmax_cross_entropy_forward " + to_string(s), softmax_cross_entropy_forward(x, labels), loss, s[0] * s[1]);
      Tensor dl = poisoned(s, be);
      be.softmax_cross_entropy_backward(x.to(be), labels.to(be), 0.5f, dl);
      expect_close(name + " " + "softmax_cross_entropy_backward " + to_string(s), softmax_cross_entropy_backward(x, labels, 0.5f), dl, s[1]);
    }
  }
}
