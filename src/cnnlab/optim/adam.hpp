/// @file adam.hpp
/// @brief The hyperparameters of Adam and AdamW and their rules.
///
/// Contract: AdamParams is what adam_update() (ops.hpp) and every backend's adam_update take,
/// like SgdParams for sgd_update(); validate() is the one place that decides which values make
/// sense, and adam_bias_correction() the one place that computes 1 − β^t, so that every backend
/// divides by the same number. The Adam optimizer class (optimizers.hpp) fills in `step`.
#pragma once

#include <cstdint>

namespace cnnlab {

/// @brief Hyperparameters of one Adam / AdamW step (PyTorch's rules), for step number `step`:
///
///     Adam  (decoupled = false):  g = grad + weight_decay * param
///     AdamW (decoupled = true):   param *= 1 - lr * weight_decay;  g = grad
///     m = beta1 * m + (1 - beta1) * g            (first moment: a running mean of g)
///     v = beta2 * v + (1 - beta2) * g * g        (second moment: a running mean of g²)
///     m_hat = m / (1 - beta1^step);  v_hat = v / (1 - beta2^step)   (bias correction)
///     param -= lr * m_hat / (sqrt(v_hat) + eps)
///
/// m and v start at zero, which is why the bias correction is needed: after one step m is only
/// (1 − β1)·g, and dividing by 1 − β1¹ gives back g.
struct AdamParams {
  float lr = 0.001f;          ///< learning rate, > 0
  float beta1 = 0.9f;         ///< decay of the first moment, in [0, 1)
  float beta2 = 0.999f;       ///< decay of the second moment, in [0, 1)
  float eps = 1e-8f;          ///< added to sqrt(v_hat), > 0
  float weight_decay = 0.0f;  ///< L2 penalty (Adam) or decoupled decay (AdamW), >= 0
  bool decoupled = false;     ///< true: AdamW (decay applied to param, not added to the grad)
  int64_t step = 1;           ///< which step this is, 1-based (the bias correction's t)
};

/// @brief Throws Error unless lr > 0, 0 <= beta1, beta2 < 1, eps > 0, weight_decay >= 0 (all
///        finite) and step >= 1; with decoupled, also lr·weight_decay <= 1 (the decay factor
///        1 − lr·wd must not flip the parameter's sign).
void validate(const AdamParams& p);

/// @brief The bias correction 1 − beta^step, computed in double (every backend uses it, so that
///        they all divide by the same number). @p step >= 1.
double adam_bias_correction(float beta, int64_t step);

}  // namespace cnnlab
