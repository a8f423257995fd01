// l2pool2d_layer.cpp — L2Pool2d: the layer around l2pool2d_forward / l2pool2d_backward.
// Backward needs the forward input x and output y (dx = x · Σ dy / (divisor · y)), so train-mode
// forward keeps both; eval mode keeps nothing.
#include <cnnlab/nn/l2pool2d_layer.hpp>
#include <cnnlab/ops/ops.hpp>

#include <string>

namespace cnnlab {

L2Pool2d::L2Pool2d(Pool2dParams params) : params_(params) {
  // the op's own message unless the settings work on some input (the smallest window)
  const int64_t side = params_.kernel > 0 ? params_.kernel : 1;
  (void)pool2d_geometry("l2pool2d", {1, 1, side, side}, params_);
}

std::string L2Pool2d::describe() const {
  const Pool2dParams& p = params_;
  std::string s = "l2pool2d " + std::to_string(p.kernel) + "x" + std::to_string(p.kernel);
  if (p.stride != 0 && p.stride != p.kernel) s += " stride " + std::to_string(p.stride);
  if (p.padding != 0) s += " pad " + std::to_string(p.padding);
  if (p.size_rule != SizeRule::exact) s += std::string(" ") + size_rule_name(p.size_rule);
  return s;
}

Shape L2Pool2d::output_shape(const Shape& input) const {
  return pool2d_geometry("l2pool2d", input, params_).output_shape();
}

Tensor L2Pool2d::forward(const Tensor& x) {
  Tensor y = l2pool2d_forward(x, params_);
  if (mode() == Mode::train) {
    x_ = x;
    y_ = y;
  }
  return y;
}

Tensor L2Pool2d::backward(const Tensor& dy, bool need_dx) {
  require_forward(x_);
  Tensor dx = need_dx ? l2pool2d_backward(x_, y_, dy, params_) : Tensor();
  forget();
  return dx;
}

}  // namespace cnnlab
