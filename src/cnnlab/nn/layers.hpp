/// @file layers.hpp
/// @brief The layers of a CNN: convolution, pooling, fully connected, activations, flatten.
///
/// Contract: each layer is a thin shell around the ops of cnnlab/ops/ops.hpp: forward calls the
/// op's forward and keeps its input (or output) for backward; backward calls the op's backward
/// passes. Settings are named fields: `Conv2d(1, 6, 5, {.padding = 2})`,
/// `MaxPool2d({.kernel = 2})`. Parameters are created on the reference backend and initialised
/// from `options.seed`; a model re-draws all of them from one seed (Sequential::init) and moves
/// them with Sequential::to(backend).
#pragma once

#include <cnnlab/nn/blocks.hpp>  // Residual, Inception: composites of whole Sequentials
#include <cnnlab/nn/conv_transpose2d_layer.hpp>  // ConvTranspose2d
#include <cnnlab/nn/init.hpp>
#include <cnnlab/nn/layer.hpp>
#include <cnnlab/nn/norm_layers.hpp>  // BatchNorm2d, Dropout
#include <cnnlab/ops/geometry.hpp>

namespace cnnlab {

/// @brief Settings of a Conv2d layer (besides its channel counts and filter size).
struct Conv2dOptions {
  int stride = 1;    ///< S
  int padding = 0;   ///< P, zeros on every side
  int dilation = 1;  ///< spacing between filter taps
  int groups = 1;    ///< channel groups (C and K must both be multiples)
  /// Output size when the stride does not tile the input: exact (refuse, the default, the
  /// lecture's rule) or floor (round down, PyTorch's rule).
  SizeRule size_rule = SizeRule::exact;
  bool bias = true;              ///< learn a bias per filter
  Init init = Init::he_uniform;  ///< how the weights are drawn
  uint64_t seed = 1;             ///< seed of the first draw (Sequential::init draws again)
};

/// @brief A filter's height and width, FH × FW, for filters that are not square:
///        `Conv2d(8, 8, KernelSize{.height = 3, .width = 1})` (a 3×1 column filter).
struct KernelSize {
  int height = 0;  ///< FH
  int width = 0;   ///< FW
};

/// @brief Convolution: x[N, C, H, W] → y[N, K, H2, W2] with K filters w[K, C/groups, FH, FW]
///        and a bias b[K]. Parameters "weight" and "bias".
class Conv2d final : public Layer {
 public:
  /// @brief @p in_channels = C, @p out_channels = K, @p kernel = F (square F × F filters).
  /// @throws Error for non-positive sizes or invalid options.
  Conv2d(int64_t in_channels, int64_t out_channels, int kernel, Conv2dOptions options = {});
  /// @brief The same with FH × FW filters (e.g. the 3×1 and 1×3 steps of a spatially
  ///        separable block, see separable.hpp).
  /// @throws Error for non-positive sizes or invalid options.
  Conv2d(int64_t in_channels, int64_t out_channels, KernelSize kernel, Conv2dOptions options = {});
  std::string kind() const override { return "conv2d"; }
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& x) override;
  Tensor backward(const Tensor& dy, bool need_dx = true) override;
  std::vector<Parameter*> parameters() override;
  void reset_parameters(std::mt19937_64& rng) override;
  void forget() override { x_ = Tensor(); }

  int64_t in_channels() const { return in_; }         ///< C
  int64_t out_channels() const { return out_; }       ///< K
  int kernel() const { return kernel_.height; }       ///< F (FH for a filter that is not square)
  KernelSize kernel_size() const { return kernel_; }  ///< FH × FW
  const Conv2dOptions& options() const { return options_; }  ///< the settings
  /// @brief The settings as the ops API takes them.
  Conv2dParams params() const;
  Parameter weight;  ///< w[K, C/groups, FH, FW]
  Parameter bias;    ///< b[K] (undefined value when options().bias is false)

 private:
  int64_t in_, out_;
  KernelSize kernel_;
  Conv2dOptions options_;
  Tensor x_;  // the input of the last training forward
};

/// @brief Settings of a Linear layer.
struct LinearOptions {
  bool bias = true;              ///< learn a bias per output
  Init init = Init::he_uniform;  ///< how the weights are drawn
  uint64_t seed = 1;             ///< seed of the first draw (Sequential::init draws again)
};

/// @brief Fully connected layer y = xW + b, x[N, D_in], W[D_in, D_out], b[D_out] (the lecture's
///        layout). Parameters "weight" and "bias".
class Linear final : public Layer {
 public:
  /// @brief @p in_features = D_in, @p out_features = D_out.
  Linear(int64_t in_features, int64_t out_features, LinearOptions options = {});
  std::string kind() const override { return "linear"; }
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& x) override;
  Tensor backward(const Tensor& dy, bool need_dx = true) override;
  std::vector<Parameter*> parameters() override;
  void reset_parameters(std::mt19937_64& rng) override;
  void forget() override { x_ = Tensor(); }

  int64_t in_features() const { return in_; }                ///< D_in
  int64_t out_features() const { return out_; }              ///< D_out
  const LinearOptions& options() const { return options_; }  ///< the settings
  Parameter weight;                                          ///< W[D_in, D_out]
  Parameter bias;  ///< b[D_out] (undefined value when options().bias is false)

 private:
  int64_t in_, out_;
  LinearOptions options_;
  Tensor x_;
};

/// @brief Max pooling over F×F windows: x[N, C, H, W] → y[N, C, H2, W2].
class MaxPool2d final : public Layer {
 public:
  /// @brief e.g. `MaxPool2d({.kernel = 2})` (stride 0 means "same as the kernel").
  explicit MaxPool2d(Pool2dParams params = {});
  std::string kind() const override { return "maxpool2d"; }
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& x) override;
  Tensor backward(const Tensor& dy, bool need_dx = true) override;
  void forget() override { x_ = Tensor(); }
  const Pool2dParams& params() const { return params_; }  ///< the settings

 private:
  Pool2dParams params_;
  Tensor x_;
};

/// @brief Average pooling over F×F windows: x[N, C, H, W] → y[N, C, H2, W2].
class AvgPool2d final : public Layer {
 public:
  /// @brief e.g. `AvgPool2d({.kernel = 2})` (stride 0 means "same as the kernel").
  explicit AvgPool2d(Pool2dParams params = {});
  std::string kind() const override { return "avgpool2d"; }
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& x) override;
  Tensor backward(const Tensor& dy, bool need_dx = true) override;
  void forget() override { x_shape_.clear(); }
  const Pool2dParams& params() const { return params_; }  ///< the settings

 private:
  Pool2dParams params_;
  Shape x_shape_;
};

/// @brief Global average pooling: x[N, C, H, W] → y[N, C, 1, 1].
class GlobalAvgPool2d final : public Layer {
 public:
  std::string kind() const override { return "global_avgpool2d"; }
  std::string describe() const override { return "global_avgpool2d"; }
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& x) override;
  Tensor backward(const Tensor& dy, bool need_dx = true) override;
  void forget() override { x_shape_.clear(); }

 private:
  Shape x_shape_;
};

/// @brief y = max(0, x), elementwise, any shape.
class ReLU final : public Layer {
 public:
  std::string kind() const override { return "relu"; }
  std::string describe() const override { return "relu"; }
  Shape output_shape(const Shape& input) const override { return input; }
  Tensor forward(const Tensor& x) override;
  Tensor backward(const Tensor& dy, bool need_dx = true) override;
  void forget() override { x_ = Tensor(); }

 private:
  Tensor x_;
};

/// @brief y = 1 / (1 + e^−x), elementwise, any shape.
class Sigmoid final : public Layer {
 public:
  std::string kind() const override { return "sigmoid"; }
  std::string describe() const override { return "sigmoid"; }
  Shape output_shape(const Shape& input) const override { return input; }
  Tensor forward(const Tensor& x) override;
  Tensor backward(const Tensor& dy, bool need_dx = true) override;
  void forget() override { y_ = Tensor(); }

 private:
  Tensor y_;  // sigmoid's derivative is written with its output: y(1 − y)
};

/// @brief y = tanh(x), elementwise, any shape.
class Tanh final : public Layer {
 public:
  std::string kind() const override { return "tanh"; }
  std::string describe() const override { return "tanh"; }
  Shape output_shape(const Shape& input) const override { return input; }
  Tensor forward(const Tensor& x) override;
  Tensor backward(const Tensor& dy, bool need_dx = true) override;
  void forget() override { y_ = Tensor(); }

 private:
  Tensor y_;  // tanh's derivative is written with its output: 1 − y²
};

/// @brief x[N, C, H, W] → y[N, C·H·W] (a view: no copy), so a Linear layer can follow a
///        convolution.
class Flatten final : public Layer {
 public:
  std::string kind() const override { return "flatten"; }
  std::string describe() const override { return "flatten"; }
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& x) override;
  Tensor backward(const Tensor& dy, bool need_dx = true) override;
  void forget() override { x_shape_.clear(); }

 private:
  Shape x_shape_;
};

}  // namespace cnnlab

// Layers with files of their own (one idea per file), available through this header too.
#include <cnnlab/nn/l2pool2d_layer.hpp>
#include <cnnlab/nn/lrn_layer.hpp>
