// ex02_perceptron.cpp — exercise 2: the perceptron's threshold, its update rule and its training
// loop (src/nn/perceptron.cpp). Expected values are the lecture's rule worked out by hand
// (seed 000, Rosenblatt 1957: f(x) = 1 if w·x + b > 0 else 0; w_i(t+1) = w_i(t) + α(d_j −
// y_j(t)) x_{j,i}) and properties (every training point on its side of the learned line).
#include "check.hpp"

#include <cnnlab/nn/perceptron.hpp>

#include <sstream>

using namespace cnnlab;
using namespace cnnlab::grade;

namespace {

void expect_value(const std::string& what, double actual, double expected) {
  expect_close(what, std::vector<double>{actual}, std::vector<double>{expected}, {1},
               {.abs = 1e-12, .rel = 1e-12});
}

/// Fails unless p classifies every (xs[j], d[j]) correctly; names the first wrong point.
void expect_separates(const Perceptron& p, const std::vector<std::vector<double>>& xs,
                      const std::vector<int>& d) {
  for (size_t j = 0; j < xs.size(); ++j) {
    const int y = p.predict(xs[j]);
    if (y != d[j]) {
      std::ostringstream s;
      s << "after training, point " << j << " (";
      for (size_t i = 0; i < xs[j].size(); ++i) s << (i ? ", " : "") << xs[j][i];
      s << ") with label " << d[j] << " is classified " << y << "; w = (";
      for (size_t i = 0; i < p.w.size(); ++i) s << (i ? ", " : "") << p.w[i];
      s << "), b = " << p.b;
      fail(s.str());
    }
  }
}

}  // namespace

GRADE_CHECK(2, "predict: 1 when w·x + b > 0, 0 when it is negative or exactly 0") {
  const Perceptron p{.w = {2.0, -1.0, 0.5}, .b = -1.0};
  expect_equal("f(1, 0, 0) (w·x + b = 1)", p.predict(std::vector<double>{1, 0, 0}), 1);
  expect_equal("f(0, 1, 0) (w·x + b = -2)", p.predict(std::vector<double>{0, 1, 0}), 0);
  expect_equal("f(0, 0, 2) (w·x + b = 0 exactly)", p.predict(std::vector<double>{0, 0, 2}), 0);
  expect_equal("f(0.5, 0, 0.5) (w·x + b = 0.25)", p.predict(std::vector<double>{0.5, 0, 0.5}), 1);
}

GRADE_CHECK(2, "update: one mistake corrected by hand (w, b move by α(d − y)x and α(d − y))") {
  // w = (1, -2), b = 0.5, x = (3, 1), d = 0, α = 0.25:
  // w·x + b = 3 − 2 + 0.5 = 1.5 > 0, so y = 1 and d − y = −1:
  // w = (1 − 0.25·3, −2 − 0.25·1) = (0.25, −2.25), b = 0.5 − 0.25 = 0.25.
  Perceptron p{.w = {1.0, -2.0}, .b = 0.5};
  expect_true(p.update(std::vector<double>{3.0, 1.0}, 0, 0.25),
              "update() must return true for a mistake (y = 1, d = 0)");
  expect_equal("w's length", int64_t(p.w.size()), 2);
  expect_value("w[0]", p.w[0], 0.25);
  expect_value("w[1]", p.w[1], -2.25);
  expect_value("b", p.b, 0.25);
  // Now x = (−1, −1), d = 1: w·x + b = −0.25 + 2.25 + 0.25 = 2.25 > 0 → y = 1 = d: no change.
  // And x = (1, 1), d = 1: 0.25 − 2.25 + 0.25 = −1.75 → y = 0, d − y = +1:
  // w = (0.5, −2), b = 0.5.
  expect_true(!p.update(std::vector<double>{-1.0, -1.0}, 1, 0.25),
              "update() must return false when the prediction is right");
  expect_true(p.update(std::vector<double>{1.0, 1.0}, 1, 0.25),
              "update() must return true for a mistake (y = 0, d = 1)");
  expect_value("w[0] after the third example", p.w[0], 0.5);
  expect_value("w[1] after the third example", p.w[1], -2.0);
  expect_value("b after the third example", p.b, 0.5);
}

GRADE_CHECK(2, "update: a right prediction changes neither w nor b") {
  Perceptron p{.w = {0.5, 0.5, -1.0}, .b = -0.1};
  // w·x + b = 1 + 0.5 − 0 − 0.1 = 1.4 > 0, d = 1; then −0.5 − 0.1 < 0, d = 0.
  expect_true(!p.update(std::vector<double>{2.0, 1.0, 0.0}, 1, 0.5),
              "update() returned true although f(x) = 1 = d");
  expect_true(!p.update(std::vector<double>{0.0, 1.0, 1.0}, 0, 0.5),
              "update() returned true although f(x) = 0 = d");
  expect_close("w", p.w, {0.5, 0.5, -1.0}, {3}, {.abs = 0, .rel = 0});
  expect_value("b", p.b, -0.1);
}

GRADE_CHECK(2, "train_perceptron learns AND: the last epoch has no mistake, every point is right") {
  const std::vector<std::vector<double>> xs = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
  const std::vector<int> d = {0, 0, 0, 1};
  Perceptron p{.w = {0.0, 0.0}, .b = 0.0};
  const std::vector<int64_t> mistakes = train_perceptron(p, xs, d, 1.0, 100);
  expect_true(!mistakes.empty(), "train_perceptron returned no epochs");
  expect_true(mistakes.front() > 0,
              "the first epoch from w = 0, b = 0 must make mistakes (f(1, 1) = 0 but d = 1)");
  expect_equal("mistakes in the last epoch", mistakes.back(), 0);
  for (size_t e = 0; e + 1 < mistakes.size(); ++e)
    expect_true(mistakes[e] > 0, "training went on after epoch " + std::to_string(e + 1) +
                                     ", which had no mistake: it must stop there");
  expect_separates(p, xs, d);
}

GRADE_CHECK(
    2,
    "train_perceptron separates points on either side of a line, and stops at max_epochs on XOR") {
  // Label 1 above the line x2 = 0.5·x1 + 1, label 0 below; every point is at least 0.5 away.
  const std::vector<std::vector<double>> xs = {{0, 2},  {2, 3}, {-2, 1},  {4, 4}, {1, 3},
                                               {0, -1}, {2, 0}, {-2, -1}, {4, 1}, {3, 1}};
  const std::vector<int> d = {1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
  Perceptron p{.w = {0.0, 0.0}, .b = 0.0};
  const std::vector<int64_t> mistakes = train_perceptron(p, xs, d, 0.5, 1000);
  expect_true(!mistakes.empty() && mistakes.back() == 0,
              "no epoch without mistakes within 1000 epochs on a linearly separable set (" +
                  std::to_string(mistakes.size()) + " epochs ran)");
  expect_separates(p, xs, d);

  // XOR: no line separates it, so every epoch has a mistake and training stops at max_epochs.
  Perceptron q{.w = {0.0, 0.0}, .b = 0.0};
  const std::vector<int64_t> xor_mistakes =
      train_perceptron(q, {{0, 0}, {0, 1}, {1, 0}, {1, 1}}, {0, 1, 1, 0}, 1.0, 9);
  expect_equal("epochs run on XOR with max_epochs = 9", int64_t(xor_mistakes.size()), 9);
}

GRADE_CHECK(2, "bad input is refused: wrong length, a label not 0/1, α <= 0, empty set") {
  Perceptron p{.w = {0.0, 0.0}, .b = 0.0};
  expect_error(
      "predict with 3 values for 2 weights",
      [&] {
        (void)p.predict(std::vector<double>{1, 2, 3});
      },
      "");
  expect_error(
      "update with d = 2",
      [&] {
        (void)p.update(std::vector<double>{1, 2}, 2, 0.1);
      },
      "");
  expect_error(
      "update with α = 0",
      [&] {
        (void)p.update(std::vector<double>{1, 2}, 1, 0.0);
      },
      "");
  expect_error(
      "train_perceptron with 2 examples and 1 label",
      [&] {
        (void)train_perceptron(p, {{1, 2}, {3, 4}}, {1}, 0.1);
      },
      "");
  expect_error(
      "train_perceptron with no examples", [&] { (void)train_perceptron(p, {}, {}, 0.1); }, "");
}
