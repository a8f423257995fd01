// global_avgpool.cpp — global average pooling and its gradient on one 2×2 channel,
// docs/pooling.md "Global average pooling".
//
// Contract: prints y for x = [1 2; 3 4] and dx for dy = 1. Worked out by hand: the mean
// (1 + 2 + 3 + 4)/4 = 2.5, and each of the HW = 4 positions receives 1/4 of dy: 0.25 everywhere.
// examples/CMakeLists.txt checks these.
#include <cnnlab/cnnlab.hpp>
#include <iostream>

int main() {
  // [global]
  using namespace cnnlab;
  Tensor x = Tensor::from_vector({1, 1, 2, 2}, {1, 2, 3, 4}, reference_backend());
  Tensor y = global_avgpool2d_forward(x);                   // [1, 1, 1, 1]
  Tensor dy = Tensor::from_vector({1, 1, 1, 1}, {1}, reference_backend());
  Tensor dx = global_avgpool2d_backward(dy, x.shape());     // [1, 1, 2, 2]
  // [global]
  std::cout << "y " << to_string(y.shape()) << ":";
  for (float v : y.to_vector()) std::cout << " " << v;
  std::cout << "\ndx " << to_string(dx.shape()) << ":";
  for (float v : dx.to_vector()) std::cout << " " << v;
  std::cout << "\n";
}
