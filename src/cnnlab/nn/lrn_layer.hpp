/// @file lrn_layer.hpp
/// @brief LocalResponseNorm: local response normalisation across channels (AlexNet's NORM) as a
///        layer, x[N, C, H, W] → y[N, C, H, W].
///
/// Contract: a thin shell over lrn_forward() / lrn_backward() (cnnlab/ops/ops.hpp):
/// y = x / (k + alpha/size · Σ x²)^beta over a window of `size` neighbouring channels at the
/// same pixel, PyTorch's convention (alpha divided by size; cnnlab/ops/lrn_geometry.hpp). No
/// parameters. In train mode forward keeps its input, which backward needs.
#pragma once

#include <cnnlab/nn/layer.hpp>
#include <cnnlab/ops/lrn_geometry.hpp>

namespace cnnlab {

/// @brief Settings of a LocalResponseNorm layer; the defaults are AlexNet's constants (size 5,
///        alpha 1e-4, beta 0.75, k 2), with PyTorch's alpha/size convention.
using LrnOptions = LrnParams;

/// @brief Local response normalisation across channels: x[N, C, H, W] → y[N, C, H, W].
class LocalResponseNorm final : public Layer {
 public:
  /// @brief e.g. `LocalResponseNorm({.size = 5, .alpha = 1e-4f, .beta = 0.75f, .k = 2.0f})`.
  /// @throws Error unless the settings pass lrn_geometry() (size >= 1, alpha >= 0, beta >= 0,
  ///         k > 0).
  explicit LocalResponseNorm(LrnOptions options = {});
  std::string kind() const override { return "lrn"; }
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& x) override;
  Tensor backward(const Tensor& dy, bool need_dx = true) override;
  void forget() override { x_ = Tensor(); }
  const LrnOptions& options() const { return options_; }  ///< the settings

 private:
  LrnOptions options_;
  Tensor x_;  // the forward input, kept in train mode for backward
};

}  // namespace cnnlab
