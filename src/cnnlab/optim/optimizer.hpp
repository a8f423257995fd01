/// @file optimizer.hpp
/// @brief The Optimizer interface: what a training loop calls once per batch.
///
/// Contract:
/// - step(params) updates every parameter that has a gradient, in place, on the backend the
///   parameter lives on (on Vulkan the update is a shader: no copy to the host), using the
///   optimizer's per-parameter state (velocity, moments), created on first use with the
///   parameter's shape and backend.
/// - The learning rate is set by the training loop (a schedule, schedule.hpp) with set_lr().
/// - state() / load_state() expose that state as named tensors ("conv1.weight.velocity") plus
///   a step count, so a checkpoint can resume training exactly.
#pragma once

#include <cnnlab/core/tensor.hpp>
#include <cnnlab/nn/layer.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief Updates parameters from their gradients.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  /// @brief The optimizer's name: "sgd", "adam" or "adamw".
  virtual std::string name() const = 0;
  /// @brief One update of every parameter in @p params that has a defined grad.
  virtual void step(const std::vector<Parameter*>& params) = 0;
  /// @brief The learning rate used by the next step().
  virtual float lr() const = 0;
  /// @brief Sets the learning rate (> 0, finite). @throws Error otherwise.
  virtual void set_lr(float lr) = 0;
  /// @brief The state as named tensors, e.g. "conv1.weight.velocity" (empty before the first
  ///        step).
  virtual std::map<std::string, Tensor> state() const = 0;
  /// @brief Replaces the state (names as from state(), tensors on any backend; they are moved
  ///        to each parameter's backend at the next step).
  virtual void load_state(const std::map<std::string, Tensor>& state) = 0;
  /// @brief Number of step() calls so far (Adam's bias correction uses it).
  int64_t steps() const { return steps_; }
  /// @brief Sets the step count (when resuming).
  void set_steps(int64_t n) { steps_ = n; }

 protected:
  int64_t steps_ = 0;  ///< step() calls so far
};

}  // namespace cnnlab
