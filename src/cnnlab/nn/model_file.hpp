/// @file model_file.hpp
/// @brief Models as files: a small JSON format for Sequential networks, and the built-in
///        models (LeNet-5, a small CIFAR-10 net, AlexNet, VGG-16, a small X/O net) shipped as
///        such files.
///
/// Contract:
/// - A model file names the per-image input [C, H, W], the number of classes and the layers in
///   order; input channels of a conv2d and in_features of a linear layer are not written but
///   inferred by propagating the shape through the layers (models/README.md describes the
///   format, every layer type and its fields).
/// - Reading happens in two steps. parse_model_spec() checks everything (JSON syntax, fields,
///   types, ranges, every layer's shape, the classes) and computes each layer's output shape
///   and parameter count *without* allocating any parameter, so a summary of VGG-16 costs
///   nothing. build_model() then creates the layers on the reference backend and draws their
///   parameters from one seed (Sequential::init), so the same seed gives the same network.
/// - Every error is a cnnlab::Error naming the file (or "built-in NAME"), the layer as
///   "layer 4 (conv2d)" (counted from 1, in file order) and the field, e.g.
///   `models/x.json: layer 4 (conv2d): unknown field "filter" (did you mean "filters"?)`.
/// - Not here: training, checkpoints (src/train), layers that are not in model_layer_types().
#pragma once

#include <cnnlab/core/shape.hpp>
#include <cnnlab/nn/init.hpp>
#include <cnnlab/nn/sequential.hpp>
#include <cnnlab/ops/geometry.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief One layer of a model file, with its settings and the shapes it was checked with.
///
/// Only the fields that apply to the layer's type are meaningful; the others keep their
/// defaults.
struct LayerSpec {
  size_t index = 0;        ///< position in the file's "layers", counted from 1
  std::string type;        ///< "conv2d", "relu", ... (a row of model_layer_types())
  std::string name;        ///< its name in the model: the file's "name", else automatic ("conv1")
  int64_t filters = 0;     ///< conv2d: K, the number of filters
  int64_t units = 0;       ///< linear: D_out, the number of outputs
  int kernel = 0;          ///< conv2d and pools: F (square windows)
  int kernel_h = 0;        ///< conv2d: FH, with kernel_w instead of kernel (0: not given)
  int kernel_w = 0;        ///< conv2d: FW, with kernel_h instead of kernel (0: not given)
  int stride = 0;          ///< S; 0 when not given (conv2d: 1, pools: the kernel size)
  int padding = 0;         ///< P, zeros (or ignored cells, for pools) on every side
  int output_padding = 0;  ///< conv_transpose2d: extra output rows/columns, < max(S, D)
  int dilation = 1;        ///< conv2d: spacing between filter taps
  int groups = 1;          ///< conv2d: channel groups
  bool bias = true;        ///< conv2d and linear: learn a bias
  /// conv2d and pools: what to do when the stride does not tile the input (exact: refuse)
  SizeRule size_rule = SizeRule::exact;
  int size = 5;                  ///< lrn: channels in each window
  double alpha = 1e-4;           ///< lrn: scale of the window's sum of squares (divided by size)
  double beta = 0.75;            ///< lrn: exponent of the denominator
  double k = 2.0;                ///< lrn: additive constant of the denominator
  Init init = Init::he_uniform;  ///< conv2d and linear: how the weights are drawn
  float momentum = 0.1f;         ///< batchnorm2d: weight of a new batch in the running statistics
  float eps = 1e-5f;             ///< batchnorm2d: added to the variance
  float p = 0.5f;                ///< dropout: the probability of dropping an element
  Shape input;                   ///< per-image input shape, e.g. [1, 28, 28] or [400]
  Shape output;                  ///< per-image output shape
  int64_t parameters = 0;        ///< learnable numbers of this layer
  std::string description;       ///< one line with its settings, like Layer::describe()

  // ---- composite layers: residual, inception, basic_block, bottleneck_block ----
  int64_t conv1x1 = 0;     ///< inception: filters of the 1x1 branch
  int64_t reduce3x3 = 0;   ///< inception: 1x1 reduction before the 3x3 conv (0: none, naive)
  int64_t conv3x3 = 0;     ///< inception: filters of the 3x3 branch
  int64_t reduce5x5 = 0;   ///< inception: 1x1 reduction before the 5x5 conv (0: none, naive)
  int64_t conv5x5 = 0;     ///< inception: filters of the 5x5 branch
  int64_t pool_proj = 0;   ///< inception: 1x1 conv after the 3x3 max pool (0: none, naive)
  bool relu = true;        ///< residual: a ReLU after the sum
  bool batch_norm = true;  ///< basic_block, bottleneck_block: batchnorm2d after each conv
  int64_t expansion = 4;   ///< bottleneck_block: output channels = filters * expansion
  /// @brief The inner layers, one list per branch: residual-like types {body, shortcut} (an
  ///        empty shortcut is the identity), inception {b1, b2, b3, b4}; empty for plain layers.
  std::vector<std::vector<LayerSpec>> branches;
  std::vector<std::string> branch_names;  ///< "body", "shortcut" or "b1", "b2", ...
  std::string block;  ///< a step of a block: the file's type ("separable_conv2d"), else empty
};

/// @brief A model file, read and checked: what the model is and what its layers are.
struct ModelSpec {
  std::string name;               ///< "lenet5"
  std::string description;        ///< one line for people, e.g. "LeNet-5 (LeCun et al. 1998) ..."
  std::string source;             ///< the file's path, or "built-in lenet5"
  std::string json;               ///< the file's text (checkpoints store it to rebuild the model)
  Shape input;                    ///< per-image input [C, H, W]
  int64_t classes = 0;            ///< the last layer's outputs
  std::vector<LayerSpec> layers;  ///< in file order
  /// @brief The sum of the layers' parameter counts.
  int64_t parameter_count() const;
};

/// @brief A model built from a file: its spec and the network itself.
struct LoadedModel {
  ModelSpec spec;    ///< what the file said
  Sequential model;  ///< the layers, on the reference backend, initialised from the seed
};

/// @brief Where a layer's output lives, for counting activation memory (see summary.hpp).
enum class OutputMemory {
  kept,      ///< a new tensor the network keeps (conv, pools, linear)
  in_place,  ///< may overwrite its input (relu, sigmoid, tanh): nothing new to keep
  view,      ///< the same values seen with another shape (flatten): nothing new to keep
};

/// @brief One row of the table of layer types a model file may use.
struct LayerTypeInfo {
  std::string type;                          ///< the "type" written in the file, e.g. "conv2d"
  std::string summary;                       ///< one line: what it does
  std::vector<std::string> required;         ///< fields it must have, e.g. {"filters", "kernel"}
  std::vector<std::string> optional;         ///< fields it may have (besides "type" and "name")
  OutputMemory memory = OutputMemory::kept;  ///< whether its output counts as activations
};

/// @brief The layer types of model files, in the order the documentation lists them.
const std::vector<LayerTypeInfo>& model_layer_types();
/// @brief The row of @p type in model_layer_types(), or nullptr if there is none.
const LayerTypeInfo* find_layer_type(const std::string& type);

/// @brief Reads and checks a model file's text without allocating any parameter.
/// @param json_text the file's contents
/// @param source the file's path (or "built-in NAME"), used in every error message
/// @throws Error naming @p source, the layer and the field for any problem.
ModelSpec parse_model_spec(const std::string& json_text, const std::string& source);

/// @brief parse_model_spec() of a built-in model (by name) or of a file (by path).
///
/// @p name_or_path is a path when it names an existing file, contains '/' or ends in
/// ".json"; otherwise it is the name of a built-in model.
/// @throws Error for an unreadable file or an unknown name (listing the built-in names).
ModelSpec load_model_spec(const std::string& name_or_path);

/// @brief Builds the layers of @p spec on the reference backend and draws every parameter
///        from @p seed with Sequential::init().
/// @throws Error naming the source and the layer if a layer cannot be built.
Sequential build_model(const ModelSpec& spec, uint64_t seed);

/// @brief parse_model_spec() then build_model().
LoadedModel parse_model(const std::string& json_text, const std::string& source, uint64_t seed);

/// @brief load_model_spec() then build_model(): `load_model("lenet5", 1)`,
///        `load_model("my_net.json", 1)`.
LoadedModel load_model(const std::string& name_or_path, uint64_t seed);

/// @brief The names of the built-in models (models/*.json), sorted: alexnet, alexnet_grouped,
///        cifar10_small, lenet5, vgg16, xo_small, ...
std::vector<std::string> builtin_model_names();

/// @brief The JSON text of a built-in model (the file models/NAME.json, embedded at build
///        time). @throws Error listing the built-in names if there is no model @p name.
std::string builtin_model_json(const std::string& name);

}  // namespace cnnlab
