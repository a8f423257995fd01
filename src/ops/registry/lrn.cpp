// lrn.cpp — the op registry's local response normalisation family: lrn.
//
// What it is: lrn, x [N,C,H,W] -> y [N,C,H,W] (AlexNet's NORM, PyTorch's convention: see
// cnnlab/ops/lrn_geometry.hpp), its runner (float32, any backend, through the public ops API),
// its float64 gradient-check case (the reference kernels of backends/reference/lrn.hpp
// instantiated for double) and its registry row, returned by lrn_ops() (families.hpp). What it
// is not: the op itself (ops.hpp and the backends), its argument checks (lrn_geometry()), or
// the checker (src/check/gradcheck.cpp).
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include "backends/reference/lrn.hpp"
#include "src/ops/registry/families.hpp"

#include <sstream>

namespace cnnlab::registry {

namespace {

std::vector<NamedTensor> run_lrn(const OpCall& call) {
  const Tensor x = call.input("x");
  std::vector<NamedTensor> out = {{"y", lrn_forward(x, call.settings.lrn)}};
  if (call.dy.defined()) out.push_back({"dx", lrn_backward(x, call.dy, call.settings.lrn)});
  return out;
}

/// LRN of x [N,C,H,W] with the settings of spec.lrn; smooth everywhere (d >= k > 0).
GradcheckCase make_lrn_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  const LrnGeometry g = lrn_geometry("lrn", spec.input, spec.lrn);
  GradcheckCase c;
  std::ostringstream d;
  d << shape_text("x", spec.input) << ", size " << g.size << ", alpha " << g.alpha << ", beta "
    << g.beta << ", k " << g.k << " -> y " << to_string(g.shape());
  c.description = d.str();
  c.names = {"x"};
  c.shapes = {spec.input};
  c.args = {rng.values(spec.input)};
  c.forward = [g](const Args& a) {
    Vec y(a[0].size());
    ref::lrn_forward<double>(a[0].data(), y.data(), g);
    return y;
  };
  c.backward = [g](const Args& a, const Vec& dy) {
    Args grads{Vec(a[0].size())};
    ref::lrn_backward<double>(a[0].data(), dy.data(), grads[0].data(), g);
    return grads;
  };
  return c;
}

}  // namespace

std::vector<OpInfo> lrn_ops() {
  const std::vector<OpSetting> settings = {
      {.name = "size",
       .about = "channels in each window, centred on c (an even size puts the extra one before; "
                "default 5)",
       .lowest = 1},
      {.name = "alpha", .about = "scale of the window's sum of squares, divided by size (1e-4)"},
      {.name = "beta", .about = "exponent of the denominator (0.75)"},
      {.name = "k", .about = "additive constant of the denominator, > 0 (2)"}};
  return {
      {.name = "lrn",
       .summary = "local response normalisation across channels (AlexNet's NORM): "
                  "x / (k + alpha/size * window sum of x^2)^beta",
       .inputs = {{.name = "x", .shape = "[N,C,H,W]", .about = "the input images"}},
       .settings = settings,
       .outputs = {{.name = "y", .shape = "[N,C,H,W]", .about = "x normalised by its neighbours"}},
       .grads = {{.name = "dx",
                  .shape = "[N,C,H,W]",
                  .about = "dL/dy through y's own x and its neighbours' denominators"}},
       .example = "--x x.npy --size 5 --alpha 1e-4 --beta 0.75 --k 2 --dy dy.npy",
       .run = run_lrn,
       .gradcheck = {.input = image_input(), .settings = settings, .make_case = make_lrn_case}},
  };
}

}  // namespace cnnlab::registry
