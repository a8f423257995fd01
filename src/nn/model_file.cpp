// model_file.cpp — models as JSON files: the table of layer types, the checks of every field,
// shape propagation without allocating parameters, and building the Sequential model.
//
// How a file is read (parse_model_spec):
//   1. nlohmann-json parses the text (a syntax error names the line, the column and the byte);
//   2. the top level is checked: name, description, input [C, H, W], classes, layers;
//   3. every layer is looked up in kLayerTypes (below), its fields are checked (unknown ones get
//      a "did you mean" suggestion), and its output shape and parameter count are computed from
//      the shape before it — conv2d and linear by their formulas (no weights allocated), the
//      layers without parameters by asking the real layer's output_shape();
//   4. the last layer must give `classes` values per image.
// To add a layer type: write its class (layers.hpp), then add one row to kLayerTypes and, if it
// has new settings, their rows to kFields.
// What this is not: a general JSON schema checker, or a format for weights (see checkpoints).
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/layers.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/ops/geometry.hpp>

#include <nlohmann/json.hpp>

#include "src/nn/models_embedded.hpp"

#include <algorithm>
#include <cfloat>
#include <climits>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace cnnlab {
namespace {

using json = nlohmann::json;

// ---- fields ---------------------------------------------------------------------------------

// One setting a layer may have in a file, its type and range, and where it goes in LayerSpec.
struct FieldDef {
  const char* name;
  // layers: a list of layers; size_rule_word: "exact", "floor" or "ceil"
  enum Kind { integer, boolean, number, init_rule, size_rule_word, layers } kind;
  int64_t min = 0;  // integers only
  int64_t max = 0;
  const char* meaning;
  void (*set)(LayerSpec&, int64_t) = nullptr;  // integers and booleans (0/1)
  // numbers (any JSON number, integer or not): the open or closed range and the setter
  double lowest = 0, highest = 0;
  bool lowest_excluded = false;  // true: the value must be > lowest (e.g. a positive epsilon)
  void (*set_number)(LayerSpec&, double) = nullptr;
};

const FieldDef kFields[] = {
    {"filters", FieldDef::integer, 1, kMaxElements, "K, the number of filters",
     [](LayerSpec& s, int64_t v) { s.filters = v; }},
    {"units", FieldDef::integer, 1, kMaxElements, "D_out, the number of outputs",
     [](LayerSpec& s, int64_t v) { s.units = v; }},
    {"kernel", FieldDef::integer, 1, INT_MAX, "F, the window is F x F",
     [](LayerSpec& s, int64_t v) { s.kernel = static_cast<int>(v); }},
    {"kernel_h", FieldDef::integer, 1, INT_MAX, "FH, the filter's height (with kernel_w)",
     [](LayerSpec& s, int64_t v) { s.kernel_h = static_cast<int>(v); }},
    {"kernel_w", FieldDef::integer, 1, INT_MAX, "FW, the filter's width (with kernel_h)",
     [](LayerSpec& s, int64_t v) { s.kernel_w = static_cast<int>(v); }},
    {"stride", FieldDef::integer, 1, INT_MAX, "S, the step between windows",
     [](LayerSpec& s, int64_t v) { s.stride = static_cast<int>(v); }},
    {"padding", FieldDef::integer, 0, INT_MAX, "P, added on every side",
     [](LayerSpec& s, int64_t v) { s.padding = static_cast<int>(v); }},
    {"output_padding", FieldDef::integer, 0, INT_MAX,
     "OP, extra output rows and columns of a transposed convolution",
     [](LayerSpec& s, int64_t v) { s.output_padding = static_cast<int>(v); }},
    {"dilation", FieldDef::integer, 1, INT_MAX, "D, the spacing between filter taps",
     [](LayerSpec& s, int64_t v) { s.dilation = static_cast<int>(v); }},
    {"groups", FieldDef::integer, 1, INT_MAX, "G, the channel groups",
     [](LayerSpec& s, int64_t v) { s.groups = static_cast<int>(v); }},
    {"bias", FieldDef::boolean, 0, 1, "whether to learn a bias",
     [](LayerSpec& s, int64_t v) { s.bias = v != 0; }},
    {"size_rule", FieldDef::size_rule_word, 0, 0,
     "exact (refuse a stride that does not tile the input), floor (round down, PyTorch's "
     "rule) or ceil (pools only: round up)",
     nullptr},
    {"init", FieldDef::init_rule, 0, 0, "how the weights are drawn", nullptr},
    {"momentum", FieldDef::number, 0, 0,
     "the weight of each new batch in the running statistics, in [0, 1]", nullptr, 0.0, 1.0, false,
     [](LayerSpec& s, double v) { s.momentum = static_cast<float>(v); }},
    {"eps", FieldDef::number, 0, 0, "added to the variance before the square root, > 0", nullptr,
     0.0, 1.0, true, [](LayerSpec& s, double v) { s.eps = static_cast<float>(v); }},
    {"p", FieldDef::number, 0, 0, "the probability of dropping each element, in [0, 1]", nullptr,
     0.0, 1.0, false, [](LayerSpec& s, double v) { s.p = static_cast<float>(v); }},
    // ---- composite layers (residual, inception, basic_block, bottleneck_block) ----
    {"body", FieldDef::layers, 0, 0, "the residual branch: a list of layers", nullptr},
    {"shortcut", FieldDef::layers, 0, 0, "the shortcut: a list of layers (absent: identity)",
     nullptr},
    {"relu", FieldDef::boolean, 0, 1, "a ReLU after the sum",
     [](LayerSpec& s, int64_t v) { s.relu = v != 0; }},
    {"batch_norm", FieldDef::boolean, 0, 1, "a batchnorm2d after each convolution",
     [](LayerSpec& s, int64_t v) { s.batch_norm = v != 0; }},
    {"expansion", FieldDef::integer, 1, 64, "output channels = filters * expansion",
     [](LayerSpec& s, int64_t v) { s.expansion = v; }},
    {"conv1x1", FieldDef::integer, 1, kMaxElements, "filters of the 1x1 branch",
     [](LayerSpec& s, int64_t v) { s.conv1x1 = v; }},
    {"reduce3x3", FieldDef::integer, 1, kMaxElements, "1x1 filters before the 3x3 conv",
     [](LayerSpec& s, int64_t v) { s.reduce3x3 = v; }},
    {"conv3x3", FieldDef::integer, 1, kMaxElements, "filters of the 3x3 branch",
     [](LayerSpec& s, int64_t v) { s.conv3x3 = v; }},
    {"reduce5x5", FieldDef::integer, 1, kMaxElements, "1x1 filters before the 5x5 conv",
     [](LayerSpec& s, int64_t v) { s.reduce5x5 = v; }},
    {"conv5x5", FieldDef::integer, 1, kMaxElements, "filters of the 5x5 branch",
     [](LayerSpec& s, int64_t v) { s.conv5x5 = v; }},
    {"pool_proj", FieldDef::integer, 1, kMaxElements, "1x1 filters after the 3x3 max pool",
     [](LayerSpec& s, int64_t v) { s.pool_proj = v; }},
    {"size", FieldDef::integer, 1, INT_MAX, "channels in each LRN window",
     [](LayerSpec& s, int64_t v) { s.size = static_cast<int>(v); }},
    {"alpha", FieldDef::number, 0, 0, "LRN's scale of the sum of squares, divided by size", nullptr,
     0.0, FLT_MAX, false, [](LayerSpec& s, double v) { s.alpha = v; }},
    {"beta", FieldDef::number, 0, 0, "LRN's exponent", nullptr, 0.0, FLT_MAX, false,
     [](LayerSpec& s, double v) { s.beta = v; }},
    {"k", FieldDef::number, 0, 0, "LRN's additive constant", nullptr, 0.0, FLT_MAX, true,
     [](LayerSpec& s, double v) { s.k = v; }},
};

const FieldDef* find_field(const std::string& name) {
  for (const FieldDef& f : kFields)
    if (name == f.name) return &f;
  return nullptr;
}

// ---- the layer types ------------------------------------------------------------------------

Shape with_batch(const Shape& per_image) {
  Shape s{1};
  s.insert(s.end(), per_image.begin(), per_image.end());
  return s;
}
Shape without_batch(const Shape& batched) { return Shape(batched.begin() + 1, batched.end()); }

void require_image(const LayerSpec& s) {
  if (s.input.size() != 3)
    throw Error("needs an image input [C, H, W], but gets " + to_string(s.input) +
                " (it cannot follow a flatten or linear layer)");
}

Pool2dParams pool_params(const LayerSpec& s) {
  return {.kernel = s.kernel, .stride = s.stride, .padding = s.padding, .size_rule = s.size_rule};
}
Conv2dOptions conv_options(const LayerSpec& s) {
  return {.stride = s.stride,
          .padding = s.padding,
          .dilation = s.dilation,
          .groups = s.groups,
          .size_rule = s.size_rule,
          .bias = s.bias,
          .init = s.init};
}

// conv2d without weights: the shape rule of conv2d_geometry(), the parameter formula
// K·(C/G)·F·F + K (conv2d_parameter_count()), and the description Conv2d::describe() gives.
// The filter size of a conv2d: "kernel" (F x F) or the pair "kernel_h", "kernel_w" — exactly
// one of the two forms. Sets s.kernel_h and s.kernel_w.
void resolve_conv_kernel(LayerSpec& s) {
  const bool square = s.kernel != 0, h = s.kernel_h != 0, w = s.kernel_w != 0;
  if (square && (h || w))
    throw Error(
        "give either \"kernel\" (F x F filters) or both \"kernel_h\" and \"kernel_w\", not both");
  if (!square && !(h && w))
    throw Error(h || w ? std::string("\"") + (h ? "kernel_h" : "kernel_w") + "\" needs \"" +
                             (h ? "kernel_w" : "kernel_h") +
                             "\" too (FH x FW filters), or give \"kernel\" (F x F) alone"
                       : "missing required field \"kernel\" (F, the filter is F x F), or the "
                         "pair \"kernel_h\", \"kernel_w\" (FH x FW)");
  if (square) s.kernel_h = s.kernel_w = s.kernel;
}

void plan_conv2d(LayerSpec& s) {
  if (s.stride == 0) s.stride = 1;
  resolve_conv_kernel(s);
  require_image(s);
  const int64_t C = s.input[0], K = s.filters, FH = s.kernel_h, FW = s.kernel_w, G = s.groups;
  if (C % G != 0 || K % G != 0)
    throw Error("groups " + std::to_string(G) + " must divide the input channels C = " +
                std::to_string(C) + " and the filters K = " + std::to_string(K));
  const Conv2dGeometry g = conv2d_geometry(with_batch(s.input), {K, C / G, FH, FW},
                                           {.stride = s.stride,
                                            .padding = s.padding,
                                            .dilation = s.dilation,
                                            .groups = s.groups,
                                            .size_rule = s.size_rule});
  s.output = {g.K, g.H2, g.W2};
  // K·(C/G)·FH·FW + K; the weights are at most kMaxElements (checked by conv2d_geometry)
  s.parameters = K * (C / G) * FH * FW + (s.bias ? K : 0);
  s.description = "conv2d " + std::to_string(C) + "->" + std::to_string(K) + " " +
                  std::to_string(FH) + "x" + std::to_string(FW);
  if (s.stride != 1) s.description += " stride " + std::to_string(s.stride);
  if (s.padding != 0) s.description += " pad " + std::to_string(s.padding);
  if (s.dilation != 1) s.description += " dilation " + std::to_string(s.dilation);
  if (s.groups != 1) s.description += " groups " + std::to_string(s.groups);
  if (s.size_rule != SizeRule::exact)
    s.description += std::string(" ") + size_rule_name(s.size_rule);
  if (!s.bias) s.description += " no bias";
}

ConvTranspose2dOptions conv_transpose_options(const LayerSpec& s) {
  return {.stride = s.stride == 0 ? 1 : s.stride,
          .padding = s.padding,
          .output_padding = s.output_padding,
          .dilation = s.dilation,
          .groups = s.groups,
          .bias = s.bias,
          .init = s.init};
}

// conv_transpose2d without weights: the shape rule of conv_transpose2d_geometry(), the
// parameter formula C·(K/G)·F·F + K (conv_transpose2d_parameter_count()), and the description
// ConvTranspose2d::describe() gives.
void plan_conv_transpose2d(LayerSpec& s) {
  if (s.stride == 0) s.stride = 1;
  require_image(s);
  const int64_t C = s.input[0], K = s.filters, F = s.kernel, G = s.groups;
  if (C % G != 0 || K % G != 0)
    throw Error("groups " + std::to_string(G) + " must divide the input channels C = " +
                std::to_string(C) + " and the output channels K = " + std::to_string(K));
  const ConvTranspose2dOptions o = conv_transpose_options(s);
  const ConvTranspose2dGeometry g = conv_transpose2d_geometry(with_batch(s.input), {C, K / G, F, F},
                                                              {.stride = o.stride,
                                                               .padding = o.padding,
                                                               .output_padding = o.output_padding,
                                                               .dilation = o.dilation,
                                                               .groups = o.groups});
  s.output = {g.K, g.H2, g.W2};
  s.parameters = conv_transpose2d_parameter_count(C, K, F, G, s.bias);
  s.description = "conv_transpose2d " + std::to_string(C) + "->" + std::to_string(K) + " " +
                  std::to_string(F) + "x" + std::to_string(F);
  if (s.stride != 1) s.description += " stride " + std::to_string(s.stride);
  if (s.padding != 0) s.description += " pad " + std::to_string(s.padding);
  if (s.output_padding != 0) s.description += " output_pad " + std::to_string(s.output_padding);
  if (s.dilation != 1) s.description += " dilation " + std::to_string(s.dilation);
  if (s.groups != 1) s.description += " groups " + std::to_string(s.groups);
  if (!s.bias) s.description += " no bias";
}

// linear without weights: D_in·D_out + D_out parameters, and Linear::describe()'s text.
void plan_linear(LayerSpec& s) {
  if (s.input.size() != 1)
    throw Error("needs a flat input [D], but gets " + to_string(s.input) +
                " (add {\"type\": \"flatten\"} before it)");
  const int64_t d_in = s.input[0], d_out = s.units;
  int64_t weights = 0;
  if (__builtin_mul_overflow(d_in, d_out, &weights) || weights > kMaxElements)
    throw Error("its weights D_in x D_out = " + std::to_string(d_in) + " x " +
                std::to_string(d_out) + " have more than 2^31 - 1 elements");
  s.output = {d_out};
  s.parameters = weights + (s.bias ? d_out : 0);
  s.description =
      "linear " + std::to_string(d_in) + "->" + std::to_string(d_out) + (s.bias ? "" : " no bias");
}

// One row per layer type: its name in files, what it does, its fields, whether its output
// counts as activation memory, how to build it (input channels / features from s.input), and,
// for layers with parameters, how to plan it without allocating them (nullptr: build the
// layer, which is cheap, and ask it).
struct LayerType {
  LayerTypeInfo info;
  std::unique_ptr<Layer> (*build)(const LayerSpec& s);
  void (*plan)(LayerSpec& s);
  // Composite layers only: the inner layers of each branch, as JSON lists of layers read like
  // the file's own (from the file's "body"/"shortcut", or generated from the settings), and
  // the branches' names; plan() then joins the planned branches.
  std::vector<json> (*branches)(const LayerSpec& s, const json& j,
                                std::vector<std::string>& names) = nullptr;
  // Blocks only (build and plan are nullptr): the layers the file's entry stands for, each a
  // row of another type with its settings filled in and a name suffix in s.name ("depthwise").
  std::vector<LayerSpec> (*expand)(const LayerSpec& s) = nullptr;
};

// ---- composite layers: residual blocks and the Inception module --------------------------------
// A composite's branches are lists of layers, planned and built like the file's own list (so
// shapes, parameter counts and names come from the same code); the sugar types (inception,
// basic_block, bottleneck_block) write their branches as JSON from their settings.

Sequential build_list(const std::vector<LayerSpec>& specs);  // below, after the table

json conv_json(int64_t filters, int kernel, int stride, int padding, bool bias,
               SizeRule rule = SizeRule::exact) {
  json c = {{"type", "conv2d"}, {"filters", filters}, {"kernel", kernel}};
  if (stride != 1) c["stride"] = stride;
  if (rule != SizeRule::exact) c["size_rule"] = size_rule_name(rule);
  if (padding != 0) c["padding"] = padding;
  if (!bias) c["bias"] = false;
  return c;
}

const json kRelu = {{"type", "relu"}};

// The batchnorm2d layer after a convolution, if the block has "batch_norm": true.
void add_batch_norm(json& list, const LayerSpec& s);

std::vector<json> residual_branches(const LayerSpec&, const json& j,
                                    std::vector<std::string>& names) {
  names = {"body", "shortcut"};
  return {j.at("body"), j.contains("shortcut") ? j.at("shortcut") : json::array()};
}

// ResNet's basic block: 3x3(stride)-bn-relu-3x3-bn; shortcut: identity, or 1x1(stride)-bn
// when the stride is not 1 or the channels change. The block's size_rule goes to its strided
// convolutions (ResNet-18: 56 -> 28 needs floor).
std::vector<json> basic_block_branches(const LayerSpec& s, const json&,
                                       std::vector<std::string>& names) {
  require_image(s);
  names = {"body", "shortcut"};
  const int stride = s.stride == 0 ? 1 : s.stride;  // 0: not given
  const bool bias = !s.batch_norm;  // a bias before batch norm is cancelled by its mean
  json body = json::array(), shortcut = json::array();
  body.push_back(conv_json(s.filters, 3, stride, 1, bias, s.size_rule));
  add_batch_norm(body, s);
  body.push_back(kRelu);
  body.push_back(conv_json(s.filters, 3, 1, 1, bias));
  add_batch_norm(body, s);
  if (stride != 1 || s.input[0] != s.filters) {
    shortcut.push_back(conv_json(s.filters, 1, stride, 0, bias, s.size_rule));
    add_batch_norm(shortcut, s);
  }
  return {body, shortcut};
}

// ResNet's bottleneck block: 1x1-bn-relu-3x3(stride)-bn-relu-1x1(filters*expansion)-bn;
// shortcut: identity, or 1x1(stride)-bn to filters*expansion channels when needed.
std::vector<json> bottleneck_block_branches(const LayerSpec& s, const json&,
                                            std::vector<std::string>& names) {
  require_image(s);
  names = {"body", "shortcut"};
  const int stride = s.stride == 0 ? 1 : s.stride;  // 0: not given
  const bool bias = !s.batch_norm;
  const int64_t out = s.filters * s.expansion;
  json body = json::array(), shortcut = json::array();
  body.push_back(conv_json(s.filters, 1, 1, 0, bias));
  add_batch_norm(body, s);
  body.push_back(kRelu);
  body.push_back(conv_json(s.filters, 3, stride, 1, bias, s.size_rule));
  add_batch_norm(body, s);
  body.push_back(kRelu);
  body.push_back(conv_json(out, 1, 1, 0, bias));
  add_batch_norm(body, s);
  if (stride != 1 || s.input[0] != out) {
    shortcut.push_back(conv_json(out, 1, stride, 0, bias, s.size_rule));
    add_batch_norm(shortcut, s);
  }
  return {body, shortcut};
}

// GoogLeNet's Inception module: b1 1x1 conv; b2 [1x1 reduce] 3x3 conv; b3 [1x1 reduce] 5x5
// conv (each conv followed by a ReLU, padded to keep H and W); b4 3x3 max pool, stride 1,
// padding 1 [then a 1x1 pool_proj conv + ReLU]. Without the reduce/proj fields: the naive module.
std::vector<json> inception_branches(const LayerSpec& s, const json&,
                                     std::vector<std::string>& names) {
  names = {"b1", "b2", "b3", "b4"};
  json b1 = json::array(), b2 = json::array(), b3 = json::array(), b4 = json::array();
  b1.push_back(conv_json(s.conv1x1, 1, 1, 0, true));
  b1.push_back(kRelu);
  if (s.reduce3x3 > 0) b2.push_back(conv_json(s.reduce3x3, 1, 1, 0, true)), b2.push_back(kRelu);
  b2.push_back(conv_json(s.conv3x3, 3, 1, 1, true));
  b2.push_back(kRelu);
  if (s.reduce5x5 > 0) b3.push_back(conv_json(s.reduce5x5, 1, 1, 0, true)), b3.push_back(kRelu);
  b3.push_back(conv_json(s.conv5x5, 5, 1, 2, true));
  b3.push_back(kRelu);
  b4.push_back({{"type", "maxpool2d"}, {"kernel", 3}, {"stride", 1}, {"padding", 1}});
  if (s.pool_proj > 0) b4.push_back(conv_json(s.pool_proj, 1, 1, 0, true)), b4.push_back(kRelu);
  return {b1, b2, b3, b4};
}

int64_t sum_parameters(const LayerSpec& s) {
  int64_t n = 0;
  for (const auto& branch : s.branches)
    for (const LayerSpec& l : branch) n += l.parameters;
  return n;
}

// The output of branch @p b: its last layer's, or the block's input for an empty branch.
const Shape& branch_output(const LayerSpec& s, size_t b) {
  return s.branches[b].empty() ? s.input : s.branches[b].back().output;
}

// Residual-like blocks: body and shortcut must give one shape, which is the block's output.
void plan_residual(LayerSpec& s) {
  if (s.branches[0].empty())
    throw Error("field \"body\" is empty: the residual branch needs at least one layer");
  const Shape& body = branch_output(s, 0);
  const Shape& shortcut = branch_output(s, 1);
  if (body != shortcut)
    throw Error("the body gives " + to_string(body) + " but the shortcut " +
                (s.branches[1].empty() ? "(the identity) " : "") + "gives " + to_string(shortcut) +
                "; they must agree to be added (a 1x1 projection shortcut changes the channels "
                "and the stride)");
  s.output = body;
  s.parameters = sum_parameters(s);
  std::string d = s.type + ": body " + std::to_string(s.branches[0].size()) + " layers, shortcut ";
  d += s.branches[1].empty() ? "identity" : std::to_string(s.branches[1].size()) + " layers";
  if (!s.relu) d += ", no relu";
  s.description = d;
}

// Inception: every branch gives an image of the same H and W; the channels add up.
void plan_inception(LayerSpec& s) {
  Shape out;
  for (size_t b = 0; b < s.branches.size(); ++b) {
    const Shape& o = branch_output(s, b);
    if (o.size() != 3)
      throw Error("branch " + s.branch_names[b] + " gives " + to_string(o) +
                  ", not an image [C, H, W] to concatenate");
    if (b == 0) {
      out = o;
      continue;
    }
    if (o[1] != out[1] || o[2] != out[2])
      throw Error("branch " + s.branch_names[b] + " gives " + to_string(o) + " but branch " +
                  s.branch_names[0] + " gives " + to_string(branch_output(s, 0)) +
                  "; the branches must agree on H and W to be concatenated");
    out[0] += o[0];
  }
  s.output = out;
  s.parameters = sum_parameters(s);
  s.description = "inception " + std::to_string(s.conv1x1) + "/" + std::to_string(s.reduce3x3) +
                  "/" + std::to_string(s.conv3x3) + "/" + std::to_string(s.reduce5x5) + "/" +
                  std::to_string(s.conv5x5) + "/" + std::to_string(s.pool_proj) + " -> " +
                  std::to_string(out[0]) + " channels";
}

std::unique_ptr<Layer> build_residual(const LayerSpec& s) {
  return std::make_unique<Residual>(build_list(s.branches[0]), build_list(s.branches[1]), s.relu);
}

std::unique_ptr<Layer> build_inception(const LayerSpec& s) {
  std::vector<Sequential> branches;
  for (const auto& b : s.branches) branches.push_back(build_list(b));
  return std::make_unique<Inception>(std::move(branches));
}

// A conv2d step of a block: the block's entry with the step's sizes and settings.
LayerSpec conv_step(const LayerSpec& block, const std::string& suffix, int64_t filters, int FH,
                    int FW, Conv2dOptions o) {
  LayerSpec s;
  s.type = "conv2d";
  s.block = block.type;
  s.name = suffix;
  s.filters = filters;
  s.kernel_h = FH;
  s.kernel_w = FW;
  s.stride = o.stride;
  s.padding = o.padding;
  s.dilation = o.dilation;
  s.groups = o.groups;
  s.bias = o.bias;
  s.init = block.init;
  return s;
}

// separable_conv2d: depthwise F x F (groups = C, no bias), then pointwise 1 x 1 to the filters
// (separable.hpp: the same two layers as separable_conv2d()).
std::vector<LayerSpec> expand_separable(const LayerSpec& b) {
  require_image(b);
  const int64_t C = b.input[0];
  if (C > INT_MAX) throw Error("C = " + std::to_string(C) + " channels is too many groups");
  return {conv_step(b, "depthwise", C, b.kernel, b.kernel,
                    {.stride = b.stride == 0 ? 1 : b.stride,
                     .padding = b.padding,
                     .dilation = b.dilation,
                     .groups = static_cast<int>(C),
                     .bias = false}),
          conv_step(b, "pointwise", b.filters, 1, 1, {.bias = b.bias})};
}

// spatial_separable_conv2d: F x 1 (padding P, no bias), then 1 x F (stride S)
// (separable.hpp: the same two layers as spatial_separable_conv2d()).
std::vector<LayerSpec> expand_spatial_separable(const LayerSpec& b) {
  // The block's own size rule first, so a refusal speaks of the F x F layer it replaces.
  require_image(b);
  (void)conv2d_geometry(with_batch(b.input), {b.filters, b.input[0], b.kernel, b.kernel},
                        {.stride = b.stride == 0 ? 1 : b.stride, .padding = b.padding});
  return {conv_step(b, "vertical", b.filters, b.kernel, 1, {.padding = b.padding, .bias = false}),
          conv_step(b, "horizontal", b.filters, 1, b.kernel,
                    {.stride = b.stride == 0 ? 1 : b.stride, .bias = b.bias})};
}

const std::vector<LayerType>& layer_types() {
  static const std::vector<LayerType> types = {
      {{"conv2d",
        "2-D convolution: K filters of F x F (or FH x FW), input channels inferred",
        {"filters"},
        {"kernel", "kernel_h", "kernel_w", "stride", "padding", "dilation", "groups", "size_rule",
         "bias", "init"},
        OutputMemory::kept},
       [](const LayerSpec& s) -> std::unique_ptr<Layer> {
         return std::make_unique<Conv2d>(s.input[0], s.filters, KernelSize{s.kernel_h, s.kernel_w},
                                         conv_options(s));
       },
       plan_conv2d},
      {{"conv_transpose2d",
        "transposed convolution (learnable upsampling): K output channels, F x F filters",
        {"filters", "kernel"},
        {"stride", "padding", "output_padding", "dilation", "groups", "bias", "init"},
        OutputMemory::kept},
       [](const LayerSpec& s) -> std::unique_ptr<Layer> {
         return std::make_unique<ConvTranspose2d>(s.input[0], s.filters, s.kernel,
                                                  conv_transpose_options(s));
       },
       plan_conv_transpose2d},
      {{"separable_conv2d",
        "depthwise F x F (groups = C, no bias), then pointwise 1 x 1 to K: two conv2d layers",
        {"filters", "kernel"},
        {"stride", "padding", "dilation", "bias", "init"},
        OutputMemory::kept},
       nullptr,
       nullptr,
       nullptr,
       expand_separable},
      {{"spatial_separable_conv2d",
        "F x 1 to K (padding P, no bias), then 1 x F (stride S): two conv2d layers",
        {"filters", "kernel"},
        {"stride", "padding", "bias", "init"},
        OutputMemory::kept},
       nullptr,
       nullptr,
       nullptr,
       expand_spatial_separable},
      {{"linear",
        "fully connected y = xW + b, in_features inferred",
        {"units"},
        {"bias", "init"},
        OutputMemory::kept},
       [](const LayerSpec& s) -> std::unique_ptr<Layer> {
         return std::make_unique<Linear>(s.input[0], s.units,
                                         LinearOptions{.bias = s.bias, .init = s.init});
       },
       plan_linear},
      {{"maxpool2d",
        "max of each F x F window (stride defaults to F)",
        {"kernel"},
        {"stride", "padding", "size_rule"},
        OutputMemory::kept},
       [](const LayerSpec& s) -> std::unique_ptr<Layer> {
         return std::make_unique<MaxPool2d>(pool_params(s));
       },
       nullptr},
      {{"avgpool2d",
        "mean of each F x F window (stride defaults to F)",
        {"kernel"},
        {"stride", "padding", "size_rule"},
        OutputMemory::kept},
       [](const LayerSpec& s) -> std::unique_ptr<Layer> {
         return std::make_unique<AvgPool2d>(pool_params(s));
       },
       nullptr},
      {{"global_avgpool2d",
        "mean of each channel's whole plane: [C, H, W] -> [C, 1, 1]",
        {},
        {},
        OutputMemory::kept},
       [](const LayerSpec&) -> std::unique_ptr<Layer> {
         return std::make_unique<GlobalAvgPool2d>();
       },
       nullptr},
      {{"batchnorm2d",
        "batch normalisation per channel (batch statistics in training, running ones in "
        "evaluation), channels inferred",
        {},
        {"momentum", "eps"},
        OutputMemory::kept},
       [](const LayerSpec& s) -> std::unique_ptr<Layer> {
         return std::make_unique<BatchNorm2d>(
             s.input.empty() ? 0 : s.input[0],
             BatchNormOptions{.momentum = s.momentum, .eps = s.eps});
       },
       nullptr},
      {{"dropout",
        "inverted dropout: drops each element with probability p in training (mask seed = the "
        "layer's position), identity in evaluation",
        {},
        {"p"},
        OutputMemory::kept},
       [](const LayerSpec& s) -> std::unique_ptr<Layer> {
         return std::make_unique<Dropout>(
             DropoutOptions{.p = s.p, .seed = static_cast<uint64_t>(s.index)});
       },
       nullptr},
      {{"l2pool2d",
        "root mean square of each F x F window (stride defaults to F)",
        {"kernel"},
        {"stride", "padding", "size_rule"},
        OutputMemory::kept},
       [](const LayerSpec& s) -> std::unique_ptr<Layer> {
         return std::make_unique<L2Pool2d>(pool_params(s));
       },
       nullptr},
      {{"lrn",
        "local response normalisation across channels (AlexNet's NORM)",
        {},
        {"size", "alpha", "beta", "k"},
        OutputMemory::kept},
       [](const LayerSpec& s) -> std::unique_ptr<Layer> {
         return std::make_unique<LocalResponseNorm>(LrnOptions{.size = s.size,
                                                               .alpha = static_cast<float>(s.alpha),
                                                               .beta = static_cast<float>(s.beta),
                                                               .k = static_cast<float>(s.k)});
       },
       nullptr},
      {{"relu", "max(0, x)", {}, {}, OutputMemory::in_place},
       [](const LayerSpec&) -> std::unique_ptr<Layer> { return std::make_unique<ReLU>(); },
       nullptr},
      {{"sigmoid", "1 / (1 + e^-x)", {}, {}, OutputMemory::in_place},
       [](const LayerSpec&) -> std::unique_ptr<Layer> { return std::make_unique<Sigmoid>(); },
       nullptr},
      {{"tanh", "tanh(x)", {}, {}, OutputMemory::in_place},
       [](const LayerSpec&) -> std::unique_ptr<Layer> { return std::make_unique<Tanh>(); },
       nullptr},
      {{"flatten",
        "[C, H, W] -> [C*H*W], so a linear layer can follow",
        {},
        {},
        OutputMemory::view},
       [](const LayerSpec&) -> std::unique_ptr<Layer> { return std::make_unique<Flatten>(); },
       nullptr},
      // ---- composite layers (their branches are lists of layers; see above) ----
      {{"residual",
        "y = relu(body(x) + shortcut(x)); body and shortcut are lists of layers",
        {"body"},
        {"shortcut", "relu"},
        OutputMemory::kept},
       build_residual,
       plan_residual,
       residual_branches},
      {{"basic_block",
        "ResNet basic block: 3x3(stride)-bn-relu-3x3-bn + shortcut, then relu",
        {"filters"},
        {"stride", "batch_norm", "size_rule"},
        OutputMemory::kept},
       build_residual,
       plan_residual,
       basic_block_branches},
      {{"bottleneck_block",
        "ResNet bottleneck: 1x1-bn-relu-3x3(stride)-bn-relu-1x1(x4)-bn + shortcut, relu",
        {"filters"},
        {"stride", "expansion", "batch_norm", "size_rule"},
        OutputMemory::kept},
       build_residual,
       plan_residual,
       bottleneck_block_branches},
      {{"inception",
        "GoogLeNet's Inception module: 1x1, 3x3, 5x5 and pool branches concatenated",
        {"conv1x1", "conv3x3", "conv5x5"},
        {"reduce3x3", "reduce5x5", "pool_proj"},
        OutputMemory::kept},
       build_inception,
       plan_inception,
       inception_branches},
  };
  return types;
}

const LayerType* find_type(const std::string& type) {
  for (const LayerType& t : layer_types())
    if (t.info.type == type) return &t;
  return nullptr;
}

void add_batch_norm(json& list, const LayerSpec& s) {
  if (!s.batch_norm) return;
  if (find_type("batchnorm2d") == nullptr)
    throw Error(
        "\"batch_norm\": true needs the layer type batchnorm2d, which this build does "
        "not have; write \"batch_norm\": false");
  list.push_back({{"type", "batchnorm2d"}});
}

// ---- messages -------------------------------------------------------------------------------

std::string join(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& item : items) s += (s.empty() ? "" : ", ") + item;
  return s;
}

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

// A JSON value as a message shows it: its text (shortened) and its kind. Arrays and objects
// are only printed when they are small and flat (printing is recursive, and a hostile file may
// nest deeply).
std::string show(const json& j) {
  const bool flat = std::all_of(j.begin(), j.end(), [](const json& v) { return v.is_primitive(); });
  std::string text;
  if (j.is_primitive() || (flat && j.size() <= 8)) {
    text = j.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    text += " ";
  }
  if (j.is_array()) return text + "(an array of " + std::to_string(j.size()) + " values)";
  if (j.is_object()) return text + "(an object)";
  const char* kind = j.is_string()    ? "a string"
                     : j.is_boolean() ? "a boolean"
                     : j.is_number()  ? "a number"
                                      : "null";
  return text + "(" + kind + ")";
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// " (did you mean "filters"?)" when a known name is within two edits of @p word.
std::string suggestion(const std::string& word, const std::vector<std::string>& known) {
  std::string best;
  size_t best_distance = 3;
  for (const std::string& k : known) {
    const size_t d = edit_distance(word, k);
    if (d < best_distance) best = k, best_distance = d;
  }
  return best.empty() ? "" : " (did you mean " + in_quotes(best) + "?)";
}

// A finite number in [lowest, highest] (or (lowest, highest] when @p lowest_excluded); @p what
// names it in the message.
double get_number(const json& j, double lowest, double highest, bool lowest_excluded,
                  const std::string& what) {
  if (!j.is_number()) throw Error(what + " must be a number, got " + show(j));
  const double v = j.get<double>();
  const bool low = lowest_excluded ? !(v > lowest) : !(v >= lowest);
  if (low || !(v <= highest)) {
    std::ostringstream range;
    range << (lowest_excluded ? "(" : "[") << lowest << ", " << highest << "]";
    throw Error(what + " must be in " + range.str() + ", got " + j.dump());
  }
  return v;
}

// An integer in [min, max]; @p what names it in the message.
int64_t get_integer(const json& j, int64_t min, int64_t max, const std::string& what) {
  if (!j.is_number_integer()) throw Error(what + " must be an integer, got " + show(j));
  const bool too_big =
      j.is_number_unsigned() ? j.get<uint64_t>() > uint64_t(max) : j.get<int64_t>() > max;
  if (too_big)
    throw Error(what + " is too large: at most " + std::to_string(max) + ", got " + j.dump());
  const int64_t v = j.get<int64_t>();
  if (v < min) throw Error(what + " must be at least " + std::to_string(min) + ", got " + j.dump());
  return v;
}

std::string get_string(const json& j, const std::string& what) {
  if (!j.is_string()) throw Error(what + " must be a string, got " + show(j));
  return j.get<std::string>();
}

// ---- reading a file -------------------------------------------------------------------------

// A stand-in layer with only a kind: Sequential::add() gives it the same name it will give the
// real layer, and checks the names, without any parameter being allocated.
class NamePlaceholder final : public Layer {
 public:
  explicit NamePlaceholder(std::string kind) : kind_(std::move(kind)) {}
  std::string kind() const override { return kind_; }
  std::string describe() const override { return kind_; }
  Shape output_shape(const Shape& input) const override { return input; }
  Tensor forward(const Tensor&) override { throw Error("model_file: placeholder layer"); }
  Tensor backward(const Tensor&, bool) override { throw Error("model_file: placeholder layer"); }

 private:
  std::string kind_;
};

// How deep composite layers may nest (a residual inside an inception inside ...): deep enough
// for any real network, and it keeps a hostile file from exhausting the stack.
constexpr int kMaxNesting = 8;

std::vector<LayerSpec> read_layer_list(const json& layers, const Shape& input, int depth);

// Reads one entry of "layers" into @p s (index, type, name, fields), then plans it from
// s.input. Errors carry "layer I (TYPE)" and the field; the caller adds the source. A
// composite layer's branches are read first (depth + 1), their errors prefixed with
// "layer I (TYPE) BRANCH ".
void read_layer(const json& j, LayerSpec& s, int depth) {
  const std::string at = "layer " + std::to_string(s.index);
  if (!j.is_object())
    throw Error(at + ": must be an object like {\"type\": \"relu\"}, got " + show(j));
  std::vector<std::string> type_names;
  for (const LayerType& t : layer_types()) type_names.push_back(t.info.type);
  const auto type_it = j.find("type");
  if (type_it == j.end())
    throw Error(at + ": missing required field \"type\" (one of: " + join(type_names) + ")");
  s.type = get_string(*type_it, at + ": field \"type\"");
  const LayerType* type = find_type(s.type);
  if (type == nullptr)
    throw Error(at + ": unknown layer type " + in_quotes(s.type) + suggestion(s.type, type_names) +
                "; the layer types are: " + join(type_names));
  const std::string where = at + " (" + s.type + ")";

  std::vector<std::string> accepted = type->info.required;
  accepted.insert(accepted.end(), type->info.optional.begin(), type->info.optional.end());
  std::vector<std::string> all = accepted;
  all.insert(all.end(), {"type", "name"});
  for (const auto& [key, value] : j.items()) {
    const std::string field = where + ": field " + in_quotes(key);
    if (key == "type") continue;
    if (key == "name") {
      s.name = get_string(value, field);
      if (s.name.empty()) throw Error(field + " must not be empty");
      continue;
    }
    if (key == "ceil_mode")  // the field before issue 12
      throw Error(field + " was replaced by \"size_rule\": write \"size_rule\": \"ceil\" for " +
                  "ceil_mode true, \"floor\" for ceil_mode false (the old default; the " +
                  "default is now \"exact\", which refuses a stride that does not tile)");
    if (std::find(accepted.begin(), accepted.end(), key) == accepted.end()) {
      const std::string takes = accepted.empty() ? s.type + " takes no settings (only \"name\")"
                                                 : s.type + " takes: " + join(accepted) + ", name";
      throw Error(where + ": unknown field " + in_quotes(key) + suggestion(key, all) + "; " +
                  takes);
    }
    const FieldDef& f = *find_field(key);
    if (f.kind == FieldDef::layers) {  // read with the branches, below
      if (!value.is_array())
        throw Error(field + " (" + f.meaning + ") must be a list of layers, got " + show(value));
      continue;
    }
    if (f.kind == FieldDef::integer) {
      f.set(s, get_integer(value, f.min, f.max, field + " (" + f.meaning + ")"));
    } else if (f.kind == FieldDef::boolean) {
      if (!value.is_boolean()) throw Error(field + " must be true or false, got " + show(value));
      f.set(s, value.get<bool>() ? 1 : 0);
    } else if (f.kind == FieldDef::number) {
      f.set_number(s, get_number(value, f.lowest, f.highest, f.lowest_excluded,
                                 field + " (" + f.meaning + ")"));
    } else if (f.kind == FieldDef::size_rule_word) {
      s.size_rule = parse_size_rule(get_string(value, field), field);
      if (s.size_rule == SizeRule::ceil && s.type == "conv2d")
        throw Error(field + ": \"ceil\" is for pools only; conv2d takes \"exact\" or \"floor\"");
    } else {
      const std::string rule = get_string(value, field);
      try {
        s.init = init_from_string(rule);
      } catch (const NotImplemented&) {
        throw;  // an exercise of the student kit: its message says which
      } catch (const Error& e) {
        throw Error(field + ": " + e.what());
      }
    }
  }
  for (const std::string& r : type->info.required)
    if (!j.contains(r))
      throw Error(where + ": missing required field " + in_quotes(r) + " (" +
                  find_field(r)->meaning + ")");

  if (type->branches != nullptr) {
    if (depth >= kMaxNesting)
      throw Error(where + ": composite layers nest more than " + std::to_string(kMaxNesting) +
                  " deep");
    std::vector<json> lists;
    try {
      lists = type->branches(s, j, s.branch_names);
    } catch (const NotImplemented&) {
      throw;
    } catch (const Error& e) {
      throw Error(where + " with input " + to_string(s.input) + ": " + e.what());
    }
    for (size_t b = 0; b < lists.size(); ++b) {
      try {
        s.branches.push_back(read_layer_list(lists[b], s.input, depth + 1));
      } catch (const NotImplemented&) {
        throw;
      } catch (const Error& e) {
        throw Error(where + " " + s.branch_names[b] + " " + e.what());
      }
    }
  }

  if (type->expand != nullptr) return;  // a block: read_layer_list plans its steps
  try {
    if (type->plan != nullptr) {
      type->plan(s);
    } else {
      const std::unique_ptr<Layer> layer = type->build(s);
      s.output = without_batch(layer->output_shape(with_batch(s.input)));
      s.description = layer->describe();
      s.parameters = 0;
      for (Parameter* p : layer->parameters()) s.parameters += numel(p->value.shape());
    }
  } catch (const NotImplemented&) {
    throw;  // an exercise of the student kit: its message says which
  } catch (const Error& e) {
    throw Error(where + " with input " + to_string(s.input) + ": " + e.what());
  }
}

// Reads a list of layers (the file's "layers", or a composite's branch) from input shape
// @p input: each layer planned from the one before, named like Sequential names it. An empty
// list is allowed here (an identity shortcut); the callers that need layers say so.
std::vector<LayerSpec> read_layer_list(const json& layers, const Shape& input, int depth) {
  if (!layers.is_array()) throw Error("must be a list of layers, got " + show(layers));
  constexpr size_t kMaxLayers = 10000;  // ResNet-1001 has about 3,000; keeps checks fast
  if (layers.size() > kMaxLayers)
    throw Error("has " + std::to_string(layers.size()) + " layers, more than the " +
                std::to_string(kMaxLayers) + " a list may have");
  std::vector<LayerSpec> specs;
  Sequential names;  // placeholders only: the names Sequential gives, and its name checks
  Shape shape = input;
  // Adds one planned layer under its name (placeholders check the names as Sequential will).
  auto add = [&](LayerSpec s) {
    try {
      names.add(std::make_unique<NamePlaceholder>(s.type), s.name);
    } catch (const NotImplemented&) {
      throw;  // an exercise of the student kit: its message says which
    } catch (const Error& e) {
      throw Error("layer " + std::to_string(s.index) + " (" + (s.block.empty() ? s.type : s.block) +
                  "): field \"name\": " + e.what());
    }
    s.name = names.layer_name(names.size() - 1);
    shape = s.output;
    specs.push_back(std::move(s));
  };
  int blocks = 0;  // automatic block names: sep1, sep2, ...
  for (size_t i = 0; i < layers.size(); ++i) {
    LayerSpec s;
    s.index = i + 1;
    s.input = shape;
    read_layer(layers[i], s, depth);
    const LayerType* type = find_type(s.type);
    if (type->expand == nullptr) {
      add(std::move(s));
      continue;
    }
    // A block: its steps become layers "NAME_SUFFIX", planned one after the other.
    const std::string where = "layer " + std::to_string(s.index) + " (" + s.type + ")";
    const std::string base = s.name.empty() ? "sep" + std::to_string(++blocks) : s.name;
    std::vector<LayerSpec> steps;
    try {
      steps = type->expand(s);
    } catch (const NotImplemented&) {
      throw;
    } catch (const Error& e) {
      throw Error(where + " with input " + to_string(s.input) + ": " + e.what());
    }
    for (LayerSpec& step : steps) {
      step.index = s.index;
      step.input = shape;
      step.name = base + "_" + step.name;
      try {
        find_type(step.type)->plan(step);
      } catch (const NotImplemented&) {
        throw;
      } catch (const Error& e) {
        throw Error(where + ", step " + step.name + " with input " + to_string(step.input) + ": " +
                    e.what());
      }
      step.description += " (" + s.type + " step)";
      add(std::move(step));
    }
  }
  return specs;
}

ModelSpec parse_checked(const std::string& text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    std::string what = e.what();  // "[json.exception.parse_error.101] parse error at line ..."
    const size_t bracket = what.find("] ");
    if (what.rfind("[json.exception", 0) == 0 && bracket != std::string::npos)
      what = what.substr(bracket + 2);
    throw Error("not valid JSON: " + what + " (byte " + std::to_string(e.byte) + ")");
  }
  if (!doc.is_object())
    throw Error("the file must hold one JSON object {\"name\": ..., \"input\": ..., ...}, got " +
                show(doc));

  ModelSpec spec;
  spec.json = text;
  const std::vector<std::string> top = {"name", "description", "input", "classes", "layers"};
  for (const auto& [key, value] : doc.items())
    if (std::find(top.begin(), top.end(), key) == top.end())
      throw Error("unknown field " + in_quotes(key) + suggestion(key, top) +
                  " (a model file has: " + join(top) + ")");
  for (const char* required : {"name", "input", "classes", "layers"})
    if (!doc.contains(required))
      throw Error(std::string("missing required field \"") + required + "\"");

  spec.name = get_string(doc["name"], "field \"name\"");
  if (spec.name.empty()) throw Error("field \"name\" must not be empty");
  if (doc.contains("description"))
    spec.description = get_string(doc["description"], "field \"description\"");

  const json& input = doc["input"];
  if (!input.is_array() || input.size() != 3)
    throw Error("field \"input\" must be the image shape [C, H, W], three positive integers, got " +
                show(input));
  const char* dims[] = {"C", "H", "W"};
  for (size_t i = 0; i < 3; ++i)
    spec.input.push_back(get_integer(
        input[i], 1, kMaxElements,
        std::string("field \"input\" ") + dims[i] + " (input[" + std::to_string(i) + "])"));
  if (numel(spec.input) > kMaxElements)
    throw Error("field \"input\": " + to_string(spec.input) + " is " +
                std::to_string(numel(spec.input)) + " values per image, more than 2^31 - 1");
  spec.classes = get_integer(doc["classes"], 1, kMaxElements, "field \"classes\"");

  const json& layers = doc["layers"];
  if (!layers.is_array())
    throw Error("field \"layers\" must be an array of layers, got " + show(layers));
  if (layers.empty())
    throw Error(
        "field \"layers\" is empty: a model needs at least one layer, e.g. "
        "{\"type\": \"linear\", \"units\": " +
        std::to_string(spec.classes) + "} after a flatten");

  constexpr size_t kMaxLayers = 10000;  // ResNet-1001 has about 3,000; keeps checks fast
  if (layers.size() > kMaxLayers)
    throw Error("field \"layers\" has " + std::to_string(layers.size()) +
                " layers, more than the " + std::to_string(kMaxLayers) + " a model file may have");
  spec.layers = read_layer_list(layers, spec.input, 0);

  const LayerSpec& last = spec.layers.back();
  if (last.output != Shape{spec.classes})
    throw Error("layer " + std::to_string(last.index) + " (" + last.type +
                "): the last layer gives " + to_string(last.output) +
                " per image, but \"classes\" is " + std::to_string(spec.classes) +
                ": the model must end with [N, " + std::to_string(spec.classes) +
                "] (e.g. a linear layer with " + std::to_string(spec.classes) + " units)");
  return spec;
}

// Builds the layers of a list (the model's, or a composite's branch), checking each against
// its plan. Errors carry "layer I (TYPE)", and for inner layers the path to them.
Sequential build_list(const std::vector<LayerSpec>& specs) {
  Sequential model;
  for (const LayerSpec& s : specs) {
    const std::string where = "layer " + std::to_string(s.index) + " (" + s.type + ")";
    const LayerType* type = find_type(s.type);
    if (type == nullptr) throw Error(where + ": unknown layer type");
    try {
      std::unique_ptr<Layer> layer = type->build(s);
      const Shape out = layer->output_shape(with_batch(s.input));
      if (out != with_batch(s.output))  // the plan and the layer disagree: a bug, said plainly
        throw Error("the layer gives " + to_string(out) + " but the model file's plan said " +
                    to_string(with_batch(s.output)));
      model.add(std::move(layer), s.name);
    } catch (const NotImplemented&) {
      throw;  // an exercise of the student kit: its message says which
    } catch (const Error& e) {
      throw Error(where + ": " + e.what());
    }
  }
  return model;
}

bool looks_like_path(const std::string& s) {
  std::error_code ec;
  return std::filesystem::exists(s, ec) || s.find('/') != std::string::npos ||
         (s.size() >= 5 && s.compare(s.size() - 5, 5, ".json") == 0);
}

std::string read_model_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st)) throw Error("model file " + path + ": no such file");
  if (!fs::is_regular_file(st)) throw Error("model file " + path + ": not a regular file");
  constexpr uintmax_t kMaxBytes = 16u << 20;
  const uintmax_t bytes = fs::file_size(path, ec);
  if (!ec && bytes > kMaxBytes)
    throw Error("model file " + path + ": " + std::to_string(bytes) +
                " bytes is too large for a model description (at most 16 MiB; weights belong "
                "in checkpoints)");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (!in || !(text << in.rdbuf())) throw Error("model file " + path + ": cannot be read");
  return text.str();
}

}  // namespace

// ---- the public API -------------------------------------------------------------------------

int64_t ModelSpec::parameter_count() const {
  int64_t n = 0;
  for (const LayerSpec& l : layers) n += l.parameters;
  return n;
}

const std::vector<LayerTypeInfo>& model_layer_types() {
  static const std::vector<LayerTypeInfo> infos = [] {
    std::vector<LayerTypeInfo> v;
    for (const LayerType& t : layer_types()) v.push_back(t.info);
    return v;
  }();
  return infos;
}

const LayerTypeInfo* find_layer_type(const std::string& type) {
  const LayerType* t = find_type(type);
  return t == nullptr ? nullptr : &t->info;
}

ModelSpec parse_model_spec(const std::string& json_text, const std::string& source) {
  try {
    ModelSpec spec = parse_checked(json_text);
    spec.source = source;
    return spec;
  } catch (const NotImplemented&) {
    throw;  // an exercise of the student kit: its message says which
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  } catch (const json::exception& e) {  // a check missed above: still one clear error
    throw Error(source + ": " + e.what());
  }
}

ModelSpec load_model_spec(const std::string& name_or_path) {
  if (looks_like_path(name_or_path))
    return parse_model_spec(read_model_file(name_or_path), name_or_path);
  return parse_model_spec(builtin_model_json(name_or_path), "built-in " + name_or_path);
}

Sequential build_model(const ModelSpec& spec, uint64_t seed) {
  Sequential model;
  try {
    model = build_list(spec.layers);
  } catch (const NotImplemented&) {
    throw;  // an exercise of the student kit: its message says which
  } catch (const Error& e) {
    throw Error(spec.source + ": " + e.what());
  }
  model.init(seed);
  return model;
}

LoadedModel parse_model(const std::string& json_text, const std::string& source, uint64_t seed) {
  ModelSpec spec = parse_model_spec(json_text, source);
  Sequential model = build_model(spec, seed);
  return {std::move(spec), std::move(model)};
}

LoadedModel load_model(const std::string& name_or_path, uint64_t seed) {
  ModelSpec spec = load_model_spec(name_or_path);
  Sequential model = build_model(spec, seed);
  return {std::move(spec), std::move(model)};
}

std::vector<std::string> builtin_model_names() {
  std::vector<std::string> names;
  for (size_t i = 0; i < detail::kEmbeddedModelCount; ++i)
    names.emplace_back(detail::kEmbeddedModels[i].name);
  std::sort(names.begin(), names.end());
  return names;
}

std::string builtin_model_json(const std::string& name) {
  for (size_t i = 0; i < detail::kEmbeddedModelCount; ++i) {
    const detail::EmbeddedModel& m = detail::kEmbeddedModels[i];
    if (name == m.name) return std::string(reinterpret_cast<const char*>(m.data), m.size);
  }
  throw Error("unknown model '" + name + "' (built-in models: " + join(builtin_model_names()) +
              "; or give the path of a .json model file)");
}

}  // namespace cnnlab
