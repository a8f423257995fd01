// maxpool_gradient.cpp — max pooling on the lecture's 4×4 example (F = 2, S = 2), its
// gradient, and the tie rule, docs/pooling.md.
//
// Contract: prints the pooled table, the average-pooled table, the input gradient for the
// upstream gradient dY = [a b; c d] = [1 2; 3 4], and the gradient of one 2×2 window with a
// tie. Worked out by hand:
//   max:      max(1,1,5,6) = 6, max(2,4,7,8) = 8, max(3,2,1,2) = 3, max(1,0,3,4) = 4
//   average:  13/4 = 3.25, 21/4 = 5.25, 8/4 = 2, 8/4 = 2
//   gradient: each dY value goes to where its window's maximum is: a=1 to (1,1) (the 6),
//             b=2 to (1,3) (the 8), c=3 to (2,0) (the 3), d=4 to (3,3) (the 4); 0 elsewhere
//   tie:      window [5 5; 1 5] with dY = 1: the first 5 in row-major order gets it: 1 0 0 0
// examples/CMakeLists.txt checks these.
#include <cnnlab/cnnlab.hpp>
#include <iostream>

namespace {

// Prints an [1, 1, H, W] tensor as H lines.
void print_plane(const char* name, const cnnlab::Tensor& t) {
  const std::vector<float> v = t.to_vector();
  const int64_t h = t.shape()[2], w = t.shape()[3];
  std::cout << name << "\n";
  for (int64_t i = 0; i < h; ++i) {
    std::cout << " ";
    for (int64_t j = 0; j < w; ++j) std::cout << " " << v[size_t(i * w + j)];
    std::cout << "\n";
  }
}

}  // namespace

int main() {
  using namespace cnnlab;
  Backend& be = reference_backend();
  // [forward]
  Tensor x = Tensor::from_vector({1, 1, 4, 4},
      {1, 1, 2, 4,  5, 6, 7, 8,  3, 2, 1, 0,  1, 2, 3, 4}, be);
  Tensor y = maxpool2d_forward(x, {.kernel = 2, .stride = 2});   // [1, 1, 2, 2]
  Tensor avg = avgpool2d_forward(x, {.kernel = 2, .stride = 2});
  // [forward]
  // [backward]
  Tensor dy = Tensor::from_vector({1, 1, 2, 2}, {1, 2, 3, 4}, be);  // a, b, c, d
  Tensor dx = maxpool2d_backward(x, dy, {.kernel = 2, .stride = 2});  // needs x, not y
  // [backward]
  // [tie]
  Tensor tie = Tensor::from_vector({1, 1, 2, 2}, {5, 5, 1, 5}, be);
  Tensor one = Tensor::from_vector({1, 1, 1, 1}, {1}, be);
  Tensor dtie = maxpool2d_backward(tie, one, {.kernel = 2, .stride = 2});
  // [tie]

  print_plane("max pool y", y);
  print_plane("average pool", avg);
  print_plane("dx for dy = [1 2; 3 4]", dx);
  print_plane("dx of the window [5 5; 1 5] for dy = 1", dtie);
}
