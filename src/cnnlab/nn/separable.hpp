/// @file separable.hpp
/// @brief Separable convolution blocks: a convolution factored into two cheaper ones.
///
/// Contract: each block is a list of two ordinary Conv2d layers (steps), returned with the
/// suffixes their names take in a model ("NAME_depthwise", "NAME_pointwise"), so a model
/// summary shows both steps and their parameters ("sep1_depthwise.weight"). The model-file
/// types `separable_conv2d` and `spatial_separable_conv2d` expand into exactly these layers.
///   - depthwise-separable (MobileNet, Xception): a depthwise F×F convolution (one filter per
///     input channel, groups = C) then a pointwise 1×1 convolution C → K. Parameters
///     F²·C + C·K (+ K biases) instead of F²·C·K (+ K): with C = K = 64 and 3×3,
///     576 + 4,096 = 4,672 weights instead of 36,864, about 7.9 times fewer.
///   - spatially separable / flattened: an F×1 convolution C → K then a 1×F convolution K → K.
///     Parameters F·C·K + F·K² (+ K): per pair of channels 3 + 3 = 6 weights instead of 9 for
///     3×3 (when C = K). The F×1 step pads P rows and P columns at stride 1; the 1×F step
///     pads nothing and takes the stride S, so the output size is that of the F×F layer,
///     (H + 2P − F)/S + 1 in both directions, and with no bias on the first step the block
///     computes exactly an F×F convolution whose filters are outer products (rank 1).
/// The first step of each block has no bias: a bias there would only add a constant that the
/// second step's bias can absorb (both steps are linear).
#pragma once

#include <cnnlab/nn/layers.hpp>
#include <cnnlab/nn/sequential.hpp>

#include <memory>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief One layer of a block and the suffix of its name in a model ("depthwise", ...).
struct BlockStep {
  std::string suffix;            ///< "depthwise", "pointwise", "vertical" or "horizontal"
  std::unique_ptr<Layer> layer;  ///< the step itself (a Conv2d)
};

/// @brief Settings of a depthwise-separable block.
struct SeparableConv2dOptions {
  int stride = 1;                ///< S of the depthwise step
  int padding = 0;               ///< P of the depthwise step
  int dilation = 1;              ///< D of the depthwise step
  bool bias = true;              ///< a bias on the pointwise step (K values)
  Init init = Init::he_uniform;  ///< how the weights are drawn
  uint64_t seed = 1;             ///< seed of the first draw
};

/// @brief Depthwise F×F (C → C, groups C, no bias), then pointwise 1×1 (C → K).
/// @throws Error for invalid sizes or settings (from Conv2d).
std::vector<BlockStep> separable_conv2d(int64_t C, int64_t K, int F,
                                        SeparableConv2dOptions options = {});

/// @brief F²·C + C·K (+ K with a bias): the parameters of separable_conv2d().
int64_t separable_conv2d_parameter_count(int64_t C, int64_t K, int F, bool bias);

/// @brief Settings of a spatially separable block.
struct SpatialSeparableConv2dOptions {
  int stride = 1;                ///< S, taken by the 1×F step
  int padding = 0;               ///< P, added by the F×1 step on every side
  bool bias = true;              ///< a bias on the 1×F step (K values)
  Init init = Init::he_uniform;  ///< how the weights are drawn
  uint64_t seed = 1;             ///< seed of the first draw
};

/// @brief F×1 (C → K, padding P, no bias), then 1×F (K → K, stride S).
/// @throws Error for invalid sizes or settings (from Conv2d).
std::vector<BlockStep> spatial_separable_conv2d(int64_t C, int64_t K, int F,
                                                SpatialSeparableConv2dOptions options = {});

/// @brief F·C·K + F·K² (+ K with a bias): the parameters of spatial_separable_conv2d().
int64_t spatial_separable_conv2d_parameter_count(int64_t C, int64_t K, int F, bool bias);

/// @brief Adds the steps of a block to @p model as layers "NAME_SUFFIX" ("sep1_depthwise").
/// @throws Error when a name is taken (Sequential::add).
void add_block(Sequential& model, const std::string& name, std::vector<BlockStep> steps);

}  // namespace cnnlab
