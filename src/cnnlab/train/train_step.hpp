/// @file train_step.hpp
/// @brief One training step on one batch: forward, loss, backward, update.
///
/// Contract: train_step() is the lecture's loop body, for one mini-batch x[B, C, H, W] (or any
/// shape the model takes) with labels y[B] (class indices stored as floats):
///   1. model.zero_grad();  logits[B, D] = model.forward(x);
///   2. L = loss.forward(logits, y)  (mean softmax cross-entropy);
///   3. model.backward(loss.backward())  (dL/dlogits through every layer, last first);
///   4. optimizer.step(model.parameters()).
/// When the logits or the loss are not finite, the step stops after 1 or 2 and changes no
/// parameter: StepResult::finite says so, and the caller decides what to report (the Trainer
/// stops with "training diverged"). The model must be in training mode (model.train()).
/// Trainer::run() (trainer.hpp) calls it once per batch.
#pragma once

#include <cnnlab/core/tensor.hpp>
#include <cnnlab/nn/loss.hpp>
#include <cnnlab/nn/sequential.hpp>
#include <cnnlab/optim/optimizer.hpp>

#include <vector>

namespace cnnlab {

/// @brief What one train_step() saw.
struct StepResult {
  bool logits_finite = true;  ///< false: a logit was NaN or ±inf (no loss, no update)
  float loss = 0;             ///< the batch's mean loss (NaN when the logits were not finite)
  std::vector<float> logits;  ///< the logits [B, D] on the host, row by row
  int64_t classes = 0;        ///< D, the logits' second dimension (0 if they are not [B, D])
  /// @brief True when the loss was finite, so the parameters were updated.
  bool finite() const;
};

/// @brief One step of training on the batch (@p x, @p y): zero_grad, forward, loss, backward,
///        optimizer step (see the file's contract).
/// @throws Error for what the layers, the loss (e.g. logits that are not [B, D], a bad label)
///         and the optimizer throw.
StepResult train_step(Sequential& model, SoftmaxCrossEntropy& loss, Optimizer& optimizer,
                      const Tensor& x, const Tensor& y);

}  // namespace cnnlab
