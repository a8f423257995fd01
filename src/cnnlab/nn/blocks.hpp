/// @file blocks.hpp
/// @brief Composite layers: the residual block (ResNet) and the Inception module (GoogLeNet),
///        each made of whole Sequential branches.
///
/// Contract:
/// - Residual(body, shortcut, relu_after): y = relu(body(x) + shortcut(x)), with an empty
///   shortcut meaning the identity (y = relu(body(x) + x)). Backward sends dy through the ReLU,
///   then into both branches, and sums the two dL/dx. ResNet's basic and bottleneck blocks are
///   Residuals whose body is conv-bn-relu-conv-bn (...) and whose shortcut is empty or a 1×1
///   projection (model files build them: models/README.md, docs/architectures.md).
/// - Inception(branches): y = concat(branch_1(x), ..., branch_k(x)) on the channels; every
///   branch must give the same N, H and W. Backward cuts dy back into the branches' blocks
///   and sums their dL/dx.
/// - Both are ordinary Layers: their parameters are the inner layers' with hierarchical names
///   ("body.conv1.weight", "b2.conv2.weight"; inside a model "block1.body.conv1.weight"), and
///   set_mode, reset_parameters, to(backend), forget and buffers() reach every inner layer.
/// - output_shape() checks every branch and that their shapes agree; messages name the block,
///   the branch and the inner layer.
#pragma once

#include <cnnlab/nn/layer.hpp>
#include <cnnlab/nn/sequential.hpp>

#include <string>
#include <vector>

namespace cnnlab {

/// @brief Residual block: y = relu(body(x) + shortcut(x)); shortcut empty = identity.
class Residual final : public Layer {
 public:
  /// @brief @p body must have at least one layer; @p shortcut may be empty (the identity);
  ///        @p relu_after applies a ReLU to the sum (ResNet does).
  /// @throws Error if the body is empty.
  explicit Residual(Sequential body, Sequential shortcut = {}, bool relu_after = true);

  std::string kind() const override { return "residual"; }
  std::string describe() const override;
  /// @throws Error naming the branch and its layer, or the two shapes when they differ.
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& x) override;
  Tensor backward(const Tensor& dy, bool need_dx = true) override;
  std::vector<Parameter*> parameters() override;
  std::vector<Parameter*> buffers() override;
  void reset_parameters(std::mt19937_64& rng) override;
  void forget() override;

  /// @brief The residual branch F(x).
  const Sequential& body() const { return body_; }
  /// @brief The shortcut (empty: the identity).
  const Sequential& shortcut() const { return shortcut_; }
  /// @brief Whether a ReLU follows the sum.
  bool relu_after() const { return relu_after_; }

 protected:
  void mode_changed(Mode m) override;

 private:
  Sequential body_, shortcut_;
  bool relu_after_;
  Tensor sum_;  // body(x) + shortcut(x), kept in training mode (the ReLU's gate)
};

/// @brief Inception module: y = concat over channels of every branch's output.
class Inception final : public Layer {
 public:
  /// @brief At least one branch, each with at least one layer. Branch i is named "b<i+1>".
  /// @throws Error if there are no branches or a branch is empty.
  explicit Inception(std::vector<Sequential> branches);

  std::string kind() const override { return "inception"; }
  std::string describe() const override;
  /// @throws Error naming the branch and its layer, or the branches whose N, H, W differ.
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& x) override;
  Tensor backward(const Tensor& dy, bool need_dx = true) override;
  std::vector<Parameter*> parameters() override;
  std::vector<Parameter*> buffers() override;
  void reset_parameters(std::mt19937_64& rng) override;
  void forget() override;

  /// @brief The number of branches.
  size_t branch_count() const { return branches_.size(); }
  /// @brief Branch @p i (0 = the first, named "b1").
  const Sequential& branch(size_t i) const { return branches_.at(i); }

 protected:
  void mode_changed(Mode m) override;

 private:
  std::vector<Sequential> branches_;
  std::vector<int64_t> channels_;  // each branch's output channels in the last training forward
};

}  // namespace cnnlab
