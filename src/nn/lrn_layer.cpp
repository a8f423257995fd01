// lrn_layer.cpp — LocalResponseNorm: the layer around lrn_forward / lrn_backward. Backward
// needs the forward input (each denominator is recomputed from it), so train-mode forward keeps
// x; eval mode keeps nothing.
#include <cnnlab/nn/lrn_layer.hpp>
#include <cnnlab/ops/ops.hpp>

#include <sstream>
#include <string>

namespace cnnlab {

LocalResponseNorm::LocalResponseNorm(LrnOptions options) : options_(options) {
  (void)lrn_geometry("lrn", {1, 1, 1, 1}, options_);  // the op's own message on bad settings
}

std::string LocalResponseNorm::describe() const {
  std::ostringstream s;
  s << "lrn size " << options_.size << " alpha " << options_.alpha << " beta " << options_.beta
    << " k " << options_.k;
  return s.str();
}

Shape LocalResponseNorm::output_shape(const Shape& input) const {
  return lrn_geometry("lrn", input, options_).shape();
}

Tensor LocalResponseNorm::forward(const Tensor& x) {
  Tensor y = lrn_forward(x, options_);
  if (mode() == Mode::train) x_ = x;
  return y;
}

Tensor LocalResponseNorm::backward(const Tensor& dy, bool need_dx) {
  require_forward(x_);
  Tensor dx = need_dx ? lrn_backward(x_, dy, options_) : Tensor();
  x_ = Tensor();
  return dx;
}

}  // namespace cnnlab
