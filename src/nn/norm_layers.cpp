// norm_layers.cpp — BatchNorm2d and Dropout: the layers whose training and evaluation modes
// compute different things. Backward next to forward; the maths is in the ops' reference
// kernels (backends/reference/batchnorm.hpp, dropout.hpp).
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/norm_layers.hpp>
#include <cnnlab/ops/ops.hpp>

#include <sstream>
#include <string>

namespace cnnlab {

namespace {
std::string number(float v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
}  // namespace

// ---- BatchNorm2d ------------------------------------------------------------------------------
BatchNorm2d::BatchNorm2d(int64_t channels, BatchNormOptions options)
    : channels_(channels), options_(options) {
  if (channels_ <= 0)
    throw Error("BatchNorm2d: channels must be positive, got " + std::to_string(channels_));
  validate(BatchNormParams{.eps = options_.eps, .momentum = options_.momentum}, "BatchNorm2d");
  Backend& be = reference_backend();
  weight = {.name = "weight", .value = Tensor::zeros({channels_}, be)};
  bias = {.name = "bias", .value = Tensor::zeros({channels_}, be)};
  running_mean = {.name = "running_mean", .value = Tensor::zeros({channels_}, be)};
  running_var = {.name = "running_var", .value = Tensor::zeros({channels_}, be)};
  std::mt19937_64 rng(0);
  reset_parameters(rng);
}

std::string BatchNorm2d::describe() const {
  std::string s = "batchnorm2d " + std::to_string(channels_);
  if (options_.momentum != 0.1f) s += " momentum " + number(options_.momentum);
  if (options_.eps != 1e-5f) s += " eps " + number(options_.eps);
  return s;
}

Shape BatchNorm2d::output_shape(const Shape& input) const {
  if (input.size() != 4 || input[1] != channels_)
    throw Error(describe() + ": expects an input of shape [N, " + std::to_string(channels_) +
                ", H, W], got " + to_string(input));
  return input;
}

void BatchNorm2d::reset_parameters(std::mt19937_64& rng) {
  (void)rng;  // nothing random: γ = 1, β = 0, and fresh running statistics
  const auto C = static_cast<size_t>(channels_);
  weight.value.copy_from(std::vector<float>(C, 1.0f));
  bias.value.copy_from(std::vector<float>(C, 0.0f));
  running_mean.value.copy_from(std::vector<float>(C, 0.0f));
  running_var.value.copy_from(std::vector<float>(C, 1.0f));
}

void BatchNorm2d::forget() {
  x_ = Tensor();
  mean_ = Tensor();
  invstd_ = Tensor();
}

Tensor BatchNorm2d::forward(const Tensor& x) {
  (void)output_shape(x.shape());
  const BatchNormParams p{.eps = options_.eps, .momentum = options_.momentum};
  // training: the batch's statistics, and the running ones move towards them (unbiased
  // variance); evaluation: the running statistics, nothing changes
  const bool train = mode() == Mode::train;
  BatchNormForward f = train ? batchnorm2d_forward_train(x, weight.value, bias.value,
                                                         running_mean.value, running_var.value, p)
                             : batchnorm2d_forward_eval(x, weight.value, bias.value,
                                                        running_mean.value, running_var.value, p);
  if (train) {
    x_ = x;
    mean_ = f.mean;
    invstd_ = f.invstd;
  }
  return f.y;
}

Tensor BatchNorm2d::backward(const Tensor& dy, bool need_dx) {
  require_forward(x_);
  // dβ = Σ dy, dγ = Σ dy·xhat, dx = γσ⁻¹(dy − mean(dy) − xhat·mean(dy·xhat)): the derivation
  // is next to the forward kernel in backends/reference/batchnorm.hpp.
  BatchNormGrads g =
      batchnorm2d_backward(x_, dy, weight.value, mean_, invstd_, /*batch_stats=*/true);
  accumulate_grad(weight, g.dgamma);
  accumulate_grad(bias, g.dbeta);
  forget();
  return need_dx ? g.dx : Tensor();
}

// ---- Dropout ----------------------------------------------------------------------------------
Dropout::Dropout(DropoutOptions options) : options_(options) {
  validate(DropoutParams{.p = options_.p, .seed = options_.seed}, "Dropout");
}

std::string Dropout::describe() const { return "dropout p " + number(options_.p); }

Tensor Dropout::forward(const Tensor& x) {
  if (mode() == Mode::eval) return x;  // evaluation: the identity (inverted dropout's point)
  last_ = {.p = options_.p, .seed = options_.seed, .step = step_++};
  pending_ = true;
  return dropout_forward(x, last_);
}

Tensor Dropout::backward(const Tensor& dy, bool need_dx) {
  if (!pending_) require_forward(Tensor());
  pending_ = false;
  if (!need_dx) return Tensor();
  // dL/dx = mask ⊙ dL/dy / (1 − p): the same mask as the forward (recomputed from its step)
  return dropout_backward(dy, last_);
}

}  // namespace cnnlab
