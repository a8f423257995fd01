// conv_transpose2d_layer.cpp — the ConvTranspose2d layer: x[N, C, H, W] → y[N, K, H2, W2] with
// w[C, K/G, F, F] and b[K]; forward and backward are the conv_transpose2d ops of ops.hpp.
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/conv_transpose2d_layer.hpp>
#include <cnnlab/ops/ops.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace cnnlab {

ConvTranspose2d::ConvTranspose2d(int64_t in_channels, int64_t out_channels, int kernel,
                                 ConvTranspose2dOptions options)
    : in_(in_channels), out_(out_channels), kernel_(kernel), options_(options) {
  if (in_ <= 0 || out_ <= 0 || kernel_ <= 0)
    throw Error("ConvTranspose2d: in_channels (" + std::to_string(in_) + "), out_channels (" +
                std::to_string(out_) + ") and kernel (" + std::to_string(kernel_) +
                ") must be positive");
  if (options_.groups <= 0 || in_ % options_.groups != 0 || out_ % options_.groups != 0)
    throw Error("ConvTranspose2d: groups (" + std::to_string(options_.groups) +
                ") must divide in_channels (" + std::to_string(in_) + ") and out_channels (" +
                std::to_string(out_) + ")");
  // Checks stride, padding, output padding and dilation with the op's own rules, on a probe
  // input large enough that the padding never crops the whole output.
  const int64_t side = 2 * int64_t(std::max(options_.padding, 0)) + 1;
  (void)conv_transpose2d_geometry({1, in_, side, side},
                                  {in_, out_ / options_.groups, kernel_, kernel_}, params());
  weight = {
      .name = "weight",
      .value = Tensor::zeros({in_, out_ / options_.groups, kernel_, kernel_}, reference_backend())};
  bias = {.name = "bias"};
  if (options_.bias) bias.value = Tensor::zeros({out_}, reference_backend());
  std::mt19937_64 rng(options_.seed);
  reset_parameters(rng);
}

ConvTranspose2dParams ConvTranspose2d::params() const {
  return {.stride = options_.stride,
          .padding = options_.padding,
          .output_padding = options_.output_padding,
          .dilation = options_.dilation,
          .groups = options_.groups};
}

std::string ConvTranspose2d::describe() const {
  std::string s = "conv_transpose2d " + std::to_string(in_) + "->" + std::to_string(out_) + " " +
                  std::to_string(kernel_) + "x" + std::to_string(kernel_);
  if (options_.stride != 1) s += " stride " + std::to_string(options_.stride);
  if (options_.padding != 0) s += " pad " + std::to_string(options_.padding);
  if (options_.output_padding != 0) s += " output_pad " + std::to_string(options_.output_padding);
  if (options_.dilation != 1) s += " dilation " + std::to_string(options_.dilation);
  if (options_.groups != 1) s += " groups " + std::to_string(options_.groups);
  if (!options_.bias) s += " no bias";
  return s;
}

Shape ConvTranspose2d::output_shape(const Shape& input) const {
  return conv_transpose2d_geometry(input, weight.value.shape(), params()).output_shape();
}

std::vector<Parameter*> ConvTranspose2d::parameters() {
  if (options_.bias) return {&weight, &bias};
  return {&weight};
}

void ConvTranspose2d::reset_parameters(std::mt19937_64& rng) {
  // fan_in: the products one output pixel sums over — its group's C/G channels, each reaching
  // it through about F²/S² taps; PyTorch's own init uses w.size(1)·F² = K/G·F², which is the
  // fan-in of the adjoint convolution. We use the true sums: fan_in = C/G·F²/S² (at least C/G),
  // fan_out = K/G·F² (the outputs one input pixel feeds).
  const int64_t taps = int64_t(kernel_) * kernel_, s2 = int64_t(options_.stride) * options_.stride;
  const int64_t fan_in =
      std::max<int64_t>(in_ / options_.groups * taps / s2, in_ / options_.groups);
  const int64_t fan_out = out_ / options_.groups * taps;
  weight.value.copy_from(init_weights(options_.init, weight.value.numel(), fan_in, fan_out, rng));
  if (options_.bias) bias.value.copy_from(std::vector<float>(size_t(out_), 0.0f));
}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  Tensor y = conv_transpose2d_forward(x, weight.value, bias.value, params());  // [N, K, H2, W2]
  if (mode() == Mode::train) x_ = x;  // dL/dw needs the input
  return y;
}

Tensor ConvTranspose2d::backward(const Tensor& dy, bool need_dx) {
  require_forward(x_);
  // dL/dw[c,k,u,v] = Σ_n,i,j x[n,c,i,j] · dy[n,k,i·S−P+u·D, j·S−P+v·D];  dL/db[k] = Σ dy[n,k,·,·]
  ParamGrads g =
      conv_transpose2d_backward_weight(x_, dy, weight.value.shape(), options_.bias, params());
  accumulate_grad(weight, g.dw);
  if (options_.bias) accumulate_grad(bias, g.db);
  // dL/dx: each input pixel gathers the dy of the window it scattered into (a convolution).
  Tensor dx =
      need_dx ? conv_transpose2d_backward_data(dy, weight.value, x_.shape(), params()) : Tensor();
  x_ = Tensor();
  return dx;
}

}  // namespace cnnlab
