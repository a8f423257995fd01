/// @file layer.hpp
/// @brief The Layer interface: forward that remembers, backward that returns dL/dx.
///
/// Contract:
/// - A Layer is one step of a network (a convolution, a pooling, an activation, ...) built on
///   the ops API (cnnlab/ops/ops.hpp), so it runs on whichever backend its tensors live on.
/// - forward(x) computes y and, in training mode, keeps what backward needs (usually x or y).
///   backward(dy) takes dL/dy of that same batch, returns dL/dx and *adds* dL/dθ to each
///   parameter's grad (so gradients of several batches can be summed; Sequential::zero_grad()
///   clears them). Calling backward without a training-mode forward first is an error.
/// - Parameters are named ("weight", "bias"); a model prefixes them with the layer's name
///   ("conv1.weight"), and checkpoints and optimizers use those names.
/// - Buffers are a layer's state that is not learned: batch norm's running statistics
///   ("running_mean", "running_var"). They are named and prefixed like parameters, move with
///   to(), are saved in and loaded from checkpoints, but optimizers never see them (they are not
///   in parameters()) and their grad stays undefined. A layer that holds other layers (a
///   residual block) returns its inner layers' parameters() and buffers() from its own, and
///   passes set_mode() on (see Layer::set_mode).
/// - Not here: automatic differentiation. Each layer writes its backward next to its forward,
///   as in the lecture notes.
#pragma once

#include <cnnlab/core/tensor.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief A learnable tensor and the gradient of the loss with respect to it.
///
/// `grad` is undefined after zero_grad() and until a backward pass writes it; an optimizer
/// treats an undefined grad as "no gradient this step" and leaves the parameter alone.
struct Parameter {
  std::string name{};  ///< e.g. "weight", or "conv1.weight" once inside a model
  Tensor value{};      ///< the parameter itself
  Tensor grad{};       ///< dL/dvalue, same shape, accumulated by backward()
};

/// @brief Adds @p g to @p p's gradient (the first time after zero_grad() it just keeps @p g).
void accumulate_grad(Parameter& p, const Tensor& g);

/// @brief How a layer behaves: training keeps activations for backward; evaluation does not
///        (and, for layers like dropout or batch norm, computes differently).
enum class Mode { train, eval };

/// @brief One layer of a network: forward, backward, parameters.
class Layer {
 public:
  virtual ~Layer() = default;

  /// @brief The layer's type as written in model files, e.g. "conv2d", "relu".
  virtual std::string kind() const = 0;
  /// @brief A one-line description with its settings, e.g. "conv2d 1->6 5x5 pad 2".
  virtual std::string describe() const = 0;
  /// @brief The output shape for an input of shape @p input (batch dimension included).
  /// @throws Error naming the layer and the rule if the layer cannot take @p input.
  virtual Shape output_shape(const Shape& input) const = 0;

  /// @brief y = layer(x). In training mode it keeps what backward() needs.
  virtual Tensor forward(const Tensor& x) = 0;
  /// @brief dL/dx from dL/dy (@p dy has forward's output shape); adds dL/dθ to the parameters'
  ///        grads. With @p need_dx false the layer may skip dL/dx and return an empty Tensor
  ///        (the first layer of a model: nobody needs the gradient of the images).
  /// @throws Error if there was no training-mode forward() before.
  virtual Tensor backward(const Tensor& dy, bool need_dx = true) = 0;

  /// @brief The learnable parameters (empty for layers without any).
  virtual std::vector<Parameter*> parameters() { return {}; }
  /// @brief The buffers: named state that is saved and moved but not trained (batch norm's
  ///        running statistics), as Parameter objects whose grad is never used. Empty for most
  ///        layers; a composite layer (Residual, Inception) returns its inner layers'.
  ///        Sequential prefixes their names ("bn1.running_mean"), to() moves them and
  ///        checkpoints save and load them next to the parameters.
  virtual std::vector<Parameter*> buffers() { return {}; }
  /// @brief Draws fresh parameter values from @p rng (weights by the layer's init rule, biases
  ///        zero). Layers without parameters do nothing.
  virtual void reset_parameters(std::mt19937_64& rng) { (void)rng; }

  /// @brief Switches between training and evaluation; eval also drops kept activations. A
  ///        composite layer passes the mode on to its inner layers (mode_changed()).
  void set_mode(Mode m) {
    mode_ = m;
    mode_changed(m);
    if (m == Mode::eval) forget();
  }
  /// @brief The current mode (training by default).
  Mode mode() const { return mode_; }
  /// @brief Drops what forward() kept for backward (frees memory).
  virtual void forget() {}
  /// @brief Moves the parameters (values and grads) and the buffers to @p backend.
  void to(Backend& backend);

 protected:
  /// @brief Called by set_mode() after the mode changed: a composite layer sets the mode of
  ///        its inner layers here. Does nothing by default.
  virtual void mode_changed(Mode m) { (void)m; }
  /// @brief Throws the "backward before forward" error for this layer unless @p kept is
  ///        defined.
  void require_forward(const Tensor& kept) const;

 private:
  Mode mode_ = Mode::train;
};

}  // namespace cnnlab
