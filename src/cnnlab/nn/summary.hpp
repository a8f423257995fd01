/// @file summary.hpp
/// @brief A model's summary: per layer its output shape, parameters and activations, and the
///        totals, as in the lecture's tables of AlexNet and VGG-16.
///
/// Contract:
/// - Parameters are the learnable numbers (conv: K·(C/G)·F·F + K, linear: D_in·D_out + D_out).
/// - Activations are counted the lecture's way: the values per image the network keeps for
///   one forward pass, i.e. the input plus the output of every layer — except layers that can
///   work in place (relu, sigmoid, tanh overwrite their input) or as a view (flatten only
///   reshapes), whose outputs are marked `counted = false` and left out of the total. With
///   this rule VGG-16 keeps 15,237,608 values per image (≈ 15.2 M; the lecture's "TOTAL
///   memory: 24M" is an arithmetic slip, its rows sum to ≈ 15.2 M). Bytes are values × 4
///   (float32).
/// - summarize_spec() works from a model file's spec and allocates no parameter, so VGG-16's
///   summary is instant; summarize() asks a built model's layers.
/// - Not here: memory of gradients, optimizer state or a backend's scratch buffers.
#pragma once

#include <cnnlab/core/shape.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/nn/sequential.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief One row of a summary.
struct LayerSummary {
  std::string name;         ///< "conv1"
  std::string kind;         ///< "conv2d"
  std::string description;  ///< settings, e.g. "conv2d 1->6 5x5 pad 2"
  Shape output;             ///< per-image output shape, e.g. [6, 28, 28]
  int64_t parameters = 0;   ///< learnable numbers
  int64_t activations = 0;  ///< output values per image (numel of `output`)
  bool counted = true;      ///< whether `activations` count towards the total (see above)
  OutputMemory memory = OutputMemory::kept;  ///< why not, when not counted
  /// @brief 0 for a layer of the model; 1 and more for the inner layers of a composite layer
  ///        (residual, inception), listed under it: their parameters are already in the
  ///        composite's row, so only depth-0 rows add to total_parameters.
  int depth = 0;
};

/// @brief A whole model's summary.
struct ModelSummary {
  std::vector<LayerSummary> layers;  ///< in order
  Shape input;                       ///< per-image input [C, H, W]
  int64_t input_values = 0;          ///< C·H·W
  int64_t total_parameters = 0;      ///< sum over the layers
  int64_t total_activations = 0;     ///< input values + every counted layer output
};

/// @brief The summary of a built model for images of shape @p input_chw ([C, H, W]).
/// @throws Error naming the layer that cannot take its input.
ModelSummary summarize(const Sequential& model, const Shape& input_chw);

/// @brief The summary of a model file's spec (nothing is allocated).
ModelSummary summarize_spec(const ModelSpec& spec);

/// @brief The summary as a text table (one row per layer: name, settings, output shape,
///        parameters, activations) followed by the totals, in values and in float32 bytes.
std::string format_summary(const ModelSummary& summary);

/// @brief 1234567 → "1,234,567".
std::string with_thousands(int64_t n);

}  // namespace cnnlab
