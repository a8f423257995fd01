// adam.cpp — the rules for Adam's hyperparameters and its bias correction (cnnlab/optim/adam.hpp).
#include <cnnlab/core/error.hpp>
#include <cnnlab/optim/adam.hpp>

#include <cmath>
#include <string>

namespace cnnlab {

void validate(const AdamParams& p) {
  if (!std::isfinite(p.lr) || p.lr <= 0)
    throw Error("adam_update: learning rate must be a finite number > 0, got " +
                std::to_string(p.lr));
  if (!std::isfinite(p.beta1) || p.beta1 < 0 || p.beta1 >= 1)
    throw Error("adam_update: beta1 must be in [0, 1), got " + std::to_string(p.beta1));
  if (!std::isfinite(p.beta2) || p.beta2 < 0 || p.beta2 >= 1)
    throw Error("adam_update: beta2 must be in [0, 1), got " + std::to_string(p.beta2));
  if (!std::isfinite(p.eps) || p.eps <= 0)
    throw Error("adam_update: eps must be a finite number > 0, got " + std::to_string(p.eps));
  if (!std::isfinite(p.weight_decay) || p.weight_decay < 0)
    throw Error("adam_update: weight decay must be a finite number >= 0, got " +
                std::to_string(p.weight_decay));
  if (p.decoupled && double(p.lr) * double(p.weight_decay) > 1)
    throw Error(
        "adam_update: AdamW needs lr * weight_decay <= 1 (param is scaled by 1 - lr * "
        "weight_decay), got " +
        std::to_string(double(p.lr) * double(p.weight_decay)));
  if (p.step < 1)
    throw Error("adam_update: step is 1-based (the first step is 1), got " +
                std::to_string(p.step));
}

double adam_bias_correction(float beta, int64_t step) {
  return 1.0 - std::pow(static_cast<double>(beta), static_cast<double>(step));
}

}  // namespace cnnlab
