// test_ops.cpp — forward values of every op on small inputs worked out by hand, the SGD rule,
// the Tensor API, and the backend rules (no silent fallback, no implicit moves).
//
// The gradient checks (test_gradcheck.cpp) prove backward passes match their forward passes;
// these tests pin the forward passes themselves to numbers a student can verify on paper.
#include <catch2/catch.hpp>

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include <cmath>

using namespace cnnlab;
using Catch::Contains;

namespace {
Backend& ref() { return reference_backend(); }
Tensor make(const Shape& s, const std::vector<float>& v) {
  return Tensor::from_vector(s, v, ref());
}

/// Element-by-element comparison with a small absolute tolerance.
void check_close(const Tensor& t, const std::vector<float>& expected, double tol = 1e-6) {
  const std::vector<float> v = t.to_vector();
  REQUIRE(v.size() == expected.size());
  for (size_t i = 0; i < v.size(); ++i) {
    INFO("element " << i);
    CHECK(v[i] == Approx(expected[i]).margin(tol));
  }
}

/// A backend that can hold memory but computes nothing: every op must say so clearly.
class MemoryOnlyBackend final : public Backend {
 public:
  std::string name() const override { return "memory-only"; }
  std::shared_ptr<Storage> allocate(size_t n) override {
    return std::make_shared<HostStorage>(*this, n);
  }
  void write(Storage& dst, const float* src, size_t n) override {
    std::copy(src, src + n, dst.host_data());
  }
  void read(const Storage& src, float* dst, size_t n) override {
    const float* p = const_cast<Storage&>(src).host_data();
    std::copy(p, p + n, dst);
  }
  void copy(const Storage& src, Storage& dst, size_t n) override { read(src, dst.host_data(), n); }
};
}  // namespace

TEST_CASE("conv2d forward: a 3x3 input, a 2x2 filter, by hand", "[ops][conv2d]") {
  // y[i][j] = Σ w[u][v]·x[i+u][j+v] + b
  const Tensor x = make({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const Tensor w = make({1, 1, 2, 2}, {1, 0, 0, -1});  // x[i][j] − x[i+1][j+1]
  check_close(conv2d_forward(x, w, make({1}, {10})), {6, 6, 6, 6});
  // With padding 1 the corners see zeros: y[0][0] = 1·0 − 1·x[0][0] = −1.
  const Tensor y = conv2d_forward(x, w, Tensor(), {1, 1, 1, 1});
  REQUIRE(y.shape() == Shape{1, 1, 4, 4});
  check_close(y, {-1, -2, -3, 0, -4, -4, -4, 3, -7, -4, -4, 6, 0, 7, 8, 9});
}

TEST_CASE("conv2d forward: stride, dilation and groups", "[ops][conv2d]") {
  const Tensor x = make({1, 1, 4, 4}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
  // Stride 2 with a 2x2 all-ones filter: sums of the four 2x2 blocks.
  check_close(conv2d_forward(x, make({1, 1, 2, 2}, {1, 1, 1, 1}), Tensor(), {2, 0, 1, 1}),
              {14, 22, 46, 54});
  // Dilation 3 on a 2x2 filter touches the four corners: 1 + 4 + 13 + 16.
  check_close(conv2d_forward(x, make({1, 1, 2, 2}, {1, 1, 1, 1}), Tensor(), {1, 0, 3, 1}), {34});
  // Groups 2: channel 0 only reaches filter 0, channel 1 only filter 1.
  const Tensor x2 = make({1, 2, 1, 1}, {3, 5});
  check_close(conv2d_forward(x2, make({2, 1, 1, 1}, {2, 10}), Tensor(), {1, 0, 1, 2}), {6, 50});
}

TEST_CASE("pooling forward: max, average, padding and ceil mode", "[ops][pool]") {
  const Tensor x = make({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  // Ceil mode keeps the half windows at the edge: windows {1,2,4,5} {3,6} {7,8} {9}.
  check_close(maxpool2d_forward(x, {2, 2, 0, SizeRule::ceil}), {5, 6, 8, 9});
  check_close(avgpool2d_forward(x, {2, 2, 0, SizeRule::ceil}),
              {3, 4.5, 7.5, 9});                                       // overhang not counted
  check_close(maxpool2d_forward(x, {2, 2, 0, SizeRule::floor}), {5});  // floor mode drops them
  // Padding 1 with a 3x3 window: padding counts as zeros in the average (divisor 9).
  check_close(
      avgpool2d_forward(x, {3, 1, 1, SizeRule::floor}),
      {12 / 9.f, 21 / 9.f, 16 / 9.f, 27 / 9.f, 45 / 9.f, 33 / 9.f, 24 / 9.f, 39 / 9.f, 28 / 9.f});
  // ...but never wins a maximum, even when every value is negative.
  const Tensor neg = make({1, 1, 2, 2}, {-4, -3, -2, -1});
  check_close(maxpool2d_forward(neg, {3, 1, 1, SizeRule::floor}), {-1, -1, -1, -1});
  // Stride 0 means "same as the kernel".
  check_close(maxpool2d_forward(x, {1, 0, 0, SizeRule::floor}), {1, 2, 3, 4, 5, 6, 7, 8, 9});
}

TEST_CASE("global average pooling forward and backward, by hand", "[ops][pool]") {
  // [add_an_op_by_hand]
  // Two channels of 2x2: the means are (1 + 2 + 3 + 4) / 4 = 2.5 and (-8 + 0 + 0 + 4) / 4 = -1.
  const Tensor x = make({1, 2, 2, 2}, {1, 2, 3, 4, -8, 0, 0, 4});
  const Tensor y = global_avgpool2d_forward(x);
  REQUIRE(y.shape() == Shape{1, 2, 1, 1});  // stays 4-D: [N, C, 1, 1]
  check_close(y, {2.5, -1});
  // Backward: each of the H·W = 4 positions gets a quarter of its channel's dL/dy.
  const Tensor dx = global_avgpool2d_backward(make({1, 2, 1, 1}, {1, -2}), x.shape());
  REQUIRE(dx.shape() == x.shape());
  check_close(dx, {0.25, 0.25, 0.25, 0.25, -0.5, -0.5, -0.5, -0.5});
  // [add_an_op_by_hand]
  // A 1x1 plane is its own mean, and its gradient passes through unchanged.
  check_close(global_avgpool2d_forward(make({2, 1, 1, 1}, {7, -3})), {7, -3});
  // Shapes are checked: x must be 4-D, dy must be [N, C, 1, 1].
  REQUIRE_THROWS_WITH(global_avgpool2d_forward(make({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8})),
                      Contains("x must be 4-D [N, C, H, W], got shape [2, 4]"));
  REQUIRE_THROWS_WITH(global_avgpool2d_backward(make({1, 2}, {1, 2}), x.shape()),
                      Contains("dy has shape [1, 2], expected [1, 2, 1, 1]"));
}

TEST_CASE("L2 pooling forward and backward, by hand", "[ops][pool][l2pool2d]") {
  // Two 2x2 windows: sqrt((9 + 16 + 0 + 0) / 4) = 2.5 and sqrt((0 + 0 + 1 + 1) / 4) = sqrt(1/2).
  const Tensor x = make({1, 1, 2, 4}, {3, 4, 0, 0, 0, 0, 1, 1});
  const Tensor y = l2pool2d_forward(x, {.kernel = 2});
  REQUIRE(y.shape() == Shape{1, 1, 1, 2});
  check_close(y, {2.5f, std::sqrt(0.5f)});
  // Backward: dx = x · dy / (4 y): 3/10, 4/10 in the first window; 2 / (4 sqrt(1/2)) = sqrt(1/2)
  // for each 1 of the second.
  const Tensor dx = l2pool2d_backward(x, y, make({1, 1, 1, 2}, {1, 2}), {.kernel = 2});
  const float r = std::sqrt(0.5f);
  check_close(dx, {0.3f, 0.4f, 0, 0, 0, 0, r, r});
  // A window of zeros has y = 0 and sends gradient 0 — not 0/0 = NaN.
  const Tensor zeros = make({1, 1, 2, 2}, {0, 0, 0, 0});
  const Tensor y0 = l2pool2d_forward(zeros, {.kernel = 2});
  check_close(y0, {0});
  check_close(l2pool2d_backward(zeros, y0, make({1, 1, 1, 1}, {5}), {.kernel = 2}), {0, 0, 0, 0});
  // Padding counts in the divisor, as for avgpool2d: one 2 in a 3x3 window gives sqrt(4/9).
  check_close(l2pool2d_forward(make({1, 1, 1, 1}, {2}), {.kernel = 3, .stride = 1, .padding = 1}),
              {2.0f / 3.0f});
}

TEST_CASE("local response normalisation forward and backward, by hand", "[ops][lrn]") {
  // One pixel, channels x = (1, 2, 3); size 3, alpha 3 (alpha/size = 1), beta 1, k 1:
  // d = 1 + (1 + 4), 1 + (1 + 4 + 9), 1 + (4 + 9) = 6, 15, 14 (windows cut at the edges).
  const LrnParams p{.size = 3, .alpha = 3.0f, .beta = 1.0f, .k = 1.0f};
  const Tensor x = make({1, 3, 1, 1}, {1, 2, 3});
  check_close(lrn_forward(x, p), {1.0f / 6, 2.0f / 15, 3.0f / 14});
  // With dy = (1, 0, 0) only y0 = x0 / (1 + x0² + x1²) matters: dy0/dx0 = (6 − 2)/36 = 1/9,
  // dy0/dx1 = −2·x0·x1/36 = −1/9, and x2 is outside channel 0's window.
  check_close(lrn_backward(x, make({1, 3, 1, 1}, {1, 0, 0}), p), {1.0f / 9, -1.0f / 9, 0});
  // An even size puts the extra channel before c (PyTorch's convention): size 2 sums channels
  // c − 1 and c, so d = 1 + 1, 1 + 1 + 4, 1 + 4 + 9 with alpha = 2.
  check_close(lrn_forward(x, {.size = 2, .alpha = 2.0f, .beta = 1.0f, .k = 1.0f}),
              {0.5f, 2.0f / 6, 3.0f / 14});
  // AlexNet's defaults barely change a small input: y = x / (2 + 1e-4/5 · x²)^0.75.
  check_close(lrn_forward(make({1, 1, 1, 1}, {1})),
              {static_cast<float>(std::pow(2.0 + 1e-4 / 5, -0.75))});
}

TEST_CASE("linear forward and backward: y = xW + b, by hand", "[ops][linear]") {
  const Tensor x = make({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor W = make({3, 2}, {1, 0, 0, 1, 1, 1});  // D_in = 3, D_out = 2
  check_close(linear_forward(x, W, make({2}, {0.5, -0.5})), {4.5, 4.5, 10.5, 10.5});
  const Tensor dy = make({2, 2}, {1, 2, 3, 4});
  check_close(linear_backward_data(dy, W), {1, 2, 3, 3, 4, 7});  // dy·Wᵀ
  const ParamGrads g = linear_backward_weight(x, dy, true);
  check_close(g.dw, {13, 18, 17, 24, 21, 30});  // xᵀ·dy
  check_close(g.db, {4, 6});                    // column sums
  CHECK_FALSE(linear_backward_weight(x, dy, false).db.defined());
}

TEST_CASE("matmul with and without transposes", "[ops][linear]") {
  const Tensor a = make({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor b = make({3, 2}, {7, 8, 9, 10, 11, 12});
  check_close(matmul(a, b), {58, 64, 139, 154});
  check_close(matmul(a, a, false, true), {14, 32, 32, 77});                      // A·Aᵀ
  check_close(matmul(a, a, true, false), {17, 22, 27, 22, 29, 36, 27, 36, 45});  // Aᵀ·A
}

TEST_CASE("activations forward and backward", "[ops][activation]") {
  const Tensor x = make({1, 4}, {-2, -0.5f, 0, 3});
  check_close(relu_forward(x), {0, 0, 0, 3});
  check_close(relu_backward(x, make({1, 4}, {1, 1, 1, 1})), {0, 0, 0, 1});  // derivative at 0 is 0
  const Tensor s = sigmoid_forward(x);
  check_close(s,
              {1 / (1 + std::exp(2.f)), 1 / (1 + std::exp(0.5f)), 0.5f, 1 / (1 + std::exp(-3.f))});
  check_close(sigmoid_backward(s, make({1, 4}, {2, 2, 2, 2})),  // 2·σ(x)·(1 − σ(x))
              {2 * 0.1192029f * 0.8807971f, 2 * 0.3775407f * 0.6224593f, 0.5f,
               2 * 0.9525741f * 0.0474259f});
  const Tensor t = tanh_forward(x);
  check_close(t, {std::tanh(-2.f), std::tanh(-0.5f), 0, std::tanh(3.f)});
  check_close(tanh_backward(t, make({1, 4}, {1, 1, 1, 1})),
              {1 - std::pow(std::tanh(2.f), 2.f), 1 - std::pow(std::tanh(0.5f), 2.f), 1,
               1 - std::pow(std::tanh(3.f), 2.f)});
  // Huge inputs: no overflow, no NaN.
  check_close(sigmoid_forward(make({1, 2}, {-1000, 1000})), {0, 1});
}

TEST_CASE("softmax and cross-entropy, including very large logits", "[ops][softmax]") {
  const Tensor x = make({2, 3}, {1, 2, 3, 1000, 1000, 1000});
  const float e1 = std::exp(1.f), e2 = std::exp(2.f), e3 = std::exp(3.f), z = e1 + e2 + e3;
  check_close(softmax_forward(x), {e1 / z, e2 / z, e3 / z, 1 / 3.f, 1 / 3.f, 1 / 3.f});
  // Loss of row 0 with label 2: log(z) − 3. Row 1 (label 0): log 3, even though e^1000 overflows.
  const Tensor labels = make({2}, {2, 0});
  const Tensor loss = softmax_cross_entropy_forward(x, labels);
  REQUIRE(loss.shape() == Shape{1});
  // float32 spacing near 1000 is 6e-5, so log-sum-exp of row 1 (1000 + log 3) is exact only to
  // about that much before 1000 is subtracted again.
  CHECK(loss.at(0) == Approx(((std::log(z) - 3) + std::log(3.f)) / 2).margin(1e-4));
  // Gradient: (softmax − onehot)/N.
  check_close(softmax_cross_entropy_backward(x, labels),
              {e1 / z / 2, e2 / z / 2, (e3 / z - 1) / 2, (1 / 3.f - 1) / 2, 1 / 6.f, 1 / 6.f});
  // A confident, correct prediction costs almost nothing; a confident wrong one costs a lot.
  CHECK(softmax_cross_entropy_forward(make({1, 2}, {50, -50}), make({1}, {0})).at(0) ==
        Approx(0).margin(1e-6));
  CHECK(softmax_cross_entropy_forward(make({1, 2}, {50, -50}), make({1}, {1})).at(0) ==
        Approx(100));
}

TEST_CASE("softmax and cross-entropy at the float32 limit (logits of +-3e38)",
          "[ops][softmax][loss]") {
  // Subtracting each row's maximum first keeps softmax and the loss's gradient finite and
  // exact even when the logits span 6e38, more than a float can hold (about 3.4e38).
  for (const std::string& name : backend_names()) {
    if (name != "reference" && name != "openmp") continue;
    INFO("backend " << name);
    Backend& be = backend_by_name(name);
    const auto on = [&](const Shape& s, const std::vector<float>& v) {
      return Tensor::from_vector(s, v, be);
    };
    const Tensor x = on({3, 2}, {3e38f, -3e38f, -3e38f, 3e38f, 1, 2});
    const float p1 = 1 / (1 + std::exp(1.f)), p2 = 1 - p1;  // softmax of {1, 2}
    check_close(softmax_forward(x), {1, 0, 0, 1, p1, p2});
    // dL/dx = (softmax − onehot)/N with labels {1, 0, 1}, N = 3: finite, though the loss is not.
    check_close(softmax_cross_entropy_backward(x, on({3}, {1, 0, 1})),
                {1 / 3.f, -1 / 3.f, -1 / 3.f, 1 / 3.f, p1 / 3, (p2 - 1) / 3});
    // When the label is the largest logit the loss is log(1 + e^-6e38) = 0: fine.
    CHECK(softmax_cross_entropy_forward(x, on({3}, {0, 1, 1})).at(0) ==
          Approx(std::log(1 + std::exp(-1.f)) / 3));
    // A loss near the float limit still fits: 3e38 + 1e37 = 3.1e38 ...
    CHECK(softmax_cross_entropy_forward(on({1, 2}, {3e38f, -1e37f}), on({1}, {1})).at(0) ==
          Approx(3.1e38));
    // ... and so does a mean of such losses, whose sum (6e38) would not: the sum over the
    // batch must not be kept in float.
    CHECK(softmax_cross_entropy_forward(on({2, 2}, {2e38f, -1e38f, 2e38f, -1e38f}), on({2}, {1, 1}))
              .at(0) == Approx(3e38));
  }
}

TEST_CASE("flatten and add", "[ops][shape]") {
  const Tensor x = make({2, 1, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  const Tensor f = flatten_forward(x);
  CHECK(f.shape() == Shape{2, 4});
  CHECK(f.to_vector() == x.to_vector());
  CHECK(flatten_backward(f, x.shape()).shape() == x.shape());
  check_close(add_forward(x, x), {2, 4, 6, 8, 10, 12, 14, 16});
  const AddGrads g = add_backward(f);
  check_close(g.da, f.to_vector());
  check_close(g.db, f.to_vector());
  g.da.data()[0] = 100;  // the two gradients are independent copies
  CHECK(g.db.at(0) == 1);
}

TEST_CASE("SGD with momentum and weight decay follows PyTorch's rule", "[ops][sgd]") {
  // g = grad + wd·p; v = m·v + g; p -= lr·v — two steps worked by hand.
  Tensor p = make({2}, {1, -2});
  Tensor v = Tensor::zeros({2}, ref());
  const Tensor grad = make({2}, {0.5, 1});
  const SgdParams sgd{0.1f, 0.9f, 0.01f};
  sgd_update(p, grad, v, sgd);  // g = {0.51, 0.98}; v = g; p = {0.949, -2.098}
  check_close(v, {0.51f, 0.98f});
  check_close(p, {0.949f, -2.098f});
  sgd_update(p, grad, v, sgd);  // g = {0.50949, 0.97902}; v = {0.96849, 1.86102}
  check_close(v, {0.96849f, 1.86102f}, 1e-5);
  check_close(p, {0.852151f, -2.284102f}, 1e-5);
}

TEST_CASE("Tensor: views share storage, clone and to() copy", "[tensor]") {
  const Tensor a = make({2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor view = a.reshape({3, 2});
  view.data()[0] = 42;
  CHECK(a.at(0) == 42);  // same storage
  const Tensor c = a.clone();
  c.data()[1] = -1;
  CHECK(a.at(1) == 2);  // independent copy
  CHECK(a.dim(-1) == 3);
  CHECK(a.to(ref()).data() == a.data());  // already there: no copy
  CHECK(backend_by_name("reference").name() == "reference");
  CHECK_FALSE(Tensor().defined());
}

TEST_CASE("a backend without an op says so, and data never moves implicitly", "[backend]") {
  MemoryOnlyBackend bare;
  const Tensor x = Tensor::from_vector({1, 1, 2, 2}, {1, 2, 3, 4}, bare);
  REQUIRE_THROWS_AS(relu_forward(x), UnsupportedOp);
  REQUIRE_THROWS_WITH(
      relu_forward(x),
      Contains("relu_forward: the memory-only backend does not support this operation"));
  REQUIRE_THROWS_WITH(maxpool2d_forward(x), Contains("maxpool2d_forward: the memory-only backend"));
  // Mixing backends in one call is an error, not a hidden copy.
  REQUIRE_THROWS_WITH(add_forward(x, make({1, 1, 2, 2}, {1, 1, 1, 1})),
                      Contains("tensors live on different backends (memory-only and reference)"));
  // Moving explicitly works.
  CHECK(relu_forward(x.to(ref())).to_vector() == std::vector<float>{1, 2, 3, 4});
}
