// ex02_perceptron.cpp (hidden) — exercise 2 on other data: a random separable set with a margin
// in 4 dimensions, a non-zero start, other learning rates. Expected values: the rule worked out
// by hand and the perceptron convergence theorem (Novikoff 1962): on data separable with margin
// γ by a unit vector (w*, b*), at most (R/γ)² mistakes in all, R = max ‖(x, 1)‖.
#include "check.hpp"

#include <cnnlab/nn/perceptron.hpp>

#include <cmath>
#include <random>

using namespace cnnlab;
using namespace cnnlab::grade;

namespace {

struct Separable {
  std::vector<std::vector<double>> xs;
  std::vector<int> d;
  double bound = 0;  // (R/γ)², the theorem's bound on the total number of mistakes
};

// n points in [-3, 3]^D, labelled by the sign of w*·x + b*, kept only when |w*·x + b*| >= margin.
Separable make_separable(uint64_t seed, const std::vector<double>& w_star, double b_star, size_t n,
                         double margin) {
  std::minstd_rand rng(static_cast<std::minstd_rand::result_type>(seed));
  std::uniform_real_distribution<double> u(-3, 3);
  double norm = b_star * b_star;
  for (double v : w_star) norm += v * v;
  norm = std::sqrt(norm);
  Separable s;
  double r2 = 0;
  while (s.xs.size() < n) {
    std::vector<double> x(w_star.size());
    double a = b_star, len2 = 1;
    for (size_t i = 0; i < x.size(); ++i) {
      x[i] = u(rng);
      a += w_star[i] * x[i];
      len2 += x[i] * x[i];
    }
    if (std::abs(a) < margin) continue;
    s.xs.push_back(x);
    s.d.push_back(a > 0 ? 1 : 0);
    r2 = std::max(r2, len2);
  }
  const double gamma = margin / norm;
  s.bound = r2 / (gamma * gamma);
  return s;
}

}  // namespace

GRADE_HIDDEN_CHECK(2, "hidden: 4-d separable set with a margin, from a non-zero start, α = 0.3") {
  const Separable s = make_separable(2024, {1.0, -2.0, 0.5, 1.5}, 0.75, 60, 0.8);
  Perceptron p{.w = {-1.0, 1.0, 2.0, -0.5}, .b = 3.0};
  const std::vector<int64_t> mistakes = train_perceptron(p, s.xs, s.d, 0.3, 5000);
  expect_true(!mistakes.empty() && mistakes.back() == 0,
              "no epoch without mistakes within 5000 epochs on a separable set (" +
                  std::to_string(mistakes.size()) + " epochs ran)");
  for (size_t j = 0; j < s.xs.size(); ++j)
    expect_equal("f(x_" + std::to_string(j) + ") after training", p.predict(s.xs[j]), s.d[j]);
}

GRADE_HIDDEN_CHECK(2, "hidden: from w = 0, b = 0 the total number of mistakes is within (R/γ)²") {
  const Separable s = make_separable(77, {-0.5, 1.0, 1.0}, -0.25, 40, 1.0);
  Perceptron p{.w = {0.0, 0.0, 0.0}, .b = 0.0};
  const std::vector<int64_t> mistakes = train_perceptron(p, s.xs, s.d, 2.5, 5000);
  int64_t total = 0;
  for (int64_t m : mistakes) total += m;
  expect_true(mistakes.back() == 0, "training did not converge on a separable set");
  expect_true(double(total) <= s.bound,
              std::to_string(total) + " mistakes in all, more than the convergence theorem's " +
                  "bound (R/γ)² = " + std::to_string(s.bound) + ": an update is wrong");
}

GRADE_HIDDEN_CHECK(2, "hidden: two updates by hand with α = 0.125 and a start with a bias") {
  // w = (−1, 0.5, 2), b = −0.5; x = (1, 2, 0.5), d = 0: −1 + 1 + 1 − 0.5 = 0.5 > 0 → y = 1:
  // w = (−1.125, 0.25, 1.9375), b = −0.625.
  // x = (−2, 0, 0), d = 1: 2.25 − 0.625 = 1.625 > 0 → y = 1 = d: no change.
  // x = (0, 0, 0), d = 1: −0.625 → y = 0: w unchanged (x = 0), b = −0.5.
  Perceptron p{.w = {-1.0, 0.5, 2.0}, .b = -0.5};
  expect_true(p.update(std::vector<double>{1.0, 2.0, 0.5}, 0, 0.125), "first update: a mistake");
  expect_true(!p.update(std::vector<double>{-2.0, 0.0, 0.0}, 1, 0.125), "second: no mistake");
  expect_true(p.update(std::vector<double>{0.0, 0.0, 0.0}, 1, 0.125), "third: a mistake");
  expect_close("w", p.w, {-1.125, 0.25, 1.9375}, {3}, {.abs = 1e-12, .rel = 1e-12});
  expect_close("b", std::vector<double>{p.b}, {-0.5}, {1}, {.abs = 1e-12, .rel = 1e-12});
}
