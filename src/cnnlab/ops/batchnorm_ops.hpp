/// @file batchnorm_ops.hpp
/// @brief The public ops of batch normalisation over x[N, C, H, W] (BatchNorm2d).
///
/// Per channel c, over its M = N·H·W values, xhat = (x − mean_c)·invstd_c with
/// invstd_c = 1/sqrt(var_c + eps), and y = gamma_c·xhat + beta_c. Training uses the batch's own
/// mean and (biased) variance and moves the running statistics towards them; evaluation uses
/// the running statistics. Included by cnnlab/ops/ops.hpp; the maths and the backward's
/// derivation are in backends/reference/batchnorm.hpp and docs/normalisation.md.
#pragma once

#include <cnnlab/core/tensor.hpp>
#include <cnnlab/ops/batchnorm_params.hpp>

namespace cnnlab {

/// @brief What batch norm's forward returns: the output and the statistics its backward needs.
struct BatchNormForward {
  Tensor y;       ///< [N, C, H, W]
  Tensor mean;    ///< [C]: the batch's means (training) or the running means (evaluation)
  Tensor invstd;  ///< [C]: 1/sqrt(var + eps) of the batch (training) or of the running variance
};

/// @brief The gradients of batch norm.
struct BatchNormGrads {
  Tensor dx;      ///< [N, C, H, W]
  Tensor dgamma;  ///< [C]: Σ dy·xhat over the channel
  Tensor dbeta;   ///< [C]: Σ dy over the channel
};

/// @brief Training-mode batch norm: batch statistics; when @p running_mean and @p running_var
///        are defined they are updated in place, running = (1 − momentum)·running +
///        momentum·batch, the variance term being the batch's UNBIASED variance (·M/(M − 1)),
///        as PyTorch does.
/// @throws Error unless x is 4-D [N, C, H, W] with every dimension at least 1, gamma and beta
///         (and the running statistics, both or neither) are [C] on x's backend, each channel
///         has M = N·H·W >= 2 values (a variance of one value is meaningless) and @p p is valid.
BatchNormForward batchnorm2d_forward_train(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                           Tensor running_mean, Tensor running_var,
                                           const BatchNormParams& p = {});
/// @brief Evaluation-mode batch norm with the running statistics (nothing is updated).
/// @throws Error as the training version (M = 1 is fine here).
BatchNormForward batchnorm2d_forward_eval(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                          const Tensor& running_mean, const Tensor& running_var,
                                          const BatchNormParams& p = {});
/// @brief Batch norm's backward from the forward's @p mean and @p invstd. @p batch_stats says
///        they were the batch's own (training: the full formula through the statistics) or
///        fixed (evaluation: the affine map's gradient).
/// @throws Error unless dy has x's shape and gamma, mean, invstd are [C], all on one backend.
BatchNormGrads batchnorm2d_backward(const Tensor& x, const Tensor& dy, const Tensor& gamma,
                                    const Tensor& mean, const Tensor& invstd, bool batch_stats);

}  // namespace cnnlab
