// dropout.cpp — the op registry's dropout family: dropout.
//
// What it is: for dropout, x (any shape) -> y (same shape), its runner (float32, any backend,
// through the public ops API, seed 1 and step 0 of the mask stream), its float64
// gradient-check case (the kernel of backends/reference/dropout.hpp instantiated for double,
// the mask seeded by the check's seed) and its registry row, returned by dropout_ops()
// (families.hpp). What it is not: the op itself (cnnlab/ops/dropout_ops.hpp and the backends),
// its argument checks, or the checker.
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include "backends/reference/dropout.hpp"
#include "src/ops/registry/families.hpp"

#include <sstream>

namespace cnnlab::registry {

namespace {

std::vector<NamedTensor> run_dropout(const OpCall& call) {
  const DropoutParams p{.p = call.settings.p, .seed = 1, .step = 0};
  std::vector<NamedTensor> out = {{"y", dropout_forward(call.input("x"), p)}};
  if (call.dy.defined()) out.push_back({"dx", dropout_backward(call.dy, p)});
  return out;
}

/// dropout of x (spec.input's shape) with p = spec.p and the mask of seed spec.seed, step 0:
/// y is linear in x, dx = mask·dy/(1 − p).
GradcheckCase make_dropout_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  require_positive(spec.input, "gradcheck dropout: input");
  const DropoutParams p{.p = spec.p, .seed = spec.seed, .step = 0};
  validate(p, "gradcheck dropout");
  const DropoutMask mask = dropout_mask(p);
  GradcheckCase c;
  std::ostringstream d;
  d << shape_text("x", spec.input) << ", p " << spec.p << ", seed " << spec.seed;
  c.description = d.str();
  c.names = {"x"};
  c.shapes = {spec.input};
  c.args = {rng.values(spec.input)};
  c.forward = [mask](const Args& a) {
    Vec y(a[0].size());
    ref::dropout_apply<double>(a[0].data(), y.data(), static_cast<int64_t>(y.size()), mask);
    return y;
  };
  c.backward = [mask](const Args& a, const Vec& dy) {
    Args g{Vec(a[0].size())};
    ref::dropout_apply<double>(dy.data(), g[0].data(), static_cast<int64_t>(dy.size()), mask);
    return g;
  };
  return c;
}

}  // namespace

std::vector<OpInfo> dropout_ops() {
  const std::vector<OpSetting> prob = {
      {.name = "p", .about = "the probability of dropping each element, in [0, 1] (default 0.5)"}};
  return {
      {.name = "dropout",
       .summary = "inverted dropout: keep each element with probability 1-p, scaled by 1/(1-p) "
                  "(mask seed 1, step 0)",
       .inputs = {{.name = "x", .shape = "(any shape)", .about = "the input"}},
       .settings = prob,
       .outputs = {{.name = "y", .shape = "like x", .about = "mask * x / (1 - p)"}},
       .grads = {{.name = "dx", .shape = "like x", .about = "mask * dy / (1 - p), the same mask"}},
       .example = "--x x.npy --p 0.5 --dy dy.npy",
       .run = run_dropout,
       .gradcheck = {.input = image_input(), .settings = prob, .make_case = make_dropout_case}},
  };
}

}  // namespace cnnlab::registry
