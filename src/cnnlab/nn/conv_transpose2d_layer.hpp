/// @file conv_transpose2d_layer.hpp
/// @brief The ConvTranspose2d layer: learnable upsampling, x[N, C, H, W] → y[N, K, H2, W2].
///
/// Contract: a thin shell around the conv_transpose2d ops of cnnlab/ops/ops.hpp, like Conv2d:
/// forward keeps its input for backward; backward accumulates dL/dw, dL/db and returns dL/dx.
/// Weights are w[C, K/groups, F, F] (PyTorch's layout: input channels first) and b[K]. With
/// stride S, `ConvTranspose2d(C, K, F, {.stride = S, .padding = P, .output_padding = OP})`
/// inverts the sizes of `Conv2d(K, C, F, {.stride = S, .padding = P})`:
/// H2 = (H − 1)·S − 2P + D(F − 1) + OP + 1.
#pragma once

#include <cnnlab/nn/init.hpp>
#include <cnnlab/nn/layer.hpp>
#include <cnnlab/ops/geometry.hpp>

namespace cnnlab {

/// @brief Settings of a ConvTranspose2d layer (besides its channel counts and filter size).
struct ConvTranspose2dOptions {
  int stride = 1;                ///< S: step in the output between neighbouring input pixels
  int padding = 0;               ///< P: rows and columns cropped from every side of the output
  int output_padding = 0;        ///< OP: extra rows/columns at the bottom/right, < max(S, D)
  int dilation = 1;              ///< spacing between filter taps
  int groups = 1;                ///< channel groups (C and K must both be multiples)
  bool bias = true;              ///< learn a bias per output channel
  Init init = Init::he_uniform;  ///< how the weights are drawn
  uint64_t seed = 1;             ///< seed of the first draw (Sequential::init draws again)
};

/// @brief Transposed convolution ("learnable upsampling"): each input pixel adds its value
///        times its filter into the output, S pixels apart. Parameters "weight"
///        w[C, K/groups, F, F] and "bias" b[K].
class ConvTranspose2d final : public Layer {
 public:
  /// @brief @p in_channels = C, @p out_channels = K, @p kernel = F (square filters).
  /// @throws Error for non-positive sizes or invalid options (the op's own rules).
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, int kernel,
                  ConvTranspose2dOptions options = {});
  std::string kind() const override { return "conv_transpose2d"; }
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override;
  Tensor forward(const Tensor& x) override;
  Tensor backward(const Tensor& dy, bool need_dx = true) override;
  std::vector<Parameter*> parameters() override;
  void reset_parameters(std::mt19937_64& rng) override;
  void forget() override { x_ = Tensor(); }

  int64_t in_channels() const { return in_; }                         ///< C
  int64_t out_channels() const { return out_; }                       ///< K
  int kernel() const { return kernel_; }                              ///< F
  const ConvTranspose2dOptions& options() const { return options_; }  ///< the settings
  /// @brief The settings as the ops API takes them.
  ConvTranspose2dParams params() const;
  Parameter weight;  ///< w[C, K/groups, F, F]
  Parameter bias;    ///< b[K] (undefined value when options().bias is false)

 private:
  int64_t in_, out_;
  int kernel_;
  ConvTranspose2dOptions options_;
  Tensor x_;  // the input of the last training forward
};

}  // namespace cnnlab
