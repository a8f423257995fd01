// pool_layers.cpp — MaxPool2d, AvgPool2d and GlobalAvgPool2d: layers without parameters around
// the pooling ops. Max pooling's backward needs the input (to find each window's maximum
// again); average pooling only needs the input's shape.
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/layers.hpp>
#include <cnnlab/ops/ops.hpp>

#include <string>

namespace cnnlab {
namespace {

std::string pool_description(const char* kind, const Pool2dParams& p) {
  std::string s =
      std::string(kind) + " " + std::to_string(p.kernel) + "x" + std::to_string(p.kernel);
  if (p.stride != 0 && p.stride != p.kernel) s += " stride " + std::to_string(p.stride);
  if (p.padding != 0) s += " pad " + std::to_string(p.padding);
  if (p.size_rule != SizeRule::exact) s += std::string(" ") + size_rule_name(p.size_rule);
  return s;
}

// Throws the op's own message unless the settings work on some input (the smallest window).
void check_pool_params(const char* op, const Pool2dParams& p) {
  const int64_t side = p.kernel > 0 ? p.kernel : 1;
  (void)pool2d_geometry(op, {1, 1, side, side}, p);
}

}  // namespace

MaxPool2d::MaxPool2d(Pool2dParams params) : params_(params) {
  check_pool_params("maxpool2d", params_);
}
std::string MaxPool2d::describe() const { return pool_description("maxpool2d", params_); }
Shape MaxPool2d::output_shape(const Shape& input) const {
  return pool2d_geometry("maxpool2d", input, params_).output_shape();
}
Tensor MaxPool2d::forward(const Tensor& x) {
  Tensor y = maxpool2d_forward(x, params_);
  if (mode() == Mode::train) x_ = x;
  return y;
}
Tensor MaxPool2d::backward(const Tensor& dy, bool need_dx) {
  require_forward(x_);
  // dL/dx is dy routed to each window's maximum (the indicator-function gradient), 0 elsewhere.
  Tensor dx = need_dx ? maxpool2d_backward(x_, dy, params_) : Tensor();
  x_ = Tensor();
  return dx;
}

AvgPool2d::AvgPool2d(Pool2dParams params) : params_(params) {
  check_pool_params("avgpool2d", params_);
}
std::string AvgPool2d::describe() const { return pool_description("avgpool2d", params_); }
Shape AvgPool2d::output_shape(const Shape& input) const {
  return pool2d_geometry("avgpool2d", input, params_).output_shape();
}
Tensor AvgPool2d::forward(const Tensor& x) {
  Tensor y = avgpool2d_forward(x, params_);
  if (mode() == Mode::train) x_shape_ = x.shape();
  return y;
}
Tensor AvgPool2d::backward(const Tensor& dy, bool need_dx) {
  if (x_shape_.empty()) require_forward(Tensor());
  // dL/dx spreads each dy evenly over its window.
  Tensor dx = need_dx ? avgpool2d_backward(dy, x_shape_, params_) : Tensor();
  x_shape_.clear();
  return dx;
}

Shape GlobalAvgPool2d::output_shape(const Shape& input) const {
  if (input.size() != 4)
    throw Error("global_avgpool2d: expects an input of shape [N, C, H, W], got " +
                to_string(input));
  return {input[0], input[1], 1, 1};
}
Tensor GlobalAvgPool2d::forward(const Tensor& x) {
  Tensor y = global_avgpool2d_forward(x);
  if (mode() == Mode::train) x_shape_ = x.shape();
  return y;
}
Tensor GlobalAvgPool2d::backward(const Tensor& dy, bool need_dx) {
  if (x_shape_.empty()) require_forward(Tensor());
  Tensor dx = need_dx ? global_avgpool2d_backward(dy, x_shape_) : Tensor();
  x_shape_.clear();
  return dx;
}

}  // namespace cnnlab
