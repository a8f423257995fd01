// test_two_layer_net.cpp — the lecture's two-layer network f = W2·max(0, W1·x) (TwoLayerNet):
// a small example worked out by hand, ReLU's gradient 0 at exactly 0, the gradients of a random
// batch against central differences, the batch as N independent column vectors, and the errors.
#include <catch2/catch.hpp>

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/two_layer_net.hpp>

#include <cmath>
#include <random>
#include <vector>

using namespace cnnlab;
using Catch::Contains;

namespace {

Tensor make(const Shape& s, const std::vector<float>& v) {
  return Tensor::from_vector(s, v, reference_backend());
}

// Values in [-1, 1) from our own mapping of the raw draws (std::uniform_real_distribution's
// output differs between standard libraries), so every platform tests the same numbers.
std::vector<float> random_values(int64_t n, std::mt19937& gen) {
  std::vector<float> v(static_cast<size_t>(n));
  for (float& e : v) e = static_cast<float>(static_cast<double>(gen()) / 2147483648.0 - 1.0);
  return v;
}

// L = Σ f·df in double, for the finite differences.
double loss(TwoLayerNet& net, const Tensor& x, const std::vector<float>& df) {
  const std::vector<float> f = net.forward(x).to_vector();
  double sum = 0;
  for (size_t e = 0; e < f.size(); ++e) sum += static_cast<double>(f[e]) * df[e];
  return sum;
}

// Central differences of L with respect to every value of t (changed in place, then restored).
std::vector<double> numerical(TwoLayerNet& net, const Tensor& x, const std::vector<float>& df,
                              const Tensor& t) {
  std::vector<double> g(static_cast<size_t>(t.numel()));
  const float h = 1e-3f;
  for (int64_t e = 0; e < t.numel(); ++e) {
    const float old = t.data()[e];
    t.data()[e] = old + h;
    const double up = loss(net, x, df);
    t.data()[e] = old - h;
    const double down = loss(net, x, df);
    t.data()[e] = old;
    g[static_cast<size_t>(e)] = (up - down) / (2.0 * h);
  }
  return g;
}

void require_near(const Tensor& got, const std::vector<double>& want, double tol) {
  const std::vector<float> v = got.to_vector();
  REQUIRE(v.size() == want.size());
  for (size_t e = 0; e < v.size(); ++e) CHECK(std::abs(v[e] - want[e]) <= tol);
}

}  // namespace

TEST_CASE("TwoLayerNet: a hand-worked example, forward and backward", "[nn][two_layer]") {
  // W1 [3×2], W2 [1×3], x = (1, 2): a = W1 x = (−1, 2, 2), h = (0, 2, 2), f = W2 h = 0 + 4 − 2.
  TwoLayerNet net(make({3, 2}, {1, -1, 2, 0, 0, 1}), make({1, 3}, {1, 2, -1}));
  CHECK(net.input_size() == 2);
  CHECK(net.hidden_size() == 3);
  CHECK(net.output_size() == 1);
  const Tensor f = net.forward(make({2}, {1, 2}));  // one column vector: f is [C] = [1]
  REQUIRE(f.shape() == Shape{1});
  CHECK(f.to_vector() == std::vector<float>{2});
  // df = 3: dW2 = df hᵀ = (0, 6, 6); dh = W2ᵀ df = (3, 6, −3); da = (0, 6, −3) (unit 0 is off);
  // dW1 = da xᵀ; dx = W1ᵀ da = (12, −3).
  const TwoLayerNetGrads g = net.backward(make({1}, {3}));
  REQUIRE(g.dx.shape() == Shape{2});
  REQUIRE(g.dW1.shape() == Shape{3, 2});
  REQUIRE(g.dW2.shape() == Shape{1, 3});
  CHECK(g.dW2.to_vector() == std::vector<float>{0, 6, 6});
  CHECK(g.dW1.to_vector() == std::vector<float>{0, 0, 6, 12, -3, -6});
  CHECK(g.dx.to_vector() == std::vector<float>{12, -3});
}

TEST_CASE("TwoLayerNet: a hidden unit at exactly 0 passes no gradient (relu'(0) = 0)",
          "[nn][two_layer]") {
  // x = (1, 1): unit 0 gets a = 1 − 1 = 0 exactly, unit 1 gets a = 2.
  TwoLayerNet net(make({2, 2}, {1, -1, 1, 1}), make({1, 2}, {5, 7}));
  CHECK(net.forward(make({1, 2}, {1, 1})).to_vector() == std::vector<float>{14});
  const TwoLayerNetGrads g = net.backward(make({1, 1}, {1}));
  CHECK(g.dW1.to_vector() == std::vector<float>{0, 0, 7, 7});
  CHECK(g.dW2.to_vector() == std::vector<float>{0, 2});
  CHECK(g.dx.to_vector() == std::vector<float>{7, 7});
}

TEST_CASE("TwoLayerNet: gradients of a random batch agree with central differences",
          "[nn][two_layer]") {
  std::mt19937 gen(7);
  const int64_t N = 3, D = 4, H = 5, C = 2;
  TwoLayerNet net(make({H, D}, random_values(H * D, gen)), make({C, H}, random_values(C * H, gen)));
  const Tensor x = make({N, D}, random_values(N * D, gen));
  const std::vector<float> df = random_values(N * C, gen);
  net.forward(x);
  const TwoLayerNetGrads g = net.backward(make({N, C}, df));
  const std::vector<double> dW1 = numerical(net, x, df, net.W1());
  const std::vector<double> dW2 = numerical(net, x, df, net.W2());
  const std::vector<double> dx = numerical(net, x, df, x);
  require_near(g.dW1, dW1, 1e-3);
  require_near(g.dW2, dW2, 1e-3);
  require_near(g.dx, dx, 1e-3);
}

TEST_CASE("TwoLayerNet: a batch is N column vectors, each row as if alone", "[nn][two_layer]") {
  std::mt19937 gen(11);
  TwoLayerNet net(make({6, 3}, random_values(18, gen)), make({4, 6}, random_values(24, gen)));
  const std::vector<float> xs = random_values(6, gen);
  const std::vector<float> f = net.forward(make({2, 3}, xs)).to_vector();
  const std::vector<float> f0 = net.forward(make({1, 3}, {xs[0], xs[1], xs[2]})).to_vector();
  const std::vector<float> f1 = net.forward(make({1, 3}, {xs[3], xs[4], xs[5]})).to_vector();
  REQUIRE(f.size() == 8);
  for (size_t c = 0; c < 4; ++c) {
    CHECK(f[c] == f0[c]);
    CHECK(f[4 + c] == f1[c]);
  }
}

TEST_CASE("TwoLayerNet: bad shapes and a backward before forward are errors", "[nn][two_layer]") {
  CHECK_THROWS_WITH(
      TwoLayerNet(make({3, 2}, std::vector<float>(6)), make({1, 4}, std::vector<float>(4))),
      Contains("as many columns"));
  CHECK_THROWS_WITH(
      TwoLayerNet(make({6}, std::vector<float>(6)), make({1, 6}, std::vector<float>(6))),
      Contains("must be matrices"));
  TwoLayerNet net(make({3, 2}, std::vector<float>(6)), make({1, 3}, std::vector<float>(3)));
  CHECK_THROWS_WITH(net.backward(make({1, 1}, {1})), Contains("call forward() first"));
  CHECK_THROWS_WITH(net.forward(make({1, 3}, {1, 2, 3})), Contains("D = 2"));
  CHECK_THROWS_WITH(net.forward(make({1, 1, 2}, {1, 2})), Contains("[D] or [N, D]"));
  net.forward(make({2}, {1, 2}));
  CHECK_THROWS_WITH(net.backward(make({1, 1}, {1})), Contains("f's shape [1]"));
  net.forward(make({2, 2}, {1, 2, 3, 4}));
  CHECK_THROWS_WITH(net.backward(make({1, 1}, {1})), Contains("f's shape [2, 1]"));
}
