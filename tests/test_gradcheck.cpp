// test_gradcheck.cpp — every backward pass of the reference backend against finite differences.
//
// What it checks: for each op and several shapes (stride > 1, padding, dilation, groups, 1×1
// filters, odd and non-square sizes, batch 1, ceil mode), cnnlab::gradcheck_op() compares the
// float64 backward pass with centered differences and must report a relative error below 1e-7
// for every input and parameter. Each check prints one line, "OK <op> max_rel_error=...",
// so `./cnnlab_tests "[gradcheck]" -s` or `ctest -V` shows the measured errors.
// matmul is checked in all four transpose cases (y = op(a)·op(b)).
// Also here: the checker itself must catch a wrong gradient (a test that can fail).
// Not here: that every op of the registry has a gradient check at all (test_op_registry.cpp,
// gradcheck_ops() == op_names(), and the CLI test cli_gradcheck_every_op check that).
#include <catch2/catch.hpp>

#include <cnnlab/check/gradcheck.hpp>
#include <cnnlab/core/error.hpp>

#include <cmath>
#include <iostream>

using namespace cnnlab;

namespace {

constexpr double kTolerance = 1e-7;  // reference backward passes in float64

void expect_gradients_match(const std::string& op, const GradcheckSpec& spec) {
  const GradcheckResult r = gradcheck_op(op, spec);
  INFO(r.to_string());
  std::cout << (r.passed(kTolerance) ? "OK " : "FAIL ") << op
            << " max_rel_error=" << r.max_rel_error() << "  (" << r.description << ")\n";
  REQUIRE(!r.reports.empty());
  CHECK(r.passed(kTolerance));
}

GradcheckSpec conv(Shape x, int64_t k, int64_t f, int stride, int pad, int dil, int groups,
                   bool bias = true, SizeRule rule = SizeRule::exact) {
  GradcheckSpec s;
  s.input = std::move(x);
  s.filters = k;
  s.kernel = f;
  s.conv = {stride, pad, dil, groups, rule};
  s.bias = bias;
  return s;
}

GradcheckSpec pool(Shape x, int kernel, int stride, int pad, SizeRule rule) {
  GradcheckSpec s;
  s.input = std::move(x);
  s.pool = {kernel, stride, pad, rule};
  return s;
}

GradcheckSpec input(Shape x, int64_t outputs = 3, bool bias = true) {
  GradcheckSpec s;
  s.input = std::move(x);
  s.filters = outputs;
  s.bias = bias;
  return s;
}

}  // namespace

TEST_CASE("conv2d backward matches finite differences", "[gradcheck][conv2d]") {
  expect_gradients_match("conv2d", conv({2, 3, 7, 7}, 4, 3, 1, 0, 1, 1));  // plain 3x3
  expect_gradients_match("conv2d",
                         conv({1, 2, 7, 7}, 3, 3, 2, 1, 1, 1));  // stride 2, pad 1, batch 1
  expect_gradients_match("conv2d",
                         conv({2, 4, 6, 5}, 4, 3, 1, 2, 2, 2));  // dilation 2, groups 2, non-square
  expect_gradients_match("conv2d", conv({3, 3, 5, 5}, 2, 1, 1, 0, 1, 1));  // 1x1 filters
  expect_gradients_match("conv2d",
                         conv({1, 6, 9, 7}, 6, 3, 2, 1, 1, 3));  // stride 2, groups 3, odd sizes
  expect_gradients_match("conv2d",
                         conv({2, 2, 5, 6}, 3, 2, 1, 0, 1, 1, false));     // even filter, no bias
  expect_gradients_match("conv2d", conv({1, 4, 8, 8}, 4, 3, 1, 1, 1, 4));  // depthwise (groups = C)
}

TEST_CASE("conv2d backward matches finite differences when the stride does not tile (floor)",
          "[gradcheck][conv2d][size_rule]") {
  // (H + 2P - span) not a multiple of S: the last input rows/columns no window reaches get 0.
  const SizeRule floor = SizeRule::floor;
  // the lecture's 7x7, 3x3, stride 3 (refused under exact): 2x2 out, row/column 6 unused
  expect_gradients_match("conv2d", conv({2, 2, 7, 7}, 3, 3, 3, 0, 1, 1, true, floor));
  // ResNet's stem in small: 14x14, 7x7, stride 2, padding 3 -> 7x7
  expect_gradients_match("conv2d", conv({1, 3, 14, 14}, 2, 7, 2, 3, 1, 1, true, floor));
  // a 1x1 stride-2 projection on an even input: 8x6 -> 4x3, odd rows/columns unused
  expect_gradients_match("conv2d", conv({2, 3, 8, 6}, 4, 1, 2, 0, 1, 1, false, floor));
  // dilation 2, groups 2, stride 2, non-square: 10x9 -> 3x3
  expect_gradients_match("conv2d", conv({1, 4, 10, 9}, 4, 3, 2, 0, 2, 2, true, floor));
}

TEST_CASE("maxpool2d backward matches finite differences", "[gradcheck][pool]") {
  expect_gradients_match("maxpool2d",
                         pool({2, 3, 6, 6}, 2, 2, 0, SizeRule::floor));  // the lecture's 2x2/2
  expect_gradients_match("maxpool2d",
                         pool({1, 2, 7, 7}, 2, 2, 0, SizeRule::ceil));  // ceil mode: 7x7 -> 4x4
  expect_gradients_match("maxpool2d",
                         pool({2, 2, 7, 5}, 3, 2, 1, SizeRule::floor));  // padding, non-square
  expect_gradients_match("maxpool2d",
                         pool({1, 2, 8, 8}, 3, 2, 0, SizeRule::floor));              // row 7 unused
  expect_gradients_match("maxpool2d", pool({1, 2, 8, 8}, 3, 2, 0, SizeRule::ceil));  // 8x8 -> 4x4
  expect_gradients_match("maxpool2d",
                         pool({1, 1, 5, 5}, 3, 1, 0, SizeRule::floor));  // overlapping windows
}

TEST_CASE("avgpool2d backward matches finite differences", "[gradcheck][pool]") {
  expect_gradients_match("avgpool2d", pool({2, 3, 6, 6}, 2, 2, 0, SizeRule::floor));
  expect_gradients_match(
      "avgpool2d", pool({1, 2, 7, 7}, 3, 2, 1, SizeRule::ceil));  // padding counted in the divisor
  expect_gradients_match(
      "avgpool2d", pool({1, 2, 6, 6}, 3, 2, 0, SizeRule::ceil));  // ceil-mode overhang not counted
  expect_gradients_match("avgpool2d",
                         pool({2, 1, 5, 7}, 3, 1, 1, SizeRule::floor));  // overlapping, non-square
}

TEST_CASE("l2pool2d backward matches finite differences", "[gradcheck][pool][l2pool2d]") {
  expect_gradients_match("l2pool2d", pool({2, 3, 6, 6}, 2, 2, 0, SizeRule::floor));  // 2x2/2
  expect_gradients_match("l2pool2d",
                         pool({1, 2, 7, 5}, 3, 2, 1, SizeRule::floor));  // padding, non-square
  expect_gradients_match("l2pool2d",
                         pool({2, 2, 6, 6}, 3, 1, 0, SizeRule::floor));  // overlapping windows
  expect_gradients_match("l2pool2d",
                         pool({1, 3, 6, 6}, 3, 2, 0, SizeRule::ceil));  // ceil-mode overhang
}

namespace {
GradcheckSpec lrn(Shape x, int size, float alpha, float beta, float k) {
  GradcheckSpec s;
  s.input = std::move(x);
  s.lrn = {.size = size, .alpha = alpha, .beta = beta, .k = k};
  return s;
}
}  // namespace

TEST_CASE("lrn backward matches finite differences", "[gradcheck][lrn]") {
  // alpha = 1 or more: the neighbours' terms of the backward formula weigh as much as the own.
  expect_gradients_match("lrn", lrn({2, 7, 3, 3}, 5, 1.0f, 0.75f, 1.0f));   // AlexNet's shape
  expect_gradients_match("lrn", lrn({1, 6, 2, 3}, 4, 2.0f, 0.5f, 2.0f));    // even size
  expect_gradients_match("lrn", lrn({1, 3, 2, 2}, 7, 1.5f, 1.3f, 0.5f));    // size > C
  expect_gradients_match("lrn", lrn({2, 4, 2, 2}, 1, 1.0f, 2.0f, 1.0f));    // size 1
  expect_gradients_match("lrn", lrn({2, 8, 2, 2}, 5, 1e-4f, 0.75f, 2.0f));  // the defaults
}

// [add_an_op_gradcheck_test]
TEST_CASE("global_avgpool2d backward matches finite differences", "[gradcheck][pool]") {
  expect_gradients_match("global_avgpool2d", input({2, 3, 6, 6}));
  expect_gradients_match("global_avgpool2d", input({1, 2, 5, 7}));  // batch 1, non-square
  expect_gradients_match("global_avgpool2d", input({3, 4, 1, 1}));  // 1x1 planes: dx = dy
}
// [add_an_op_gradcheck_test]

TEST_CASE("linear backward (matrix backprop) matches finite differences", "[gradcheck][linear]") {
  expect_gradients_match("linear", input({4, 5}, 3));
  expect_gradients_match("linear", input({1, 7}, 2));         // batch 1
  expect_gradients_match("linear", input({3, 4}, 6, false));  // no bias
}

TEST_CASE("activation backward passes match finite differences", "[gradcheck][activation]") {
  for (const char* op : {"relu", "sigmoid", "tanh"}) {
    expect_gradients_match(op, input({2, 3, 4, 5}));
    expect_gradients_match(op, input({1, 7}));
  }
}

TEST_CASE("softmax and softmax-cross-entropy backward match finite differences",
          "[gradcheck][softmax]") {
  expect_gradients_match("softmax", input({3, 5}));
  expect_gradients_match("softmax", input({1, 10}));
  expect_gradients_match("softmax_cross_entropy", input({4, 10}));
  expect_gradients_match("softmax_cross_entropy", input({1, 3}));
}

TEST_CASE("flatten and add backward match finite differences", "[gradcheck][shape]") {
  expect_gradients_match("flatten", input({2, 3, 4, 5}));
  expect_gradients_match("add", input({2, 3, 4, 5}));
  expect_gradients_match("add", input({1, 1}));
}

GradcheckSpec product(Shape a, int64_t columns, bool trans_a, bool trans_b) {
  GradcheckSpec s;
  s.input = std::move(a);
  s.filters = columns;
  s.trans_a = trans_a;
  s.trans_b = trans_b;
  return s;
}

TEST_CASE("matmul backward matches finite differences in all four transpose cases",
          "[gradcheck][matmul]") {
  for (const bool ta : {false, true})
    for (const bool tb : {false, true}) {
      INFO("trans_a " << ta << ", trans_b " << tb);
      expect_gradients_match("matmul", product({3, 5}, 4, ta, tb));
      expect_gradients_match("matmul", product({1, 6}, 2, ta, tb));  // a row (or column) vector
      expect_gradients_match("matmul", product({4, 4}, 1, ta, tb));  // square a, one column
    }
}

TEST_CASE("matmul's case checks the transposed shapes", "[gradcheck][matmul]") {
  const GradcheckResult r = gradcheck_op("matmul", product({2, 3}, 4, true, true));
  REQUIRE(r.reports.size() == 2);
  CHECK(r.reports[0].shape == Shape{2, 3});  // a as stored, [K, M]
  CHECK(r.reports[1].shape == Shape{4, 2});  // b as stored, [N, K]
  CHECK_THAT(r.description, Catch::Contains("-> y [3, 4]"));
}

TEST_CASE("an empty input shape means the op's default shape from the registry", "[gradcheck]") {
  for (const char* op : {"linear", "softmax", "matmul", "conv2d"}) {
    const GradcheckResult r = gradcheck_op(op, GradcheckSpec{});
    INFO(r.to_string());
    CHECK(r.passed(kTolerance));
  }
}

TEST_CASE("check_gradient catches a wrong gradient", "[gradcheck][checker]") {
  // L(x) = Σ x_i³, so dL/dx_i = 3 x_i². Report 2 x_i² instead: the checker must notice.
  auto loss = [](const std::vector<double>& x) {
    double s = 0;
    for (double v : x) s += v * v * v;
    return s;
  };
  const std::vector<double> x = {0.5, -1.5, 2.0};
  const std::vector<double> right = {0.75, 6.75, 12.0}, wrong = {0.5, 4.5, 8.0};

  const GradReport good = check_gradient("x", {3}, loss, x, right);
  CHECK(good.max_rel_error < 1e-9);

  const GradReport bad = check_gradient("x", {3}, loss, x, wrong);
  CHECK(bad.max_rel_error > 0.1);
  CHECK(bad.worst_index == 2);  // |12 - 8| is the largest difference
  CHECK(bad.analytic == Approx(8.0));
  CHECK(bad.numeric == Approx(12.0).epsilon(1e-6));
}

TEST_CASE("check_gradient and gradcheck_op reject bad arguments", "[gradcheck][bad-input]") {
  auto loss = [](const std::vector<double>& x) { return x[0]; };
  REQUIRE_THROWS_WITH(check_gradient("x", {2}, loss, {1.0, 2.0}, {1.0}),
                      Catch::Contains("x has 2 values but the analytic gradient has 1"));
  REQUIRE_THROWS_WITH(gradcheck_op("conv3d", {}), Catch::Contains("unknown op 'conv3d'"));
  GradcheckSpec s = conv({1, 1, 7, 7}, 1, 3, 3, 0, 1, 1);
  REQUIRE_THROWS_WITH(gradcheck_op("conv2d", s), Catch::Contains("stride 3 does not fit"));
}

TEST_CASE("batchnorm2d backward matches finite differences, training and evaluation mode",
          "[gradcheck][batchnorm]") {
  for (const bool eval : {false, true}) {
    GradcheckSpec s = input({2, 3, 5, 5});
    s.eval = eval;
    expect_gradients_match("batchnorm2d", s);  // x, gamma and beta
    s.input = {1, 2, 3, 4};                    // batch 1: statistics over one image's plane
    expect_gradients_match("batchnorm2d", s);
    s.input = {6, 4, 1, 1};  // 1x1 planes: statistics over the batch only
    expect_gradients_match("batchnorm2d", s);
  }
}

TEST_CASE("dropout backward matches finite differences", "[gradcheck][dropout]") {
  for (const float p : {0.0f, 0.3f, 0.5f, 0.9f, 1.0f}) {
    GradcheckSpec s = input({2, 3, 7, 7});
    s.p = p;
    expect_gradients_match("dropout", s);
  }
}

TEST_CASE("conv_transpose2d backward matches finite differences", "[gradcheck][conv_transpose2d]") {
  // conv(x, K, F, S, P, D, G) with output padding: x, w [C, K/G, F, F] and b, all three checked.
  const auto up = [](Shape x, int64_t k, int64_t f, int stride, int pad, int out_pad, int dil,
                     int groups, bool bias = true) {
    GradcheckSpec s = conv(std::move(x), k, f, stride, pad, dil, groups, bias);
    s.output_padding = out_pad;
    return s;
  };
  expect_gradients_match("conv_transpose2d", up({2, 3, 4, 4}, 4, 3, 1, 0, 0, 1, 1));  // plain
  expect_gradients_match("conv_transpose2d", up({1, 2, 2, 2}, 1, 3, 2, 0, 0, 1, 1));  // 2x2->5x5
  expect_gradients_match("conv_transpose2d",
                         up({2, 4, 3, 5}, 6, 3, 2, 1, 1, 1, 2));  // S 2, P 1, OP 1, groups 2
  expect_gradients_match("conv_transpose2d",
                         up({1, 6, 4, 3}, 3, 3, 3, 2, 2, 2, 3));  // S 3, OP 2, dilation 2, G 3
  expect_gradients_match("conv_transpose2d",
                         up({2, 3, 3, 3}, 2, 4, 2, 1, 0, 1, 1, false));  // DCGAN 4x4, no bias
}
