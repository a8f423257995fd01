// conv_transpose2d.cpp — the op registry's transposed-convolution family: conv_transpose2d.
//
// What it is: for conv_transpose2d, x [N,C,H,W] scattered through w [C,K/G,F,F] (+ b [K]) ->
// y [N,K,H2,W2], its runner (float32, any backend, through the public ops API), its float64
// gradient-check case (the scatter loops of backends/reference/conv_transpose2d.hpp
// instantiated for double) and its registry row, returned by conv_transpose2d_ops()
// (families.hpp). What it is not: the op itself (ops.hpp and the backends), its argument checks
// (the ops API and conv_transpose2d_geometry()), or the checker (src/check/gradcheck.cpp).
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include "backends/reference/conv_transpose2d.hpp"
#include "src/ops/registry/families.hpp"

#include <sstream>

namespace cnnlab::registry {

namespace {

/// The transposed convolution's settings: stride, padding, dilation and groups as for conv2d.
ConvTranspose2dParams params_of(const Conv2dParams& conv, int output_padding) {
  return {.stride = conv.stride,
          .padding = conv.padding,
          .output_padding = output_padding,
          .dilation = conv.dilation,
          .groups = conv.groups};
}

// ---- runner: forward, then backward when call.dy is defined ----------------------------------
std::vector<NamedTensor> run_conv_transpose2d(const OpCall& call) {
  const ConvTranspose2dParams p = params_of(call.settings.conv, call.settings.output_padding);
  const Tensor x = call.input("x"), w = call.input("w"), b = call.input("b"), dy = call.dy;
  std::vector<NamedTensor> out = {{"y", conv_transpose2d_forward(x, w, b, p)}};
  if (dy.defined()) {
    out.push_back({"dx", conv_transpose2d_backward_data(dy, w, x.shape(), p)});
    const ParamGrads g = conv_transpose2d_backward_weight(x, dy, w.shape(), b.defined(), p);
    out.push_back({"dw", g.dw});
    if (b.defined()) out.push_back({"db", g.db});
  }
  return out;
}

// ---- gradient-check case: x [N,C,H,W], w [C,K/G,F,F] with K = spec.filters, F = spec.kernel,
// and b [K] unless spec.bias is false ----------------------------------------------------------
GradcheckCase make_conv_transpose2d_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  if (spec.input.size() != 4)
    throw Error("gradcheck conv_transpose2d: the input shape must be [N, C, H, W], got " +
                to_string(spec.input));
  const int64_t kg = spec.conv.groups > 0 ? spec.filters / spec.conv.groups : 0;
  if (spec.conv.groups > 0 && spec.filters % spec.conv.groups != 0)
    throw Error("gradcheck conv_transpose2d: groups=" + std::to_string(spec.conv.groups) +
                " does not divide the " + std::to_string(spec.filters) + " output channels");
  const Shape ws = {spec.input[1], kg, spec.kernel, spec.kernel};
  const ConvTranspose2dGeometry g =
      conv_transpose2d_geometry(spec.input, ws, params_of(spec.conv, spec.output_padding));
  GradcheckCase c;
  std::ostringstream d;
  d << shape_text("x", spec.input) << ", w " << to_string(ws)
    << (spec.bias ? ", bias" : ", no bias") << ", stride " << g.S << ", padding " << g.P
    << ", output_padding " << g.OP << ", dilation " << g.D << ", groups " << g.G << " -> y "
    << to_string(g.output_shape());
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
    ref::conv_transpose2d_forward<double>(a[0].data(), a[1].data(), bias ? a[2].data() : nullptr,
                                          y.data(), g);
    return y;
  };
  c.backward = [g, bias](const Args& a, const Vec& dy) {
    Args grads{Vec(a[0].size()), Vec(a[1].size())};
    if (bias) grads.emplace_back(a[2].size());
    ref::conv_transpose2d_backward_data<double>(dy.data(), a[1].data(), grads[0].data(), g);
    ref::conv_transpose2d_backward_weight<double>(a[0].data(), dy.data(), grads[1].data(),
                                                  bias ? grads[2].data() : nullptr, g);
    return grads;
  };
  return c;
}

}  // namespace

// ---- the row ----------------------------------------------------------------------------------
std::vector<OpInfo> conv_transpose2d_ops() {
  const OpSetting stride{.name = "stride",
                         .about = "S: step in y between neighbouring x pixels (default 1)",
                         .lowest = 1};
  const OpSetting padding{.name = "padding",
                          .about = "P: rows and columns cropped from every side of y (default 0)"};
  const OpSetting output_padding{
      .name = "output_padding",
      .about =
          "OP: extra rows and columns at the bottom and right of y, below max(S, D) "
          "(default 0)"};
  const OpSetting dilation{
      .name = "dilation", .about = "D: spacing between filter taps (default 1)", .lowest = 1};
  const OpSetting groups{
      .name = "groups", .about = "G: independent channel groups (default 1)", .lowest = 1};
  const OpSetting filters{.name = "filters", .about = "K output channels (default 4)", .lowest = 1};
  const OpSetting kernel{.name = "kernel", .about = "F: filter size (default 3)", .lowest = 1};
  return {
      {.name = "conv_transpose2d",
       .summary = "transposed convolution (learnable upsampling): each x pixel adds its value "
                  "times its FxF filter into y, S pixels apart",
       .inputs = {{.name = "x", .shape = "[N,C,H,W]", .about = "the input images"},
                  {.name = "w", .shape = "[C,K/G,F,F]", .about = "one filter per input channel"},
                  {.name = "b",
                   .shape = "[K]",
                   .about = "one bias per output channel",
                   .optional = true}},
       .settings = {stride, padding, output_padding, dilation, groups},
       .outputs = {{.name = "y",
                    .shape = "[N,K,H2,W2]",
                    .about = "H2 = (H - 1)S - 2P + D(F - 1) + OP + 1"}},
       .grads = {{.name = "dx", .shape = "[N,C,H,W]", .about = "dL/dx (a convolution of dL/dy)"},
                 {.name = "dw", .shape = "[C,K/G,F,F]", .about = "dL/dw"},
                 {.name = "db", .shape = "[K]", .about = "dL/db", .optional = true}},
       .example = "--x x.npy --w w.npy --b b.npy --stride 2 --padding 1 --output-padding 1 "
                  "--dy dy.npy --out grads/",
       .run = run_conv_transpose2d,
       .gradcheck = {.input = {2, 4, 5, 5},
                     .settings = {filters, kernel, stride, padding, output_padding, dilation,
                                  groups, no_bias_setting()},
                     .make_case = make_conv_transpose2d_case}},
  };
}

}  // namespace cnnlab::registry
