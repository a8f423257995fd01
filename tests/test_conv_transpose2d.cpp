// test_conv_transpose2d.cpp — transposed convolution: the identities that define it, the layer
// and the model-file type.
//
// The identities: a transposed convolution is the adjoint of the convolution with the same
// w, S, P, D, G that maps its output's shape back to its input's shape (as_conv()), so
//   conv_transpose2d forward       == conv2d backward_data of that convolution,
//   conv_transpose2d backward_data == conv2d forward (no bias),
//   <conv(u), x> == <u, conv_transpose(x)> for every u of y's shape and x of x's shape.
// The reference backend computes the transposed passes with loops of their own (the scatter of
// backends/reference/conv_transpose2d.hpp), so these compare two independent codes. The exact
// hand-worked examples are in test_seed_examples.cpp; other backends in test_cross_backend.cpp.
#include <catch2/catch.hpp>

#include <cnnlab/core/backend.hpp>
#include <cnnlab/nn/layers.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/nn/sequential.hpp>
#include <cnnlab/ops/ops.hpp>
#include <cnnlab/optim/optimizers.hpp>
#include <cnnlab/train/train_step.hpp>

#include "backend_compare.hpp"

#include <cmath>
#include <vector>

using namespace cnnlab;
using namespace cnnlab::testing;

namespace {
Backend& ref() { return reference_backend(); }

double dot(const Tensor& a, const Tensor& b) {
  const std::vector<float> u = a.to_vector(), v = b.to_vector();
  REQUIRE(u.size() == v.size());
  double s = 0;
  for (size_t i = 0; i < u.size(); ++i) s += double(u[i]) * double(v[i]);
  return s;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  const std::vector<float> u = a.to_vector(), v = b.to_vector();
  REQUIRE(u.size() == v.size());
  double m = 0;
  for (size_t i = 0; i < u.size(); ++i) m = std::max(m, std::abs(double(u[i]) - double(v[i])));
  return m;
}

struct Case {
  Shape x;
  int64_t K, F;
  ConvTranspose2dParams p;
};

// Settings that tile (conv2d_geometry accepts the matching convolution) and some that do not
// (output_padding > 0: the convolution rounds down).
const std::vector<Case> kCases = {
    {{2, 3, 4, 4}, 4, 3, {}},
    {{1, 2, 2, 2}, 3, 3, {.stride = 2}},
    {{2, 4, 5, 5}, 6, 4, {.stride = 2, .padding = 1, .groups = 2}},
    {{1, 6, 4, 3}, 3, 3, {.padding = 2, .dilation = 2, .groups = 3}},
    {{2, 3, 4, 4}, 2, 3, {.stride = 2, .padding = 1, .output_padding = 1}},
    {{1, 4, 3, 5}, 4, 3, {.stride = 3, .padding = 1, .output_padding = 2, .groups = 2}},
};
}  // namespace

TEST_CASE("conv_transpose2d is the adjoint of conv2d: <conv(u), x> == <u, conv_transpose(x)>",
          "[conv_transpose2d]") {
  uint64_t seed = 40;
  for (const Case& c : kCases) {
    const Shape ws = {c.x[1], c.K / c.p.groups, c.F, c.F};
    const ConvTranspose2dGeometry g = conv_transpose2d_geometry(c.x, ws, c.p);
    const Conv2dGeometry conv = g.as_conv();
    INFO("x " << to_string(c.x) << " -> y " << to_string(g.output_shape()));
    CHECK(conv.input_shape() == g.output_shape());
    CHECK(conv.output_shape() == g.input_shape());
    const Tensor x = random_tensor(c.x, ++seed), w = random_tensor(ws, ++seed);
    const Tensor u = random_tensor(g.output_shape(), ++seed);
    const Tensor t = conv_transpose2d_forward(x, w, Tensor(), c.p);  // the scatter loops
    Tensor cu = poisoned(conv.output_shape(), ref());
    ref().conv2d_forward(u, w, Tensor(), cu, conv);  // the convolution's own loops
    const double lhs = dot(cu, x), rhs = dot(u, t);
    INFO("<conv(u), x> = " << lhs << ", <u, conv_transpose(x)> = " << rhs);
    CHECK(std::abs(lhs - rhs) <= 1e-4 * (1 + std::abs(lhs)));
  }
}

TEST_CASE("conv_transpose2d forward is conv2d backward_data; its backward_data is conv2d forward",
          "[conv_transpose2d]") {
  uint64_t seed = 80;
  for (const Case& c : kCases) {
    const Shape ws = {c.x[1], c.K / c.p.groups, c.F, c.F};
    const ConvTranspose2dGeometry g = conv_transpose2d_geometry(c.x, ws, c.p);
    const Conv2dGeometry conv = g.as_conv();
    INFO("x " << to_string(c.x) << " -> y " << to_string(g.output_shape()));
    const Tensor x = random_tensor(c.x, ++seed), w = random_tensor(ws, ++seed);
    const Tensor b = random_tensor({g.K}, ++seed), dy = random_tensor(g.output_shape(), ++seed);
    // forward: the scatter (+ b) against the convolution's data gradient (+ b by hand)
    const Tensor y = conv_transpose2d_forward(x, w, b, c.p);
    Tensor bd = poisoned(g.output_shape(), ref());
    ref().conv2d_backward_data(x, w, bd, conv);
    std::vector<float> expected = bd.to_vector();
    const std::vector<float> bias = b.to_vector();
    for (size_t e = 0; e < expected.size(); ++e)
      expected[e] += bias[(e / size_t(g.H2 * g.W2)) % size_t(g.K)];
    CHECK(max_abs_diff(y, Tensor::from_vector(g.output_shape(), expected, ref())) < 1e-5);
    // backward data: the gather against the convolution's forward pass
    const Tensor dx = conv_transpose2d_backward_data(dy, w, c.x, c.p);
    Tensor fwd = poisoned(c.x, ref());
    ref().conv2d_forward(dy, w, Tensor(), fwd, conv);
    CHECK(max_abs_diff(dx, fwd) < 1e-5);
    // backward weight: against the convolution's weight gradient with x and dy exchanged
    const ParamGrads grads = conv_transpose2d_backward_weight(x, dy, ws, true, c.p);
    Tensor dw = poisoned(ws, ref()), no_db;
    ref().conv2d_backward_weight(dy, x, dw, no_db, conv);
    CHECK(max_abs_diff(grads.dw, dw) < 1e-4);
  }
}

TEST_CASE("ConvTranspose2d layer: shapes, parameters, and its gradient matches the op",
          "[conv_transpose2d][nn]") {
  ConvTranspose2d up(4, 2, 3, {.stride = 2, .padding = 1, .output_padding = 1, .seed = 5});
  CHECK(up.kind() == "conv_transpose2d");
  CHECK(up.describe() == "conv_transpose2d 4->2 3x3 stride 2 pad 1 output_pad 1");
  CHECK(up.weight.value.shape() == Shape{4, 2, 3, 3});
  CHECK(up.bias.value.shape() == Shape{2});
  CHECK(up.output_shape({3, 4, 5, 5}) == Shape{3, 2, 10, 10});  // (5-1)·2 - 2 + 2 + 1 + 1
  int64_t count = 0;
  for (Parameter* p : up.parameters()) count += p->value.numel();
  CHECK(count == conv_transpose2d_parameter_count(4, 2, 3, 1, true));
  CHECK(count == 4 * 2 * 9 + 2);
  REQUIRE_THROWS_WITH(ConvTranspose2d(4, 2, 3, {.stride = 2, .output_padding = 2}),
                      Catch::Contains("output_padding 2 must be smaller than the stride 2"));
  REQUIRE_THROWS_WITH(ConvTranspose2d(4, 3, 3, {.groups = 2}),
                      Catch::Contains("groups (2) must divide in_channels (4) and out_channels"));

  up.set_mode(Mode::train);
  const Tensor x = random_tensor({3, 4, 5, 5}, 11), dy = random_tensor({3, 2, 10, 10}, 12);
  const Tensor y = up.forward(x);
  CHECK(max_abs_diff(y, conv_transpose2d_forward(x, up.weight.value, up.bias.value, up.params())) ==
        0);
  const Tensor dx = up.backward(dy);
  CHECK(max_abs_diff(
            dx, conv_transpose2d_backward_data(dy, up.weight.value, x.shape(), up.params())) == 0);
  const ParamGrads g =
      conv_transpose2d_backward_weight(x, dy, up.weight.value.shape(), true, up.params());
  CHECK(max_abs_diff(up.weight.grad, g.dw) == 0);
  CHECK(max_abs_diff(up.bias.grad, g.db) == 0);
}

TEST_CASE("model file: conv2d stride 2 down, conv_transpose2d stride 2 back up, and a step",
          "[conv_transpose2d][model-file]") {
  // 7x7 -> conv2d 3x3 s2 p1 -> 4x4 -> conv_transpose2d 3x3 s2 p1 -> 7x7 (back to the input
  // size) -> conv_transpose2d 3x3 s2 p1 output_padding 1 -> 14x14 (exactly twice 7).
  LoadedModel m = parse_model(R"({
      "name": "updown", "input": [1, 7, 7], "classes": 3,
      "layers": [
        {"type": "conv2d", "filters": 4, "kernel": 3, "stride": 2, "padding": 1},
        {"type": "relu"},
        {"type": "conv_transpose2d", "filters": 2, "kernel": 3, "stride": 2, "padding": 1},
        {"type": "relu"},
        {"type": "conv_transpose2d", "name": "up2", "filters": 2, "kernel": 3, "stride": 2,
         "padding": 1, "output_padding": 1, "dilation": 1, "groups": 2, "bias": false,
         "init": "xavier_uniform"},
        {"type": "global_avgpool2d"},
        {"type": "flatten"},
        {"type": "linear", "units": 3}
      ]})",
                              "updown.json", 3);
  REQUIRE(m.spec.layers.size() == 8);
  CHECK(m.spec.layers[2].output == Shape{2, 7, 7});
  CHECK(m.spec.layers[4].output == Shape{2, 14, 14});
  CHECK(m.spec.layers[2].description == "conv_transpose2d 4->2 3x3 stride 2 pad 1");
  CHECK(m.spec.layers[4].description ==
        "conv_transpose2d 2->2 3x3 stride 2 pad 1 output_pad 1 groups 2 no bias");
  CHECK(m.spec.layers[2].parameters == 4 * 2 * 9 + 2);
  CHECK(m.spec.layers[4].parameters == 2 * 1 * 9);
  CHECK(m.model.layer(4).describe() == m.spec.layers[4].description);  // planner == layer
  CHECK(m.model.output_shape({5, 1, 7, 7}) == Shape{5, 3});
  CHECK(m.model.parameter_count() == (4 * 9 + 4) + (4 * 2 * 9 + 2) + 2 * 9 + (2 * 3 + 3));

  Sequential& model = m.model;
  model.train();
  SoftmaxCrossEntropy loss;
  std::unique_ptr<Optimizer> sgd = make_optimizer("sgd", {.lr = 0.05f, .momentum = 0.9f});
  const Tensor x = random_tensor({6, 1, 7, 7}, 21);
  const Tensor labels = Tensor::from_vector({6}, {0, 1, 2, 0, 1, 2}, ref());
  const StepResult first = train_step(model, loss, *sgd, x, labels);
  REQUIRE(first.finite());
  StepResult last = first;
  for (int k = 0; k < 40; ++k) last = train_step(model, loss, *sgd, x, labels);
  CHECK(last.finite());
  CHECK(last.loss < first.loss);
}

TEST_CASE("model file: conv_transpose2d's bad settings name the rule", "[conv_transpose2d]") {
  REQUIRE_THROWS_WITH(
      parse_model_spec(R"({"name": "bad", "input": [2, 4, 4], "classes": 2, "layers": [
        {"type": "conv_transpose2d", "filters": 2, "kernel": 3, "stride": 2,
         "output_padding": 2}]})",
                       "bad.json"),
      Catch::Contains("output_padding 2 must be smaller than the stride 2"));
  REQUIRE_THROWS_WITH(
      parse_model_spec(R"({"name": "bad", "input": [2, 4, 4], "classes": 2, "layers": [
        {"type": "conv_transpose2d", "filters": 2, "kernel": 3, "output_pading": 1}]})",
                       "bad.json"),
      Catch::Contains("unknown field \"output_pading\""));
}
