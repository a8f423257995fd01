// ex04_activations.cpp — visible checks of exercise 4: ReLU and sigmoid forward and backward (the
// reference backend, through the ops API) and the two-layer network f = W2·max(0, W1·x)
// (cnnlab::TwoLayerNet).
//
// Expected values: PyTorch (torch.relu, torch.sigmoid and autograd; the two-layer network built
// from torch matrix products, exercises/tools/data_layers.py) and mathematical facts: relu'(0) = 0
// (PyTorch's convention), σ(100) = 1 and σ(−100) = 0 to float precision.
#include "check.hpp"
#include "exact_tensor.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/nn/two_layer_net.hpp>
#include <cnnlab/ops/ops.hpp>

#include <string>
#include <vector>

namespace {

using namespace cnnlab;
using namespace cnnlab::grade;

/// The two-layer network of data case @p name checked against PyTorch: f, dW1, dW2, dx.
void check_two_layer(const std::string& name) {
  TwoLayerNet net(golden(name + "_W1"), golden(name + "_W2"));
  const Tensor f = net.forward(golden(name + "_x"));
  expect_close("f = W2 max(0, W1 x)", f, golden(name + "_f"));
  const TwoLayerNetGrads g = net.backward(golden(name + "_df"));
  expect_close("dL/dW1", g.dW1, golden(name + "_dW1"));
  expect_close("dL/dW2", g.dW2, golden(name + "_dW2"));
  expect_close("dL/dx", g.dx, golden(name + "_dx"));
}

}  // namespace

GRADE_CHECK(
    4, "relu forward and backward on [2,3,4,5] random values (six exact zeros) match PyTorch") {
  const Tensor x = golden("ex04/act_x"), dy = golden("ex04/act_dy");
  expect_close("relu(x)", relu_forward(x), golden("ex04/act_relu_y"));
  expect_close("dL/dx", relu_backward(x, dy), golden("ex04/act_relu_dx"));
}

GRADE_CHECK(4, "relu at exactly x = 0 gives y = 0 and gradient 0 (PyTorch's convention)") {
  const Tensor x = exact({4}, {0.0f, -0.0f, 2.0f, -2.0f});
  const Tensor dy = exact({4}, {5, 6, 7, 8});
  expect_close("relu(x)", relu_forward(x), exact({4}, {0, 0, 2, 0}), {0, 0});
  expect_close("dL/dx", relu_backward(x, dy), exact({4}, {0, 0, 7, 0}), {0, 0});
}

GRADE_CHECK(4,
            "sigmoid forward and backward (from the output y) on [2,3,4,5] values match PyTorch") {
  const Tensor x = golden("ex04/act_x"), dy = golden("ex04/act_dy");
  const Tensor y = sigmoid_forward(x);
  expect_close("sigmoid(x)", y, golden("ex04/act_sigmoid_y"));
  expect_close("dL/dx", sigmoid_backward(golden("ex04/act_sigmoid_y"), dy),
               golden("ex04/act_sigmoid_dx"));
}

GRADE_CHECK(4, "sigmoid is stable for large |x|: x = +-100, +-1000 give 1 and 0, no NaN or inf") {
  const Tensor x = exact({6}, {100, -100, 1000, -1000, 88.5f, -88.5f});
  const Tensor y = sigmoid_forward(x);
  expect_finite("sigmoid(x)", y.to_vector(), y.shape());
  expect_close("sigmoid(x)", y, exact({6}, {1, 0, 1, 0, 1, 0}), {1e-7, 0});
  const Tensor dx = sigmoid_backward(y, exact({6}, {1, 1, 1, 1, 1, 1}));
  expect_finite("dL/dx", dx.to_vector(), dx.shape());
  expect_close("dL/dx", dx, exact({6}, {0, 0, 0, 0, 0, 0}), {1e-7, 0});
}

GRADE_CHECK(4, "two-layer net, batch of 3 inputs (D=4, H=5, C=3): f, dW1, dW2, dx match PyTorch") {
  check_two_layer("ex04/net");
}

GRADE_CHECK(
    4, "two-layer net on one column vector x [3] (H=4, C=2): f [2] and gradients match PyTorch") {
  TwoLayerNet net(golden("ex04/net1_W1"), golden("ex04/net1_W2"));
  const Tensor f = net.forward(golden("ex04/net1_x").reshape({3}));
  expect_close("f = W2 max(0, W1 x)", f, golden("ex04/net1_f").reshape({2}));
  const TwoLayerNetGrads g = net.backward(golden("ex04/net1_df").reshape({2}));
  expect_close("dL/dW1", g.dW1, golden("ex04/net1_dW1"));
  expect_close("dL/dW2", g.dW2, golden("ex04/net1_dW2"));
  expect_close("dL/dx", g.dx, golden("ex04/net1_dx").reshape({3}));
}
