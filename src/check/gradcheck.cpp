// gradcheck.cpp — the gradient checker: analytic backward passes vs. centered differences.
//
// Contract: check_gradient() compares one analytic gradient with finite differences of a
// scalar loss. gradcheck_op() builds, for a named op, random float64 inputs (away from kinks)
// and a random upstream gradient g, runs the reference kernels in double precision, and checks
// the gradient of L = Σ g ⊙ f(inputs) with respect to every differentiable argument.
// Adding an op: write one make_*_case() function and add it to the table in op_table().
#include <cnnlab/core/error.hpp>
#include <cnnlab/check/gradcheck.hpp>

#include "backends/reference/activations.hpp"
#include "backends/reference/conv2d.hpp"
#include "backends/reference/elementwise.hpp"
#include "backends/reference/linear.hpp"
#include "backends/reference/pool2d.hpp"
#include "backends/reference/softmax.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <numeric>
#include <random>
#include <sstream>

namespace cnnlab {

// ---- the generic checker -------------------------------------------------------------------
GradReport check_gradient(const std::string& name, const Shape& shape,
                          const std::function<double(const std::vector<double>&)>& loss,
                          std::vector<double> x, const std::vector<double>& analytic,
                          double h) {
  if (x.size() != analytic.size())
    throw Error("check_gradient(" + name + "): x has " + std::to_string(x.size()) +
                " values but the analytic gradient has " + std::to_string(analytic.size()));
  GradReport r;
  r.name = name;
  r.shape = shape;
  double worst_diff = -1, scale = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double xi = x[i], step = h * std::max(1.0, std::abs(xi));
    x[i] = xi + step;
    const double up = loss(x);
    x[i] = xi - step;
    const double down = loss(x);
    x[i] = xi;
    const double numeric = (up - down) / (2 * step);
    const double diff = std::abs(analytic[i] - numeric);
    scale = std::max(scale, std::abs(analytic[i]) + std::abs(numeric));
    if (diff > worst_diff) {
      worst_diff = diff;
      r.worst_index = static_cast<int64_t>(i);
      r.analytic = analytic[i];
      r.numeric = numeric;
    }
  }
  r.max_rel_error = x.empty() ? 0.0 : worst_diff / std::max(scale, 1e-300);
  return r;
}

double GradcheckResult::max_rel_error() const {
  double worst = 0;
  for (const auto& r : reports) worst = std::max(worst, r.max_rel_error);
  return worst;
}

std::string GradcheckResult::to_string() const {
  std::ostringstream out;
  out << "gradcheck " << op << ": " << description << "\n";
  for (const auto& r : reports)
    out << "  d" << r.name << " " << cnnlab::to_string(r.shape) << "  max_rel_error="
        << std::scientific << std::setprecision(3) << r.max_rel_error << "  worst index "
        << r.worst_index << ": analytic=" << std::setprecision(10) << r.analytic
        << " numeric=" << r.numeric << "\n";
  return out.str();
}

// ---- one op, described as plain functions on float64 vectors -------------------------------
namespace {

using Vec = std::vector<double>;
using Args = std::vector<Vec>;

/// A differentiable op instance: its inputs, y = forward(args) and grads = backward(args, dy).
struct OpCase {
  std::string description;
  std::vector<std::string> names;  // one per differentiable argument
  std::vector<Shape> shapes;
  Args args;
  std::function<Vec(const Args&)> forward;
  std::function<Args(const Args&, const Vec&)> backward;
};

/// Deterministic random numbers for one check.
struct Rng {
  std::mt19937_64 engine;
  explicit Rng(uint64_t seed) : engine(seed) {}
  double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(engine); }
  /// Uniform in [-1, 1].
  Vec values(const Shape& s) {
    Vec v(static_cast<size_t>(numel(s)));
    for (double& e : v) e = uniform(-1, 1);
    return v;
  }
  /// Values with |v| in [0.1, 1]: no ReLU kink within reach of the finite-difference step.
  Vec away_from_zero(const Shape& s) {
    Vec v = values(s);
    for (double& e : v) e = (e < 0 ? -1 : 1) * (0.1 + 0.9 * std::abs(e));
    return v;
  }
  /// Distinct values at least 2/n apart, shuffled: no max-pool ties within reach of the step.
  Vec distinct(const Shape& s) {
    const size_t n = static_cast<size_t>(numel(s));
    Vec v(n);
    for (size_t i = 0; i < n; ++i) v[i] = -1.0 + 2.0 * (static_cast<double>(i) + 0.5) / static_cast<double>(n);
    std::shuffle(v.begin(), v.end(), engine);
    return v;
  }
};

std::string shape_text(const char* name, const Shape& s) { return std::string(name) + " " + to_string(s); }

OpCase make_conv2d_case(const GradcheckSpec& spec, Rng& rng) {
  if (spec.input.size() != 4)
    throw Error("gradcheck conv2d: the input shape must be [N, C, H, W], got " + to_string(spec.input));
  const int64_t cg = spec.conv.groups > 0 ? spec.input[1] / spec.conv.groups : 0;
  const Shape ws = {spec.filters, cg, spec.kernel, spec.kernel};
  const Conv2dGeometry g = conv2d_geometry(spec.input, ws, spec.conv);
  OpCase c;
  std::ostringstream d;
  d << shape_text("x", spec.input) << ", w " << to_string(ws) << (spec.bias ? ", bias" : ", no bias")
    << ", stride " << g.S << ", padding " << g.P << ", dilation " << g.D << ", groups " << g.G
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
    ref::conv2d_forward<double>(a[0].data(), a[1].data(), bias ? a[2].data() : nullptr, y.data(), g);
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

OpCase make_pool_case(const GradcheckSpec& spec, Rng& rng, bool is_max) {
  const char* op = is_max ? "maxpool2d" : "avgpool2d";
  const Pool2dGeometry g = pool2d_geometry(op, spec.input, spec.pool);
  OpCase c;
  std::ostringstream d;
  d << shape_text("x", spec.input) << ", window " << g.F << "x" << g.F << ", stride " << g.S
    << ", padding " << g.P << (spec.pool.ceil_mode ? ", ceil mode" : "") << " -> y "
    << to_string(g.output_shape());
  c.description = d.str();
  c.names = {"x"};
  c.shapes = {spec.input};
  c.args = {is_max ? rng.distinct(spec.input) : rng.values(spec.input)};
  c.forward = [g, is_max](const Args& a) {
    Vec y(static_cast<size_t>(numel(g.output_shape())));
    if (is_max) ref::maxpool2d_forward<double>(a[0].data(), y.data(), g);
    else ref::avgpool2d_forward<double>(a[0].data(), y.data(), g);
    return y;
  };
  c.backward = [g, is_max](const Args& a, const Vec& dy) {
    Args grads{Vec(a[0].size())};
    if (is_max) ref::maxpool2d_backward<double>(a[0].data(), dy.data(), grads[0].data(), g);
    else ref::avgpool2d_backward<double>(dy.data(), grads[0].data(), g);
    return grads;
  };
  return c;
}

Shape require_matrix(const char* op, const Shape& s) {
  if (s.size() != 2) throw Error(std::string("gradcheck ") + op + ": the input shape must be [N, D], got " + to_string(s));
  require_positive(s, std::string("gradcheck ") + op + ": input");
  return s;
}

OpCase make_linear_case(const GradcheckSpec& spec, Rng& rng) {
  const Shape xs = require_matrix("linear", spec.input);
  const int64_t N = xs[0], Din = xs[1], Dout = spec.filters;
  if (Dout <= 0) throw Error("gradcheck linear: the number of outputs (--filters) must be positive");
  OpCase c;
  c.description = shape_text("x", xs) + ", W " + to_string({Din, Dout}) +
                  (spec.bias ? ", bias" : ", no bias") + " -> y " + to_string({N, Dout});
  c.names = {"x", "W"};
  c.shapes = {xs, {Din, Dout}};
  c.args = {rng.values(xs), rng.values({Din, Dout})};
  if (spec.bias) {
    c.names.push_back("b");
    c.shapes.push_back({Dout});
    c.args.push_back(rng.values({Dout}));
  }
  const bool bias = spec.bias;
  c.forward = [=](const Args& a) {
    Vec y(static_cast<size_t>(N * Dout));
    ref::linear_forward<double>(a[0].data(), a[1].data(), bias ? a[2].data() : nullptr, y.data(), N, Din, Dout);
    return y;
  };
  c.backward = [=](const Args& a, const Vec& dy) {
    Args grads{Vec(a[0].size()), Vec(a[1].size())};
    if (bias) grads.emplace_back(a[2].size());
    ref::linear_backward_data<double>(dy.data(), a[1].data(), grads[0].data(), N, Din, Dout);
    ref::linear_backward_weight<double>(a[0].data(), dy.data(), grads[1].data(),
                                        bias ? grads[2].data() : nullptr, N, Din, Dout);
    return grads;
  };
  return c;
}

/// ReLU, sigmoid and tanh: y = f(x) elementwise; sigmoid and tanh differentiate from y.
OpCase make_activation_case(const std::string& op, const GradcheckSpec& spec, Rng& rng) {
  require_positive(spec.input, "gradcheck " + op + ": input");
  OpCase c;
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

OpCase make_softmax_case(const GradcheckSpec& spec, Rng& rng) {
  const Shape xs = require_matrix("softmax", spec.input);
  OpCase c;
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

OpCase make_cross_entropy_case(const GradcheckSpec& spec, Rng& rng) {
  const Shape xs = require_matrix("softmax_cross_entropy", spec.input);
  std::vector<float> labels(static_cast<size_t>(xs[0]));
  for (float& t : labels)
    t = static_cast<float>(std::uniform_int_distribution<int64_t>(0, xs[1] - 1)(rng.engine));
  OpCase c;
  c.description = "logits " + to_string(xs) + ", random labels in [0, " + std::to_string(xs[1] - 1) + "] -> mean loss";
  c.names = {"logits"};
  c.shapes = {xs};
  c.args = {rng.values(xs)};
  for (double& v : c.args[0]) v *= 4;
  c.forward = [xs, labels](const Args& a) {
    return Vec{ref::softmax_cross_entropy_forward<double>(a[0].data(), labels.data(), xs[0], xs[1])};
  };
  c.backward = [xs, labels](const Args& a, const Vec& dy) {
    Args grads{Vec(a[0].size())};
    ref::softmax_cross_entropy_backward<double>(a[0].data(), labels.data(), dy[0], grads[0].data(), xs[0], xs[1]);
    return grads;
  };
  return c;
}

/// flatten only renames the dimensions: forward and backward copy values unchanged.
OpCase make_flatten_case(const GradcheckSpec& spec, Rng& rng) {
  if (spec.input.size() < 2) throw Error("gradcheck flatten: the input needs at least 2 dimensions, got " + to_string(spec.input));
  require_positive(spec.input, "gradcheck flatten: input");
  OpCase c;
  c.description = shape_text("x", spec.input) + " -> y " + to_string({spec.input[0], numel(spec.input) / spec.input[0]});
  c.names = {"x"};
  c.shapes = {spec.input};
  c.args = {rng.values(spec.input)};
  c.forward = [](const Args& a) { return a[0]; };
  c.backward = [](const Args&, const Vec& dy) { return Args{dy}; };
  return c;
}

OpCase make_add_case(const GradcheckSpec& spec, Rng& rng) {
  require_positive(spec.input, "gradcheck add: input");
  OpCase c;
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

using CaseMaker = std::function<OpCase(const GradcheckSpec&, Rng&)>;

const std::map<std::string, CaseMaker>& op_table() {
  static const std::map<std::string, CaseMaker> table = {
      {"conv2d", make_conv2d_case},
      {"maxpool2d", [](const GradcheckSpec& s, Rng& r) { return make_pool_case(s, r, true); }},
      {"avgpool2d", [](const GradcheckSpec& s, Rng& r) { return make_pool_case(s, r, false); }},
      {"linear", make_linear_case},
      {"relu", [](const GradcheckSpec& s, Rng& r) { return make_activation_case("relu", s, r); }},
      {"sigmoid", [](const GradcheckSpec& s, Rng& r) { return make_activation_case("sigmoid", s, r); }},
      {"tanh", [](const GradcheckSpec& s, Rng& r) { return make_activation_case("tanh", s, r); }},
      {"softmax", make_softmax_case},
      {"softmax_cross_entropy", make_cross_entropy_case},
      {"flatten", make_flatten_case},
      {"add", make_add_case},
  };
  return table;
}

double dot(const Vec& a, const Vec& b) {
  return std::inner_product(a.begin(), a.end(), b.begin(), 0.0);
}

}  // namespace

std::vector<std::string> gradcheck_ops() {
  std::vector<std::string> names;
  for (const auto& entry : op_table()) names.push_back(entry.first);
  return names;
}

GradcheckResult gradcheck_op(const std::string& op, const GradcheckSpec& spec) {
  const auto it = op_table().find(op);
  if (it == op_table().end()) {
    std::string known;
    for (const auto& n : gradcheck_ops()) known += (known.empty() ? "" : ", ") + n;
    throw Error("gradcheck: unknown op '" + op + "'; known ops: " + known);
  }
  Rng rng(spec.seed);
  OpCase c = it->second(spec, rng);

  // L = Σ g ⊙ y with a random upstream gradient g, so every output element matters.
  const Vec g = rng.values({static_cast<int64_t>(c.forward(c.args).size())});
  const Args analytic = c.backward(c.args, g);

  GradcheckResult result;
  result.op = op;
  result.description = c.description;
  for (size_t k = 0; k < c.args.size(); ++k) {
    auto loss = [&](const Vec& xk) {
      Args a = c.args;
      a[k] = xk;
      return dot(g, c.forward(a));
    };
    result.reports.push_back(check_gradient(c.names[k], c.shapes[k], loss, c.args[k], analytic[k]));
  }
  return result;
}

}  // namespace cnnlab
