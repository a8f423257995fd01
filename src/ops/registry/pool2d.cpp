// pool2d.cpp — the op registry's pooling family: maxpool2d, avgpool2d, global_avgpool2d,
// l2pool2d.
//
// What it is: for each pooling op, x [N,C,H,W] -> y [N,C,H2,W2] (global: y [N,C,1,1]), its
// runner (float32, any backend, through the public ops API), its float64 gradient-check case
// (the reference kernels of backends/reference/pool2d.hpp instantiated for double; max pooling
// draws distinct inputs, so no tie sits within reach of the finite-difference step) and its
// registry row, all returned by pool2d_ops() (families.hpp). What it is not: the pooling itself
// (ops.hpp and the backends), its argument checks (the ops API and pool2d_geometry()), or the
// checker (src/check/gradcheck.cpp).
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include "backends/reference/pool2d.hpp"
#include "src/ops/registry/families.hpp"

#include <sstream>

namespace cnnlab::registry {

namespace {

// ---- runners: forward, then backward when call.dy is defined ---------------------------------
std::vector<NamedTensor> run_maxpool2d(const OpCall& call) {
  const Tensor x = call.input("x");
  std::vector<NamedTensor> out = {{"y", maxpool2d_forward(x, call.settings.pool)}};
  if (call.dy.defined()) out.push_back({"dx", maxpool2d_backward(x, call.dy, call.settings.pool)});
  return out;
}

std::vector<NamedTensor> run_avgpool2d(const OpCall& call) {
  const Tensor x = call.input("x");
  std::vector<NamedTensor> out = {{"y", avgpool2d_forward(x, call.settings.pool)}};
  if (call.dy.defined())
    out.push_back({"dx", avgpool2d_backward(call.dy, x.shape(), call.settings.pool)});
  return out;
}

// [add_an_op_registry_sizes]
std::vector<NamedTensor> run_global_avgpool2d(const OpCall& call) {
  const Tensor x = call.input("x");
  std::vector<NamedTensor> out = {{"y", global_avgpool2d_forward(x)}};
  if (call.dy.defined()) out.push_back({"dx", global_avgpool2d_backward(call.dy, x.shape())});
  return out;
}
// [add_an_op_registry_sizes]

std::vector<NamedTensor> run_l2pool2d(const OpCall& call) {
  const Tensor x = call.input("x");
  const Tensor y = l2pool2d_forward(x, call.settings.pool);
  std::vector<NamedTensor> out = {{"y", y}};
  if (call.dy.defined())
    out.push_back({"dx", l2pool2d_backward(x, y, call.dy, call.settings.pool)});
  return out;
}

// ---- gradient-check cases ---------------------------------------------------------------------

/// Max or average pooling of x [N,C,H,W] with the window of spec.pool.
GradcheckCase make_pool_case(const GradcheckSpec& spec, Rng rng, bool is_max) {
  const char* op = is_max ? "maxpool2d" : "avgpool2d";
  const Pool2dGeometry g = pool2d_geometry(op, spec.input, spec.pool);
  GradcheckCase c;
  std::ostringstream d;
  d << shape_text("x", spec.input) << ", window " << g.F << "x" << g.F << ", stride " << g.S
    << ", padding " << g.P << ", size rule " << size_rule_name(g.rule) << " -> y "
    << to_string(g.output_shape());
  c.description = d.str();
  c.names = {"x"};
  c.shapes = {spec.input};
  c.args = {is_max ? rng.distinct(spec.input) : rng.values(spec.input)};
  c.forward = [g, is_max](const Args& a) {
    Vec y(static_cast<size_t>(numel(g.output_shape())));
    if (is_max)
      ref::maxpool2d_forward<double>(a[0].data(), y.data(), g);
    else
      ref::avgpool2d_forward<double>(a[0].data(), y.data(), g);
    return y;
  };
  c.backward = [g, is_max](const Args& a, const Vec& dy) {
    Args grads{Vec(a[0].size())};
    if (is_max)
      ref::maxpool2d_backward<double>(a[0].data(), dy.data(), grads[0].data(), g);
    else
      ref::avgpool2d_backward<double>(dy.data(), grads[0].data(), g);
    return grads;
  };
  return c;
}

GradcheckCase make_maxpool2d_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  return make_pool_case(spec, Rng{engine}, true);
}

GradcheckCase make_avgpool2d_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  return make_pool_case(spec, Rng{engine}, false);
}

/// Global average pooling: y[N,C,1,1] = the mean of each H×W plane of x[N,C,H,W].
// [add_an_op_registry]
GradcheckCase make_global_avgpool2d_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  const Shape& xs = spec.input;
  if (xs.size() != 4)
    throw Error("gradcheck global_avgpool2d: the input shape must be [N, C, H, W], got " +
                to_string(xs));
  require_positive(xs, "gradcheck global_avgpool2d: input");
  const int64_t planes = xs[0] * xs[1], plane = xs[2] * xs[3];
  GradcheckCase c;
  c.description = shape_text("x", xs) + " -> y " + to_string({xs[0], xs[1], 1, 1});
  c.names = {"x"};
  c.shapes = {xs};
  c.args = {rng.values(xs)};
  c.forward = [planes, plane](const Args& a) {
    Vec y(static_cast<size_t>(planes));
    ref::global_avgpool2d_forward<double>(a[0].data(), y.data(), planes, plane);
    return y;
  };
  c.backward = [planes, plane](const Args& a, const Vec& dy) {
    Args grads{Vec(a[0].size())};
    ref::global_avgpool2d_backward<double>(dy.data(), grads[0].data(), planes, plane);
    return grads;
  };
  return c;
}
// [add_an_op_registry]

/// L2 pooling: y = sqrt(mean of x² over each window). Inputs uniform in [-1, 1]: no window is
/// all zeros (where sqrt has its kink), so the function is smooth within the step's reach.
GradcheckCase make_l2pool2d_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  const Pool2dGeometry g = pool2d_geometry("l2pool2d", spec.input, spec.pool);
  GradcheckCase c;
  std::ostringstream d;
  d << shape_text("x", spec.input) << ", window " << g.F << "x" << g.F << ", stride " << g.S
    << ", padding " << g.P
    << (spec.pool.size_rule != SizeRule::exact
            ? std::string(", ") + size_rule_name(spec.pool.size_rule)
            : std::string())
    << " -> y " << to_string(g.output_shape());
  c.description = d.str();
  c.names = {"x"};
  c.shapes = {spec.input};
  c.args = {rng.away_from_zero(spec.input)};
  c.forward = [g](const Args& a) {
    Vec y(static_cast<size_t>(numel(g.output_shape())));
    ref::l2pool2d_forward<double>(a[0].data(), y.data(), g);
    return y;
  };
  c.backward = [g](const Args& a, const Vec& dy) {
    Vec y(static_cast<size_t>(numel(g.output_shape())));
    ref::l2pool2d_forward<double>(a[0].data(), y.data(), g);
    Args grads{Vec(a[0].size())};
    ref::l2pool2d_backward<double>(a[0].data(), y.data(), dy.data(), grads[0].data(), g);
    return grads;
  };
  return c;
}

}  // namespace

/// The default gradient-check input of maxpool2d, avgpool2d and l2pool2d: [2, 3, 8, 8], which the
/// default 2x2 window at stride 2 tiles (the images' 7x7 would need --size-rule floor or ceil).
Shape pool_input() { return {2, 3, 8, 8}; }

// ---- the rows ---------------------------------------------------------------------------------
std::vector<OpInfo> pool2d_ops() {
  // maxpool2d and avgpool2d read the same settings, on the CLI and in the gradient check.
  const std::vector<OpSetting> window = {
      {.name = "kernel", .about = "F: window size (default 2)", .lowest = 1},
      {.name = "stride", .about = "S: step between windows (default 0 = the window's size F)"},
      {.name = "padding", .about = "P: implicit padding on every side, at most F/2 (default 0)"},
      size_rule_setting(/*pooling=*/true)};
  return {
      {.name = "maxpool2d",
       .summary = "max pooling: each FxF window of each channel gives its maximum",
       .inputs = {{.name = "x", .shape = "[N,C,H,W]", .about = "the input images"}},
       .settings = window,
       .outputs = {{.name = "y", .shape = "[N,C,H2,W2]", .about = "each window's maximum"}},
       .grads = {{.name = "dx",
                  .shape = "[N,C,H,W]",
                  .about = "dL/dy goes to each window's maximum"}},
       .example = "--x x.npy --kernel 2 --dy dy.npy",
       .run = run_maxpool2d,
       .gradcheck = {.input = pool_input(), .settings = window, .make_case = make_maxpool2d_case}},
      {.name = "avgpool2d",
       .summary = "average pooling: each FxF window of each channel gives its mean",
       .inputs = {{.name = "x", .shape = "[N,C,H,W]", .about = "the input images"}},
       .settings = window,
       .outputs = {{.name = "y", .shape = "[N,C,H2,W2]", .about = "each window's mean"}},
       .grads = {{.name = "dx",
                  .shape = "[N,C,H,W]",
                  .about = "dL/dy shared evenly in each window"}},
       .example = "--x x.npy --kernel 3 --stride 2 --padding 1 --dy dy.npy",
       .run = run_avgpool2d,
       .gradcheck = {.input = pool_input(), .settings = window, .make_case = make_avgpool2d_case}},
      // [add_an_op_registry_gradcheck]
      {.name = "global_avgpool2d",
       .summary = "global average pooling: each channel's whole HxW plane gives its mean",
       .inputs = {{.name = "x", .shape = "[N,C,H,W]", .about = "the input images"}},
       .outputs = {{.name = "y", .shape = "[N,C,1,1]", .about = "each plane's mean"}},
       .grads = {{.name = "dx",
                  .shape = "[N,C,H,W]",
                  .about = "dL/dy shared evenly over the plane: dL/dy / (H W)"}},
       .example = "--x x.npy --dy dy.npy",
       .run = run_global_avgpool2d,
       .gradcheck = {.input = image_input(), .make_case = make_global_avgpool2d_case}},
      // [add_an_op_registry_gradcheck]
      {.name = "l2pool2d",
       .summary = "L2 pooling: each FxF window of each channel gives sqrt(mean of its squares)",
       .inputs = {{.name = "x", .shape = "[N,C,H,W]", .about = "the input images"}},
       .settings = window,
       .outputs = {{.name = "y",
                    .shape = "[N,C,H2,W2]",
                    .about = "each window's root mean square (divisor as avgpool2d's)"}},
       .grads = {{.name = "dx",
                  .shape = "[N,C,H,W]",
                  .about =
                      "x times the sum of dL/dy / (divisor y) of its windows (0 where y = 0)"}},
       .example = "--x x.npy --kernel 3 --stride 2 --padding 1 --dy dy.npy",
       .run = run_l2pool2d,
       .gradcheck = {.input = pool_input(), .settings = window, .make_case = make_l2pool2d_case}},
  };
}

}  // namespace cnnlab::registry
