/// @file dropout_ops.hpp
/// @brief The public ops of dropout (inverted: kept elements are scaled by 1/(1 − p)).
///
/// The mask is a pure function of (seed, step, element index) (cnnlab/ops/dropout_mask.hpp),
/// identical on every backend; the backward applies the same mask to dy. Evaluation mode is
/// the identity and needs no op (the Dropout layer just passes x on). Included by
/// cnnlab/ops/ops.hpp.
#pragma once

#include <cnnlab/core/tensor.hpp>
#include <cnnlab/ops/dropout_mask.hpp>

namespace cnnlab {

/// @brief y = mask ⊙ x / (1 − p): each element kept with probability 1 − p (p = 0: y = x,
///        p = 1: y = 0).
/// @throws Error if x is undefined or p is outside [0, 1] (or NaN).
Tensor dropout_forward(const Tensor& x, const DropoutParams& p);
/// @brief dx = mask ⊙ dy / (1 − p), with the forward's mask (same seed and step).
/// @throws Error as dropout_forward().
Tensor dropout_backward(const Tensor& dy, const DropoutParams& p);

}  // namespace cnnlab
