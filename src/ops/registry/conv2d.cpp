// conv2d.cpp — the op registry's convolution family: conv2d.
//
// What it is: for conv2d, x [N,C,H,W] * w [K,C/G,F,F] (+ b [K]) -> y [N,K,H2,W2], its runner
// (float32, any backend, through the public ops API), its float64 gradient-check case (the
// reference kernels of backends/reference/conv2d.hpp instantiated for double) and its registry
// row, returned by conv2d_ops() (families.hpp). What it is not: the convolution itself
// (ops.hpp and the backends), its argument checks (the ops API and conv2d_geometry()), or the
// checker (src/check/gradcheck.cpp).
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include "backends/reference/conv2d.hpp"
#include "src/ops/registry/families.hpp"

#include <sstream>

namespace cnnlab::registry {

namespace {

// ---- runner: forward, then backward when call.dy is defined ----------------------------------
std::vector<NamedTensor> run_conv2d(const OpCall& call) {
  const Conv2dParams& p = call.settings.conv;
  const Tensor x = call.input("x"), w = call.input("w"), b = call.input("b"), dy = call.dy;
  std::vector<NamedTensor> out = {{"y", conv2d_forward(x, w, b, p)}};
  if (dy.defined()) {
    out.push_back({"dx", conv2d_backward_data(dy, w, x.shape(), p)});
    const ParamGrads g = conv2d_backward_weight(x, dy, w.shape(), b.defined(), p);
    out.push_back({"dw", g.dw});
    if (b.defined()) out.push_back({"db", g.db});
  }
  return out;
}

// ---- gradient-check case: x [N,C,H,W], w [K,C/G,F,F] with K = spec.filters, F = spec.kernel,
// and b [K] unless spec.bias is false ----------------------------------------------------------
GradcheckCase make_conv2d_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  if (spec.input.size() != 4)
    throw Error("gradcheck conv2d: the input shape must be [N, C, H, W], got " +
                to_string(spec.input));
  const int64_t cg = spec.conv.groups > 0 ? spec.input[1] / spec.conv.groups : 0;
  const Shape ws = {spec.filters, cg, spec.kernel, spec.kernel};
  const Conv2dGeometry g = conv2d_geometry(spec.input, ws, spec.conv);
  GradcheckCase c;
  std::ostringstream d;
  d << shape_text("x", spec.input) << ", w " << to_string(ws)
    << (spec.bias ? ", bias" : ", no bias") << ", stride " << g.S << ", padding " << g.P
    << ", dilation " << g.D << ", groups " << g.G << ", size rule " << size_rule_name(g.rule)
    << " -> y " << to_string(g.output_shape());
  c.description = d.str();
  c.names = {"x", "w"};
  c.shapes = {spec.input, ws};
  c.args = {rng.values(spec.input), rng.values(ws)};
  if (spec.bias) {
    c.names.push_back("b");
    c.shapes.push_back({g.K});
    c.args.push_back(rng.values({g.K}));
  }
  const bool bias = spec.bias;
  c.forward = [g, bias](const Args& a) {
    Vec y(static_cast<size_t>(numel(g.output_shape())));
    ref::conv2d_forward<double>(a[0].data(), a[1].data(), bias ? a[2].data() : nullptr, y.data(),
                                g);
    return y;
  };
  c.backward = [g, bias](const Args& a, const Vec& dy) {
    Args grads{Vec(a[0].size()), Vec(a[1].size())};
    if (bias) grads.emplace_back(a[2].size());
    ref::conv2d_backward_data<double>(dy.data(), a[1].data(), grads[0].data(), g);
    ref::conv2d_backward_weight<double>(a[0].data(), dy.data(), grads[1].data(),
                                        bias ? grads[2].data() : nullptr, g);
    return grads;
  };
  return c;
}

}  // namespace

// ---- the row ----------------------------------------------------------------------------------
std::vector<OpInfo> conv2d_ops() {
  const OpSetting stride{
      .name = "stride", .about = "S: step between filter positions (default 1)", .lowest = 1};
  const OpSetting padding{.name = "padding", .about = "P: zeros added on every side (default 0)"};
  const OpSetting dilation{
      .name = "dilation", .about = "D: spacing between filter taps (default 1)", .lowest = 1};
  const OpSetting groups{
      .name = "groups", .about = "G: independent channel groups (default 1)", .lowest = 1};
  const OpSetting filters{.name = "filters", .about = "K filters (default 4)", .lowest = 1};
  const OpSetting kernel{.name = "kernel", .about = "F: filter size (default 3)", .lowest = 1};
  return {
      {.name = "conv2d",
       .summary = "2-D convolution (cross-correlation): K filters of FxF slide over x with stride "
                  "S, padding P",
       .inputs = {{.name = "x", .shape = "[N,C,H,W]", .about = "the input images"},
                  {.name = "w", .shape = "[K,C/G,F,F]", .about = "K filters"},
                  {.name = "b", .shape = "[K]", .about = "one bias per filter", .optional = true}},
       .settings = {stride, padding, dilation, groups, size_rule_setting(/*pooling=*/false)},
       .outputs = {{.name = "y",
                    .shape = "[N,K,H2,W2]",
                    .about = "H2 = (H - F + 2P)/S + 1 (D = 1)"}},
       .grads = {{.name = "dx", .shape = "[N,C,H,W]", .about = "dL/dx"},
                 {.name = "dw", .shape = "[K,C/G,F,F]", .about = "dL/dw"},
                 {.name = "db", .shape = "[K]", .about = "dL/db", .optional = true}},
       .example = "--x x.npy --w w.npy --b b.npy --stride 2 --padding 1 --dy dy.npy --out grads/",
       .run = run_conv2d,
       .gradcheck = {.input = image_input(),
                     .settings = {filters, kernel, stride, padding, dilation, groups,
                                  size_rule_setting(/*pooling=*/false), no_bias_setting()},
                     .make_case = make_conv2d_case}},
  };
}

}  // namespace cnnlab::registry
