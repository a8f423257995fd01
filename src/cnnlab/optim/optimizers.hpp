/// @file optimizers.hpp
/// @brief The optimizers: SGD (with momentum, Nesterov, weight decay), Adam and AdamW, and
///        make_optimizer(), which builds one from its name.
///
/// Contract:
/// - Each class implements the Optimizer interface (optimizer.hpp) with one backend op per
///   parameter and step: Sgd calls sgd_update(), Adam calls adam_update() (ops.hpp). So the
///   update runs on the backend the parameter lives on (on Vulkan a shader; no host round trip),
///   and all three backends apply the very same rule.
/// - Per-parameter state is created on a parameter's first step, as zeros of its shape on its
///   backend, and named after it: "<param>.velocity" (Sgd), "<param>.exp_avg" and
///   "<param>.exp_avg_sq" (Adam's first and second moments), as in PyTorch's state_dict.
/// - A parameter whose grad is undefined is skipped (its state is left as it was).
/// - Adam's bias correction uses the optimizer's step count (steps() + 1 during a step), the
///   same for every parameter. (PyTorch counts per parameter; the two differ only for a
///   parameter that went without a gradient for some steps.)
/// - Not here: the learning-rate schedule (schedule.hpp; the training loop calls set_lr()).
#pragma once

#include <cnnlab/optim/adam.hpp>
#include <cnnlab/optim/optimizer.hpp>
#include <cnnlab/optim/sgd.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief Stochastic gradient descent with momentum, optional Nesterov momentum and weight
///        decay: SgdParams' rule applied to every parameter, one velocity tensor each.
class Sgd : public Optimizer {
 public:
  /// @brief An SGD optimizer with hyperparameters @p p. @throws Error if @p p is invalid
  ///        (validate(const SgdParams&)).
  explicit Sgd(const SgdParams& p);
  /// @brief "sgd".
  std::string name() const override;
  /// @brief One sgd_update() per parameter with a defined grad.
  /// @throws Error if two parameters share a name, or a loaded velocity does not fit its
  ///         parameter's shape.
  void step(const std::vector<Parameter*>& params) override;
  /// @brief The learning rate of the next step.
  float lr() const override;
  /// @brief Sets the learning rate. @throws Error unless @p lr is finite and > 0.
  void set_lr(float lr) override;
  /// @brief Copies of the velocities, named "<param>.velocity".
  std::map<std::string, Tensor> state() const override;
  /// @brief Replaces the velocities with copies of @p state.
  /// @throws Error (and keeps the old state) if a name does not end in ".velocity" or a tensor
  ///         is undefined.
  void load_state(const std::map<std::string, Tensor>& state) override;
  /// @brief The hyperparameters (lr as set by set_lr()).
  const SgdParams& params() const { return params_; }

 private:
  SgdParams params_;
  std::map<std::string, Tensor> velocity_;  // by parameter name
};

/// @brief Adam, or AdamW when AdamParams::decoupled is set: AdamParams' rule applied to every
///        parameter, with its two moment tensors. AdamParams::step is ignored: each step() uses
///        steps() + 1.
class Adam : public Optimizer {
 public:
  /// @brief An Adam (or AdamW) optimizer with hyperparameters @p p.
  /// @throws Error if @p p is invalid (validate(const AdamParams&)).
  explicit Adam(const AdamParams& p);
  /// @brief "adam", or "adamw" when decoupled.
  std::string name() const override;
  /// @brief One adam_update() per parameter with a defined grad, as step number steps() + 1.
  /// @throws Error if two parameters share a name, or a loaded moment does not fit its
  ///         parameter's shape.
  void step(const std::vector<Parameter*>& params) override;
  /// @brief The learning rate of the next step.
  float lr() const override;
  /// @brief Sets the learning rate. @throws Error unless @p lr is finite and > 0.
  void set_lr(float lr) override;
  /// @brief Copies of the moments, named "<param>.exp_avg" and "<param>.exp_avg_sq".
  std::map<std::string, Tensor> state() const override;
  /// @brief Replaces the moments with copies of @p state.
  /// @throws Error (and keeps the old state) if a name ends in neither ".exp_avg" nor
  ///         ".exp_avg_sq", a tensor is undefined, or a parameter has only one of the two or two
  ///         of different shapes.
  void load_state(const std::map<std::string, Tensor>& state) override;
  /// @brief The hyperparameters (lr as set by set_lr(); step is not used).
  const AdamParams& params() const { return params_; }

 private:
  // Hidden from Doxygen: it would link the class summary to a nested-type section that
  // EXTRACT_PRIVATE = NO then leaves out (a broken link, tests/docs/check_site.py).
  /// @cond PRIVATE
  /// The two moments of one parameter.
  struct Moments {
    Tensor exp_avg;     // m
    Tensor exp_avg_sq;  // v
  };
  /// @endcond
  AdamParams params_;
  std::map<std::string, Moments> moments_;  // by parameter name
};

/// @brief What make_optimizer() needs, for any of the optimizers (each reads its own fields).
struct OptimizerOptions {
  float lr = 0.01f;           ///< learning rate, > 0 (every optimizer)
  float momentum = 0.9f;      ///< SGD momentum, in [0, 1)
  bool nesterov = false;      ///< SGD: Nesterov momentum
  float weight_decay = 0.0f;  ///< every optimizer: L2 (sgd, adam) or decoupled (adamw), >= 0
  float beta1 = 0.9f;         ///< Adam: decay of the first moment
  float beta2 = 0.999f;       ///< Adam: decay of the second moment
  float eps = 1e-8f;          ///< Adam: added to the denominator
};

/// @brief The optimizer called @p name: "sgd", "adam" or "adamw", with the options @p o.
/// @throws Error for an unknown name (the message lists the known ones) or invalid options.
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const OptimizerOptions& o);

/// @brief The names make_optimizer() knows: {"sgd", "adam", "adamw"}.
std::vector<std::string> optimizer_names();

}  // namespace cnnlab
