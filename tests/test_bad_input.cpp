// test_bad_input.cpp — one test per rule: every bad input gets an exception naming what is wrong.
//
// Each case breaks exactly one rule and asserts the message, so a student who hits the error
// knows which argument to fix. Nothing may crash, read out of bounds or write half an output
// (the sanitizer build runs these too).
#include <catch2/catch.hpp>

#include <cnnlab/check/gradcheck.hpp>
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include <limits>

using namespace cnnlab;
using Catch::Contains;

namespace {
Backend& ref() { return reference_backend(); }
Tensor filled(const Shape& s, float v = 0.5f) {
  return Tensor::from_vector(s, std::vector<float>(static_cast<size_t>(numel(s)), v), ref());
}
}  // namespace

TEST_CASE("bad input: tensor sizes must be positive", "[bad-input]") {
  REQUIRE_THROWS_WITH(Tensor::empty({2, 0, 3}, ref()),
                      Contains("dimension 1 is 0, but every size must be positive"));
  REQUIRE_THROWS_WITH(Tensor::zeros({-4}, ref()), Contains("dimension 0 is -4"));
  REQUIRE_THROWS_WITH(Tensor::from_vector({2, 2}, {1, 2, 3}, ref()),
                      Contains("shape [2, 2] holds 4 values, but 3 were given"));
  REQUIRE_THROWS_WITH(filled({2, 3}).reshape({4, 2}),
                      Contains("cannot view shape [2, 3] (6 elements) as [4, 2] (8 elements)"));
}

TEST_CASE("bad input: conv2d stride that does not fit", "[bad-input][conv2d]") {
  REQUIRE_THROWS_WITH(
      conv2d_forward(filled({1, 1, 7, 7}), filled({1, 1, 3, 3}), Tensor(), {3, 0, 1, 1}),
      Contains("(7 - 3 + 2*0)/3 + 1 is not an integer: stride 3 does not fit"));
}

TEST_CASE("bad input: conv2d input and weight ranks", "[bad-input][conv2d]") {
  REQUIRE_THROWS_WITH(conv2d_forward(filled({3, 7, 7}), filled({1, 3, 3, 3}), Tensor()),
                      Contains("conv2d: input x must be 4-D [N, C, H, W], got shape [3, 7, 7]"));
  REQUIRE_THROWS_WITH(
      conv2d_forward(filled({1, 3, 7, 7}), filled({3, 3, 3}), Tensor()),
      Contains("conv2d: weights w must be 4-D [K, C/groups, F, F], got shape [3, 3, 3]"));
}

TEST_CASE("bad input: conv2d channel mismatch between x and w", "[bad-input][conv2d]") {
  REQUIRE_THROWS_WITH(
      conv2d_forward(filled({1, 3, 7, 7}), filled({4, 2, 3, 3}), Tensor()),
      Contains("weights [4, 2, 3, 3] have 2 channels per filter, but x [1, 3, 7, 7] has C=3"));
}

TEST_CASE("bad input: conv2d groups must divide the channels and the filters",
          "[bad-input][conv2d]") {
  REQUIRE_THROWS_WITH(
      conv2d_forward(filled({1, 6, 5, 5}), filled({4, 2, 3, 3}), Tensor(), {1, 0, 1, 4}),
      Contains("groups=4 does not divide the 6 input channels"));
  REQUIRE_THROWS_WITH(
      conv2d_forward(filled({1, 6, 5, 5}), filled({4, 2, 3, 3}), Tensor(), {1, 0, 1, 3}),
      Contains("groups=3 does not divide the 4 filters"));
}

TEST_CASE("bad input: conv2d zero or negative hyperparameters", "[bad-input][conv2d]") {
  const Tensor x = filled({1, 1, 5, 5}), w = filled({1, 1, 3, 3});
  REQUIRE_THROWS_WITH(conv2d_forward(x, w, Tensor(), {0, 0, 1, 1}),
                      Contains("stride must be at least 1, got 0"));
  REQUIRE_THROWS_WITH(conv2d_forward(x, w, Tensor(), {1, -1, 1, 1}),
                      Contains("padding must be at least 0, got -1"));
  REQUIRE_THROWS_WITH(conv2d_forward(x, w, Tensor(), {1, 0, 0, 1}),
                      Contains("dilation must be at least 1, got 0"));
  REQUIRE_THROWS_WITH(conv2d_forward(x, w, Tensor(), {1, 0, 1, 0}),
                      Contains("groups must be at least 1, got 0"));
}

TEST_CASE("bad input: conv2d filter larger than the padded input", "[bad-input][conv2d]") {
  REQUIRE_THROWS_WITH(
      conv2d_forward(filled({1, 1, 2, 2}), filled({1, 1, 3, 3}), Tensor()),
      Contains("the filter spans 3 in height (size 3, dilation 1) but the input is only 2"));
}

TEST_CASE("bad input: conv2d bias and upstream gradient shapes", "[bad-input][conv2d]") {
  const Tensor x = filled({1, 1, 5, 5}), w = filled({2, 1, 3, 3});
  REQUIRE_THROWS_WITH(conv2d_forward(x, w, filled({3})),
                      Contains("bias b has shape [3], expected [2] (one bias per filter)"));
  REQUIRE_THROWS_WITH(conv2d_backward_data(filled({1, 2, 4, 4}), w, {1, 1, 5, 5}),
                      Contains("dy has shape [1, 2, 4, 4], expected [1, 2, 3, 3]"));
  REQUIRE_THROWS_WITH(conv2d_backward_weight(x, filled({1, 2, 2, 3}), w.shape(), true),
                      Contains("dy has shape [1, 2, 2, 3], expected [1, 2, 3, 3]"));
}

TEST_CASE("bad input: pooling window, stride and padding", "[bad-input][pool]") {
  const Tensor x = filled({1, 1, 4, 4});
  REQUIRE_THROWS_WITH(maxpool2d_forward(x, {0, 1, 0, SizeRule::floor}),
                      Contains("maxpool2d_forward: kernel size must be at least 1, got 0"));
  REQUIRE_THROWS_WITH(maxpool2d_forward(x, {2, -1, 0, SizeRule::floor}),
                      Contains("stride must be at least 1"));
  REQUIRE_THROWS_WITH(avgpool2d_forward(x, {2, 2, 2, SizeRule::floor}),
                      Contains("padding 2 is more than half the 2x2 window (at most 1)"));
  REQUIRE_THROWS_WITH(maxpool2d_forward(x, {5, 1, 0, SizeRule::floor}),
                      Contains("the 5x5 window does not fit in an input of size 4"));
  // The default rule, exact, refuses a stride that does not tile the input (3x3 at stride 2
  // on 4x4: (4 - 3)/2 + 1 = 1.5); floor takes it (1x1), as PyTorch does.
  REQUIRE_THROWS_WITH(maxpool2d_forward(x, {.kernel = 3, .stride = 2}),
                      Contains("maxpool2d_forward: (4 - 3 + 2*0)/2 + 1 is not an integer: stride 2 "
                               "does not fit a 3x3 window on a 4x4 input (in height); size_rule "
                               "floor rounds down"));
  CHECK(maxpool2d_forward(x, {.kernel = 3, .stride = 2, .size_rule = SizeRule::floor}).shape() ==
        Shape{1, 1, 1, 1});
  REQUIRE_THROWS_WITH(
      conv2d_forward(filled({1, 1, 7, 7}), filled({1, 1, 3, 3}), Tensor(), {.stride = 3}),
      Contains("(7 - 3 + 2*0)/3 + 1 is not an integer: stride 3 does not fit a "
               "3x3 filter on a 7x7 input (in height)"));
  REQUIRE_THROWS_WITH(conv2d_forward(filled({1, 1, 7, 7}), filled({1, 1, 3, 3}), Tensor(),
                                     {.stride = 2, .size_rule = SizeRule::ceil}),
                      Contains("size_rule ceil is for pooling only"));
  REQUIRE_THROWS_WITH(maxpool2d_forward(filled({4, 4})),
                      Contains("input x must be 4-D [N, C, H, W], got shape [4, 4]"));
  REQUIRE_THROWS_WITH(maxpool2d_backward(x, filled({1, 1, 3, 3})),
                      Contains("dy has shape [1, 1, 3, 3], expected [1, 1, 2, 2]"));
}

TEST_CASE("bad input: linear shape mismatch (y = xW needs x's columns = W's rows)",
          "[bad-input][linear]") {
  REQUIRE_THROWS_WITH(linear_forward(filled({2, 5}), filled({4, 3}), Tensor()),
                      Contains("x [2, 5] has D_in=5 but W [4, 3] expects D_in=4"));
  REQUIRE_THROWS_WITH(linear_forward(filled({2, 4}), filled({4, 3}), filled({4})),
                      Contains("bias b has shape [4], expected [3]"));
  REQUIRE_THROWS_WITH(linear_backward_data(filled({2, 2}), filled({4, 3})),
                      Contains("dy [2, 2] has D_out=2 but W [4, 3] has D_out=3"));
  REQUIRE_THROWS_WITH(linear_backward_weight(filled({2, 4}), filled({3, 3}), true),
                      Contains("must have the same batch size N"));
  REQUIRE_THROWS_WITH(linear_forward(filled({2, 4, 1}), filled({4, 3}), Tensor()),
                      Contains("x must be 2-D [N, D_in]"));
}

TEST_CASE("bad input: matmul inner sizes", "[bad-input][linear]") {
  REQUIRE_THROWS_WITH(matmul(filled({2, 3}), filled({2, 3})),
                      Contains("op(A) is 2x3 and op(B) is 2x3; the inner sizes must agree"));
}

TEST_CASE("bad input: elementwise shape mismatch", "[bad-input]") {
  REQUIRE_THROWS_WITH(add_forward(filled({2, 3}), filled({3, 2})),
                      Contains("a [2, 3] and b [3, 2] must have the same shape"));
  REQUIRE_THROWS_WITH(relu_backward(filled({2, 3}), filled({2, 4})),
                      Contains("x [2, 3] and dy [2, 4] must have the same shape"));
  REQUIRE_THROWS_WITH(flatten_backward(filled({2, 5}), {2, 3, 2}),
                      Contains("is not the flattened form of x [2, 3, 2]"));
}

TEST_CASE("bad input: labels out of range or not integers", "[bad-input][loss]") {
  const Tensor logits = filled({2, 3});
  REQUIRE_THROWS_WITH(
      softmax_cross_entropy_forward(logits, Tensor::from_vector({2}, {0, 3}, ref())),
      Contains("labels[1] = 3 is out of range: logits [2, 3] have 3 classes, so labels must be in "
               "[0, 2]"));
  REQUIRE_THROWS_WITH(
      softmax_cross_entropy_forward(logits, Tensor::from_vector({2}, {-1, 0}, ref())),
      Contains("labels[0] = -1 is out of range"));
  REQUIRE_THROWS_WITH(
      softmax_cross_entropy_backward(logits, Tensor::from_vector({2}, {0.5f, 0}, ref())),
      Contains("labels[0] = 0.500000 is not an integer class index"));
  REQUIRE_THROWS_WITH(
      softmax_cross_entropy_forward(logits, Tensor::from_vector({3}, {0, 0, 0}, ref())),
      Contains("labels has shape [3], expected [2]"));
  // an integer beyond int64_t is printed from the float, not cast (that would be undefined)
  REQUIRE_THROWS_WITH(
      softmax_cross_entropy_forward(logits, Tensor::from_vector({2}, {0, 1e20f}, ref())),
      Contains("labels[1] = 100000002004087734272 is out of range"));
}

TEST_CASE("bad input: non-finite loss input", "[bad-input][loss]") {
  const Tensor labels = Tensor::from_vector({2}, {0, 1}, ref());
  const float nan = std::numeric_limits<float>::quiet_NaN(),
              inf = std::numeric_limits<float>::infinity();
  REQUIRE_THROWS_WITH(
      softmax_cross_entropy_forward(Tensor::from_vector({2, 2}, {0, 1, nan, 2}, ref()), labels),
      Contains("logits [2, 2] holds a non-finite value (nan) at flat index 2"));
  REQUIRE_THROWS_WITH(
      softmax_cross_entropy_backward(Tensor::from_vector({2, 2}, {inf, 1, 0, 2}, ref()), labels),
      Contains("non-finite value (inf) at flat index 0"));
  REQUIRE_THROWS_WITH(softmax_cross_entropy_backward(filled({2, 2}), labels, nan),
                      Contains("dloss must be finite"));
}

TEST_CASE("bad input: SGD hyperparameters and shapes", "[bad-input][sgd]") {
  Tensor p = filled({3}), v = filled({3});
  REQUIRE_THROWS_WITH(sgd_update(p, filled({3}), v, {0.0f, 0.9f, 0.0f}),
                      Contains("learning rate must be a finite number > 0"));
  REQUIRE_THROWS_WITH(sgd_update(p, filled({3}), v, {0.1f, 1.0f, 0.0f}),
                      Contains("momentum must be in [0, 1)"));
  REQUIRE_THROWS_WITH(sgd_update(p, filled({3}), v, {0.1f, 0.0f, -1.0f}),
                      Contains("weight decay must be a finite number >= 0"));
  REQUIRE_THROWS_WITH(sgd_update(p, filled({4}), v, {}),
                      Contains("grad has shape [4], expected [3]"));
  REQUIRE_THROWS_WITH(sgd_update(p, filled({3}), v, {0.1f, 0.0f, 0.0f, true}),
                      Contains("sgd_update: Nesterov momentum needs momentum > 0"));
  CHECK(p.to_vector() == std::vector<float>{0.5f, 0.5f, 0.5f});  // nothing was half-updated
}

TEST_CASE("bad input: Adam hyperparameters and shapes", "[bad-input][adam]") {
  Tensor p = filled({3}), m = filled({3}), v = filled({3});
  const Tensor g = filled({3});
  const auto with = [](auto change) {
    AdamParams a{.lr = 0.01f};
    change(a);
    return a;
  };
  REQUIRE_THROWS_WITH(adam_update(p, g, m, v, with([](AdamParams& a) { a.lr = -1; })),
                      Contains("adam_update: learning rate must be a finite number > 0"));
  REQUIRE_THROWS_WITH(adam_update(p, g, m, v, with([](AdamParams& a) { a.beta1 = 1; })),
                      Contains("adam_update: beta1 must be in [0, 1)"));
  REQUIRE_THROWS_WITH(adam_update(p, g, m, v, with([](AdamParams& a) { a.beta2 = -0.5f; })),
                      Contains("adam_update: beta2 must be in [0, 1)"));
  REQUIRE_THROWS_WITH(adam_update(p, g, m, v, with([](AdamParams& a) { a.eps = 0; })),
                      Contains("adam_update: eps must be a finite number > 0"));
  REQUIRE_THROWS_WITH(adam_update(p, g, m, v, with([](AdamParams& a) { a.weight_decay = -1; })),
                      Contains("adam_update: weight decay must be a finite number >= 0"));
  REQUIRE_THROWS_WITH(adam_update(p, g, m, v, with([](AdamParams& a) {
                                    a.decoupled = true;
                                    a.weight_decay = 200;
                                  })),
                      Contains("AdamW needs lr * weight_decay <= 1"));
  REQUIRE_THROWS_WITH(adam_update(p, g, m, v, with([](AdamParams& a) { a.step = 0; })),
                      Contains("adam_update: step is 1-based"));
  REQUIRE_THROWS_WITH(adam_update(p, filled({4}), m, v, {}),
                      Contains("adam_update: grad has shape [4], expected [3]"));
  Tensor m4 = filled({4}), v2 = filled({3, 1});
  REQUIRE_THROWS_WITH(adam_update(p, g, m4, v, {}),
                      Contains("adam_update: m has shape [4], expected [3]"));
  REQUIRE_THROWS_WITH(adam_update(p, g, m, v2, {}),
                      Contains("adam_update: v has shape [3, 1], expected [3]"));
  Tensor undefined;
  REQUIRE_THROWS_WITH(adam_update(undefined, g, m, v, {}),
                      Contains("adam_update: param is an undefined tensor"));
  CHECK(p.to_vector() == std::vector<float>{0.5f, 0.5f, 0.5f});  // nothing was half-updated
  CHECK(m.to_vector() == std::vector<float>{0.5f, 0.5f, 0.5f});
}

TEST_CASE("bad input: undefined tensors and unknown backends", "[bad-input]") {
  REQUIRE_THROWS_WITH(relu_forward(Tensor()), Contains("relu_forward: x is an undefined tensor"));
  REQUIRE_THROWS_WITH(conv2d_forward(Tensor(), filled({1, 1, 1, 1}), Tensor()),
                      Contains("x is an undefined tensor"));
  REQUIRE_THROWS_WITH(backend_by_name("cuda"),
                      Contains("unknown backend 'cuda'; this build has: reference"));
  REQUIRE_THROWS_WITH(filled({2}).dim(3), Contains("tensor of shape [2] has 1 dimensions"));
  REQUIRE_THROWS_WITH(filled({2}).at(2), Contains("index out of range"));
}

TEST_CASE("bad input: a shape whose element count overflows int64_t", "[bad-input][overflow]") {
  // 65536^4 = 2^64 and 2^32 · 2^32 = 2^64 wrap around to 0 in int64_t arithmetic: without the
  // check, such a tensor would "hold" no elements and every loop over it would do nothing.
  REQUIRE_THROWS_WITH(
      numel({65536, 65536, 65536, 65536}),
      Contains(
          "numel: shape [65536, 65536, 65536, 65536] has more elements than int64_t can count"));
  REQUIRE_THROWS_WITH(numel({4294967296, 4294967296}),
                      Contains("shape [4294967296, 4294967296] has more elements"));
  REQUIRE_THROWS_WITH(numel({3, int64_t{1} << 62}),
                      Contains("more than 2^63 - 1"));                     // 3·2^62 wraps negative
  CHECK(numel({int64_t{1} << 31, int64_t{1} << 31}) == int64_t{1} << 62);  // large, but it fits
  CHECK(numel({}) == 1);
  // Every user of a size product sees the error instead of a wrapped count.
  REQUIRE_THROWS_WITH(Tensor::empty({65536, 65536, 65536, 65536}, ref()),
                      Contains("[65536, 65536, 65536, 65536]"));
  REQUIRE_THROWS_WITH(flatten_backward(filled({2, 3}), {65536, 65536, 65536, 65536}),
                      Contains("[65536, 65536, 65536, 65536]"));
  // The gradient checker must not report OK after checking nothing.
  GradcheckSpec spec;
  spec.input = {65536, 65536, 65536, 65536};
  REQUIRE_THROWS_WITH(gradcheck_op("relu", spec),
                      Contains("shape [65536, 65536, 65536, 65536] has more elements"));
  spec.input = {4294967296, 4294967296};
  REQUIRE_THROWS_WITH(gradcheck_op("sigmoid", spec),
                      Contains("shape [4294967296, 4294967296] has more elements"));
}

TEST_CASE("bad input: conv2d sizes beyond what a backend can index (2^31 - 1 elements)",
          "[bad-input][conv2d][size]") {
  // A 3x3 input with padding and stride 1.5e9: the output is only 3x3, but the padded input is
  // 3000000003 x 3000000003; backends used to run for minutes or run out of memory. The check
  // is in the geometry, before any backend is called, so every backend gives the same message.
  const Conv2dParams huge{1500000000, 1500000000, 1, 1};
  const char* padded =
      "conv2d: padding 1500000000 makes the padded input 1 x 1 x 3000000003 x 3000000003 = "
      "9000000018000000009 elements, more than 2^31 - 1 = 2147483647 a backend can index";
  for (const std::string& name : backend_names()) {
    if (name != "reference" && name != "openmp") continue;
    INFO("backend " << name);
    Backend& be = backend_by_name(name);
    const Tensor x = Tensor::from_vector({1, 1, 3, 3}, std::vector<float>(9, 1.0f), be);
    const Tensor w = Tensor::from_vector({1, 1, 3, 3}, std::vector<float>(9, 1.0f), be);
    REQUIRE_THROWS_WITH(conv2d_forward(x, w, Tensor(), huge), Contains(padded));
    REQUIRE_THROWS_WITH(conv2d_backward_data(x, w, x.shape(), huge), Contains(padded));
    REQUIRE_THROWS_WITH(conv2d_backward_weight(x, x, w.shape(), true, huge), Contains(padded));
  }
  // The input itself (conv2d_backward_data takes x's shape without a tensor); a count beyond
  // int64_t is reported, not wrapped.
  const Tensor w = filled({1, 1, 3, 3});
  REQUIRE_THROWS_WITH(conv2d_backward_data(filled({1, 1, 1, 1}), w, {1, 1, 65536, 65536}),
                      Contains("conv2d: the input x [1, 1, 65536, 65536] has 1 x 1 x 65536 x 65536 "
                               "= 4294967296 elements, more than 2^31 - 1"));
  REQUIRE_THROWS_WITH(conv2d_backward_data(filled({1, 1, 1, 1}), w, {1, 1, int64_t{1} << 62, 4}),
                      Contains("= more than 2^63 - 1 elements, more than 2^31 - 1"));
  // The output: 2^20 filters of 1x1 on a 64x64 image give 2^32 outputs.
  REQUIRE_THROWS_WITH(
      conv2d_forward(filled({1, 1, 64, 64}), filled({1 << 20, 1, 1, 1}), Tensor()),
      Contains("the output y [N, K, H2, W2] has 1 x 1048576 x 64 x 64 = 4294967296 elements"));
  // One image's im2col matrix: (C/G)·F·F = 256·11·11 rows x 290·290 columns.
  REQUIRE_THROWS_WITH(
      conv2d_backward_data(filled({1, 1, 1, 1}), filled({1, 256, 11, 11}), {1, 256, 300, 300}),
      Contains("im2col matrix, (C/G)·F·F rows x H2·W2 columns, has 30976 x 84100 = 2605081600 "
               "elements"));
}

TEST_CASE("bad input: conv2d padding larger than the filter's span", "[bad-input][conv2d][size]") {
  // Up to D(F-1)+1 every window is at most one step from the real input; beyond, the extra
  // windows see only zeros and the work grows with P instead of with the input.
  const Tensor x = filled({1, 1, 5, 5});
  REQUIRE_THROWS_WITH(conv2d_forward(x, filled({1, 1, 3, 3}), Tensor(), {1, 4, 1, 1}),
                      Contains("conv2d: padding 4 is more than the span D(F-1)+1 = 3 of the 3x3 "
                               "filter with dilation 1"));
  REQUIRE_THROWS_WITH(conv2d_forward(x, filled({1, 1, 1, 1}), Tensor(), {1, 2, 1, 1}),
                      Contains("P must be at most 1"));
  REQUIRE_THROWS_WITH(conv2d_forward(x, filled({1, 1, 3, 3}), Tensor(), {1, 6, 2, 1}),
                      Contains("span D(F-1)+1 = 5"));
  // At the limit it is allowed: P = 3 for a 3x3 filter, P = 5 for 3x3 dilated by 2, and a 1x5
  // filter counts its larger side.
  CHECK(conv2d_forward(x, filled({1, 1, 3, 3}), Tensor(), {1, 3, 1, 1}).shape() ==
        Shape{1, 1, 9, 9});
  CHECK(conv2d_forward(x, filled({1, 1, 3, 3}), Tensor(), {1, 5, 2, 1}).shape() ==
        Shape{1, 1, 11, 11});
  CHECK(conv2d_forward(x, filled({1, 1, 1, 5}), Tensor(), {1, 2, 1, 1}).shape() ==
        Shape{1, 1, 9, 5});
}

TEST_CASE("bad input: pooling sizes beyond what a backend can index", "[bad-input][pool][size]") {
  REQUIRE_THROWS_WITH(avgpool2d_backward(filled({1, 1, 1, 1}), {1, 1, 65536, 65536}),
                      Contains("avgpool2d_backward: the input x [1, 1, 65536, 65536] has 1 x 1 x "
                               "65536 x 65536 = 4294967296 elements"));
  REQUIRE_THROWS_WITH(avgpool2d_backward(filled({1, 1, 1, 1}), {4294967296, 4294967296, 1, 1}),
                      Contains("= more than 2^63 - 1 elements"));
  // The padded input: 46340² fits below 2^31, 46342² does not.
  REQUIRE_THROWS_WITH(
      avgpool2d_backward(filled({1, 1, 1, 1}), {1, 1, 46340, 46340}, {2, 2, 1, SizeRule::floor}),
      Contains("padding 1 makes the padded input 1 x 1 x 46342 x 46342 = 2147580964 elements"));
}

TEST_CASE("bad input: a cross-entropy loss too large for float32", "[bad-input][loss]") {
  // Finite logits of +-3e38 with the label on the small one: the true loss, 6e38, does not fit
  // in a float. It used to come back as inf; now the error names the row and its logits' span.
  for (const std::string& name : backend_names()) {
    if (name != "reference" && name != "openmp") continue;
    INFO("backend " << name);
    Backend& be = backend_by_name(name);
    const Tensor logits = Tensor::from_vector({2, 2}, {1, 2, 3e38f, -3e38f}, be);
    REQUIRE_THROWS_WITH(
        softmax_cross_entropy_forward(logits, Tensor::from_vector({2}, {0, 1}, be)),
        Contains(
            "softmax_cross_entropy_forward: the loss overflows float32: row 1 of logits [2, 2] "
            "spans from -3e+38 to 3e+38 (a span of 6e+38)"));
  }
}

TEST_CASE("bad input: flatten_backward with a zero or negative size in x's shape",
          "[bad-input][shape]") {
  // x's shape is given, not taken from a tensor: a zero batch size used to divide by zero.
  REQUIRE_THROWS_WITH(flatten_backward(filled({2, 5}), {0, 3}),
                      Contains("flatten_backward: x has shape [0, 3]: dimension 0 is 0, but every "
                               "size must be positive"));
  REQUIRE_THROWS_WITH(flatten_backward(filled({2, 5}), {-2, -5}), Contains("dimension 0 is -2"));
}

TEST_CASE("bad input: l2pool2d window, forward output and upstream gradient",
          "[bad-input][pool][l2pool2d]") {
  REQUIRE_THROWS_WITH(l2pool2d_forward(filled({1, 1, 4, 4}), {.kernel = 3, .padding = 2}),
                      Contains("l2pool2d_forward: padding 2 is more than half the 3x3 window"));
  REQUIRE_THROWS_WITH(
      l2pool2d_forward(filled({4, 4}), {.kernel = 2}),
      Contains("l2pool2d_forward: input x must be 4-D [N, C, H, W], got shape [4, 4]"));
  const Tensor x = filled({1, 2, 4, 4});
  const Tensor y = l2pool2d_forward(x, {.kernel = 2});  // [1, 2, 2, 2]
  REQUIRE_THROWS_WITH(l2pool2d_backward(x, filled({1, 2, 4, 4}), y, {.kernel = 2}),
                      Contains("l2pool2d_backward: y has shape [1, 2, 4, 4], expected [1, 2, 2, 2] "
                               "(the forward output)"));
  REQUIRE_THROWS_WITH(
      l2pool2d_backward(x, y, filled({1, 2, 3, 3}), {.kernel = 2}),
      Contains("l2pool2d_backward: dy has shape [1, 2, 3, 3], expected [1, 2, 2, 2] "
               "(the shape of the forward output)"));
  REQUIRE_THROWS_WITH(l2pool2d_backward(x, Tensor(), y, {.kernel = 2}),
                      Contains("l2pool2d_backward: y is an undefined tensor"));
}

TEST_CASE("bad input: lrn settings and shapes", "[bad-input][lrn]") {
  const Tensor x = filled({1, 3, 2, 2});
  REQUIRE_THROWS_WITH(
      lrn_forward(filled({3, 2, 2})),
      Contains("lrn_forward: input x must be 4-D [N, C, H, W], got shape [3, 2, 2]"));
  REQUIRE_THROWS_WITH(lrn_forward(x, {.size = 0}),
                      Contains("lrn_forward: size must be at least 1 channel, got 0"));
  REQUIRE_THROWS_WITH(lrn_forward(x, {.alpha = -1e-4f}),
                      Contains("lrn_forward: alpha must be a finite number >= 0, got -0.0001"));
  REQUIRE_THROWS_WITH(lrn_forward(x, {.beta = std::numeric_limits<float>::quiet_NaN()}),
                      Contains("lrn_forward: beta must be a finite number >= 0, got nan"));
  REQUIRE_THROWS_WITH(lrn_forward(x, {.k = 0.0f}),
                      Contains("lrn_forward: k must be a finite number > 0 (the denominator k + "
                               "alpha/size * sum of squares must stay positive), got 0"));
  REQUIRE_THROWS_WITH(lrn_backward(x, filled({1, 3, 2, 1})),
                      Contains("lrn_backward: dy has shape [1, 3, 2, 1], expected [1, 3, 2, 2] "
                               "(the shape of the forward output, which is x's)"));
  REQUIRE_THROWS_WITH(lrn_backward(x, Tensor()),
                      Contains("lrn_backward: dy is an undefined tensor"));
}

TEST_CASE("bad input: concat pieces must agree on N, H and W", "[bad-input][concat]") {
  REQUIRE_THROWS_WITH(concat_forward({}), Contains("concat_forward: needs at least one piece"));
  REQUIRE_THROWS_WITH(concat_forward({filled({2, 3, 5, 5}), filled({2, 1, 5, 6})}),
                      Contains("concat_forward: x1 [2, 1, 5, 6] and x0 [2, 3, 5, 5] must have the "
                               "same N, H and W (concatenation joins the channels only)"));
  REQUIRE_THROWS_WITH(
      concat_forward({filled({2, 3, 5, 5}), filled({1, 3, 5, 5})}),
      Contains("x1 [1, 3, 5, 5] and x0 [2, 3, 5, 5] must have the same N, H and W"));
  REQUIRE_THROWS_WITH(concat_forward({filled({2, 3, 5, 5}), filled({2, 3, 4, 5})}),
                      Contains("x1 [2, 3, 4, 5] and x0 [2, 3, 5, 5]"));
  REQUIRE_THROWS_WITH(concat_forward({filled({2, 3, 5, 5}), filled({2, 15})}),
                      Contains("concat_forward: x1 must be 4-D [N, C, H, W], got shape [2, 15]"));
  REQUIRE_THROWS_WITH(concat_forward({filled({2, 3, 5, 5}), Tensor()}),
                      Contains("concat_forward: x1 is an undefined tensor"));
}

TEST_CASE("bad input: concat_backward pieces must add up to dy's channels", "[bad-input][concat]") {
  REQUIRE_THROWS_WITH(concat_backward(filled({2, 6, 3, 3}), {2, 3}),
                      Contains("concat_backward: the pieces' channels 2 + 3 = 5 do not add up to "
                               "dy's 6 (dy [2, 6, 3, 3])"));
  REQUIRE_THROWS_WITH(concat_backward(filled({2, 6, 3, 3}), {6, 0}),
                      Contains("concat_backward: piece 1 has 0 channels"));
  REQUIRE_THROWS_WITH(concat_backward(filled({2, 6, 3, 3}), {}),
                      Contains("concat_backward: needs at least one piece"));
  REQUIRE_THROWS_WITH(concat_backward(filled({2, 6}), {6}),
                      Contains("concat_backward: dy must be 4-D [N, C, H, W], got shape [2, 6]"));
}

TEST_CASE("bad input: conv_transpose2d shapes and hyperparameters",
          "[bad-input][conv_transpose2d]") {
  const Tensor x = filled({1, 4, 3, 3}), w = filled({4, 2, 3, 3});
  REQUIRE_THROWS_WITH(conv_transpose2d_forward(filled({4, 3, 3}), w, Tensor()),
                      Contains("conv_transpose2d: input x must be 4-D [N, C, H, W], got shape "
                               "[4, 3, 3]"));
  REQUIRE_THROWS_WITH(
      conv_transpose2d_forward(x, filled({4, 2, 3}), Tensor()),
      Contains("conv_transpose2d: weights w must be 4-D [C, K/groups, F, F], got shape [4, 2, 3]"));
  // w is [C, K/groups, F, F]: its first dimension must be x's channels (not conv2d's K first)
  REQUIRE_THROWS_WITH(conv_transpose2d_forward(x, filled({2, 4, 3, 3}), Tensor()),
                      Contains("conv_transpose2d: weights [2, 4, 3, 3] are [C, K/groups, F, F] "
                               "with C=2 input channels, but x [1, 4, 3, 3] has C=4"));
  REQUIRE_THROWS_WITH(conv_transpose2d_forward(x, w, Tensor(), {.groups = 3}),
                      Contains("conv_transpose2d: groups=3 does not divide the 4 input channels"));
  REQUIRE_THROWS_WITH(conv_transpose2d_forward(x, w, Tensor(), {.stride = 0}),
                      Contains("conv_transpose2d: stride must be at least 1, got 0"));
  REQUIRE_THROWS_WITH(conv_transpose2d_forward(x, w, Tensor(), {.output_padding = -1}),
                      Contains("conv_transpose2d: output_padding must be at least 0, got -1"));
  // PyTorch's rule: output_padding < max(stride, dilation)
  REQUIRE_THROWS_WITH(
      conv_transpose2d_forward(x, w, Tensor(), {.stride = 2, .output_padding = 2}),
      Contains("conv_transpose2d: output_padding 2 must be smaller than the stride 2 or the "
               "dilation 1"));
  REQUIRE_NOTHROW(conv_transpose2d_forward(x, w, Tensor(), {.output_padding = 1, .dilation = 2}));
  // padding crops the output: (3 - 1)·1 - 2·3 + 1·(3 - 1) + 0 + 1 = -1 rows left
  REQUIRE_THROWS_WITH(conv_transpose2d_forward(x, w, Tensor(), {.padding = 3}),
                      Contains("conv_transpose2d: (3 - 1)*1 - 2*3 + 1*(3 - 1) + 0 + 1 = -1 in "
                               "height: padding 3 crops away the whole output of a 3x3 input"));
  REQUIRE_THROWS_WITH(conv_transpose2d_forward(x, w, filled({3})),
                      Contains("conv_transpose2d_forward: bias b has shape [3], expected [2] "
                               "(one bias per output channel)"));
  const Tensor dy = filled({1, 8, 5, 5});  // y of x [1, 4, 3, 3] with groups 2 is [1, 4, 5, 5]
  REQUIRE_THROWS_WITH(
      conv_transpose2d_backward_data(dy, w, x.shape(), {.groups = 2}),
      Contains("conv_transpose2d_backward_data: dy has shape [1, 8, 5, 5], expected [1, 4, 5, 5] "
               "(the shape of the forward output)"));
  REQUIRE_THROWS_WITH(
      conv_transpose2d_backward_weight(x, filled({1, 2, 4, 4}), w.shape(), true),
      Contains("conv_transpose2d_backward_weight: dy has shape [1, 2, 4, 4], expected "
               "[1, 2, 5, 5] (the shape of the forward output)"));
  REQUIRE_THROWS_WITH(conv_transpose2d_parameter_count(6, 4, 3, 4, true),
                      Contains("groups=4 must divide C=6 and K=4"));
}
