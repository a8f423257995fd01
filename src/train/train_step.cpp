// train_step.cpp — one training step: forward → loss → backward → update
// (cnnlab/train/train_step.hpp). Exercise 10 of the graded exercises (exercises/10_training.md).
#include <cnnlab/core/error.hpp>
#include <cnnlab/train/train_step.hpp>

#include <algorithm>
#include <cmath>

namespace cnnlab {

bool StepResult::finite() const { return logits_finite && std::isfinite(loss); }

StepResult train_step(Sequential& model, SoftmaxCrossEntropy& loss, Optimizer& optimizer,
                      const Tensor& x, const Tensor& y) {
  // BEGIN SOLUTION exercise 10: train_step [model, loss, optimizer, x, y]
  StepResult r;
  // forward: logits[B, D] and the loss
  model.zero_grad();
  const Tensor logits = model.forward(x);
  r.classes = logits.ndim() == 2 ? logits.dim(1) : 0;  // the loss refuses other shapes
  r.logits = logits.to_vector();
  r.logits_finite =
      std::all_of(r.logits.begin(), r.logits.end(), [](float v) { return std::isfinite(v); });
  r.loss = r.logits_finite ? loss.forward(logits, y).at(0) : std::nanf("");
  if (!std::isfinite(r.loss)) return r;  // diverged: leave the parameters as they are
  // backward: dL/dlogits through every layer, then one update
  model.backward(loss.backward());
  optimizer.step(model.parameters());
  return r;
  // END SOLUTION
}

}  // namespace cnnlab
