// conv2d_layer.cpp — the Conv2d layer: x[N, C, H, W] → y[N, K, H2, W2] with w[K, C/G, FH, FW]
// and b[K]; forward and backward are the conv2d ops of ops.hpp.
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/layers.hpp>
#include <cnnlab/ops/ops.hpp>

#include <algorithm>
#include <string>

namespace cnnlab {

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, int kernel, Conv2dOptions options)
    : Conv2d(in_channels, out_channels, KernelSize{kernel, kernel}, options) {}

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, KernelSize kernel, Conv2dOptions options)
    : in_(in_channels), out_(out_channels), kernel_(kernel), options_(options) {
  const int FH = kernel_.height, FW = kernel_.width;
  const std::string size =
      FH == FW ? std::to_string(FH) : std::to_string(FH) + "x" + std::to_string(FW);
  if (in_ <= 0 || out_ <= 0 || FH <= 0 || FW <= 0)
    throw Error("Conv2d: in_channels (" + std::to_string(in_) + "), out_channels (" +
                std::to_string(out_) + ") and kernel (" + size + ") must be positive");
  if (options_.groups <= 0 || in_ % options_.groups != 0 || out_ % options_.groups != 0)
    throw Error("Conv2d: groups (" + std::to_string(options_.groups) +
                ") must divide in_channels (" + std::to_string(in_) + ") and out_channels (" +
                std::to_string(out_) + ")");
  const Shape wshape = {out_, in_ / options_.groups, FH, FW};
  // Checks stride, padding and dilation with the op's own rules, on a probe input that the
  // stride tiles exactly: side = span − 2P + S·m, with m large enough for side ≥ 1.
  if (options_.stride >= 1 && options_.padding >= 0 && options_.dilation >= 1) {
    const int64_t S = options_.stride, P = options_.padding, m = (2 * P + S) / S + 1;
    auto side = [&](int64_t F) {
      return std::max<int64_t>(int64_t(options_.dilation) * (F - 1) + 1 - 2 * P + S * m, 1);
    };
    (void)conv2d_geometry({1, in_, side(FH), side(FW)}, wshape, params());
  } else {
    (void)conv2d_geometry({1, in_, FH, FW}, wshape, params());
  }
  weight = {.name = "weight", .value = Tensor::zeros(wshape, reference_backend())};
  bias = {.name = "bias"};
  if (options_.bias) bias.value = Tensor::zeros({out_}, reference_backend());
  std::mt19937_64 rng(options_.seed);
  reset_parameters(rng);
}

Conv2dParams Conv2d::params() const {
  return {.stride = options_.stride,
          .padding = options_.padding,
          .dilation = options_.dilation,
          .groups = options_.groups,
          .size_rule = options_.size_rule};
}

std::string Conv2d::describe() const {
  std::string s = "conv2d " + std::to_string(in_) + "->" + std::to_string(out_) + " " +
                  std::to_string(kernel_.height) + "x" + std::to_string(kernel_.width);
  if (options_.stride != 1) s += " stride " + std::to_string(options_.stride);
  if (options_.padding != 0) s += " pad " + std::to_string(options_.padding);
  if (options_.dilation != 1) s += " dilation " + std::to_string(options_.dilation);
  if (options_.groups != 1) s += " groups " + std::to_string(options_.groups);
  if (options_.size_rule != SizeRule::exact)
    s += std::string(" ") + size_rule_name(options_.size_rule);
  if (!options_.bias) s += " no bias";
  return s;
}

Shape Conv2d::output_shape(const Shape& input) const {
  return conv2d_geometry(input, weight.value.shape(), params()).output_shape();
}

std::vector<Parameter*> Conv2d::parameters() {
  if (options_.bias) return {&weight, &bias};
  return {&weight};
}

void Conv2d::reset_parameters(std::mt19937_64& rng) {
  // fan_in: the numbers one output sums over; fan_out: the outputs one input feeds.
  const int64_t taps = int64_t(kernel_.height) * kernel_.width;
  const int64_t fan_in = in_ / options_.groups * taps, fan_out = out_ / options_.groups * taps;
  weight.value.copy_from(init_weights(options_.init, weight.value.numel(), fan_in, fan_out, rng));
  if (options_.bias) bias.value.copy_from(std::vector<float>(size_t(out_), 0.0f));
}

Tensor Conv2d::forward(const Tensor& x) {
  Tensor y = conv2d_forward(x, weight.value, bias.value, params());  // y[N, K, H2, W2]
  if (mode() == Mode::train) x_ = x;                                 // dL/dw needs the input
  return y;
}

Tensor Conv2d::backward(const Tensor& dy, bool need_dx) {
  require_forward(x_);
  // dL/dw[k,c,u,v] = Σ_n,i,j dy[n,k,i,j] · x[n,c,S·i+u−P,S·j+v−P];  dL/db[k] = Σ_n,i,j dy[n,k,i,j]
  ParamGrads g = conv2d_backward_weight(x_, dy, weight.value.shape(), options_.bias, params());
  accumulate_grad(weight, g.dw);
  if (options_.bias) accumulate_grad(bias, g.db);
  // dL/dx: the "full" convolution of dy with the flipped filters (conv2d_backward_data).
  Tensor dx = need_dx ? conv2d_backward_data(dy, weight.value, x_.shape(), params()) : Tensor();
  x_ = Tensor();
  return dx;
}

}  // namespace cnnlab
