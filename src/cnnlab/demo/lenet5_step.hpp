/// @file lenet5_step.hpp
/// @brief One LeNet-5 training step written with the public ops API (benchmarks, Vulkan tests).
///
/// Contract: the classic LeNet-5 on 28×28 grey images (as for MNIST / Fashion-MNIST):
///   c1 conv 1→6, 5×5, pad 2 → ReLU → 2×2 max pool   (28×28 → 14×14)
///   c2 conv 6→16, 5×5       → ReLU → 2×2 max pool   (14×14 → 10×10 → 5×5)
///   f3 linear 400→120 → ReLU,  f4 linear 120→84 → ReLU,  f5 linear 84→10 → softmax cross-entropy
/// step() runs forward, backward and an SGD-with-momentum update on one batch, on the backend
/// the parameters live on. It is what a training loop does per batch, spelled out op by op;
/// it is not the library's model API (layers and Model come with the training issue).
#pragma once

#include <cnnlab/core/backend.hpp>
#include <cnnlab/ops/ops.hpp>
#include <cnnlab/optim/sgd.hpp>

#include <cmath>
#include <random>
#include <vector>

namespace cnnlab::demo {

/// @brief LeNet-5 parameters and their SGD velocities, trained one batch at a time by step().

class LeNet5 {
 public:
  /// @brief Parameters initialised with He-uniform weights and zero biases from @p seed.
  LeNet5(Backend& backend, uint64_t seed) {
    std::mt19937_64 rng(seed);
    const std::vector<Shape> shapes = {{6, 1, 5, 5}, {6},       {16, 6, 5, 5}, {16},     {400, 120},
                                       {120},        {120, 84}, {84},          {84, 10}, {10}};
    const std::vector<int64_t> fan_in = {25, 0, 150, 0, 400, 0, 120, 0, 84, 0};
    for (size_t i = 0; i < shapes.size(); ++i) {
      std::vector<float> v(static_cast<size_t>(numel(shapes[i])), 0.0f);
      if (fan_in[i] > 0) {
        const float bound = std::sqrt(6.0f / static_cast<float>(fan_in[i]));
        std::uniform_real_distribution<float> dist(-bound, bound);
        for (float& e : v) e = dist(rng);
      }
      params_.push_back(Tensor::from_vector(shapes[i], v, backend));
      velocity_.push_back(Tensor::zeros(shapes[i], backend));
    }
  }

  /// @brief One training step on images x [N, 1, 28, 28] with labels [N]; returns the batch loss.
  float step(const Tensor& x, const Tensor& labels, const SgdParams& sgd) {
    const Tensor &w1 = params_[0], &b1 = params_[1], &w2 = params_[2], &b2 = params_[3];
    const Tensor &w3 = params_[4], &b3 = params_[5], &w4 = params_[6], &b4 = params_[7];
    const Tensor &w5 = params_[8], &b5 = params_[9];
    const Conv2dParams pad2{1, 2, 1, 1}, valid{};
    const Pool2dParams pool{2, 2, 0, SizeRule::floor};
    // forward
    const Tensor a1 = conv2d_forward(x, w1, b1, pad2), r1 = relu_forward(a1),
                 p1 = maxpool2d_forward(r1, pool);
    const Tensor a2 = conv2d_forward(p1, w2, b2, valid), r2 = relu_forward(a2),
                 p2 = maxpool2d_forward(r2, pool);
    const Tensor f = flatten_forward(p2);
    const Tensor a3 = linear_forward(f, w3, b3), r3 = relu_forward(a3);
    const Tensor a4 = linear_forward(r3, w4, b4), r4 = relu_forward(a4);
    const Tensor logits = linear_forward(r4, w5, b5);
    const Tensor loss = softmax_cross_entropy_forward(logits, labels);
    // backward, each step next to the forward op it undoes
    const Tensor dlogits = softmax_cross_entropy_backward(logits, labels);
    const ParamGrads g5 = linear_backward_weight(r4, dlogits, true);
    const Tensor dr4 = linear_backward_data(dlogits, w5), da4 = relu_backward(a4, dr4);
    const ParamGrads g4 = linear_backward_weight(r3, da4, true);
    const Tensor dr3 = linear_backward_data(da4, w4), da3 = relu_backward(a3, dr3);
    const ParamGrads g3 = linear_backward_weight(f, da3, true);
    const Tensor dp2 = flatten_backward(linear_backward_data(da3, w3), p2.shape());
    const Tensor da2 = relu_backward(a2, maxpool2d_backward(r2, dp2, pool));
    const ParamGrads g2 = conv2d_backward_weight(p1, da2, w2.shape(), true, valid);
    const Tensor dp1 = conv2d_backward_data(da2, w2, p1.shape(), valid);
    const Tensor da1 = relu_backward(a1, maxpool2d_backward(r1, dp1, pool));
    const ParamGrads g1 = conv2d_backward_weight(x, da1, w1.shape(), true, pad2);  // no dx needed
    // update
    const std::vector<const Tensor*> grads = {&g1.dw, &g1.db, &g2.dw, &g2.db, &g3.dw,
                                              &g3.db, &g4.dw, &g4.db, &g5.dw, &g5.db};
    for (size_t i = 0; i < params_.size(); ++i)
      sgd_update(params_[i], *grads[i], velocity_[i], sgd);
    return loss.at(0);
  }

 private:
  std::vector<Tensor> params_, velocity_;
};

}  // namespace cnnlab::demo
