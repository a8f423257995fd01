/// @file loss.hpp
/// @brief Softmax cross-entropy: the loss of a classifier, with its gradient.
///
/// Contract: forward(logits[N, D], labels[N]) returns L = mean_n (logsumexp(logits[n]) −
/// logits[n, labels[n]]) as a one-element tensor on the logits' backend (reading it with
/// at(0) waits for the backend); backward() returns dL/dlogits = (softmax(logits) − onehot) / N.
/// Labels are class indices stored as floats (0, 1, ..., D−1).
#pragma once

#include <cnnlab/core/tensor.hpp>

namespace cnnlab {

/// @brief The softmax cross-entropy loss of a batch.
class SoftmaxCrossEntropy {
 public:
  /// @brief The mean loss over the batch, a tensor of shape [1]; keeps logits and labels.
  Tensor forward(const Tensor& logits, const Tensor& labels);
  /// @brief dL/dlogits[N, D] for the last forward(), scaled by @p dloss (1 by default).
  /// @throws Error if forward() was not called.
  Tensor backward(float dloss = 1.0f);

 private:
  Tensor logits_, labels_;
};

}  // namespace cnnlab
