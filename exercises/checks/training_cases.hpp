// training_cases.hpp — loading and comparing the training cases of exercise 10's checks.
//
// Contract: a model case NAME is the files NAME_w1, NAME_b1, NAME_w2, NAME_b2, ... (the weights
// of Flatten → Linear → ReLU → ... → Linear) and NAME_dw1, NAME_db1, ... (PyTorch's gradients);
// an SGD case NAME is NAME_p0 (the parameter), NAME_grads (one gradient per step, stacked) and
// NAME_after (the parameter after each step, stacked), all written by
// exercises/tools/data_training.py (or its hidden twin) with PyTorch. mlp_from builds a model
// with a case's weights; expect_gradients, expect_cross_entropy_gradients (a model case with
// NAME_x and NAME_labels) and expect_sgd_steps compare the student's results with the case's
// expected values through the grader's expect_* functions.
#pragma once

#include "check.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/nn/layers.hpp>
#include <cnnlab/nn/loss.hpp>
#include <cnnlab/nn/sequential.hpp>
#include <cnnlab/ops/ops.hpp>

#include <memory>
#include <string>
#include <vector>

namespace cnnlab::grade {

/// Flatten → Linear → ReLU → Linear (→ ReLU → Linear ...) with the weights of case @p name.
inline Sequential mlp_from(const std::string& name, int64_t linears) {
  Sequential m;
  m.add(std::make_unique<Flatten>());
  for (int64_t k = 1; k <= linears; ++k) {
    const Tensor w = golden(name + "_w" + std::to_string(k));
    m.add(std::make_unique<Linear>(w.dim(0), w.dim(1)));
    if (k < linears) m.add(std::make_unique<ReLU>());
  }
  int64_t k = 0;
  for (Parameter* p : m.parameters()) {  // weight1, bias1, weight2, bias2, ...
    const std::string which = (k % 2 == 0 ? "_w" : "_b") + std::to_string(k / 2 + 1);
    p->value = golden(name + which);
    ++k;
  }
  m.train();
  return m;
}

/// Compares every parameter's gradient with PyTorch's dw1, db1, dw2, ...
inline void expect_gradients(Sequential& m, const std::string& name) {
  int64_t k = 0;
  for (Parameter* p : m.parameters()) {
    const std::string which = (k % 2 == 0 ? "_dw" : "_db") + std::to_string(k / 2 + 1);
    expect_true(p->grad.defined(), "after backward(), " + p->name +
                                       " has no gradient: every layer's backward must run");
    expect_close("dL/d" + p->name, p->grad, golden(name + which));
    ++k;
  }
}

/// Builds the model of case @p name (@p linears Linear layers), runs it on NAME_x, backward from
/// the softmax cross-entropy loss with NAME_labels, and compares the gradients (expect_gradients).
inline void expect_cross_entropy_gradients(const std::string& name, int64_t linears) {
  Sequential m = mlp_from(name, linears);
  SoftmaxCrossEntropy loss;
  (void)loss.forward(m.forward(golden(name + "_x")), golden(name + "_labels"));
  m.backward(loss.backward());
  expect_gradients(m, name);
}

/// The SGD steps of case @p name through ops::sgd_update; compares the parameter after each.
inline void expect_sgd_steps(const std::string& name, const SgdParams& sp) {
  Tensor param = golden(name + "_p0");
  const Tensor grads = golden(name + "_grads"), after = golden(name + "_after");
  const Shape shape = param.shape();
  const int64_t steps = grads.dim(0), n = param.numel();
  const std::vector<float> g = grads.to_vector(), a = after.to_vector();
  Tensor velocity = Tensor::zeros(shape, reference_backend());
  for (int64_t s = 0; s < steps; ++s) {
    const auto first = g.begin() + s * n;
    const Tensor grad =
        Tensor::from_vector(shape, std::vector<float>(first, first + n), reference_backend());
    sgd_update(param, grad, velocity, sp);
    const auto want = a.begin() + s * n;
    expect_close("the parameter after step " + std::to_string(s + 1), param.to_vector(),
                 std::vector<float>(want, want + n), shape);
  }
}

}  // namespace cnnlab::grade
