// gradcheck.cpp — the gradient checker: analytic backward passes vs. centered differences.
//
// Contract: check_gradient() compares one analytic gradient with finite differences of a
// scalar loss. gradcheck_op() looks the op up in the op registry (op_registry.hpp), makes its
// float64 case (random inputs away from kinks, reference kernels: the op's family file,
// src/ops/registry/<family>.cpp), draws a random upstream gradient g and checks the gradient
// of L = Σ g ⊙ f(inputs) with respect to every differentiable argument.
// Adding an op: give its registry row a gradcheck part (see op_registry.hpp); nothing here.
#include <cnnlab/check/gradcheck.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/op_registry.hpp>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <numeric>
#include <random>
#include <sstream>

namespace cnnlab {

// ---- the generic checker -------------------------------------------------------------------
std::vector<double> numerical_gradient(
    const std::function<double(const std::vector<double>&)>& loss, std::vector<double> x,
    double h) {
  // BEGIN SOLUTION exercise 6: numerical_gradient [loss, x, h]
  std::vector<double> g(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double xi = x[i], step = h * std::max(1.0, std::abs(xi));
    x[i] = xi + step;
    const double up = loss(x);
    x[i] = xi - step;
    const double down = loss(x);
    x[i] = xi;
    g[i] = (up - down) / (2 * step);
  }
  return g;
  // END SOLUTION
}

GradReport compare_gradient(const std::string& name, const Shape& shape,
                            const std::vector<double>& analytic,
                            const std::vector<double>& numeric) {
  // BEGIN SOLUTION exercise 6: compare_gradient [name, shape, analytic, numeric]
  if (numeric.size() != analytic.size())
    throw Error("compare_gradient(" + name + "): the numerical gradient has " +
                std::to_string(numeric.size()) + " values but the analytic one has " +
                std::to_string(analytic.size()));
  GradReport r;
  r.name = name;
  r.shape = shape;
  double worst_diff = -1, scale = 0;
  for (size_t i = 0; i < numeric.size(); ++i) {
    const double diff = std::abs(analytic[i] - numeric[i]);
    scale = std::max(scale, std::abs(analytic[i]) + std::abs(numeric[i]));
    if (diff > worst_diff) {
      worst_diff = diff;
      r.worst_index = static_cast<int64_t>(i);
      r.analytic = analytic[i];
      r.numeric = numeric[i];
    }
  }
  r.max_rel_error = numeric.empty() ? 0.0 : worst_diff / std::max(scale, 1e-300);
  return r;
  // END SOLUTION
}

GradReport check_gradient(const std::string& name, const Shape& shape,
                          const std::function<double(const std::vector<double>&)>& loss,
                          std::vector<double> x, const std::vector<double>& analytic, double h) {
  if (x.size() != analytic.size())  // before any loss evaluation
    throw Error("check_gradient(" + name + "): x has " + std::to_string(x.size()) +
                " values but the analytic gradient has " + std::to_string(analytic.size()));
  return compare_gradient(name, shape, analytic, numerical_gradient(loss, std::move(x), h));
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
    out << "  d" << r.name << " " << cnnlab::to_string(r.shape)
        << "  max_rel_error=" << std::scientific << std::setprecision(3) << r.max_rel_error
        << "  worst index " << r.worst_index << ": analytic=" << std::setprecision(10) << r.analytic
        << " numeric=" << r.numeric << "\n";
  return out.str();
}

// ---- one op of the registry -----------------------------------------------------------------
namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  return std::inner_product(a.begin(), a.end(), b.begin(), 0.0);
}

/// The upstream gradient g: @p n values uniform in [-1, 1], drawn from @p rng after the case's
/// inputs.
std::vector<double> upstream_gradient(size_t n, std::mt19937_64& rng) {
  std::vector<double> g(n);
  for (double& v : g) v = std::uniform_real_distribution<double>(-1, 1)(rng);
  return g;
}

}  // namespace

std::vector<std::string> gradcheck_ops() {
  std::vector<std::string> names;
  for (const OpInfo& info : op_registry())
    if (info.gradcheck.make_case) names.push_back(info.name);
  return names;
}

GradcheckResult gradcheck_op(const std::string& op, const GradcheckSpec& spec) {
  const std::vector<std::string> known = gradcheck_ops();
  if (std::find(known.begin(), known.end(), op) == known.end()) {
    std::string list;
    for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
    throw Error("gradcheck: unknown op '" + op + "'; known ops: " + list);
  }
  const OpInfo& info = find_op(op);
  GradcheckSpec s = spec;
  if (s.input.empty()) s.input = info.gradcheck.input;
  // Centered differences cost two forward passes per input element: past a million elements a
  // check would run for hours (and the vectors might not even fit in memory), so say so first.
  constexpr int64_t kMaxCheckedElements = int64_t{1} << 20;
  if (const int64_t n = numel(s.input);
      n > kMaxCheckedElements)  // numel() throws on int64 overflow
    throw Error("gradcheck " + op + ": the input " + to_string(s.input) + " has " +
                std::to_string(n) + " elements, more than the " +
                std::to_string(kMaxCheckedElements) +
                " a numerical gradient check can take (two forward passes per element); use a "
                "smaller --shape");
  std::mt19937_64 rng(s.seed);
  const GradcheckCase c = info.gradcheck.make_case(s, rng);

  // L = Σ g ⊙ y with a random upstream gradient g, so every output element matters.
  const std::vector<double> g = upstream_gradient(c.forward(c.args).size(), rng);
  const std::vector<std::vector<double>> analytic = c.backward(c.args, g);

  GradcheckResult result;
  result.op = op;
  result.description = c.description;
  for (size_t k = 0; k < c.args.size(); ++k) {
    auto loss = [&](const std::vector<double>& xk) {
      std::vector<std::vector<double>> a = c.args;
      a[k] = xk;
      return dot(g, c.forward(a));
    };
    result.reports.push_back(check_gradient(c.names[k], c.shapes[k], loss, c.args[k], analytic[k]));
  }
  return result;
}

}  // namespace cnnlab
