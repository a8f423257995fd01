/// @file batchnorm_params.hpp
/// @brief The settings of batch normalisation (cnnlab::batchnorm2d_forward_train() and friends).
///
/// Contract: plain values, validated once by validate() in the ops API; the backends take them
/// as given. What it is not: the op itself (ops.hpp, backends) or the layer (norm_layers.hpp).
#pragma once

#include <string>

namespace cnnlab {

/// @brief Batch normalisation's two numbers, with PyTorch's defaults and meanings.
struct BatchNormParams {
  /// @brief Added to the variance before the square root: invstd = 1 / sqrt(var + eps) (> 0).
  float eps = 1e-5f;
  /// @brief Weight of the new batch in the running statistics, in [0, 1]:
  ///        running = (1 − momentum)·running + momentum·batch (PyTorch's convention; note that
  ///        Keras' "momentum" is 1 minus this one).
  float momentum = 0.1f;
};

/// @brief Throws cnnlab::Error naming @p op unless eps > 0 and 0 <= momentum <= 1 (both finite).
void validate(const BatchNormParams& p, const std::string& op);

}  // namespace cnnlab
