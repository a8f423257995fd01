// conv_layer.cpp — the convolution page's worked layer in code, docs/convolution.md: a 32×32×3
// input, ten 5×5 filters, stride 1, padding 2; forward, both backward passes, parameter count.
//
// Contract: prints the shapes of y, dx, dw and db and the layer's parameter count. Worked out by
// hand: (32 + 2·2 − 5)/1 + 1 = 32, so y is [1, 10, 32, 32]; each gradient has the shape of what
// it differentiates (dx [1, 3, 32, 32], dw [10, 3, 5, 5], db [10]); each filter has
// 5·5·3 = 75 weights and one bias, (75 + 1)·10 = 760 parameters. examples/CMakeLists.txt
// checks these.
#include <cnnlab/cnnlab.hpp>
#include <iostream>

int main() {
  // [layer]
  using namespace cnnlab;
  Backend& be = reference_backend();
  Tensor x = Tensor::zeros({1, 3, 32, 32}, be);   // N, C, H, W
  Tensor w = Tensor::zeros({10, 3, 5, 5}, be);    // K, C/G, F, F
  Tensor b = Tensor::zeros({10}, be);             // K
  Tensor y = conv2d_forward(x, w, b, {.stride = 1, .padding = 2});

  Tensor dy = Tensor::zeros(y.shape(), be);       // dL/dy from the next layer
  Tensor dx = conv2d_backward_data(dy, w, x.shape(), {.stride = 1, .padding = 2});
  ParamGrads g = conv2d_backward_weight(x, dy, w.shape(), true, {.stride = 1, .padding = 2});

  int64_t params = conv2d_parameter_count(/*C=*/3, /*K=*/10, /*F=*/5, /*groups=*/1, /*bias=*/true);
  // [layer]
  std::cout << "y " << to_string(y.shape()) << "\n"
            << "dx " << to_string(dx.shape()) << "\n"
            << "dw " << to_string(g.dw.shape()) << "\n"
            << "db " << to_string(g.db.shape()) << "\n"
            << params << " parameters\n";
}
