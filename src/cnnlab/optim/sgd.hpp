/// @file sgd.hpp
/// @brief The hyperparameters of stochastic gradient descent and their rules.
///
/// Contract: SgdParams is what sgd_update() (ops.hpp) and every backend's sgd_update take;
/// validate() is the one place that decides which values make sense. Optimisers with state of
/// their own (Adam, schedules) will live beside this file, in src/optim/.
#pragma once

namespace cnnlab {

/// @brief Hyperparameters of one SGD step with momentum, weight decay and optionally Nesterov
///        momentum (PyTorch's rule, dampening 0):
///        g = grad + weight_decay * param;  v = momentum * v + g;
///        step = nesterov ? g + momentum * v : v;  param -= lr * step.
///
/// Nesterov's variant "looks ahead": it steps along the gradient plus the velocity it is about
/// to have, instead of along the velocity alone. New fields go at the end, so that positional
/// initialisers such as `{0.1f, 0.9f, 0.0f}` keep their meaning.
struct SgdParams {
  float lr = 0.01f;           ///< learning rate, > 0
  float momentum = 0.0f;      ///< in [0, 1)
  float weight_decay = 0.0f;  ///< L2 penalty factor, >= 0
  bool nesterov = false;      ///< Nesterov momentum (needs momentum > 0)
};

/// @brief Throws Error unless lr > 0, 0 <= momentum < 1, weight_decay >= 0 (all finite), and
///        momentum > 0 when nesterov is set.
void validate(const SgdParams& p);

}  // namespace cnnlab
