// gradcheck_cases.cpp — each op as a float64 gradient-check case on the reference kernels.
//
// What it is: for every op of the registry, make_<op>_case() checks the spec, draws random
// inputs (away from kinks: no ReLU input near 0, no max-pool ties) and wraps the templated
// reference kernels, instantiated for double, as forward(args) and backward(args, dy).
// What it is not: the checker (gradcheck.cpp compares backward with finite differences of
// forward) or the list of ops (src/ops/op_registry.cpp, which points to these functions).
#include "src/check/gradcheck_cases.hpp"

#include <cnnlab/core/error.hpp>

#include "backends/reference/activations.hpp"
#include "backends/reference/conv2d.hpp"
#include "backends/reference/elementwise.hpp"
#include "backends/reference/linear.hpp"
#include "backends/reference/pool2d.hpp"
#include "backends/reference/softmax.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>

namespace cnnlab::check {

namespace {

using Vec = std::vector<double>;
using Args = std::vector<Vec>;

/// Deterministic random numbers for one check, drawn from the checker's engine.
struct Rng {
  std::mt19937_64& engine;
  double uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(engine);
  }
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
    for (size_t i = 0; i < n; ++i)
      v[i] = -1.0 + 2.0 * (static_cast<double>(i) + 0.5) / static_cast<double>(n);
    std::shuffle(v.begin(), v.end(), engine);
    return v;
  }
};

std::string shape_text(const char* name, const Shape& s) {
  return std::string(name) + " " + to_string(s);
}

Shape require_matrix(const char* op, const Shape& s) {
  if (s.size() != 2)
    throw Error(std::string("gradcheck ") + op + ": the input shape must be [N, D], got " +
                to_string(s));
  require_positive(s, std::string("gradcheck ") + op + ": input");
  return s;
}

GradcheckCase make_pool_case(const GradcheckSpec& spec, Rng rng, bool is_max) {
  const char* op = is_max ? "maxpool2d" : "avgpool2d";
  const Pool2dGeometry g = pool2d_geometry(op, spec.input, spec.pool);
  GradcheckCase c;
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

}  // namespace

std::vector<double> random_values(const Shape& shape, std::mt19937_64& rng) {
  return Rng{rng}.values(shape);
}

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
    << ", dilation " << g.D << ", groups " << g.G << " -> y " << to_string(g.output_shape());
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

GradcheckCase make_maxpool2d_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  return make_pool_case(spec, Rng{engine}, true);
}

GradcheckCase make_avgpool2d_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  return make_pool_case(spec, Rng{engine}, false);
}

/// Global average pooling: y[N,C,1,1] = the mean of each H×W plane of x[N,C,H,W].
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

GradcheckCase make_linear_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  const Shape xs = require_matrix("linear", spec.input);
  const int64_t N = xs[0], Din = xs[1], Dout = spec.filters;
  if (Dout <= 0)
    throw Error("gradcheck linear: the number of outputs (--filters) must be positive");
  GradcheckCase c;
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
    ref::linear_forward<double>(a[0].data(), a[1].data(), bias ? a[2].data() : nullptr, y.data(), N,
                                Din, Dout);
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

/// y [M, N] = op(a)·op(b): a is stored [M, K] (or [K, M] with trans_a), spec.input is a's
/// stored shape; b is stored [K, N] (or [N, K] with trans_b), N = spec.filters. The backward
/// pass is the four cases of matmul_backward() (ops.hpp), each again a product.
GradcheckCase make_matmul_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  const Shape as = require_matrix("matmul", spec.input);
  const bool ta = spec.trans_a, tb = spec.trans_b;
  const int64_t M = ta ? as[1] : as[0], K = ta ? as[0] : as[1], N = spec.filters;
  if (N <= 0)
    throw Error("gradcheck matmul: the number of columns of y (--filters) must be positive");
  const Shape bs = tb ? Shape{N, K} : Shape{K, N};
  GradcheckCase c;
  c.description = std::string("y = ") + (ta ? "aT" : "a") + " " + (tb ? "bT" : "b") + ", " +
                  shape_text("a", as) + ", " + shape_text("b", bs) + " -> y " + to_string({M, N});
  c.names = {"a", "b"};
  c.shapes = {as, bs};
  c.args = {rng.values(as), rng.values(bs)};
  c.forward = [=](const Args& a) {
    Vec y(static_cast<size_t>(M * N));
    ref::gemm<double>(ta, tb, M, N, K, 1.0, a[0].data(), a[1].data(), 0.0, y.data());
    return y;
  };
  c.backward = [=](const Args& a, const Vec& dy) {
    Args grads{Vec(a[0].size()), Vec(a[1].size())};
    double* da = grads[0].data();
    double* db = grads[1].data();
    const double *A = a[0].data(), *B = a[1].data(), *DY = dy.data();
    // gemm(trans_first, trans_second, rows, cols, inner, 1, first, second, 0, out)
    if (!ta && !tb) {  // da = dy bT [M, K],  db = aT dy [K, N]
      ref::gemm<double>(false, true, M, K, N, 1.0, DY, B, 0.0, da);
      ref::gemm<double>(true, false, K, N, M, 1.0, A, DY, 0.0, db);
    } else if (ta && !tb) {  // da = b dyT [K, M],  db = a dy [K, N]
      ref::gemm<double>(false, true, K, M, N, 1.0, B, DY, 0.0, da);
      ref::gemm<double>(false, false, K, N, M, 1.0, A, DY, 0.0, db);
    } else if (!ta && tb) {  // da = dy b [M, K],  db = dyT a [N, K]
      ref::gemm<double>(false, false, M, K, N, 1.0, DY, B, 0.0, da);
      ref::gemm<double>(true, false, N, K, M, 1.0, DY, A, 0.0, db);
    } else {  // da = bT dyT [K, M],  db = dyT aT [N, K]
      ref::gemm<double>(true, true, K, M, N, 1.0, B, DY, 0.0, da);
      ref::gemm<double>(true, true, N, K, M, 1.0, DY, A, 0.0, db);
    }
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

}  // namespace cnnlab::check
