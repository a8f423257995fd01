// ex06_gradcheck.cpp (hidden) — exercise 6 on other functions and sizes, and a gradient that is
// off by very little. Expected values: analytic gradients worked out here (d/dx log Σ e^x =
// softmax, d/dx_i Π x = Π x / x_i), the exact centered difference of a cubic, and the error
// formula.
#include "check.hpp"

#include <cnnlab/check/gradcheck.hpp>

#include <cmath>

using namespace cnnlab;
using namespace cnnlab::grade;

namespace {
using Fn = std::function<double(const std::vector<double>&)>;
}

GRADE_HIDDEN_CHECK(6, "hidden: numerical_gradient of log Σ exp(x_i) over 23 values is softmax(x)") {
  std::vector<double> x(23);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 3.0 * std::cos(0.7 * double(i) + 1.1);
  const Fn f = [](const std::vector<double>& v) {
    double s = 0;
    for (double e : v) s += std::exp(e);
    return std::log(s);
  };
  double z = 0;
  for (double e : x) z += std::exp(e);
  std::vector<double> expected(x.size());
  for (size_t i = 0; i < x.size(); ++i) expected[i] = std::exp(x[i]) / z;
  expect_close("numerical_gradient(logsumexp)", numerical_gradient(f, x), expected, {23},
               {.abs = 1e-8, .rel = 1e-7});
}

GRADE_HIDDEN_CHECK(
    6, "hidden: numerical_gradient of Π x_i with large entries (step scales with |x_i|)") {
  const std::vector<double> x = {12.0, -0.5, 250.0, 0.75, -40.0};
  const Fn f = [](const std::vector<double>& v) {
    double p = 1;
    for (double e : v) p *= e;
    return p;
  };
  const double prod = f(x);
  std::vector<double> expected(x.size());
  for (size_t i = 0; i < x.size(); ++i) expected[i] = prod / x[i];
  expect_close("numerical_gradient(Π x)", numerical_gradient(f, x), expected, {5},
               {.abs = 1e-7, .rel = 1e-7});
  // The cubic again, with h = 0.003 and entries past 1: 3x² + (h·max(1, |x|))².
  const std::vector<double> y = {-7.0, 0.2, 2.5};
  const Fn cube = [](const std::vector<double>& v) {
    return v[0] * v[0] * v[0] + v[1] * v[1] * v[1] + v[2] * v[2] * v[2];
  };
  std::vector<double> exact(y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    const double s = 0.003 * std::max(1.0, std::abs(y[i]));
    exact[i] = 3 * y[i] * y[i] + s * s;
  }
  expect_close("numerical_gradient(Σ x³, h = 0.003)", numerical_gradient(cube, y, 0.003), exact,
               {3}, {.abs = 1e-9, .rel = 1e-9});
}

GRADE_HIDDEN_CHECK(
    6, "hidden: a gradient off by 1e-5 (relative) in one of 40 entries is caught at 1e-7") {
  std::vector<double> x(40);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.1 * double(i) - 2.0;
  const Fn f = [](const std::vector<double>& v) {
    double s = 0;
    for (double e : v) s += e * e * e;
    return s;
  };
  std::vector<double> analytic(x.size());
  for (size_t i = 0; i < x.size(); ++i) analytic[i] = 3 * x[i] * x[i];
  analytic[31] *= 1 + 1e-5;
  const GradReport r = compare_gradient("x", {4, 10}, analytic, numerical_gradient(f, x));
  expect_true(r.max_rel_error > 1e-7, "a gradient 1e-5 off in entry 31 got max_rel_error = " +
                                          std::to_string(r.max_rel_error) +
                                          ", which passes a 1e-7 tolerance");
  expect_equal("worst_index", r.worst_index, 31);
}

GRADE_HIDDEN_CHECK(6, "hidden: the relative error uses the largest |a| + |n| over all entries") {
  // |a − n| = (0, 0.3, 0.1): worst index 1; scale max(20, 0.7, 0.3) = 20 → 0.3 / 20 = 0.015.
  const GradReport r = compare_gradient("k", {3}, {10.0, 0.5, -0.1}, {10.0, 0.2, -0.2});
  expect_close("max_rel_error", std::vector<double>{r.max_rel_error}, {0.015}, {1},
               {.abs = 1e-12, .rel = 1e-12});
  expect_equal("worst_index", r.worst_index, 1);
  const GradReport e = compare_gradient("none", {0}, {}, {});
  expect_close("max_rel_error of empty gradients", std::vector<double>{e.max_rel_error}, {0.0}, {1},
               {.abs = 0, .rel = 0});
}
