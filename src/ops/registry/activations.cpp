// activations.cpp — the op registry's activation family: relu, sigmoid, tanh.
//
// What it is: for each activation, y = f(x) elementwise on x of any shape (y like x), its
// runner (float32, any backend, through the public ops API), its float64 gradient-check case
// (the reference kernels of backends/reference/activations.hpp instantiated for double; ReLU's
// inputs stay away from its kink at 0) and its registry row, all returned by activations_ops()
// (families.hpp). What it is not: the activations themselves (ops.hpp and the backends), their
// argument checks (the ops API), or the checker (src/check/gradcheck.cpp).
#include <cnnlab/ops/ops.hpp>

#include "backends/reference/activations.hpp"
#include "src/ops/registry/families.hpp"

#include <string>

namespace cnnlab::registry {

namespace {

// ---- runners: forward, then backward when call.dy is defined ---------------------------------
std::vector<NamedTensor> run_relu(const OpCall& call) {
  const Tensor x = call.input("x");
  std::vector<NamedTensor> out = {{"y", relu_forward(x)}};
  if (call.dy.defined()) out.push_back({"dx", relu_backward(x, call.dy)});
  return out;
}

// sigmoid and tanh differentiate from the forward *output* y, as in the lecture.
std::vector<NamedTensor> run_sigmoid(const OpCall& call) {
  const Tensor y = sigmoid_forward(call.input("x"));
  std::vector<NamedTensor> out = {{"y", y}};
  if (call.dy.defined()) out.push_back({"dx", sigmoid_backward(y, call.dy)});
  return out;
}

std::vector<NamedTensor> run_tanh(const OpCall& call) {
  const Tensor y = tanh_forward(call.input("x"));
  std::vector<NamedTensor> out = {{"y", y}};
  if (call.dy.defined()) out.push_back({"dx", tanh_backward(y, call.dy)});
  return out;
}

// ---- gradient-check cases ---------------------------------------------------------------------

/// ReLU, sigmoid and tanh: y = f(x) elementwise; sigmoid and tanh differentiate from y.
GradcheckCase make_activation_case(const std::string& op, const GradcheckSpec& spec, Rng rng) {
  require_positive(spec.input, "gradcheck " + op + ": input");
  GradcheckCase c;
  c.description = shape_text("x", spec.input);
  c.names = {"x"};
  c.shapes = {spec.input};
  c.args = {op == "relu" ? rng.away_from_zero(spec.input) : rng.values(spec.input)};
  for (double& v : c.args[0]) v *= 3;  // reach into the curved parts of sigmoid and tanh
  c.forward = [op](const Args& a) {
    Vec y(a[0].size());
    const auto n = static_cast<int64_t>(y.size());
    if (op == "relu") ref::relu_forward<double>(a[0].data(), y.data(), n);
    if (op == "sigmoid") ref::sigmoid_forward<double>(a[0].data(), y.data(), n);
    if (op == "tanh") ref::tanh_forward<double>(a[0].data(), y.data(), n);
    return y;
  };
  const auto forward = c.forward;
  c.backward = [op, forward](const Args& a, const Vec& dy) {
    Args grads{Vec(a[0].size())};
    const auto n = static_cast<int64_t>(dy.size());
    const Vec y = forward(a);
    if (op == "relu") ref::relu_backward<double>(a[0].data(), dy.data(), grads[0].data(), n);
    if (op == "sigmoid") ref::sigmoid_backward<double>(y.data(), dy.data(), grads[0].data(), n);
    if (op == "tanh") ref::tanh_backward<double>(y.data(), dy.data(), grads[0].data(), n);
    return grads;
  };
  return c;
}

GradcheckCase make_relu_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  return make_activation_case("relu", spec, Rng{engine});
}
GradcheckCase make_sigmoid_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  return make_activation_case("sigmoid", spec, Rng{engine});
}
GradcheckCase make_tanh_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  return make_activation_case("tanh", spec, Rng{engine});
}

}  // namespace

// ---- the rows ---------------------------------------------------------------------------------
std::vector<OpInfo> activations_ops() {
  return {
      {.name = "relu",
       .summary = "rectified linear unit: y = max(0, x)",
       .inputs = {{.name = "x", .shape = "(any shape)", .about = "the input"}},
       .outputs = {{.name = "y", .shape = "like x", .about = "max(0, x)"}},
       .grads = {{.name = "dx", .shape = "like x", .about = "dL/dy where x > 0, else 0"}},
       .example = "--x x.npy --dy dy.npy",
       .run = run_relu,
       .gradcheck = {.input = image_input(), .make_case = make_relu_case}},
      {.name = "sigmoid",
       .summary = "logistic sigmoid: y = 1 / (1 + e^-x)",
       .inputs = {{.name = "x", .shape = "(any shape)", .about = "the input"}},
       .outputs = {{.name = "y", .shape = "like x", .about = "1 / (1 + e^-x)"}},
       .grads = {{.name = "dx", .shape = "like x", .about = "dL/dy y(1 - y)"}},
       .example = "--x x.npy --dy dy.npy",
       .run = run_sigmoid,
       .gradcheck = {.input = image_input(), .make_case = make_sigmoid_case}},
      {.name = "tanh",
       .summary = "hyperbolic tangent: y = tanh(x)",
       .inputs = {{.name = "x", .shape = "(any shape)", .about = "the input"}},
       .outputs = {{.name = "y", .shape = "like x", .about = "tanh(x)"}},
       .grads = {{.name = "dx", .shape = "like x", .about = "dL/dy (1 - y^2)"}},
       .example = "--x x.npy --dy dy.npy",
       .run = run_tanh,
       .gradcheck = {.input = image_input(), .make_case = make_tanh_case}},
  };
}

}  // namespace cnnlab::registry
