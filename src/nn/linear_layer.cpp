// linear_layer.cpp — the fully connected layer y = xW + b with x[N, D_in], W[D_in, D_out],
// b[D_out], written as on the lecture's matrix-backprop slide.
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/layers.hpp>
#include <cnnlab/ops/ops.hpp>

#include <string>

namespace cnnlab {

Linear::Linear(int64_t in_features, int64_t out_features, LinearOptions options)
    : in_(in_features), out_(out_features), options_(options) {
  if (in_ <= 0 || out_ <= 0)
    throw Error("Linear: in_features (" + std::to_string(in_) + ") and out_features (" +
                std::to_string(out_) + ") must be positive");
  weight = {.name = "weight", .value = Tensor::zeros({in_, out_}, reference_backend())};
  bias = {.name = "bias"};
  if (options_.bias) bias.value = Tensor::zeros({out_}, reference_backend());
  std::mt19937_64 rng(options_.seed);
  reset_parameters(rng);
}

std::string Linear::describe() const {
  return "linear " + std::to_string(in_) + "->" + std::to_string(out_) +
         (options_.bias ? "" : " no bias");
}

Shape Linear::output_shape(const Shape& input) const {
  if (input.size() != 2 || input[1] != in_)
    throw Error(describe() + ": expects an input of shape [N, " + std::to_string(in_) + "], got " +
                to_string(input) + (input.size() > 2 ? " (add a flatten layer before it)" : ""));
  return {input[0], out_};
}

std::vector<Parameter*> Linear::parameters() {
  if (options_.bias) return {&weight, &bias};
  return {&weight};
}

void Linear::reset_parameters(std::mt19937_64& rng) {
  weight.value.copy_from(init_weights(options_.init, weight.value.numel(), in_, out_, rng));
  if (options_.bias) bias.value.copy_from(std::vector<float>(size_t(out_), 0.0f));
}

Tensor Linear::forward(const Tensor& x) {
  (void)output_shape(x.shape());  // a clear message for a 4-D input without flatten
  Tensor y = linear_forward(x, weight.value, bias.value);  // y[N, D_out] = x W + b
  if (mode() == Mode::train) x_ = x;
  return y;
}

Tensor Linear::backward(const Tensor& dy, bool need_dx) {
  require_forward(x_);
  ParamGrads g = linear_backward_weight(x_, dy, options_.bias);  // dW = xᵀ·dy, db = Σ_n dy
  accumulate_grad(weight, g.dw);
  if (options_.bias) accumulate_grad(bias, g.db);
  Tensor dx = need_dx ? linear_backward_data(dy, weight.value) : Tensor();  // dx = dy·Wᵀ
  x_ = Tensor();
  return dx;
}

}  // namespace cnnlab
