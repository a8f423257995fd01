// conv_output_size.cpp — the convolution layer's output-size rule on the lecture's examples,
// docs/convolution.md "Output size".
//
// Contract: prints, for a 7×7 input and a 3×3 filter, the output size at stride 1, 2 and 3
// under the default (exact) rule — stride 3 does not fit, and the line shows cnnlab's error —
// then stride 3 under the floor rule, ResNet-18's stem under floor (as an op and as a layer),
// and the error for a padding wider than the filter's span. Worked out by hand with
// H2 = (H + 2P − F)/S + 1:
//   7×7, F = 3:  S = 1 → 4/1 + 1 = 5;  S = 2 → 4/2 + 1 = 3;  S = 3 → 4/3 + 1 does not fit
//   floor:       S = 3 → ⌊4/3⌋ + 1 = 2;  stem 224, F = 7, S = 2, P = 3 → ⌊223/2⌋ + 1 = 112
//   padding:     P = 4 with F = 3 (span D(F−1) + 1 = 3) is refused
// examples/CMakeLists.txt checks these.
#include <cnnlab/cnnlab.hpp>
#include <iostream>

int main() {
  using namespace cnnlab;
  Backend& be = reference_backend();
  for (int stride : {1, 2, 3}) {
    std::cout << "7x7 input, 3x3 filter, stride " << stride << ": ";
    try {
      Conv2dGeometry g = conv2d_geometry({1, 1, 7, 7}, {1, 1, 3, 3}, {.stride = stride});
      std::cout << g.H2 << "x" << g.W2 << "\n";
    } catch (const Error& e) {
      std::cout << e.what() << "\n";
    }
  }
  Conv2dGeometry g3 = conv2d_geometry({1, 1, 7, 7}, {1, 1, 3, 3},
                                      {.stride = 3, .size_rule = SizeRule::floor});
  std::cout << "7x7 input, 3x3 filter, stride 3, floor: " << g3.H2 << "x" << g3.W2 << "\n";

  // [floor]
  Tensor x = Tensor::zeros({1, 3, 224, 224}, be);
  Tensor w = Tensor::zeros({64, 3, 7, 7}, be);
  Tensor y = conv2d_forward(x, w, Tensor(), {.stride = 2, .padding = 3, .size_rule = SizeRule::floor});

  Sequential stem;   // the same as a layer
  stem.add(Conv2d(3, 64, 7, {.stride = 2, .padding = 3, .size_rule = SizeRule::floor, .bias = false}));
  stem.init(1);
  stem.to(be);
  // [floor]
  std::cout << "ResNet-18 stem, floor: op " << to_string(y.shape()) << ", layer "
            << to_string(stem.forward(x).shape()) << "\n";

  std::cout << "7x7 input, 3x3 filter, padding 4: ";
  try {
    conv2d_geometry({1, 1, 7, 7}, {1, 1, 3, 3}, {.padding = 4});
    std::cout << "accepted\n";
  } catch (const Error& e) {
    std::cout << e.what() << "\n";
  }
}
