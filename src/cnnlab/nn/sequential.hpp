/// @file sequential.hpp
/// @brief Sequential: a network as a list of layers, each feeding the next.
///
/// Contract:
/// - Build it by adding layers in order: `model.add(Conv2d(1, 6, 5, {.padding = 2}))
///   .add(ReLU()).add(MaxPool2d({.kernel = 2}))...`. Each layer gets a name ("conv1", "relu1",
///   "pool1", "fc1", ...: its kind's short name and a count), so its parameters are
///   "conv1.weight", "conv1.bias", ...
/// - forward(x) runs the layers in order; backward(dlogits) runs their backward passes in the
///   opposite order (the chain rule), skipping the input gradient of the first layer.
/// - init(seed) draws every parameter again from one seed, layer after layer, so the same seed
///   always gives the same network. to(backend) moves all parameters to a backend.
/// - The model owns its layers; it can be moved but not copied.
#pragma once

#include <cnnlab/nn/layer.hpp>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace cnnlab {

/// @brief A chain of layers.
class Sequential {
 public:
  Sequential() = default;
  Sequential(Sequential&&) = default;             ///< models move
  Sequential& operator=(Sequential&&) = default;  ///< models move
  Sequential(const Sequential&) = delete;

  /// @brief Appends a layer (taken by value: `model.add(ReLU())`). An empty @p name gets one
  ///        made from the layer's kind and a count ("conv1", "relu2").
  /// @throws Error if @p name is already used or contains a '.'.
  template <class L>
  requires std::is_base_of_v<Layer, L> Sequential& add(L layer, std::string name = "") {
    return add(std::unique_ptr<Layer>(new L(std::move(layer))), std::move(name));
  }
  /// @brief Appends a layer made elsewhere (model files build layers this way). The layer's
  ///        parameters are renamed "<name>.<parameter>".
  Sequential& add(std::unique_ptr<Layer> layer, std::string name = "");

  /// @brief Number of layers.
  size_t size() const { return layers_.size(); }
  /// @brief Layer @p i (0 = the first one applied).
  Layer& layer(size_t i) const;
  /// @brief The name of layer @p i, e.g. "conv1".
  const std::string& layer_name(size_t i) const;

  /// @brief Runs every layer in order (training mode keeps activations for backward).
  Tensor forward(const Tensor& x);
  /// @brief Runs every layer's backward in reverse order from dL/d(output); fills the
  ///        parameters' grads. Returns nothing: the first layer skips dL/dx.
  void backward(const Tensor& dout);

  /// @brief Like backward(), but returns dL/dx of the first layer (an empty Tensor when
  ///        @p need_dx is false): what a composite layer (Residual, Inception) needs of its
  ///        branches.
  Tensor backward_input(const Tensor& dout, bool need_dx = true);

  /// @brief Every parameter of every layer, named "<layer>.<parameter>", in layer order.
  std::vector<Parameter*> parameters() const;
  /// @brief Every buffer of every layer (Layer::buffers(): state saved in checkpoints but not
  ///        trained, e.g. "bn1.running_mean"), in layer order.
  std::vector<Parameter*> buffers() const;
  /// @brief What a checkpoint holds of the model: parameters() followed by buffers().
  std::vector<Parameter*> state() const;
  /// @brief Total number of learnable numbers.
  int64_t parameter_count() const;
  /// @brief Clears every parameter's grad (they become undefined: "no gradient yet").
  void zero_grad();
  /// @brief Training mode for every layer.
  void train() { set_mode(Mode::train); }
  /// @brief Evaluation mode for every layer (no activations kept).
  void eval() { set_mode(Mode::eval); }
  /// @brief Sets every layer's mode.
  void set_mode(Mode m);
  /// @brief Draws every parameter again from @p seed, in layer order.
  void init(uint64_t seed);
  /// @brief Draws every parameter again from @p rng, in layer order (init() of a composite).
  void reset_parameters(std::mt19937_64& rng);
  /// @brief Drops what every layer kept for backward (Layer::forget()).
  void forget();
  /// @brief Moves every parameter and buffer to @p backend.
  void to(Backend& backend);
  /// @brief The output shape for an input of shape @p input, checking every layer on the way.
  /// @throws Error naming the layer that cannot take its input.
  Shape output_shape(const Shape& input) const;

 private:
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<std::string> names_;
};

}  // namespace cnnlab
