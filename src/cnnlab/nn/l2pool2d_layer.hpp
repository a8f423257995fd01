/// @file l2pool2d_layer.hpp
/// @brief L2Pool2d: L2 (root-mean-square) pooling as a layer, x[N, C, H, W] → y[N, C, H2, W2].
///
/// Contract: a thin shell over l2pool2d_forward() / l2pool2d_backward() (cnnlab/ops/ops.hpp):
/// y = sqrt(mean of x² over each F×F window), windows, stride, padding, ceil mode and divisor
/// exactly as AvgPool2d's, so y = sqrt(avgpool2d(x²)). No parameters. In train mode forward
/// keeps its input and output, which backward needs (dx = x · Σ dy / (divisor · y)).
#pragma once

#include <cnnlab/nn/layer.hpp>
#include <cnnlab/ops/geometry.hpp>

namespace cnnlab {

/// @brief L2 pooling over F×F windows: x[N, C, H, W] → y[N, C, H2, W2], each window's root mean
///        square. Not PyTorch's LPPool2d(2), which leaves out the mean: sqrt(Σ x²).
class L2Pool2d final : public Layer {
 public:
  /// @brief e.g. `L2Pool2d({.kernel = 3, .stride = 2})` (stride 0 means "same as the kernel").
  explicit L2Pool2d(Pool2dParams params = {});
  std::string kind() const override { return "l2pool2d"; }
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& x) override;
  Tensor backward(const Tensor& dy, bool need_dx = true) override;
  void forget() override {
    x_ = Tensor();
    y_ = Tensor();
  }
  const Pool2dParams& params() const { return params_; }  ///< the settings

 private:
  Pool2dParams params_;
  Tensor x_, y_;  // the forward input and output, kept in train mode for backward
};

}  // namespace cnnlab
