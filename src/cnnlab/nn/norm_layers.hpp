/// @file norm_layers.hpp
/// @brief Layers that behave differently in training and evaluation: BatchNorm2d and Dropout.
///
/// Contract: thin shells over the ops (cnnlab/ops/batchnorm_ops.hpp, dropout_ops.hpp), like
/// every layer; their mode (Layer::set_mode, Sequential::train()/eval()) picks the behaviour.
/// - BatchNorm2d(C): per channel, training mode normalises with the batch's statistics and
///   moves the running statistics (buffers, not parameters) towards them; evaluation mode
///   normalises with the running statistics. Parameters "weight" (γ, starts at 1) and "bias"
///   (β, starts at 0); buffers "running_mean" (starts at 0) and "running_var" (starts at 1).
/// - Dropout: training mode drops each element with probability p and scales the kept ones by
///   1/(1 − p); evaluation mode is the identity. Its masks are reproducible: the n-th training
///   forward uses step n of the stream of seed `seed` (cnnlab/ops/dropout_mask.hpp).
/// Included by cnnlab/nn/layers.hpp.
#pragma once

#include <cnnlab/nn/layer.hpp>
#include <cnnlab/ops/batchnorm_params.hpp>
#include <cnnlab/ops/dropout_mask.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief The settings of BatchNorm2d (PyTorch's defaults and meanings).
struct BatchNormOptions {
  float momentum = 0.1f;  ///< running = (1 − momentum)·running + momentum·batch, in [0, 1]
  float eps = 1e-5f;      ///< invstd = 1/sqrt(var + eps), > 0
};

/// @brief Batch normalisation over the channels of x[N, C, H, W] → y[N, C, H, W].
class BatchNorm2d final : public Layer {
 public:
  /// @brief A batch norm of @p channels channels, e.g. `BatchNorm2d(64)`.
  /// @throws Error unless channels >= 1 and the options are valid.
  explicit BatchNorm2d(int64_t channels, BatchNormOptions options = {});
  std::string kind() const override { return "batchnorm2d"; }
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& x) override;
  Tensor backward(const Tensor& dy, bool need_dx = true) override;
  std::vector<Parameter*> parameters() override { return {&weight, &bias}; }
  std::vector<Parameter*> buffers() override { return {&running_mean, &running_var}; }
  /// @brief γ = 1, β = 0, running mean 0 and running variance 1 (as PyTorch's reset).
  void reset_parameters(std::mt19937_64& rng) override;
  void forget() override;
  int64_t channels() const { return channels_; }                ///< C
  const BatchNormOptions& options() const { return options_; }  ///< the settings

  Parameter weight;        ///< γ [C]
  Parameter bias;          ///< β [C]
  Parameter running_mean;  ///< buffer [C]
  Parameter running_var;   ///< buffer [C] (unbiased batch variances, averaged)

 private:
  int64_t channels_;
  BatchNormOptions options_;
  Tensor x_, mean_, invstd_;  // the batch and its statistics, kept by a training forward
};

/// @brief The settings of Dropout.
struct DropoutOptions {
  float p = 0.5f;     ///< the probability of dropping an element, in [0, 1]
  uint64_t seed = 1;  ///< the seed of the mask stream
};

/// @brief Inverted dropout (any shape): y = mask ⊙ x / (1 − p) in training, y = x in evaluation.
class Dropout final : public Layer {
 public:
  /// @throws Error unless 0 <= p <= 1.
  explicit Dropout(DropoutOptions options = {});
  std::string kind() const override { return "dropout"; }
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override { return input; }
  /// @brief Training mode: a new mask (the next step of the seed's stream) each call.
  Tensor forward(const Tensor& x) override;
  /// @brief dx = dy with the last training forward's mask.
  Tensor backward(const Tensor& dy, bool need_dx = true) override;
  void forget() override { pending_ = false; }
  const DropoutOptions& options() const { return options_; }  ///< the settings
  /// @brief How many training-mode forwards have run (the next one uses this step).
  uint64_t step() const { return step_; }

 private:
  DropoutOptions options_;
  uint64_t step_ = 0;
  bool pending_ = false;  // a training forward whose backward has not run yet
  DropoutParams last_{};  // its mask
};

}  // namespace cnnlab
