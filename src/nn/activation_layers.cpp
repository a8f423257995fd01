// activation_layers.cpp — ReLU, Sigmoid, Tanh and Flatten: layers without parameters whose
// output has one value per input value (Flatten only relabels the shape).
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/layers.hpp>
#include <cnnlab/ops/ops.hpp>

namespace cnnlab {

Tensor ReLU::forward(const Tensor& x) {
  Tensor y = relu_forward(x);
  if (mode() == Mode::train) x_ = x;  // the gate: dy passes where x > 0
  return y;
}
Tensor ReLU::backward(const Tensor& dy, bool need_dx) {
  require_forward(x_);
  Tensor dx = need_dx ? relu_backward(x_, dy) : Tensor();
  x_ = Tensor();
  return dx;
}

Tensor Sigmoid::forward(const Tensor& x) {
  Tensor y = sigmoid_forward(x);
  if (mode() == Mode::train) y_ = y;
  return y;
}
Tensor Sigmoid::backward(const Tensor& dy, bool need_dx) {
  require_forward(y_);
  Tensor dx = need_dx ? sigmoid_backward(y_, dy) : Tensor();  // dy · y(1 − y)
  y_ = Tensor();
  return dx;
}

Tensor Tanh::forward(const Tensor& x) {
  Tensor y = tanh_forward(x);
  if (mode() == Mode::train) y_ = y;
  return y;
}
Tensor Tanh::backward(const Tensor& dy, bool need_dx) {
  require_forward(y_);
  Tensor dx = need_dx ? tanh_backward(y_, dy) : Tensor();  // dy · (1 − y²)
  y_ = Tensor();
  return dx;
}

Shape Flatten::output_shape(const Shape& input) const {
  if (input.size() < 2)
    throw Error("flatten: expects an input with a batch dimension, got " + to_string(input));
  int64_t rest = 1;
  for (size_t i = 1; i < input.size(); ++i) rest *= input[i];
  return {input[0], rest};
}
Tensor Flatten::forward(const Tensor& x) {
  Tensor y = flatten_forward(x);  // a view: same storage, shape [N, C·H·W]
  if (mode() == Mode::train) x_shape_ = x.shape();
  return y;
}
Tensor Flatten::backward(const Tensor& dy, bool need_dx) {
  if (x_shape_.empty()) require_forward(Tensor());
  Tensor dx = need_dx ? flatten_backward(dy, x_shape_) : Tensor();
  x_shape_.clear();
  return dx;
}

}  // namespace cnnlab
