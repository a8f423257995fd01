// softmax.cpp — the op registry's softmax family: softmax and softmax_cross_entropy.
//
// What it is: for softmax, x [N,D] -> y [N,D] (each row sums to 1), and for the loss,
// logits [N,D] and labels [N] -> one number, their runners (float32, any backend, through the
// public ops API), their float64 gradient-check cases (the reference kernels of
// backends/reference/softmax.hpp instantiated for double; the labels are drawn at random and
// not differentiated) and their registry rows, returned by softmax_ops() (families.hpp).
// What it is not: softmax itself (ops.hpp and the backends), its argument checks (the ops API),
// or the checker (src/check/gradcheck.cpp).
#include <cnnlab/ops/ops.hpp>

#include "backends/reference/softmax.hpp"
#include "src/ops/registry/families.hpp"

#include <string>

namespace cnnlab::registry {

namespace {

// ---- runners: forward, then backward when call.dy is defined ---------------------------------

// softmax differentiates from the forward *output* y, as in the lecture.
std::vector<NamedTensor> run_softmax(const OpCall& call) {
  const Tensor y = softmax_forward(call.input("x"));
  std::vector<NamedTensor> out = {{"y", y}};
  if (call.dy.defined()) out.push_back({"dx", softmax_backward(y, call.dy)});
  return out;
}

std::vector<NamedTensor> run_softmax_cross_entropy(const OpCall& call) {
  const Tensor logits = call.input("logits"), labels = call.input("labels");
  std::vector<NamedTensor> out = {{"y", softmax_cross_entropy_forward(logits, labels)}};
  if (call.dy.defined())  // a loss: dy is [1], the number dL/dloss
    out.push_back(
        {"dlogits", softmax_cross_entropy_backward(logits, labels, call.dy.to_vector().at(0))});
  return out;
}

// ---- gradient-check cases ---------------------------------------------------------------------

/// y [N, D] = the softmax of each row of x [N, D].
GradcheckCase make_softmax_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  const Shape xs = require_matrix("softmax", spec.input);
  GradcheckCase c;
  c.description = shape_text("x", xs);
  c.names = {"x"};
  c.shapes = {xs};
  c.args = {rng.values(xs)};
  c.forward = [xs](const Args& a) {
    Vec y(a[0].size());
    ref::softmax_forward<double>(a[0].data(), y.data(), xs[0], xs[1]);
    return y;
  };
  c.backward = [xs](const Args& a, const Vec& dy) {
    Vec y(a[0].size());
    ref::softmax_forward<double>(a[0].data(), y.data(), xs[0], xs[1]);
    Args grads{Vec(a[0].size())};
    ref::softmax_backward<double>(y.data(), dy.data(), grads[0].data(), xs[0], xs[1]);
    return grads;
  };
  return c;
}

/// loss [1] = the mean cross-entropy of softmax(logits [N, D]) against random labels [N];
/// only the logits are differentiated.
GradcheckCase make_softmax_cross_entropy_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  const Shape xs = require_matrix("softmax_cross_entropy", spec.input);
  std::vector<float> labels(static_cast<size_t>(xs[0]));
  for (float& t : labels)
    t = static_cast<float>(std::uniform_int_distribution<int64_t>(0, xs[1] - 1)(engine));
  GradcheckCase c;
  c.description = "logits " + to_string(xs) + ", random labels in [0, " +
                  std::to_string(xs[1] - 1) + "] -> mean loss";
  c.names = {"logits"};
  c.shapes = {xs};
  c.args = {rng.values(xs)};
  for (double& v : c.args[0]) v *= 4;
  c.forward = [xs, labels](const Args& a) {
    return Vec{
        ref::softmax_cross_entropy_forward<double>(a[0].data(), labels.data(), xs[0], xs[1])};
  };
  c.backward = [xs, labels](const Args& a, const Vec& dy) {
    Args grads{Vec(a[0].size())};
    ref::softmax_cross_entropy_backward<double>(a[0].data(), labels.data(), dy[0], grads[0].data(),
                                                xs[0], xs[1]);
    return grads;
  };
  return c;
}

}  // namespace

// ---- the rows ---------------------------------------------------------------------------------
std::vector<OpInfo> softmax_ops() {
  return {
      {.name = "softmax",
       .summary = "row-wise softmax: y[n,i] = e^x[n,i] / sum_j e^x[n,j]",
       .inputs = {{.name = "x", .shape = "[N,D]", .about = "one score vector per row"}},
       .outputs = {{.name = "y", .shape = "[N,D]", .about = "each row sums to 1"}},
       .grads = {{.name = "dx", .shape = "[N,D]", .about = "dL/dx from y and dL/dy"}},
       .example = "--x x.npy --dy dy.npy",
       .run = run_softmax,
       .gradcheck = {.input = matrix_input(), .make_case = make_softmax_case}},
      {.name = "softmax_cross_entropy",
       .summary = "mean cross-entropy of softmax(logits) against integer class labels",
       .inputs = {{.name = "logits", .shape = "[N,D]", .about = "scores, finite"},
                  {.name = "labels", .shape = "[N]", .about = "class indices in [0, D)"}},
       .outputs = {{.name = "y", .shape = "[1]", .about = "the loss"}},
       .grads = {{.name = "dlogits",
                  .shape = "[N,D]",
                  .about = "dloss (softmax(logits) - onehot(labels)) / N"}},
       .is_loss = true,
       .example = "--logits logits.npy --labels labels.npy --backward",
       .run = run_softmax_cross_entropy,
       .gradcheck = {.input = matrix_input(), .make_case = make_softmax_cross_entropy_case}},
  };
}

}  // namespace cnnlab::registry
