// ex04_activations.cpp (hidden) — instructor-only checks of exercise 4, ReLU and sigmoid on extreme
// values (±60, ±1e30, ±inf, ±3e38) and exact zeros; the two-layer network with a hidden unit at
// exactly 0 and with one output.
//
// Expected values: PyTorch (exercises/hidden/data_layers.py) and mathematical facts.
#include "../checks/exact_tensor.hpp"
#include "check.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/nn/two_layer_net.hpp>
#include <cnnlab/ops/ops.hpp>

#include <limits>
#include <string>
#include <vector>

namespace {

using namespace cnnlab;
using namespace cnnlab::grade;

void activation_case(const std::string& n) {
  const Tensor x = golden(n + "_x"), dy = golden(n + "_dy");
  expect_close("relu(x)", relu_forward(x), golden(n + "_relu_y"));
  expect_close("relu dL/dx", relu_backward(x, dy), golden(n + "_relu_dx"));
  const Tensor y = sigmoid_forward(x);
  expect_finite("sigmoid(x)", y.to_vector(), y.shape());
  expect_close("sigmoid(x)", y, golden(n + "_sigmoid_y"), {1e-6, 1e-4});
  expect_close("sigmoid dL/dx", sigmoid_backward(golden(n + "_sigmoid_y"), dy),
               golden(n + "_sigmoid_dx"), {1e-6, 1e-4});
}

void two_layer_case(const std::string& n) {
  TwoLayerNet net(golden(n + "_W1"), golden(n + "_W2"));
  expect_close("f", net.forward(golden(n + "_x")), golden(n + "_f"));
  const TwoLayerNetGrads g = net.backward(golden(n + "_df"));
  expect_close("dL/dW1", g.dW1, golden(n + "_dW1"));
  expect_close("dL/dW2", g.dW2, golden(n + "_dW2"));
  expect_close("dL/dx", g.dx, golden(n + "_dx"));
}

}  // namespace

GRADE_HIDDEN_CHECK(4, "hidden: relu and sigmoid on values up to +-60 with exact zeros") {
  activation_case("ex04/h_act");
}
GRADE_HIDDEN_CHECK(4, "hidden: relu and sigmoid on small values of a [1,1,1,9] tensor") {
  activation_case("ex04/h_act1");
}
GRADE_HIDDEN_CHECK(4, "hidden: sigmoid of +-1e30 and +-inf is 1 or 0, its gradient 0") {
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor y = sigmoid_forward(exact({4}, {1e30f, -1e30f, inf, -inf}));
  expect_close("sigmoid(x)", y, exact({4}, {1, 0, 1, 0}), {0, 0});
  expect_close("dL/dx", sigmoid_backward(y, exact({4}, {3, 3, 3, 3})), exact({4}, {0, 0, 0, 0}),
               {0, 0});
}
GRADE_HIDDEN_CHECK(4, "hidden: relu of large values passes them through, backward too") {
  const Tensor x = exact({4}, {3e38f, -3e38f, 1e-38f, -1e-38f});
  expect_close("relu(x)", relu_forward(x), exact({4}, {3e38f, 0, 1e-38f, 0}), {0, 0});
  expect_close("dL/dx", relu_backward(x, exact({4}, {1, 2, 3, 4})), exact({4}, {1, 0, 3, 0}),
               {0, 0});
}
GRADE_HIDDEN_CHECK(
    4, "hidden: two-layer net whose first hidden unit is exactly 0 (N=6, D=2, H=7, C=4)") {
  two_layer_case("ex04/h_net");
}
GRADE_HIDDEN_CHECK(4, "hidden: two-layer net with one output (N=2, D=8, H=3, C=1)") {
  two_layer_case("ex04/h_net1");
}
