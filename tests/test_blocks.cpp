// test_blocks.cpp — residual blocks and the Inception module: the layers (gradients of whole
// blocks against finite differences, hierarchical names, modes reaching inner layers, shape
// errors naming the branch) and the model-file types residual, basic_block, bottleneck_block
// and inception (parameter counts of GoogLeNet's inception (3a) and ResNet's blocks, worked out
// by hand below, errors naming the path inside a block, the summary's nested rows).
#include <catch2/catch.hpp>

#include <cnnlab/check/model_gradcheck.hpp>
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/layers.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/nn/summary.hpp>
#include <cnnlab/ops/ops.hpp>

#include <iostream>
#include <string>

using namespace cnnlab;
using Catch::Contains;

namespace {

// A residual block with a 1x1 projection shortcut (channels 2 -> 3, stride 2), then one with
// the identity shortcut and no ReLU after the sum, then a classifier.
Sequential small_residual_net() {
  Sequential body1, shortcut1, body2;
  body1.add(Conv2d(2, 3, 3, {.stride = 2, .padding = 1}))
      .add(ReLU())
      .add(Conv2d(3, 3, 3, {.padding = 1}));
  shortcut1.add(Conv2d(2, 3, 1, {.stride = 2}));
  body2.add(Conv2d(3, 3, 3, {.padding = 1})).add(Tanh());
  Sequential m;
  m.add(Residual(std::move(body1), std::move(shortcut1)), "block1")
      .add(Residual(std::move(body2), Sequential(), /*relu_after=*/false), "block2")
      .add(GlobalAvgPool2d())
      .add(Flatten())
      .add(Linear(3, 4));
  return m;
}

// An Inception module of four branches (1x1; 1x1 then 3x3; 5x5; 3x3 max pool then 1x1).
Sequential small_inception_net() {
  std::vector<Sequential> branches(4);
  branches[0].add(Conv2d(3, 2, 1)).add(ReLU());
  branches[1].add(Conv2d(3, 2, 1)).add(ReLU()).add(Conv2d(2, 3, 3, {.padding = 1}));
  branches[2].add(Conv2d(3, 1, 5, {.padding = 2})).add(Sigmoid());
  branches[3].add(MaxPool2d({.kernel = 3, .stride = 1, .padding = 1})).add(Conv2d(3, 2, 1));
  Sequential m;
  m.add(Inception(std::move(branches)), "inc1")
      .add(AvgPool2d({.kernel = 5}))
      .add(Flatten())
      .add(Linear(8, 3));
  return m;
}

int64_t weights_only(const Sequential& m) {
  int64_t n = 0;
  for (Parameter* p : m.parameters())
    if (p->name.size() >= 7 && p->name.compare(p->name.size() - 7, 7, ".weight") == 0)
      n += p->value.numel();
  return n;
}

}  // namespace

TEST_CASE("whole-model gradient check of residual blocks (projection and identity shortcuts)",
          "[blocks][residual][gradcheck]") {
  Sequential m = small_residual_net();
  m.init(3);
  const ModelGradcheckResult r = gradcheck_model(m, {2, 2, 7, 7}, 4);
  std::cout << r.to_string();
  REQUIRE(r.exact.reports.size() == 10);  // 4 convs + 1 linear, weight and bias each
  CHECK(r.exact.max_rel_error() < 1e-7);
  CHECK(r.layers.max_rel_error() < 1e-4);
  REQUIRE(r.passed());
}

TEST_CASE("whole-model gradient check of an Inception module", "[blocks][inception][gradcheck]") {
  Sequential m = small_inception_net();
  m.init(7);
  const ModelGradcheckResult r = gradcheck_model(m, {2, 3, 5, 5}, 8);
  std::cout << r.to_string();
  REQUIRE(r.exact.reports.size() == 12);  // 5 convs + 1 linear
  CHECK(r.exact.max_rel_error() < 1e-7);
  CHECK(r.layers.max_rel_error() < 1e-4);
  REQUIRE(r.passed());
}

TEST_CASE("composite layers name their parameters by path and pass the mode on", "[blocks]") {
  Sequential m = small_residual_net();
  std::vector<std::string> names;
  for (Parameter* p : m.parameters()) names.push_back(p->name);
  CHECK(names[0] == "block1.body.conv1.weight");
  CHECK(names[3] == "block1.body.conv2.bias");
  CHECK(names[4] == "block1.shortcut.conv1.weight");
  CHECK(names[6] == "block2.body.conv1.weight");
  Sequential inc = small_inception_net();
  CHECK(inc.parameters()[4]->name == "inc1.b2.conv2.weight");

  const auto& block = dynamic_cast<const Residual&>(m.layer(0));
  const auto& module = dynamic_cast<const Inception&>(inc.layer(0));
  m.eval();
  inc.eval();
  CHECK(block.body().layer(1).mode() == Mode::eval);
  CHECK(block.shortcut().layer(0).mode() == Mode::eval);
  CHECK(module.branch(3).layer(1).mode() == Mode::eval);
  m.train();
  CHECK(block.body().layer(2).mode() == Mode::train);

  // Eval mode keeps nothing: a backward pass needs a training forward first.
  m.eval();
  const Tensor x = Tensor::zeros({1, 2, 7, 7}, reference_backend());
  (void)m.forward(x);
  REQUIRE_THROWS_WITH(m.layer(0).backward(Tensor::zeros({1, 3, 4, 4}, reference_backend())),
                      Contains("backward() needs a forward() in training mode"));

  // The same seed draws the same inner parameters.
  Sequential a = small_residual_net(), b = small_residual_net();
  a.init(11);
  b.init(11);
  CHECK(a.parameters()[4]->value.to_vector() == b.parameters()[4]->value.to_vector());
}

TEST_CASE("composite layers check their branches' shapes", "[blocks][bad-input]") {
  Sequential body;
  body.add(Conv2d(2, 4, 3, {.padding = 1}));
  const Residual r(std::move(body));  // identity shortcut keeps 2 channels, the body gives 4
  REQUIRE_THROWS_WITH(r.output_shape({1, 2, 5, 5}),
                      Contains("residual: the body gives [1, 4, 5, 5] but the shortcut (the "
                               "identity) gives [1, 2, 5, 5]"));
  Sequential body2;
  body2.add(Conv2d(3, 4, 3));
  REQUIRE_THROWS_WITH(Residual(std::move(body2)).output_shape({1, 2, 5, 5}),
                      Contains("residual body: layer 0 (conv1"));

  std::vector<Sequential> branches(2);
  branches[0].add(Conv2d(2, 4, 1));
  branches[1].add(Conv2d(2, 4, 3));  // no padding: 5x5 -> 3x3
  REQUIRE_THROWS_WITH(Inception(std::move(branches)).output_shape({1, 2, 5, 5}),
                      Contains("inception: branch b2 gives [1, 4, 3, 3] but branch b1 gives [1, 4, "
                               "5, 5]; the branches must agree on N, H and W"));
  REQUIRE_THROWS_WITH(Residual(Sequential()), Contains("Residual: the body has no layers"));
  REQUIRE_THROWS_WITH(Inception({}), Contains("Inception: needs at least one branch"));
}

// ---- model files ------------------------------------------------------------------------------

TEST_CASE("model file: GoogLeNet's inception (3a) has 163,328 weights (the paper's 159K)",
          "[blocks][inception][model]") {
  // 1x1: 192·64; 3x3 reduce: 192·96; 3x3: 96·9·128; 5x5 reduce: 192·16; 5x5: 16·25·32;
  // pool proj: 192·32 = 12,288 + 18,432 + 110,592 + 3,072 + 12,800 + 6,144 = 163,328 weights,
  // which is 159.5 K with K = 1024 (the paper's table: 159K); plus 368 biases.
  const std::string text = R"({"name": "inc3a", "input": [192, 28, 28], "classes": 10, "layers": [
    {"type": "inception", "name": "inc3a", "conv1x1": 64, "reduce3x3": 96, "conv3x3": 128,
     "reduce5x5": 16, "conv5x5": 32, "pool_proj": 32},
    {"type": "global_avgpool2d"}, {"type": "flatten"}, {"type": "linear", "units": 10}]})";
  const ModelSpec spec = parse_model_spec(text, "inc3a.json");
  REQUIRE(spec.layers[0].output == Shape{256, 28, 28});
  CHECK(spec.layers[0].parameters == 163328 + 368);
  LoadedModel loaded = parse_model(text, "inc3a.json", 1);
  CHECK(weights_only(loaded.model) == 163328 + 256 * 10);
  CHECK(loaded.model.parameters()[4]->name == "inc3a.b2.conv2.weight");
  CHECK(loaded.model.parameter_count() == spec.parameter_count());

  // The naive module (no reductions): 1x1, 3x3 and 5x5 convs and the pool, 64+128+32+192.
  const ModelSpec naive = parse_model_spec(
      R"({"name": "n", "input": [192, 28, 28], "classes": 416, "layers": [
      {"type": "inception", "conv1x1": 64, "conv3x3": 128, "conv5x5": 32},
      {"type": "global_avgpool2d"}, {"type": "flatten"}]})",
      "naive.json");
  CHECK(naive.layers[0].output == Shape{416, 28, 28});
  CHECK(naive.layers[0].parameters == 192 * 64 + 192 * 9 * 128 + 192 * 25 * 32 + 64 + 128 + 32);
}

TEST_CASE("model file: ResNet basic and bottleneck blocks", "[blocks][residual][model]") {
  // basic block 64 -> 64: two 3x3 convs, 2 · 64·64·9 = 73,728 weights; identity shortcut.
  const std::string basic = R"({"name": "b", "input": [64, 9, 9], "classes": 10, "layers": [
    {"type": "basic_block", "name": "block1", "filters": 64, "batch_norm": false},
    {"type": "global_avgpool2d"}, {"type": "flatten"}, {"type": "linear", "units": 10}]})";
  LoadedModel b = parse_model(basic, "basic.json", 1);
  CHECK(weights_only(b.model) == 73728 + 640);
  CHECK(b.spec.layers[0].parameters == 73728 + 128);  // + the convs' biases without batch norm
  CHECK(b.spec.layers[0].branches[1].empty());        // identity shortcut
  CHECK(b.model.parameters()[0]->name == "block1.body.conv1.weight");

  // bottleneck 256 -> 64 -> 256: 256·64 + 64·64·9 + 64·256 = 69,632 weights; identity.
  const std::string bottleneck = R"({"name": "b", "input": [256, 7, 7], "classes": 10, "layers": [
    {"type": "bottleneck_block", "filters": 64, "batch_norm": false},
    {"type": "global_avgpool2d"}, {"type": "flatten"}, {"type": "linear", "units": 10}]})";
  LoadedModel k = parse_model(bottleneck, "bottleneck.json", 1);
  CHECK(weights_only(k.model) == 69632 + 2560);
  CHECK(k.spec.layers[0].output == Shape{256, 7, 7});
  CHECK(k.spec.layers[0].branches[1].empty());

  // Downsampling: stride 2 and 64 -> 128 channels get a 1x1 stride-2 projection shortcut.
  const ModelSpec down = parse_model_spec(
      R"({"name": "d", "input": [64, 9, 9], "classes": 128, "layers": [
      {"type": "basic_block", "filters": 128, "stride": 2, "batch_norm": false},
      {"type": "global_avgpool2d"}, {"type": "flatten"}]})",
      "down.json");
  CHECK(down.layers[0].output == Shape{128, 5, 5});
  REQUIRE(down.layers[0].branches[1].size() == 1);
  CHECK(down.layers[0].branches[1][0].description == "conv2d 64->128 1x1 stride 2");
  CHECK(down.layers[0].parameters == 64 * 128 * 9 + 128 * 128 * 9 + 64 * 128 + 3 * 128);

  if (find_layer_type("batchnorm2d") == nullptr)  // until batch norm is merged
    REQUIRE_THROWS_WITH(
        parse_model_spec(R"({"name": "b", "input": [4, 5, 5], "classes": 4, "layers": [
          {"type": "basic_block", "filters": 4}, {"type": "global_avgpool2d"},
          {"type": "flatten"}]})",
                         "bn.json"),
        Contains("bn.json: layer 1 (basic_block) with input [4, 5, 5]: \"batch_norm\": true needs "
                 "the layer type batchnorm2d"));
}

TEST_CASE("model file: a generic residual block, errors with the path inside it",
          "[blocks][residual][model][bad-input]") {
  const std::string good = R"({"name": "r", "input": [3, 6, 6], "classes": 5, "layers": [
    {"type": "conv2d", "filters": 4, "kernel": 3, "padding": 1},
    {"type": "residual", "name": "res",
     "body": [{"type": "conv2d", "filters": 4, "kernel": 3, "padding": 1}, {"type": "relu"},
              {"type": "conv2d", "filters": 4, "kernel": 3, "padding": 1}]},
    {"type": "residual", "relu": false,
     "body": [{"type": "conv2d", "filters": 2, "kernel": 1}],
     "shortcut": [{"type": "conv2d", "filters": 2, "kernel": 1, "bias": false}]},
    {"type": "global_avgpool2d"}, {"type": "flatten"}, {"type": "linear", "units": 5}]})";
  LoadedModel m = parse_model(good, "r.json", 1);
  CHECK(m.spec.layers[1].parameters == 2 * (4 * 4 * 9 + 4));
  CHECK(m.spec.layers[2].parameters == 4 * 2 + 2 + 4 * 2);
  CHECK(m.spec.layers[2].name == "residual2");  // "res" counts as residual 1
  CHECK(m.model.parameters()[2]->name == "res.body.conv1.weight");
  CHECK(m.model.parameters()[8]->name == "residual2.shortcut.conv1.weight");
  const Tensor y = m.model.forward(Tensor::zeros({2, 3, 6, 6}, reference_backend()));
  CHECK(y.shape() == Shape{2, 5});

  const std::string summary = format_summary(summarize_spec(m.spec));
  CHECK_THAT(summary, Contains("    body.conv2"));
  CHECK_THAT(summary, Contains("(indented rows: the layers inside a block"));
  CHECK(summarize_spec(m.spec).total_parameters == m.model.parameter_count());

  auto error_of = [](const std::string& layer) {
    const std::string text = R"({"name": "r", "input": [3, 6, 6], "classes": 3, "layers": [)" +
                             layer + R"(, {"type": "global_avgpool2d"}, {"type": "flatten"}]})";
    try {
      (void)parse_model_spec(text, "e.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error_of(R"({"type": "residual", "body": [{"type": "relu"},
      {"type": "conv2d", "filters": 3, "kernl": 3}]})"),
             Contains("e.json: layer 1 (residual) body layer 2 (conv2d): unknown field \"kernl\" "
                      "(did you mean \"kernel\"?)"));
  CHECK_THAT(error_of(R"({"type": "residual", "body": [{"type": "conv2d", "filters": 4,
      "kernel": 1}]})"),
             Contains("e.json: layer 1 (residual) with input [3, 6, 6]: the body gives [4, 6, 6] "
                      "but the shortcut (the identity) gives [3, 6, 6]"));
  CHECK_THAT(error_of(R"({"type": "residual", "body": []})"), Contains("field \"body\" is empty"));
  CHECK_THAT(error_of(R"({"type": "residual", "body": {"type": "relu"}})"),
             Contains("layer 1 (residual): field \"body\" (the residual branch: a list of layers) "
                      "must be a list of layers"));
  CHECK_THAT(error_of(R"({"type": "residual"})"),
             Contains("layer 1 (residual): missing required field \"body\""));
  CHECK_THAT(error_of(R"({"type": "residual", "body": [{"type": "relu"}], "shortcut":
      [{"type": "conv2d", "filters": 3, "kernel": 9}]})"),
             Contains("layer 1 (residual) shortcut layer 1 (conv2d) with input [3, 6, 6]"));
  CHECK_THAT(error_of(R"({"type": "inception", "conv1x1": 2, "conv3x3": 2})"),
             Contains("layer 1 (inception): missing required field \"conv5x5\""));
}
