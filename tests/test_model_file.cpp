// test_model_file.cpp — models as JSON files and their summaries: the built-in models against
// the lecture's tables (parameters, per-layer output shapes, activations), every rule a bad
// file can break with the message it gets, files on disk, and seeds.
//
// The lecture's numbers: LeNet-5 has 61,706 parameters; AlexNet 62,378,344 (without its LRN
// layers, which have none); VGG-16 138,357,544 parameters and 15,237,608 activation values per
// image (input + every conv, pool and fc output; ReLU works in place, flatten is a view).
#include <catch2/catch.hpp>

#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/nn/summary.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

using namespace cnnlab;
using Catch::Contains;

namespace {

// The per-layer output shapes of a spec, in order.
std::vector<Shape> output_shapes(const ModelSpec& spec) {
  std::vector<Shape> shapes;
  for (const LayerSpec& l : spec.layers) shapes.push_back(l.output);
  return shapes;
}

// The output shapes of the layers of type @p type only, e.g. every conv2d.
std::vector<Shape> output_shapes(const ModelSpec& spec, const std::string& type) {
  std::vector<Shape> shapes;
  for (const LayerSpec& l : spec.layers)
    if (l.type == type) shapes.push_back(l.output);
  return shapes;
}

// The message parse_model_spec() gives for @p json (read as the file "bad.json"), or "" if the
// file is fine.
std::string error_of(const std::string& json) {
  try {
    (void)parse_model_spec(json, "bad.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A one-layer-per-line model for the bad-file tests: input [1, 8, 8], 10 classes.
std::string model_with(const std::string& layers, const std::string& input = "[1, 8, 8]",
                       const std::string& classes = "10") {
  return R"({"name": "t", "input": )" + input + R"(, "classes": )" + classes + R"(, "layers": [)" +
         layers + "]}";
}

// flatten → linear 10: a correct ending for model_with().
const std::string kHead = R"({"type": "flatten"}, {"type": "linear", "units": 10})";

}  // namespace

TEST_CASE("the built-in models: lenet5, cifar10_small, xo_small and the famous architectures",
          "[model-file]") {
  CHECK(builtin_model_names() ==
        std::vector<std::string>{"alexnet", "alexnet_grouped", "cifar10_small", "googlenet",
                                 "lenet5", "resnet18", "vgg16", "xo_small", "zfnet"});
  for (const std::string& name : builtin_model_names()) {
    const ModelSpec spec = load_model_spec(name);
    CHECK(spec.name == name);
    CHECK(spec.source == "built-in " + name);
    CHECK(spec.json == builtin_model_json(name));
    CHECK(!spec.description.empty());
  }
  REQUIRE_THROWS_WITH(load_model_spec("resnet50"),
                      Contains("unknown model 'resnet50' (built-in models: alexnet, "
                               "alexnet_grouped, cifar10_small, googlenet, lenet5, resnet18, "
                               "vgg16, xo_small, zfnet; or give the path"));
}

TEST_CASE("LeNet-5: 61,706 parameters and the lecture's shapes", "[model-file]") {
  LoadedModel m = load_model("lenet5", 1);
  CHECK(m.spec.input == Shape{1, 28, 28});
  CHECK(m.spec.classes == 10);
  CHECK(m.spec.parameter_count() == 61706);
  CHECK(m.model.parameter_count() == 61706);
  CHECK(m.model.size() == 12);
  CHECK(output_shapes(m.spec) == std::vector<Shape>{{6, 28, 28},
                                                    {6, 28, 28},
                                                    {6, 14, 14},
                                                    {16, 10, 10},
                                                    {16, 10, 10},
                                                    {16, 5, 5},
                                                    {400},
                                                    {120},
                                                    {120},
                                                    {84},
                                                    {84},
                                                    {10}});
  CHECK(m.model.output_shape({64, 1, 28, 28}) == Shape{64, 10});
  // Layer names as Sequential gives them; parameters carry them.
  CHECK(m.model.layer_name(0) == "conv1");
  CHECK(m.model.layer_name(11) == "fc3");
  CHECK(m.spec.layers[11].name == "fc3");
  CHECK(m.model.parameters().front()->name == "conv1.weight");

  // The summary from the file and the one from the built model agree.
  const ModelSummary from_spec = summarize_spec(m.spec);
  const ModelSummary from_model = summarize(m.model, m.spec.input);
  CHECK(from_spec.total_parameters == 61706);
  CHECK(from_model.total_parameters == 61706);
  CHECK(from_spec.input_values == 784);
  // 784 input + 4,704 conv1 + 1,176 pool1 + 1,600 conv2 + 400 pool2 + 120 + 84 + 10.
  CHECK(from_spec.total_activations == 8878);
  CHECK(from_model.total_activations == 8878);
  for (size_t i = 0; i < from_spec.layers.size(); ++i) {
    CHECK(from_spec.layers[i].name == from_model.layers[i].name);
    CHECK(from_spec.layers[i].description == from_model.layers[i].description);
    CHECK(from_spec.layers[i].output == from_model.layers[i].output);
    CHECK(from_spec.layers[i].parameters == from_model.layers[i].parameters);
  }
  CHECK_FALSE(from_spec.layers[1].counted);  // relu: in place
  CHECK(from_spec.layers[1].memory == OutputMemory::in_place);
  CHECK(from_spec.layers[6].memory == OutputMemory::view);  // flatten
  CHECK(from_spec.layers[0].parameters == 156);             // 6·1·5·5 + 6
  CHECK(from_spec.layers[3].parameters == 2416);            // 16·6·5·5 + 16
}

TEST_CASE("cifar10_small: shapes and parameter count", "[model-file]") {
  const ModelSpec spec = load_model_spec("cifar10_small");
  CHECK(output_shapes(spec, "maxpool2d") ==
        std::vector<Shape>{{32, 16, 16}, {64, 8, 8}, {128, 4, 4}});
  // 896 + 18,496 + 73,856 (convs) + 524,544 (2048 -> 256) + 2,570 (256 -> 10)
  std::cout << "cifar10_small: " << with_thousands(spec.parameter_count()) << " parameters\n";
  CHECK(spec.parameter_count() == 620362);
  const LoadedModel m = load_model("cifar10_small", 1);
  CHECK(m.model.parameter_count() == 620362);
}

TEST_CASE("AlexNet: 62,378,344 parameters and the lecture's shapes", "[model-file]") {
  const ModelSpec spec = load_model_spec("alexnet");
  CHECK(spec.parameter_count() == 62378344);
  // The lecture's table: CONV1 55x55x96, POOL1 27x27x96, CONV2 27x27x256, POOL2 13x13x256,
  // CONV3 13x13x384, CONV4 13x13x384, CONV5 13x13x256, POOL3 6x6x256 (C first here).
  CHECK(
      output_shapes(spec, "conv2d") ==
      std::vector<Shape>{{96, 55, 55}, {256, 27, 27}, {384, 13, 13}, {384, 13, 13}, {256, 13, 13}});
  CHECK(output_shapes(spec, "maxpool2d") ==
        std::vector<Shape>{{96, 27, 27}, {256, 13, 13}, {256, 6, 6}});
  CHECK(output_shapes(spec, "linear") == std::vector<Shape>{{4096}, {4096}, {1000}});
  CHECK(spec.layers[0].parameters == 34944);  // 96·3·11·11 + 96

  const LoadedModel m = load_model("alexnet", 1);  // allocates 62 M floats
  CHECK(m.model.parameter_count() == 62378344);
}

TEST_CASE("VGG-16: 138,357,544 parameters, 15,237,608 activations per image", "[model-file]") {
  const ModelSpec spec = load_model_spec("vgg16");
  CHECK(spec.parameter_count() == 138357544);
  // The lecture's table, C first: 224x224x64 twice, pool 112x112x64, ..., pool 7x7x512.
  CHECK(output_shapes(spec, "conv2d") == std::vector<Shape>{{64, 224, 224},
                                                            {64, 224, 224},
                                                            {128, 112, 112},
                                                            {128, 112, 112},
                                                            {256, 56, 56},
                                                            {256, 56, 56},
                                                            {256, 56, 56},
                                                            {512, 28, 28},
                                                            {512, 28, 28},
                                                            {512, 28, 28},
                                                            {512, 14, 14},
                                                            {512, 14, 14},
                                                            {512, 14, 14}});
  CHECK(
      output_shapes(spec, "maxpool2d") ==
      std::vector<Shape>{{64, 112, 112}, {128, 56, 56}, {256, 28, 28}, {512, 14, 14}, {512, 7, 7}});
  CHECK(output_shapes(spec, "linear") == std::vector<Shape>{{4096}, {4096}, {1000}});
  CHECK(spec.layers[0].parameters == 1792);  // 64·3·3·3 + 64, the lecture's (3*3*3)*64 + bias

  const ModelSummary s = summarize_spec(spec);  // from the file: nothing allocated
  CHECK(s.input_values == 150528);              // 224·224·3
  CHECK(s.total_parameters == 138357544);
  // ≈ 15.2 M values (the lecture's rows; its "TOTAL memory: 24M" is an arithmetic slip).
  CHECK(s.total_activations == 15237608);
  CHECK_THAT(format_summary(s), Contains("activations: 15,237,608 values per image"));
  CHECK_THAT(format_summary(s), Contains("parameters:  138,357,544 = 553,430,176 bytes"));

  const LoadedModel m = load_model("vgg16", 1);  // allocates 138 M floats (553 MB)
  CHECK(m.model.parameter_count() == 138357544);
  CHECK(summarize(m.model, m.spec.input).total_activations == 15237608);
}

TEST_CASE("the same seed gives the same parameters", "[model-file]") {
  const LoadedModel a = load_model("lenet5", 7);
  const LoadedModel b = load_model("lenet5", 7);
  const LoadedModel c = load_model("lenet5", 8);
  const std::vector<Parameter*> pa = a.model.parameters(), pb = b.model.parameters(),
                                pc = c.model.parameters();
  REQUIRE(pa.size() == 10);
  REQUIRE(pb.size() == 10);
  for (size_t i = 0; i < pa.size(); ++i) {
    CHECK(pa[i]->name == pb[i]->name);
    CHECK(pa[i]->value.to_vector() == pb[i]->value.to_vector());
  }
  CHECK(pa[0]->value.to_vector() != pc[0]->value.to_vector());
}

TEST_CASE("a model from a file on disk, with every optional field", "[model-file]") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "cnnlab_test_model_file";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "tiny.json").string();
  {
    std::ofstream f(path);
    f << R"({
      "name": "tiny", "description": "every field once", "input": [4, 9, 9], "classes": 3,
      "layers": [
        {"type": "conv2d", "name": "first", "filters": 6, "kernel": 3, "stride": 2,
         "padding": 1, "dilation": 1, "groups": 2, "bias": false, "init": "xavier_normal"},
        {"type": "tanh"},
        {"type": "avgpool2d", "kernel": 3, "stride": 2, "padding": 1, "size_rule": "ceil"},
        {"type": "maxpool2d", "kernel": 2, "stride": 1},
        {"type": "sigmoid"},
        {"type": "l2pool2d", "kernel": 2, "stride": 1, "padding": 1, "size_rule": "exact"},
        {"type": "lrn", "size": 3, "alpha": 0.001, "beta": 0.5, "k": 1},
        {"type": "global_avgpool2d"},
        {"type": "flatten"},
        {"type": "linear", "units": 3, "bias": false, "init": "he_normal"}
      ]})";
  }
  const LoadedModel m = load_model(path, 3);
  CHECK(m.spec.source == path);
  CHECK(m.spec.name == "tiny");
  CHECK(m.spec.layers[0].name == "first");
  CHECK(m.model.layer_name(0) == "first");
  CHECK(m.spec.layers[0].init == Init::xavier_normal);
  CHECK(m.spec.layers[0].description == "conv2d 4->6 3x3 stride 2 pad 1 groups 2 no bias");
  CHECK(output_shapes(m.spec) == std::vector<Shape>{{6, 5, 5},
                                                    {6, 5, 5},
                                                    {6, 3, 3},
                                                    {6, 2, 2},
                                                    {6, 2, 2},
                                                    {6, 3, 3},
                                                    {6, 3, 3},
                                                    {6, 1, 1},
                                                    {6},
                                                    {3}});
  CHECK(m.spec.layers[5].description == "l2pool2d 2x2 stride 1 pad 1");
  CHECK(m.spec.layers[6].description == "lrn size 3 alpha 0.001 beta 0.5 k 1");
  CHECK(m.model.parameter_count() == 6 * 2 * 3 * 3 + 6 * 3);  // no biases
  CHECK(m.model.output_shape({2, 4, 9, 9}) == Shape{2, 3});

  // A name that looks like a path is a path, even when there is no such file.
  REQUIRE_THROWS_WITH(load_model_spec((dir / "nope.json").string()),
                      Contains("nope.json: no such file"));
  REQUIRE_THROWS_WITH(load_model_spec("nope.json"), Contains("model file nope.json: no such file"));
  REQUIRE_THROWS_WITH(load_model_spec(dir.string()), Contains("not a regular file"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("bad model files: each rule and its message", "[model-file]") {
  // Not JSON at all: nlohmann's line, column and byte.
  CHECK_THAT(error_of(R"({"name": "t",)"),
             Contains("bad.json: not valid JSON: parse error at line 1, column 14"));
  CHECK_THAT(error_of("[1, 2]"), Contains("bad.json: the file must hold one JSON object"));
  // The top level.
  CHECK_THAT(error_of(R"({"name": "t", "inputs": [1, 8, 8]})"),
             Contains("bad.json: unknown field \"inputs\" (did you mean \"input\"?)"));
  CHECK_THAT(error_of(R"({"name": "t", "input": [1, 8, 8], "layers": []})"),
             Contains("bad.json: missing required field \"classes\""));
  CHECK_THAT(error_of(model_with(kHead, "[8, 8]")),
             Contains("bad.json: field \"input\" must be the image shape [C, H, W], three "
                      "positive integers, got [8,8] (an array of 2 values)"));
  CHECK_THAT(error_of(model_with(kHead, "[1, 0, 8]")),
             Contains("field \"input\" H (input[1]) must be at least 1, got 0"));
  CHECK_THAT(error_of(model_with(kHead, R"([1, "8", 8])")),
             Contains("field \"input\" H (input[1]) must be an integer, got \"8\" (a string)"));
  CHECK_THAT(error_of(model_with(kHead, "[1000000, 1000000, 1000]")),
             Contains("field \"input\": [1000000, 1000000, 1000] is 1000000000000000 values per "
                      "image, more than 2^31 - 1"));
  CHECK_THAT(error_of(model_with(kHead, "[1, 8, 8]", "0")),
             Contains("bad.json: field \"classes\" must be at least 1, got 0"));
  std::string many;
  for (int i = 0; i < 10001; ++i) many += R"({"type": "relu"}, )";
  CHECK_THAT(error_of(model_with(many + kHead)),
             Contains("bad.json: field \"layers\" has 10003 layers, more than the 10000 a model "
                      "file may have"));
  CHECK_THAT(error_of(model_with("")),
             Contains("bad.json: field \"layers\" is empty: a model needs at least one layer"));

  // One layer's type and fields.
  CHECK_THAT(error_of(model_with(R"({"type": "conv3d", "filters": 4, "kernel": 3}, )" + kHead)),
             Contains("bad.json: layer 1: unknown layer type \"conv3d\" (did you mean "
                      "\"conv2d\"?); the layer types are: conv2d, conv_transpose2d, "
                      "separable_conv2d, spatial_separable_conv2d, linear, maxpool2d, avgpool2d, "
                      "global_avgpool2d, batchnorm2d, dropout, l2pool2d, lrn, relu, sigmoid, tanh, "
                      "flatten"));
  CHECK_THAT(error_of(model_with(R"({"kernel": 3}, )" + kHead)),
             Contains("bad.json: layer 1: missing required field \"type\""));
  CHECK_THAT(error_of(model_with(R"("relu", )" + kHead)),
             Contains("bad.json: layer 1: must be an object like {\"type\": \"relu\"}"));
  CHECK_THAT(error_of(model_with(
                 R"({"type": "relu"}, {"type": "conv2d", "filter": 4, "kernel": 3}, )" + kHead)),
             Contains("bad.json: layer 2 (conv2d): unknown field \"filter\" (did you mean "
                      "\"filters\"?); conv2d takes: filters, kernel, kernel_h, kernel_w, stride, "
                      "padding, dilation, groups, size_rule, bias, init, name"));
  CHECK_THAT(error_of(model_with(R"({"type": "relu", "units": 3}, )" + kHead)),
             Contains("layer 1 (relu): unknown field \"units\"; relu takes no settings"));
  CHECK_THAT(error_of(model_with(R"({"type": "conv2d", "filters": 4, "kernel": "3"}, )" + kHead)),
             Contains("bad.json: layer 1 (conv2d): field \"kernel\" (F, the window is F x F) "
                      "must be an integer, got \"3\" (a string)"));
  CHECK_THAT(error_of(model_with(R"({"type": "conv2d", "filters": 4, "kernel": 2.5}, )" + kHead)),
             Contains("field \"kernel\" (F, the window is F x F) must be an integer, got 2.5"));
  CHECK_THAT(error_of(model_with(R"({"type": "conv2d", "kernel": 3}, )" + kHead)),
             Contains("bad.json: layer 1 (conv2d): missing required field \"filters\" (K, the "
                      "number of filters)"));
  CHECK_THAT(
      error_of(
          model_with(R"({"type": "conv2d", "filters": 4, "kernel": 3, "stride": 0}, )" + kHead)),
      Contains("bad.json: layer 1 (conv2d): field \"stride\" (S, the step between windows) must "
               "be at least 1, got 0"));
  CHECK_THAT(
      error_of(model_with(R"({"type": "conv2d", "filters": 4, "kernel": 3000000000}, )" + kHead)),
      Contains("field \"kernel\" (F, the window is F x F) is too large: at most "
               "2147483647, got 3000000000"));
  CHECK_THAT(error_of(model_with(R"({"type": "linear", "units": 18446744073709551615})")),
             Contains("field \"units\" (D_out, the number of outputs) is too large"));
  CHECK_THAT(
      error_of(model_with(R"({"type": "conv2d", "filters": 4, "kernel": 3, "bias": 1}, )" + kHead)),
      Contains("layer 1 (conv2d): field \"bias\" must be true or false, got 1 (a number)"));
  CHECK_THAT(error_of(model_with(
                 R"({"type": "conv2d", "filters": 4, "kernel": 3, "init": "he"}, )" + kHead)),
             Contains("layer 1 (conv2d): field \"init\": "));
  // LRN's settings: size an integer >= 1, alpha and beta numbers >= 0, k a number > 0.
  CHECK_THAT(error_of(model_with(R"({"type": "lrn", "size": 0}, )" + kHead)),
             Contains("layer 1 (lrn): field \"size\" (channels in each LRN window) must be at "
                      "least 1, got 0"));
  CHECK_THAT(error_of(model_with(R"({"type": "lrn", "k": 0}, )" + kHead)),
             Contains("layer 1 (lrn): field \"k\" (LRN's additive constant) must be in (0, "));
  CHECK_THAT(error_of(model_with(R"({"type": "lrn", "alpha": -1}, )" + kHead)),
             Contains("layer 1 (lrn): field \"alpha\" (LRN's scale of the sum of squares, "
                      "divided by size) must be in [0, "));
  CHECK_THAT(error_of(model_with(R"({"type": "lrn", "beta": "3/4"}, )" + kHead)),
             Contains("layer 1 (lrn): field \"beta\" (LRN's exponent) must be a number"));
  CHECK_THAT(error_of(model_with(R"({"type": "l2pool2d", "kernel": 3, "padding": 2}, )" + kHead)),
             Contains("l2pool2d: padding 2 is more than half the 3x3 window"));
  CHECK_THAT(error_of(model_with(R"({"type": "relu", "name": "a.b"}, )" + kHead)),
             Contains("layer 1 (relu): field \"name\": Sequential::add: layer name 'a.b' must "
                      "not contain '.'"));
  CHECK_THAT(error_of(model_with(
                 R"({"type": "relu", "name": "x"}, {"type": "relu", "name": "x"}, )" + kHead)),
             Contains("layer 2 (relu): field \"name\": Sequential::add: there is already a "
                      "layer named 'x'"));

  // Shapes, propagated from the input.
  CHECK_THAT(
      error_of(model_with(R"({"type": "conv2d", "filters": 4, "kernel": 3, "stride": 3}, )" + kHead,
                          "[1, 7, 7]")),
      Contains("bad.json: layer 1 (conv2d) with input [1, 7, 7]: conv2d: (7 - 3 + 2*0)/3 "
               "+ 1 is not an integer: stride 3 does not fit a 3x3 filter on a 7x7 input"));
  CHECK_THAT(error_of(model_with(R"({"type": "maxpool2d", "kernel": 9}, )" + kHead)),
             Contains("bad.json: layer 1 (maxpool2d) with input [1, 8, 8]: "));
  CHECK_THAT(error_of(model_with(R"({"type": "conv2d", "filters": 4, "kernel": 3, "groups": 2}, )" +
                                 kHead)),
             Contains("layer 1 (conv2d) with input [1, 8, 8]: groups 2 must divide the input "
                      "channels C = 1 and the filters K = 4"));
  CHECK_THAT(error_of(model_with(R"({"type": "linear", "units": 10})")),
             Contains("bad.json: layer 1 (linear) with input [1, 8, 8]: needs a flat input [D], "
                      "but gets [1, 8, 8] (add {\"type\": \"flatten\"} before it)"));
  CHECK_THAT(error_of(model_with(kHead + R"(, {"type": "conv2d", "filters": 4, "kernel": 1})")),
             Contains("bad.json: layer 3 (conv2d) with input [10]: needs an image input [C, H, "
                      "W], but gets [10]"));
  // The end: [N, classes].
  CHECK_THAT(error_of(model_with(kHead, "[1, 8, 8]", "5")),
             Contains("bad.json: layer 2 (linear): the last layer gives [10] per image, but "
                      "\"classes\" is 5"));
  CHECK_THAT(error_of(model_with(R"({"type": "relu"})", "[10, 1, 1]")),
             Contains("the last layer gives [10, 1, 1] per image"));
  // And a good one, for contrast.
  CHECK(error_of(model_with(kHead)).empty());
}

TEST_CASE("the summary table", "[model-file]") {
  const std::string table = format_summary(summarize_spec(load_model_spec("lenet5")));
  CHECK_THAT(
      table,
      Contains(" 1  conv1     conv2d 1->6 5x5 pad 2  [6, 28, 28]              156        4,704"));
  CHECK_THAT(table, Contains("(in place)"));
  CHECK_THAT(table, Contains("(view)"));
  CHECK_THAT(table, Contains("parameters:  61,706 = 246,824 bytes in float32"));
  CHECK(with_thousands(0) == "0");
  CHECK(with_thousands(999) == "999");
  CHECK(with_thousands(1000) == "1,000");
  CHECK(with_thousands(-1234567) == "-1,234,567");
}

// A stride can fit the real input without fitting 2P: 13x13, F=3, P=1, S=4 gives
// (13 - 3 + 2)/4 + 1 = 4 outputs although (3 - 3 + 2)/4 + 1 is not an integer. Conv2d checks
// its settings when it is made, and must not refuse this one.
TEST_CASE("a conv2d whose stride fits the input but not 2P builds", "[model-file]") {
  const std::string json =
      R"({"name": "t", "input": [1, 13, 13], "classes": 4, "layers": [{"type": "conv2d", )"
      R"("filters": 1, "kernel": 3, "padding": 1, "stride": 4}, {"type": "flatten"}, )"
      R"({"type": "linear", "units": 4}]})";
  const ModelSpec spec = parse_model_spec(json, "probe.json");
  CHECK(spec.layers[0].output == Shape{1, 4, 4});
  CHECK_NOTHROW(build_model(spec, 1));
}

TEST_CASE("size_rule: exact by default, floor and ceil on request, ceil_mode refused",
          "[model-file][size_rule]") {
  // ResNet-18's stem in small: 16x16, 7x7, stride 2, padding 3 -> 8x8 under floor, then
  // GoogLeNet's 3x3 stride-2 max pool: 8 -> 3 (floor) or 4 (ceil).
  const std::string stem = R"({"type": "conv2d", "filters": 2, "kernel": 7, "stride": 2, )"
                           R"("padding": 3, "size_rule": "floor"}, )";
  const auto pool = [](const std::string& rule) {
    return R"({"type": "maxpool2d", "kernel": 3, "stride": 2, "size_rule": ")" + rule + R"("}, )";
  };
  const ModelSpec f =
      parse_model_spec(model_with(stem + pool("floor") + kHead, "[3, 16, 16]"), "floor.json");
  CHECK(f.layers[0].size_rule == SizeRule::floor);
  CHECK(f.layers[0].output == Shape{2, 8, 8});
  CHECK(f.layers[0].description == "conv2d 3->2 7x7 stride 2 pad 3 floor");
  CHECK(f.layers[1].output == Shape{2, 3, 3});
  CHECK(f.layers[1].description == "maxpool2d 3x3 stride 2 floor");
  const ModelSpec c =
      parse_model_spec(model_with(stem + pool("ceil") + kHead, "[3, 16, 16]"), "ceil.json");
  CHECK(c.layers[1].output == Shape{2, 4, 4});
  CHECK(c.layers[1].description == "maxpool2d 3x3 stride 2 ceil");
  Sequential m = build_model(f, 1);
  CHECK(m.output_shape({1, 3, 16, 16}) == Shape{1, 10});
  CHECK(m.layer(0).describe() == "conv2d 3->2 7x7 stride 2 pad 3 floor");

  // The default is exact: the same stem without size_rule is refused, naming the rule.
  CHECK_THAT(
      error_of(model_with(
          R"({"type": "conv2d", "filters": 2, "kernel": 7, "stride": 2, "padding": 3}, )" + kHead,
          "[3, 16, 16]")),
      Contains("is not an integer: stride 2 does not fit a 7x7 filter on a 16x16 input") &&
          Contains("size_rule floor"));
  CHECK_THAT(error_of(model_with(R"({"type": "maxpool2d", "kernel": 2}, )" + kHead, "[1, 7, 7]")),
             Contains("maxpool2d: (7 - 2 + 2*0)/2 + 1 is not an integer"));
  CHECK_THAT(
      error_of(model_with(
          R"({"type": "conv2d", "filters": 2, "kernel": 3, "size_rule": "ceil"}, )" + kHead)),
      Contains("field \"size_rule\": \"ceil\" is for pools only; conv2d takes \"exact\" "
               "or \"floor\""));
  CHECK_THAT(
      error_of(model_with(R"({"type": "maxpool2d", "kernel": 2, "size_rule": "round"}, )" + kHead)),
      Contains("size rule 'round' is not one of exact, floor, ceil"));
  CHECK_THAT(
      error_of(model_with(R"({"type": "maxpool2d", "kernel": 2, "ceil_mode": true}, )" + kHead)),
      Contains("field \"ceil_mode\" was replaced by \"size_rule\": write \"size_rule\": "
               "\"ceil\" for ceil_mode true"));
}
