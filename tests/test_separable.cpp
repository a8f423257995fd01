// test_separable.cpp — non-square filters (3×1, 1×3) in layers and model files, and the
// factored convolutions of the lecture (seed 004, "Other Variants of Convolution"): spatially
// separable, depthwise-separable and flattened convolutions, with their parameter counts.
//
// The seed gives the idea without numbers; the worked example here is C = K = 64 channels and
// 3×3 filters (no biases, so the counts are the weights alone):
//   standard 3×3              9·C·K                    = 36,864
//   depthwise-separable       9·C (depthwise) + C·K    = 576 + 4,096 = 4,672   (7.9× fewer)
//   spatially separable       3·C·K (3×1) + 3·K·K (1×3) = 12,288 + 12,288 = 24,576
//                             — per pair of channels 3 + 3 = 6 weights instead of 9
//   flattened (C×1×1, 1×Y×1, 1×1×X): C·K (1×1) + 3·K (3×1 per channel) + 3·K (1×3 per channel)
//                             = 4,096 + 192 + 192 = 4,480
// Each count is checked three ways: the formula above (written out here), the model-file
// planner (which allocates nothing), and the parameters of the layers actually built.
#include <catch2/catch.hpp>

#include <cnnlab/check/model_gradcheck.hpp>
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/layers.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/nn/separable.hpp>
#include <cnnlab/nn/sequential.hpp>
#include <cnnlab/ops/ops.hpp>

#include <iostream>
#include <string>

using namespace cnnlab;
using Catch::Contains;

namespace {

// A model file on a [64, 16, 16] input whose body is @p layers, ending in global pooling-free
// flatten + linear so that the file is complete; the tests look only at the body's layers.
std::string model_of(const std::string& layers) {
  return R"({"name": "t", "input": [64, 16, 16], "classes": 2, "layers": [)" + layers +
         R"(, {"type": "flatten"}, {"type": "linear", "units": 2}]})";
}

// The parameters of the spec's layers before the final flatten + linear, as planned and as
// built.
struct Counts {
  int64_t planned = 0, built = 0;
};
Counts body_counts(const std::string& json) {
  const ModelSpec spec = parse_model_spec(json, "t.json");
  const Sequential model = build_model(spec, 1);
  Counts c;
  const size_t body = spec.layers.size() - 2;
  for (size_t i = 0; i < body; ++i) c.planned += spec.layers[i].parameters;
  for (Parameter* p : model.parameters())
    if (p->name.rfind("fc", 0) != 0) c.built += numel(p->value.shape());
  return c;
}

}  // namespace

TEST_CASE("Conv2d with a non-square filter: 3x1 and 1x3", "[separable][nn]") {
  Conv2d column(8, 6, KernelSize{.height = 3, .width = 1}, {.padding = 1});
  CHECK(column.describe() == "conv2d 8->6 3x1 pad 1");
  CHECK(column.weight.value.shape() == Shape{6, 8, 3, 1});
  // (10 + 2 − 3)/1 + 1 = 10 rows; (10 + 2 − 1)/1 + 1 = 12 columns.
  CHECK(column.output_shape({2, 8, 10, 10}) == Shape{2, 6, 10, 12});
  Conv2d row(8, 8, KernelSize{1, 3}, {.groups = 8, .bias = false});
  CHECK(row.describe() == "conv2d 8->8 1x3 groups 8 no bias");
  CHECK(row.output_shape({1, 8, 5, 5}) == Shape{1, 8, 5, 3});
  REQUIRE_THROWS_WITH(Conv2d(8, 8, KernelSize{3, 0}), Contains("kernel (3x0) must be positive"));

  // A 3×1 filter of ones adds three rows: on x[h][w] = h (every column the same) the output
  // row i is (i) + (i + 1) + (i + 2) = 3i + 3.
  Conv2d sum3(1, 1, KernelSize{3, 1}, {.bias = false});
  sum3.weight.value.copy_from({1, 1, 1});
  const Tensor x = Tensor::from_vector({1, 1, 4, 2}, {0, 0, 1, 1, 2, 2, 3, 3}, reference_backend());
  CHECK(sum3.forward(x).to_vector() == std::vector<float>{3, 3, 6, 6});
}

TEST_CASE("model files: kernel_h and kernel_w, exactly one of the two forms",
          "[separable][model-file]") {
  const ModelSpec spec = parse_model_spec(
      model_of(R"({"type": "conv2d", "filters": 8, "kernel_h": 3, "kernel_w": 1, "padding": 1})"),
      "t.json");
  const LayerSpec& l = spec.layers[0];
  CHECK(l.description == "conv2d 64->8 3x1 pad 1");
  CHECK(l.output == Shape{8, 16, 18});
  CHECK(l.parameters == 8 * 64 * 3 * 1 + 8);
  CHECK(body_counts(model_of(R"({"type": "conv2d", "filters": 8, "kernel_h": 1, "kernel_w": 3})"))
            .built == 8 * 64 * 3 + 8);

  auto error_of = [](const std::string& json) {
    try {
      (void)parse_model_spec(json, "bad.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK_THAT(error_of(model_of(R"({"type": "conv2d", "filters": 8, "kernel": 3, "kernel_h": 3})")),
             Contains("layer 1 (conv2d) with input [64, 16, 16]: give either \"kernel\" (F x F "
                      "filters) or both \"kernel_h\" and \"kernel_w\", not both"));
  CHECK_THAT(error_of(model_of(R"({"type": "conv2d", "filters": 8, "kernel_w": 3})")),
             Contains("\"kernel_w\" needs \"kernel_h\" too (FH x FW filters), or give \"kernel\" "
                      "(F x F) alone"));
  CHECK_THAT(error_of(model_of(R"({"type": "conv2d", "filters": 8})")),
             Contains("missing required field \"kernel\" (F, the filter is F x F), or the pair "
                      "\"kernel_h\", \"kernel_w\" (FH x FW)"));
  CHECK_THAT(
      error_of(model_of(R"({"type": "conv2d", "filters": 8, "kernel_h": 0, "kernel_w": 3})")),
      Contains("field \"kernel_h\" (FH, the filter's height (with kernel_w)) must be at "
               "least 1, got 0"));
}

TEST_CASE(
    "seed: depthwise-separable convolution, 64 -> 64 channels, 3x3: 4,672 weights, not 36,864",
    "[separable][seed][model-file]") {
  const int64_t C = 64, K = 64, F = 3;
  CHECK(F * F * C * K == 36864);  // a standard 3×3 layer
  CHECK(separable_conv2d_parameter_count(C, K, F, false) == 576 + 4096);
  CHECK(separable_conv2d_parameter_count(C, K, F, true) == 576 + 4096 + 64);

  const Counts standard =
      body_counts(model_of(R"({"type": "conv2d", "filters": 64, "kernel": 3, "bias": false})"));
  CHECK(standard.planned == 36864);
  CHECK(standard.built == 36864);
  const std::string sep =
      model_of(R"({"type": "separable_conv2d", "filters": 64, "kernel": 3, "padding": 1, )"
               R"("bias": false})");
  const Counts s = body_counts(sep);
  CHECK(s.planned == 4672);
  CHECK(s.built == 4672);

  // The block is two conv2d layers, shown as two rows: depthwise (groups = C, no bias) and
  // pointwise 1×1; their parameters are named after the block.
  const ModelSpec spec = parse_model_spec(sep, "t.json");
  REQUIRE(spec.layers.size() == 4);
  CHECK(spec.layers[0].name == "sep1_depthwise");
  CHECK(spec.layers[0].description ==
        "conv2d 64->64 3x3 pad 1 groups 64 no bias "
        "(separable_conv2d step)");
  CHECK(spec.layers[0].parameters == 576);
  CHECK(spec.layers[1].name == "sep1_pointwise");
  CHECK(spec.layers[1].description == "conv2d 64->64 1x1 no bias (separable_conv2d step)");
  CHECK(spec.layers[1].parameters == 4096);
  CHECK(spec.layers[1].output == Shape{64, 16, 16});
  const Sequential model = build_model(spec, 1);
  CHECK(model.parameters()[0]->name == "sep1_depthwise.weight");
  CHECK(model.parameters()[0]->value.shape() == Shape{64, 1, 3, 3});
  CHECK(model.parameters()[1]->name == "sep1_pointwise.weight");
  CHECK(model.parameters()[1]->value.shape() == Shape{64, 64, 1, 1});

  // The C++ helper builds the same two layers; with a bias it sits on the pointwise step.
  Sequential m;
  add_block(m, "blk", separable_conv2d(C, 32, 3, {.stride = 2, .padding = 1}));
  CHECK(m.parameter_count() == separable_conv2d_parameter_count(C, 32, 3, true));
  CHECK(m.layer(0).describe() == "conv2d 64->64 3x3 stride 2 pad 1 groups 64 no bias");
  CHECK(m.layer(1).describe() == "conv2d 64->32 1x1");
  CHECK(m.output_shape({1, 64, 15, 15}) == Shape{1, 32, 8, 8});
}

TEST_CASE(
    "seed: spatially separable convolution, 3x3 as 3x1 then 1x3: 6 weights per channel "
    "pair instead of 9",
    "[separable][seed][model-file]") {
  const int64_t C = 64, K = 64, F = 3;
  CHECK(spatial_separable_conv2d_parameter_count(1, 1, 3, false) == 6);  // one channel pair
  CHECK(spatial_separable_conv2d_parameter_count(C, K, F, false) == 12288 + 12288);
  const std::string json =
      model_of(R"({"type": "spatial_separable_conv2d", "filters": 64, "kernel": 3, )"
               R"("padding": 1, "bias": false, "name": "flat"})");
  const Counts c = body_counts(json);
  CHECK(c.planned == 24576);
  CHECK(c.built == 24576);
  CHECK(c.planned * 3 == 36864 * 2);  // two thirds of the standard layer
  const ModelSpec spec = parse_model_spec(json, "t.json");
  CHECK(spec.layers[0].name == "flat_vertical");
  CHECK(spec.layers[0].description ==
        "conv2d 64->64 3x1 pad 1 no bias (spatial_separable_conv2d step)");
  CHECK(spec.layers[1].name == "flat_horizontal");
  CHECK(spec.layers[1].description == "conv2d 64->64 1x3 no bias (spatial_separable_conv2d step)");
  CHECK(spec.layers[1].output == Shape{64, 16, 16});  // the size of the 3×3 layer with padding 1

  // With a stride the block gives the 3×3 layer's output size too: (15 + 2 − 3)/2 + 1 = 8.
  Sequential m;
  add_block(m, "s", spatial_separable_conv2d(4, 6, 3, {.stride = 2, .padding = 1}));
  CHECK(m.output_shape({1, 4, 15, 15}) == Shape{1, 6, 8, 8});
  CHECK(m.parameter_count() == spatial_separable_conv2d_parameter_count(4, 6, 3, true));

  // Without a bias on the first step, the block is exactly the 3×3 convolution with the
  // outer-product filter w[k][c][u][v] = Σ_m a[m][c][u] · b[k][m][v] (here one channel, so
  // w = a·bᵀ), padding included.
  Sequential one;
  add_block(one, "s", spatial_separable_conv2d(1, 1, 3, {.padding = 1, .bias = false}));
  one.parameters()[0]->value.copy_from({1, 2, 3});   // a: the 3×1 column
  one.parameters()[1]->value.copy_from({1, 0, -1});  // b: the 1×3 row
  const Tensor x =
      Tensor::from_vector({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}, reference_backend());
  const Tensor w =
      Tensor::from_vector({1, 1, 3, 3}, {1, 0, -1, 2, 0, -2, 3, 0, -3}, reference_backend());
  CHECK(one.forward(x).to_vector() == conv2d_forward(x, w, Tensor(), {.padding = 1}).to_vector());
}

TEST_CASE("seed: flattened convolution (C x 1 x 1, then 1 x Y x 1, then 1 x 1 x X)",
          "[separable][seed][model-file]") {
  // The three 1-D steps as conv2d layers: 1×1 across channels, then a 3×1 and a 1×3 filter per
  // channel (groups = K). 4,096 + 192 + 192 = 4,480 weights against 36,864.
  const std::string json =
      model_of(R"({"type": "conv2d", "filters": 64, "kernel": 1, "bias": false}, )"
               R"({"type": "conv2d", "filters": 64, "kernel_h": 3, "kernel_w": 1, "padding": 0, )"
               R"("groups": 64, "bias": false}, )"
               R"({"type": "conv2d", "filters": 64, "kernel_h": 1, "kernel_w": 3, "groups": 64, )"
               R"("bias": false})");
  const Counts c = body_counts(json);
  CHECK(c.planned == 64 * 64 + 3 * 64 + 3 * 64);
  CHECK(c.planned == 4480);
  CHECK(c.built == 4480);
  const ModelSpec spec = parse_model_spec(json, "t.json");
  CHECK(spec.layers[2].output == Shape{64, 14, 14});  // 16 − 3 + 1 both ways, as a 3×3 layer
}

TEST_CASE("separable blocks in model files: bad settings name the block and the step",
          "[separable][model-file]") {
  auto error_of = [](const std::string& json) {
    try {
      (void)parse_model_spec(json, "bad.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK_THAT(error_of(model_of(R"({"type": "separable_conv2d", "filters": 8})")),
             Contains("layer 1 (separable_conv2d): missing required field \"kernel\""));
  CHECK_THAT(error_of(model_of(R"({"type": "separable_conv2d", "filters": 8, "kernel": 3, )"
                               R"("groups": 2})")),
             Contains("layer 1 (separable_conv2d): unknown field \"groups\""));
  CHECK_THAT(error_of(model_of(R"({"type": "spatial_separable_conv2d", "filters": 8, "kernel": 3, )"
                               R"("stride": 2})")),
             Contains("layer 1 (spatial_separable_conv2d) with input [64, 16, 16]: conv2d: "
                      "(16 - 3 + 2*0)/2 + 1 is not an integer: stride 2 does not fit a 3x3 "
                      "filter on a 16x16 input (in height)"));
}

TEST_CASE("whole-model gradient check through both separable blocks", "[separable][gradcheck]") {
  // depthwise 3×3 (dilation 2) + pointwise, then 3×1 + 1×3 with stride 2: every step's
  // parameters against centered differences of the loss (float64 replay and float32 layers).
  Sequential m;
  add_block(m, "sep", separable_conv2d(3, 4, 3, {.padding = 2, .dilation = 2}));
  m.add(std::make_unique<ReLU>());
  add_block(m, "flat", spatial_separable_conv2d(4, 4, 3, {.stride = 2, .padding = 1}));
  m.add(std::make_unique<Flatten>());
  m.add(std::make_unique<Linear>(4 * 4 * 4, 3));
  m.init(5);
  const ModelGradcheckResult r = gradcheck_model(m, {2, 3, 7, 7}, 11);
  std::cout << r.to_string();
  // sep_depthwise.weight, sep_pointwise.{weight,bias}, flat_vertical.weight,
  // flat_horizontal.{weight,bias}, fc1.{weight,bias}
  REQUIRE(r.exact.reports.size() == 8);
  CHECK(r.exact.max_rel_error() < 1e-7);
  CHECK(r.layers.max_rel_error() < 1e-4);
  REQUIRE(r.passed());
}
