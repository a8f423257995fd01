// test_perceptron.cpp — Rosenblatt's perceptron (cnnlab/nn/perceptron.hpp): the threshold, one
// update worked out by hand, training to zero mistakes on separable sets, bad input.
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/perceptron.hpp>

#include <catch2/catch.hpp>

using namespace cnnlab;

TEST_CASE("perceptron: f(x) = 1 only when w·x + b > 0", "[perceptron]") {
  const Perceptron p{.w = {1.0, -2.0}, .b = 0.5};
  CHECK(p.predict(std::vector<double>{1.0, 0.0}) == 1);  // 1.5 > 0
  CHECK(p.predict(std::vector<double>{0.0, 1.0}) == 0);  // -1.5
  CHECK(p.predict(std::vector<double>{0.5, 0.5}) == 0);  // exactly 0 is not > 0
  CHECK_THROWS_AS(p.predict(std::vector<double>{1.0}), Error);
}

TEST_CASE("perceptron: one update by hand", "[perceptron]") {
  // w = (0.5, -1), b = 0.25, x = (2, 1), d = 1, α = 0.1:
  // w·x + b = 1 - 1 + 0.25 = 0.25 > 0 → y = 1 = d: no change.
  Perceptron p{.w = {0.5, -1.0}, .b = 0.25};
  CHECK_FALSE(p.update(std::vector<double>{2.0, 1.0}, 1, 0.1));
  CHECK(p.w == std::vector<double>{0.5, -1.0});
  CHECK(p.b == 0.25);
  // x = (1, 2), d = 1: w·x + b = 0.5 - 2 + 0.25 = -1.25 → y = 0, d − y = 1:
  // w = (0.5 + 0.1·1, -1 + 0.1·2) = (0.6, -0.8), b = 0.25 + 0.1 = 0.35.
  CHECK(p.update(std::vector<double>{1.0, 2.0}, 1, 0.1));
  CHECK(p.w[0] == Approx(0.6));
  CHECK(p.w[1] == Approx(-0.8));
  CHECK(p.b == Approx(0.35));
  // x = (3, 0), d = 0: 1.8 + 0.35 > 0 → y = 1, d − y = −1: w = (0.3, -0.8), b = 0.25.
  CHECK(p.update(std::vector<double>{3.0, 0.0}, 0, 0.1));
  CHECK(p.w[0] == Approx(0.3));
  CHECK(p.w[1] == Approx(-0.8));
  CHECK(p.b == Approx(0.25));
}

TEST_CASE("perceptron: learns AND and ends with an epoch without mistakes", "[perceptron]") {
  const std::vector<std::vector<double>> xs = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
  const std::vector<int> d = {0, 0, 0, 1};
  Perceptron p{.w = {0.0, 0.0}, .b = 0.0};
  const std::vector<int64_t> mistakes = train_perceptron(p, xs, d, 1.0, 100);
  REQUIRE_FALSE(mistakes.empty());
  CHECK(mistakes.back() == 0);
  CHECK(mistakes.front() > 0);
  for (size_t j = 0; j < xs.size(); ++j) CHECK(p.predict(xs[j]) == d[j]);
}

TEST_CASE("perceptron: stops after max_epochs on XOR (not separable)", "[perceptron]") {
  const std::vector<std::vector<double>> xs = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
  Perceptron p{.w = {0.0, 0.0}, .b = 0.0};
  const std::vector<int64_t> mistakes = train_perceptron(p, xs, {0, 1, 1, 0}, 0.5, 7);
  CHECK(mistakes.size() == 7);
  for (int64_t m : mistakes) CHECK(m > 0);  // no line separates XOR
}

TEST_CASE("perceptron: bad input is refused", "[perceptron]") {
  Perceptron p{.w = {0.0, 0.0}, .b = 0.0};
  CHECK_THROWS_AS(p.update(std::vector<double>{1.0, 2.0}, 2, 0.1), Error);
  CHECK_THROWS_AS(p.update(std::vector<double>{1.0, 2.0}, 1, 0.0), Error);
  CHECK_THROWS_AS(p.update(std::vector<double>{1.0}, 1, 0.1), Error);
  CHECK_THROWS_AS(train_perceptron(p, {{1.0, 2.0}}, {1, 0}, 0.1), Error);
  CHECK_THROWS_AS(train_perceptron(p, {}, {}, 0.1), Error);
  CHECK_THROWS_AS(train_perceptron(p, {{1.0, 2.0}}, {1}, 0.1, 0), Error);
}
