// first_program.cpp — the main page's first program: one 3×3 filter of ones over a 4×4 image
// holding 0..15, then ReLU and a 2×2 max pool.
//
// Contract: prints the output shape, the four convolution outputs and the pooled value.
// Worked out by hand (each output is the sum of one 3×3 window of the image):
//   top-left     0+1+2 + 4+5+6 + 8+9+10     = 45
//   top-right    1+2+3 + 5+6+7 + 9+10+11    = 54
//   bottom-left  4+5+6 + 8+9+10 + 12+13+14  = 81
//   bottom-right 5+6+7 + 9+10+11 + 13+14+15 = 90
// and the 2×2 max pool of [45 54; 81 90] keeps 90. examples/CMakeLists.txt checks these.
// [program]
#include <cnnlab/cnnlab.hpp>
#include <iostream>

int main() {
  cnnlab::Backend& be = cnnlab::reference_backend();
  // One 4x4 image (N=1, C=1) and one 3x3 filter (K=1): the output is 2x2.
  std::vector<float> pixels(16);
  for (int i = 0; i < 16; ++i) pixels[i] = float(i);
  cnnlab::Tensor x = cnnlab::Tensor::from_vector({1, 1, 4, 4}, pixels, be);
  cnnlab::Tensor w = cnnlab::Tensor::from_vector({1, 1, 3, 3}, std::vector<float>(9, 1.0f), be);
  cnnlab::Tensor y = cnnlab::conv2d_forward(x, w, cnnlab::Tensor());  // no bias
  cnnlab::Tensor p = cnnlab::maxpool2d_forward(cnnlab::relu_forward(y), {.kernel = 2});

  std::cout << "y shape: " << cnnlab::to_string(y.shape()) << "\n";
  std::cout << "y:";
  for (float v : y.to_vector()) std::cout << " " << v;
  std::cout << "\nmax pool: " << p.at(0) << "\n";
}
// [program]
