// ex06_gradcheck.cpp — exercise 6: the numerical gradient checker (src/check/gradcheck.cpp):
// numerical_gradient() by centered differences and compare_gradient()'s relative error.
// Expected values are mathematical facts: analytic gradients worked out here (d/dx x³ = 3x²,
// d/dx sin x = cos x, ∇(xᵀAx) = (A + Aᵀ)x), the exact centered difference of a cubic
// ((x+s)³ − (x−s)³)/2s = 3x² + s², and the error formula on numbers chosen by hand.
#include "check.hpp"

#include <cnnlab/check/gradcheck.hpp>

#include <cmath>
#include <sstream>

using namespace cnnlab;
using namespace cnnlab::grade;

namespace {

using Fn = std::function<double(const std::vector<double>&)>;

const Tolerance kGrad{.abs = 1e-7, .rel = 1e-7};

std::vector<double> sample(size_t n, double scale) {  // deterministic, no zeros, mixed signs
  std::vector<double> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = scale * std::sin(1.3 * double(i) + 0.4) + 0.05;
  return x;
}

double sum_cubes(const std::vector<double>& x) {
  double s = 0;
  for (double v : x) s += v * v * v;
  return s;
}

}  // namespace

GRADE_CHECK(6, "numerical_gradient of f(x) = Σ x_i³ is 3x_i² (to 1e-7)") {
  const std::vector<double> x = sample(7, 1.5);
  std::vector<double> expected(x.size());
  for (size_t i = 0; i < x.size(); ++i) expected[i] = 3 * x[i] * x[i];
  expect_close("numerical_gradient(Σ x³)", numerical_gradient(sum_cubes, x), expected,
               {int64_t(x.size())}, kGrad);
}

GRADE_CHECK(6, "numerical_gradient of f(x) = Σ sin(x_i)·x_{i+1} (to 1e-7)") {
  const std::vector<double> x = sample(6, 2.0);
  const Fn f = [](const std::vector<double>& v) {
    double s = 0;
    for (size_t i = 0; i + 1 < v.size(); ++i) s += std::sin(v[i]) * v[i + 1];
    return s;
  };
  // df/dx_i = cos(x_i)·x_{i+1} (when i has a successor) + sin(x_{i−1}) (when it has a predecessor)
  std::vector<double> expected(x.size(), 0.0);
  for (size_t i = 0; i < x.size(); ++i) {
    if (i + 1 < x.size()) expected[i] += std::cos(x[i]) * x[i + 1];
    if (i > 0) expected[i] += std::sin(x[i - 1]);
  }
  expect_close("numerical_gradient(Σ sin(x_i) x_{i+1})", numerical_gradient(f, x), expected,
               {int64_t(x.size())}, kGrad);
}

GRADE_CHECK(6, "numerical_gradient of a quadratic form xᵀAx + bᵀx is (A + Aᵀ)x + b") {
  const std::vector<double> A = {2, -1, 0.5, 0, 3, 1, -2, 0.25, 1};  // 3x3, not symmetric
  const std::vector<double> b = {0.5, -1, 2};
  const Fn f = [&](const std::vector<double>& v) {
    double s = 0;
    for (size_t r = 0; r < 3; ++r) {
      s += b[r] * v[r];
      for (size_t c = 0; c < 3; ++c) s += v[r] * A[r * 3 + c] * v[c];
    }
    return s;
  };
  const std::vector<double> x = {1.5, -0.75, 2.25};
  std::vector<double> expected(b);
  for (size_t r = 0; r < 3; ++r)
    for (size_t c = 0; c < 3; ++c) expected[r] += (A[r * 3 + c] + A[c * 3 + r]) * x[c];
  expect_close("numerical_gradient(xᵀAx + bᵀx)", numerical_gradient(f, x), expected, {3}, kGrad);
}

GRADE_CHECK(6, "numerical_gradient uses the step s = h·max(1, |x_i|) and leaves x as it was") {
  // For a cubic the centered difference is exact algebra: ((x+s)³ − (x−s)³)/2s = 3x² + s².
  // With h = 0.01 the s² term is visible, so the step actually used can be read off.
  const std::vector<double> x = {0.5, -0.25, 3.0, -4.0, 1.0};
  const double h = 0.01;
  std::vector<double> expected(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double s = h * std::max(1.0, std::abs(x[i]));
    expected[i] = 3 * x[i] * x[i] + s * s;
  }
  int64_t calls = 0;
  bool moved_more_than_one = false;
  const Fn f = [&](const std::vector<double>& v) {
    ++calls;
    int64_t changed = 0;
    for (size_t i = 0; i < v.size(); ++i) changed += v[i] != x[i] ? 1 : 0;
    moved_more_than_one = moved_more_than_one || changed > 1;
    return sum_cubes(v);
  };
  expect_close("numerical_gradient(Σ x³, h = 0.01) = 3x² + s²", numerical_gradient(f, x, h),
               expected, {int64_t(x.size())}, {.abs = 1e-9, .rel = 1e-9});
  expect_true(!moved_more_than_one,
              "a loss evaluation saw more than one element moved: restore x_i after its two "
              "evaluations, before moving x_{i+1}");
  expect_equal("loss evaluations for 5 elements (two per element)", calls, 10);
}

GRADE_CHECK(6, "compare_gradient passes a correct gradient (relative error < 1e-7)") {
  const std::vector<double> x = sample(8, 1.2);
  std::vector<double> analytic(x.size());
  for (size_t i = 0; i < x.size(); ++i) analytic[i] = 3 * x[i] * x[i];
  const GradReport r = compare_gradient("x", {2, 4}, analytic, numerical_gradient(sum_cubes, x));
  expect_true(r.name == "x", "the report's name is \"" + r.name + "\", not \"x\"");
  expect_shape("the report's shape", r.shape, {2, 4});
  expect_true(r.max_rel_error < 1e-7, "a correct gradient got max_rel_error = " +
                                          std::to_string(r.max_rel_error) + " (must be < 1e-7)");
}

GRADE_CHECK(6, "compare_gradient FAILS a gradient with one wrong entry and names that entry") {
  const std::vector<double> x = sample(8, 1.2);
  std::vector<double> analytic(x.size());
  for (size_t i = 0; i < x.size(); ++i) analytic[i] = 3 * x[i] * x[i];
  analytic[5] *= 1.01;  // a 1 % mistake in one entry
  const std::vector<double> numeric = numerical_gradient(sum_cubes, x);
  const GradReport r = compare_gradient("x", {8}, analytic, numeric);
  std::ostringstream s;
  s << "max_rel_error = " << r.max_rel_error << " for a gradient whose entry 5 is 1 % off";
  expect_true(r.max_rel_error > 1e-4, s.str() + ": the checker must fail it (error > 1e-4)");
  expect_equal("worst_index", r.worst_index, 5);
  expect_close("analytic and numeric at the worst index",
               std::vector<double>{r.analytic, r.numeric}, {analytic[5], numeric[5]}, {2},
               {.abs = 0, .rel = 0});
}

GRADE_CHECK(6, "compare_gradient's relative error max|a − n| / max(|a| + |n|) on numbers by hand") {
  // |a − n| = (0.1, 0, 0.5, 0.2): the worst index is 2; max(|a| + |n|) = max(2.1, 4, 5.5, 1.8) =
  // 5.5, so the error is 0.5 / 5.5 = 1/11 (the scale is taken over all entries, not entry 2's).
  const GradReport r = compare_gradient("w", {2, 2}, {1.0, -2.0, 3.0, 1.0}, {1.1, -2.0, 2.5, 0.8});
  expect_close("max_rel_error", std::vector<double>{r.max_rel_error}, {1.0 / 11.0}, {1},
               {.abs = 1e-12, .rel = 1e-12});
  expect_equal("worst_index", r.worst_index, 2);
  expect_close("analytic, numeric at the worst index", std::vector<double>{r.analytic, r.numeric},
               {3.0, 2.5}, {2}, {.abs = 0, .rel = 0});
  // Both zero everywhere: no error at all (no division by zero, no NaN).
  const GradReport z = compare_gradient("b", {3}, {0.0, 0.0, 0.0}, {0.0, 0.0, 0.0});
  expect_close("max_rel_error of two zero gradients", std::vector<double>{z.max_rel_error}, {0.0},
               {1}, {.abs = 0, .rel = 0});
}

GRADE_CHECK(6, "compare_gradient refuses gradients of different lengths") {
  expect_error(
      "compare_gradient with 3 analytic and 2 numerical values",
      [] {
        (void)compare_gradient("x", {3}, {1.0, 2.0, 3.0}, {1.0, 2.0});
      },
      "");
}
