/// @file sgd.hpp
/// @brief The hyperparameters of stochastic gradient descent and their rules.
///
/// Contract: SgdParams is what sgd_update() (ops.hpp) and every backend's sgd_update take;
/// validate() is the one place that decides which values make sense. Optimisers with state of
/// their own (Adam, schedules) will live beside this file, in src/optim/.
#pragma once

namespace cnnlab {

/// @brief Hyperparameters of one SGD step with momentum and weight decay (PyTorch's rule):
///        g = grad + weight_decay * param;  v = momentum * v + g;  param -= lr * v.
struct SgdParams {
  float lr = 0.01f;           ///< learning rate, > 0
  float momentum = 0.0f;      ///< in [0, 1)
  float weight_decay = 0.0f;  ///< L2 penalty factor, >= 0
};

/// @brief Throws Error unless lr > 0, 0 <= momentum < 1, weight_decay >= 0 (all finite).
void validate(const SgdParams& p);

}  // namespace cnnlab
