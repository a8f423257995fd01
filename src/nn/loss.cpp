// loss.cpp — softmax cross-entropy as a loss object: forward keeps logits and labels,
// backward returns dL/dlogits.
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/loss.hpp>
#include <cnnlab/ops/ops.hpp>

namespace cnnlab {

Tensor SoftmaxCrossEntropy::forward(const Tensor& logits, const Tensor& labels) {
  Tensor loss = softmax_cross_entropy_forward(logits, labels);  // validates shapes and labels
  logits_ = logits;
  labels_ = labels;
  return loss;
}

Tensor SoftmaxCrossEntropy::backward(float dloss) {
  if (!logits_.defined())
    throw Error("softmax cross-entropy: backward() needs forward() on the same batch first");
  Tensor d = softmax_cross_entropy_backward(logits_, labels_, dloss);
  logits_ = labels_ = Tensor();
  return d;
}

}  // namespace cnnlab
