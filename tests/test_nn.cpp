// test_nn.cpp — layers and models: each layer against the ops it is built from, Sequential's
// naming and chain rule, initialisation, and the whole-model gradient check.
//
// The ops themselves are tested elsewhere (test_ops.cpp, test_gradcheck.cpp); here we check
// that the layers call them correctly: the right tensors kept, gradients accumulated, modes
// respected, errors clear.
#include <catch2/catch.hpp>

#include <cnnlab/check/model_gradcheck.hpp>
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/layers.hpp>
#include <cnnlab/nn/loss.hpp>
#include <cnnlab/nn/sequential.hpp>
#include <cnnlab/ops/ops.hpp>

#include "backend_compare.hpp"

#include <cmath>
#include <iostream>

using namespace cnnlab;
using Catch::Contains;

namespace {

// Exact equality: a layer must give bit-for-bit what its op gives on the same backend.
void require_same(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  REQUIRE(a.to_vector() == b.to_vector());
}

// LeNet-5 as in the lecture: 28×28×1 → conv 6@5×5 pad 2 → ReLU → pool → conv 16@5×5 → ReLU →
// pool → FC 120 → FC 84 → FC 10.
Sequential lenet5() {
  Sequential m;
  m.add(Conv2d(1, 6, 5, {.padding = 2}))
      .add(ReLU())
      .add(MaxPool2d({.kernel = 2}))
      .add(Conv2d(6, 16, 5))
      .add(ReLU())
      .add(MaxPool2d({.kernel = 2}))
      .add(Flatten())
      .add(Linear(400, 120))
      .add(ReLU())
      .add(Linear(120, 84))
      .add(ReLU())
      .add(Linear(84, 10));
  return m;
}

}  // namespace

TEST_CASE("Conv2d is conv2d_forward / conv2d_backward_* with its own weights", "[nn]") {
  Conv2d conv(3, 4, 3, {.stride = 2, .padding = 1});
  const Tensor x = testing::random_tensor({2, 3, 9, 9}, 11);
  const Tensor y = conv.forward(x);
  require_same(y, conv2d_forward(x, conv.weight.value, conv.bias.value, conv.params()));
  REQUIRE(conv.output_shape(x.shape()) == Shape{2, 4, 5, 5});

  const Tensor dy = testing::random_tensor(y.shape(), 12);
  const Tensor dx = conv.backward(dy);
  const ParamGrads g =
      conv2d_backward_weight(x, dy, conv.weight.value.shape(), true, conv.params());
  require_same(dx, conv2d_backward_data(dy, conv.weight.value, x.shape(), conv.params()));
  require_same(conv.weight.grad, g.dw);
  require_same(conv.bias.grad, g.db);
}

TEST_CASE("Linear is y = xW + b with the lecture's W[D_in, D_out]", "[nn]") {
  Linear fc(3, 4);
  REQUIRE(fc.weight.value.shape() == Shape{3, 4});
  const Tensor x = testing::random_tensor({5, 3}, 21);
  const Tensor y = fc.forward(x);
  require_same(y, linear_forward(x, fc.weight.value, fc.bias.value));
  const Tensor dy = testing::random_tensor({5, 4}, 22);
  require_same(fc.backward(dy), linear_backward_data(dy, fc.weight.value));
  const ParamGrads g = linear_backward_weight(x, dy, true);
  require_same(fc.weight.grad, g.dw);
  require_same(fc.bias.grad, g.db);
}

TEST_CASE("pooling, activation and flatten layers are their ops", "[nn]") {
  const Tensor x = testing::random_tensor({2, 3, 6, 6}, 31);
  const Tensor dy = testing::random_tensor({2, 3, 3, 3}, 32);
  MaxPool2d mp({.kernel = 2});
  require_same(mp.forward(x), maxpool2d_forward(x, {.kernel = 2}));
  require_same(mp.backward(dy), maxpool2d_backward(x, dy, {.kernel = 2}));
  AvgPool2d ap({.kernel = 2});
  require_same(ap.forward(x), avgpool2d_forward(x, {.kernel = 2}));
  require_same(ap.backward(dy), avgpool2d_backward(dy, x.shape(), {.kernel = 2}));

  const Tensor dz = testing::random_tensor(x.shape(), 33);
  ReLU relu;
  require_same(relu.forward(x), relu_forward(x));
  require_same(relu.backward(dz), relu_backward(x, dz));
  Sigmoid sig;
  const Tensor s = sig.forward(x);
  require_same(s, sigmoid_forward(x));
  require_same(sig.backward(dz), sigmoid_backward(s, dz));
  Tanh th;
  const Tensor t = th.forward(x);
  require_same(t, tanh_forward(x));
  require_same(th.backward(dz), tanh_backward(t, dz));

  Flatten fl;
  const Tensor f = fl.forward(x);
  REQUIRE(f.shape() == Shape{2, 108});
  REQUIRE(fl.backward(f).shape() == x.shape());
}

TEST_CASE("backward needs a training-mode forward, once", "[nn]") {
  ReLU relu;
  const Tensor x = testing::random_tensor({4}, 41);
  REQUIRE_THROWS_WITH(relu.backward(x), Contains("backward() needs a forward() in training mode"));
  relu.set_mode(Mode::eval);
  (void)relu.forward(x);  // evaluation keeps nothing
  REQUIRE_THROWS_WITH(relu.backward(x), Contains("relu"));
  relu.set_mode(Mode::train);
  (void)relu.forward(x);
  (void)relu.backward(x);
  REQUIRE_THROWS(relu.backward(x));  // the kept input was used up
}

TEST_CASE("two backward passes add their parameter gradients", "[nn]") {
  Linear fc(3, 2);
  const Tensor x = testing::random_tensor({4, 3}, 51), dy = testing::random_tensor({4, 2}, 52);
  (void)fc.forward(x);
  (void)fc.backward(dy);
  const std::vector<float> once = fc.weight.grad.to_vector();
  (void)fc.forward(x);
  (void)fc.backward(dy);
  const std::vector<float> twice = fc.weight.grad.to_vector();
  for (size_t i = 0; i < once.size(); ++i) REQUIRE(twice[i] == Approx(2 * once[i]));
}

TEST_CASE("layer settings are checked when the layer is made", "[nn][bad-input]") {
  REQUIRE_THROWS_WITH(Conv2d(0, 6, 5), Contains("must be positive"));
  REQUIRE_THROWS_WITH(Conv2d(3, 6, 3, {.groups = 2}), Contains("groups (2) must divide"));
  REQUIRE_THROWS_WITH(Conv2d(3, 6, 3, {.stride = 0}), Contains("stride"));
  REQUIRE_THROWS_WITH(Linear(3, -1), Contains("must be positive"));
  REQUIRE_THROWS_WITH(MaxPool2d({.kernel = 0}), Contains("kernel"));
  REQUIRE_THROWS_WITH(Linear(400, 120).output_shape({2, 16, 5, 5}),
                      Contains("add a flatten layer"));
}

TEST_CASE("Sequential names layers and parameters and counts LeNet-5's 61,706 parameters", "[nn]") {
  Sequential m = lenet5();
  REQUIRE(m.size() == 12);
  REQUIRE(m.layer_name(0) == "conv1");
  REQUIRE(m.layer_name(3) == "conv2");
  REQUIRE(m.layer_name(5) == "pool2");
  REQUIRE(m.layer_name(11) == "fc3");
  REQUIRE(m.parameters().front()->name == "conv1.weight");
  REQUIRE(m.parameters().back()->name == "fc3.bias");
  // 6·25+6 + 16·150+16 + 400·120+120 + 120·84+84 + 84·10+10
  REQUIRE(m.parameter_count() == 156 + 2416 + 48120 + 10164 + 850);
  REQUIRE(m.parameter_count() == 61706);
  REQUIRE(m.output_shape({64, 1, 28, 28}) == Shape{64, 10});
  REQUIRE_THROWS_WITH(m.output_shape({64, 1, 32, 32}),
                      Contains("layer 7 (fc1, linear 400->120) cannot take"));
  REQUIRE_THROWS_WITH(m.add(ReLU(), "conv1"), Contains("already a layer named 'conv1'"));
}

TEST_CASE("init(seed) is deterministic and He/Xavier give the stated variance", "[nn]") {
  Sequential a = lenet5(), b = lenet5();
  a.init(7);
  b.init(7);
  REQUIRE(a.parameters()[0]->value.to_vector() == b.parameters()[0]->value.to_vector());
  b.init(8);
  REQUIRE(a.parameters()[0]->value.to_vector() != b.parameters()[0]->value.to_vector());

  std::mt19937_64 rng(3);
  for (Init init : {Init::he_uniform, Init::he_normal, Init::xavier_uniform, Init::xavier_normal}) {
    const std::vector<float> w = init_weights(init, 200000, 100, 50, rng);
    double mean = 0, var = 0;
    for (float v : w) mean += v;
    mean /= double(w.size());
    for (float v : w) var += (v - mean) * (v - mean);
    var /= double(w.size());
    INFO(to_string(init));
    CHECK(std::abs(mean) < 0.002);
    CHECK(var == Approx(init_variance(init, 100, 50)).epsilon(0.02));
  }
  REQUIRE(init_variance(Init::he_uniform, 100, 50) == Approx(0.02));
  REQUIRE(init_variance(Init::xavier_normal, 100, 50) == Approx(2.0 / 150));
  REQUIRE_THROWS_WITH(init_from_string("kaiming"), Contains("he_uniform"));
}

TEST_CASE("whole-model gradient check: every parameter of a small LeNet-like model",
          "[nn][gradcheck]") {
  // LeNet's pattern, small enough that every parameter gets its centered difference:
  // 1×12×12 → conv 3@3×3 pad 1 → ReLU → max pool 2 → conv 4@3×3 → tanh → avg pool 2 → flatten
  // → FC 16→8 → sigmoid → FC 8→3.
  Sequential m;
  m.add(Conv2d(1, 3, 3, {.padding = 1}))
      .add(ReLU())
      .add(MaxPool2d({.kernel = 2}))
      .add(Conv2d(3, 4, 3, {.init = Init::xavier_uniform}))
      .add(Tanh())
      .add(AvgPool2d({.kernel = 2}))
      .add(Flatten())
      .add(Linear(16, 8, {.init = Init::xavier_normal}))
      .add(Sigmoid())
      .add(Linear(8, 3));
  m.init(5);
  const ModelGradcheckResult r = gradcheck_model(m, {2, 1, 12, 12}, 9);
  std::cout << r.to_string();
  REQUIRE(r.exact.reports.size() == 8);  // weight and bias of 4 layers
  CHECK(r.exact.max_rel_error() < 1e-7);
  CHECK(r.layers.max_rel_error() < 1e-4);
  REQUIRE(r.passed());
}

TEST_CASE("softmax cross-entropy loss wraps the op and needs forward first", "[nn]") {
  SoftmaxCrossEntropy loss;
  REQUIRE_THROWS_WITH(loss.backward(), Contains("needs forward()"));
  const Tensor logits = testing::random_tensor({3, 4}, 61);
  const Tensor labels = Tensor::from_vector({3}, {0, 3, 1}, reference_backend());
  REQUIRE(loss.forward(logits, labels).at(0) ==
          softmax_cross_entropy_forward(logits, labels).at(0));
  require_same(loss.backward(), softmax_cross_entropy_backward(logits, labels));
}

TEST_CASE("L2Pool2d and LocalResponseNorm are their ops", "[nn][l2pool2d][lrn]") {
  const Tensor x = testing::random_tensor({2, 6, 6, 6}, 61);
  const Tensor dy = testing::random_tensor({2, 6, 3, 3}, 62);
  L2Pool2d l2({.kernel = 3, .stride = 2, .padding = 1, .size_rule = SizeRule::floor});
  CHECK(l2.describe() == "l2pool2d 3x3 stride 2 pad 1 floor");
  CHECK(l2.output_shape({2, 6, 6, 6}) == Shape{2, 6, 3, 3});
  const Tensor y = l2.forward(x);
  require_same(y, l2pool2d_forward(
                      x, {.kernel = 3, .stride = 2, .padding = 1, .size_rule = SizeRule::floor}));
  require_same(
      l2.backward(dy),
      l2pool2d_backward(x, y, dy,
                        {.kernel = 3, .stride = 2, .padding = 1, .size_rule = SizeRule::floor}));
  REQUIRE_THROWS_WITH(l2.backward(dy), Contains("backward() needs a forward() in training mode"));

  const LrnOptions o{.size = 3, .alpha = 0.5f, .beta = 0.75f, .k = 1.0f};
  LocalResponseNorm lrn(o);
  CHECK(lrn.describe() == "lrn size 3 alpha 0.5 beta 0.75 k 1");
  CHECK(LocalResponseNorm().describe() == "lrn size 5 alpha 0.0001 beta 0.75 k 2");  // AlexNet's
  const Tensor dz = testing::random_tensor(x.shape(), 63);
  require_same(lrn.forward(x), lrn_forward(x, o));
  require_same(lrn.backward(dz), lrn_backward(x, dz, o));
  lrn.set_mode(Mode::eval);
  (void)lrn.forward(x);  // evaluation keeps nothing
  REQUIRE_THROWS_WITH(lrn.backward(dz), Contains("lrn"));

  REQUIRE_THROWS_WITH(L2Pool2d({.kernel = 2, .padding = 2}), Contains("l2pool2d: padding 2"));
  REQUIRE_THROWS_WITH(LocalResponseNorm({.size = 0}), Contains("lrn: size must be at least 1"));
  REQUIRE_THROWS_WITH(LocalResponseNorm({.k = -1.0f}),
                      Contains("lrn: k must be a finite number > 0"));
}

TEST_CASE("whole-model gradient check through LocalResponseNorm and L2Pool2d",
          "[nn][gradcheck][l2pool2d][lrn]") {
  // AlexNet's pattern in small: conv → ReLU → NORM → pool, then a classifier; alpha large
  // enough that the neighbours' terms matter.
  Sequential m;
  m.add(Conv2d(2, 4, 3, {.padding = 1}))
      .add(Tanh())
      .add(LocalResponseNorm({.size = 3, .alpha = 1.0f, .beta = 0.75f, .k = 1.0f}))
      .add(L2Pool2d({.kernel = 3, .stride = 2, .padding = 1, .size_rule = SizeRule::floor}))
      .add(Flatten())
      .add(Linear(4 * 4 * 4, 3));
  m.init(7);
  const ModelGradcheckResult r = gradcheck_model(m, {2, 2, 7, 7}, 11);  // 7x7 -> 4x4
  std::cout << r.to_string();
  REQUIRE(r.exact.reports.size() == 4);  // weight and bias of 2 layers
  CHECK(r.exact.max_rel_error() < 1e-7);
  CHECK(r.layers.max_rel_error() < 1e-4);
  REQUIRE(r.passed());
}
