// elementwise.cpp — the op registry's elementwise family: flatten and add.
//
// What it is: for flatten, x [N,C,H,W] -> y [N,C*H*W] (the same values, a view), and for add,
// a + b -> y (all three of one shape), their runners (float32, any backend, through the public
// ops API), their float64 gradient-check cases (add: the reference kernel of
// backends/reference/elementwise.hpp instantiated for double; flatten has no kernel, its
// forward and backward copy each value unchanged) and their registry rows, returned by
// elementwise_ops() (families.hpp). What it is not: the ops themselves (ops.hpp and the
// backends), their argument checks (the ops API), or the checker (src/check/gradcheck.cpp).
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include "backends/reference/elementwise.hpp"
#include "src/ops/registry/families.hpp"

namespace cnnlab::registry {

namespace {

// ---- runners: forward, then backward when call.dy is defined ---------------------------------
std::vector<NamedTensor> run_flatten(const OpCall& call) {
  const Tensor x = call.input("x");
  std::vector<NamedTensor> out = {{"y", flatten_forward(x)}};
  if (call.dy.defined()) out.push_back({"dx", flatten_backward(call.dy, x.shape())});
  return out;
}

std::vector<NamedTensor> run_add(const OpCall& call) {
  std::vector<NamedTensor> out = {{"y", add_forward(call.input("a"), call.input("b"))}};
  if (call.dy.defined()) {
    const AddGrads g = add_backward(call.dy);
    out.push_back({"da", g.da});
    out.push_back({"db", g.db});
  }
  return out;
}

// ---- gradient-check cases ---------------------------------------------------------------------

/// flatten only renames the dimensions: forward and backward copy values unchanged.
GradcheckCase make_flatten_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  if (spec.input.size() < 2)
    throw Error("gradcheck flatten: the input needs at least 2 dimensions, got " +
                to_string(spec.input));
  require_positive(spec.input, "gradcheck flatten: input");
  GradcheckCase c;
  c.description = shape_text("x", spec.input) + " -> y " +
                  to_string({spec.input[0], numel(spec.input) / spec.input[0]});
  c.names = {"x"};
  c.shapes = {spec.input};
  c.args = {rng.values(spec.input)};
  c.forward = [](const Args& a) { return a[0]; };
  c.backward = [](const Args&, const Vec& dy) { return Args{dy}; };
  return c;
}

/// y = a + b, a and b both of spec.input's shape; da = db = dy.
GradcheckCase make_add_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  require_positive(spec.input, "gradcheck add: input");
  GradcheckCase c;
  c.description = shape_text("a", spec.input) + " + " + shape_text("b", spec.input);
  c.names = {"a", "b"};
  c.shapes = {spec.input, spec.input};
  c.args = {rng.values(spec.input), rng.values(spec.input)};
  c.forward = [](const Args& a) {
    Vec y(a[0].size());
    ref::add_forward<double>(a[0].data(), a[1].data(), y.data(), static_cast<int64_t>(y.size()));
    return y;
  };
  c.backward = [](const Args&, const Vec& dy) { return Args{dy, dy}; };
  return c;
}

}  // namespace

// ---- the rows ---------------------------------------------------------------------------------
std::vector<OpInfo> elementwise_ops() {
  return {
      {.name = "flatten",
       .summary = "reshape [N,C,H,W] to [N,C*H*W] (a view, no copy)",
       .inputs = {{.name = "x", .shape = "[N,C,H,W]", .about = "any rank >= 2"}},
       .outputs = {{.name = "y", .shape = "[N,C*H*W]", .about = "the same values"}},
       .grads = {{.name = "dx", .shape = "[N,C,H,W]", .about = "dL/dy reshaped like x"}},
       .example = "--x x.npy --dy dy.npy",
       .run = run_flatten,
       .gradcheck = {.input = image_input(), .make_case = make_flatten_case}},
      {.name = "add",
       .summary = "elementwise sum y = a + b of two tensors of equal shape",
       .inputs = {{.name = "a", .shape = "(any shape)", .about = "the first term"},
                  {.name = "b", .shape = "(a's shape)", .about = "the second term"}},
       .outputs = {{.name = "y", .shape = "like a", .about = "a + b"}},
       .grads = {{.name = "da", .shape = "like a", .about = "dL/dy"},
                 {.name = "db", .shape = "like b", .about = "dL/dy"}},
       .example = "--a a.npy --b b.npy --dy dy.npy",
       .run = run_add,
       .gradcheck = {.input = image_input(), .make_case = make_add_case}},
  };
}

}  // namespace cnnlab::registry
