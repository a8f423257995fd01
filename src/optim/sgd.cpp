// sgd.cpp — the rules for SGD's hyperparameters (cnnlab/optim/sgd.hpp).
#include <cnnlab/core/error.hpp>
#include <cnnlab/optim/sgd.hpp>

#include <cmath>
#include <string>

namespace cnnlab {

void validate(const SgdParams& p) {
  if (!std::isfinite(p.lr) || p.lr <= 0)
    throw Error("sgd_update: learning rate must be a finite number > 0, got " +
                std::to_string(p.lr));
  if (!std::isfinite(p.momentum) || p.momentum < 0 || p.momentum >= 1)
    throw Error("sgd_update: momentum must be in [0, 1), got " + std::to_string(p.momentum));
  if (!std::isfinite(p.weight_decay) || p.weight_decay < 0)
    throw Error("sgd_update: weight decay must be a finite number >= 0, got " +
                std::to_string(p.weight_decay));
  if (p.nesterov && p.momentum <= 0)
    throw Error("sgd_update: Nesterov momentum needs momentum > 0, got " +
                std::to_string(p.momentum));
}

}  // namespace cnnlab
