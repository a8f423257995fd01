// conv_output_size.cpp — the convolution layer's output-size rule and parameter count on the
// lecture's examples, docs/convolution.md.
//
// Contract: prints, for a 7×7 input and a 3×3 filter, the output size at stride 1, 2 and 3
// (3 does not fit: cnnlab's error message), the same stride 3 under the floor rule, ResNet-18's
// stem under floor, and the worked layer (32×32×3 input, ten 5×5 filters, S = 1, P = 2) with its
// output shape, forward and backward shapes and parameter count. Worked out by hand with
// H2 = (H + 2P − F)/S + 1:
//   7×7, F = 3:  S = 1 → 4/1 + 1 = 5;  S = 2 → 4/2 + 1 = 3;  S = 3 → 4/3 + 1 does not fit
//   floor:       S = 3 → ⌊4/3⌋ + 1 = 2;  stem 224, F = 7, S = 2, P = 3 → ⌊223/2⌋ + 1 = 112
//   worked layer (32 + 2·2 − 5)/1 + 1 = 32 → [1, 10, 32, 32]; (5·5·3 + 1)·10 = 760 parameters
// examples/CMakeLists.txt checks these.
#include <cnnlab/cnnlab.hpp>
#include <iostream>

int main() {
  using namespace cnnlab;
  for (int stride : {1, 2, 3}) {
    try {
      Conv2dGeometry g = conv2d_geometry({1, 1, 7, 7}, {1, 1, 3, 3}, {.stride = stride});
      std::cout << "7x7 input, 3x3 filter, stride " << stride << ": " << g.H2 << "x" << g.W2 << "\n";
    } catch (const Error& e) {
      std::cout << "7x7 input, 3x3 filter, stride " << stride << ": " << e.what() << "\n";
    }
  }
  // [floor]
  Conv2dParams floor3{.stride = 3, .size_rule = SizeRule::floor};
  Conv2dParams stem{.stride = 2, .padding = 3, .size_rule = SizeRule::floor};
  Conv2dGeometry g3 = conv2d_geometry({1, 1, 7, 7}, {1, 1, 3, 3}, floor3);
  Conv2dGeometry gs = conv2d_geometry({1, 3, 224, 224}, {64, 3, 7, 7}, stem);
  // [floor]
  std::cout << "floor, 7x7 input, 3x3 filter, stride 3: " << g3.H2 << "x" << g3.W2 << "\n";
  std::cout << "floor, ResNet-18 stem (224x224, 7x7, S=2, P=3): " << gs.H2 << "x" << gs.W2 << "\n";

  // [worked-layer]
  Backend& be = reference_backend();
  Tensor x = Tensor::zeros({1, 3, 32, 32}, be);   // N, C, H, W
  Tensor w = Tensor::zeros({10, 3, 5, 5}, be);    // K, C/G, F, F
  Tensor b = Tensor::zeros({10}, be);             // K
  Tensor y = conv2d_forward(x, w, b, {.stride = 1, .padding = 2});

  Tensor dy = Tensor::zeros(y.shape(), be);       // dL/dy from the next layer
  Tensor dx = conv2d_backward_data(dy, w, x.shape(), {.stride = 1, .padding = 2});
  ParamGrads g = conv2d_backward_weight(x, dy, w.shape(), true, {.stride = 1, .padding = 2});

  int64_t params = conv2d_parameter_count(/*C=*/3, /*K=*/10, /*F=*/5, /*groups=*/1, /*bias=*/true);
  // [worked-layer]
  std::cout << "worked layer: y " << to_string(y.shape()) << ", dx " << to_string(dx.shape())
            << ", dw " << to_string(g.dw.shape()) << ", db " << to_string(g.db.shape()) << "\n";
  std::cout << "worked layer: " << params << " parameters\n";
}
