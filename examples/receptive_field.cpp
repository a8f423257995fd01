// receptive_field.cpp — VGG's case for small filters, docs/architectures.md "VGG-16": three
// stacked 3×3 convolutions see as far as one 7×7 convolution, with fewer weights.
//
// Contract: on an 11×11 one-channel image, sends a gradient of 1 from the centre output pixel
// back through (a) one, two and three 3×3 convolutions (stride 1, padding 1) and (b) one 7×7
// convolution (stride 1, padding 3), every weight 1. The input pixels that receive some gradient
// are the ones the centre output depends on: its receptive field. Prints each field's size, the
// two 7×7 fields as grids (the value at a pixel counts the paths from it to the output), then
// the weights of both designs for C = 64 channels in and out (no bias).
// Worked out by hand:
//   size     each 3×3 layer adds one pixel on every side: 1 → 3 → 5 → 7, so three of them see
//            7×7, like one 7×7 filter
//   paths    along one row, three 3×3 filters of ones give the row (1 1 1)∗(1 1 1)∗(1 1 1) =
//            1 3 6 7 6 3 1, and a 2-D grid is that row times that column: the centre row is
//            7 21 42 49 42 21 7; the 7×7 filter gives 1 everywhere in its field
//   weights  3·(3·3·64·64) = 110592 against 7·7·64·64 = 200704: 27C² against 49C², the
//            lecture's "3 × 3²C² vs 7²C²"
// examples/CMakeLists.txt checks these.
#include <cnnlab/cnnlab.hpp>
#include <iomanip>
#include <iostream>
#include <vector>

namespace {

// The height and width of the box of nonzero values of a [1, 1, H, W] tensor.
std::pair<int64_t, int64_t> field_size(const cnnlab::Tensor& g) {
  const int64_t h = g.shape()[2], w = g.shape()[3];
  const std::vector<float> v = g.to_vector();
  int64_t top = h, bottom = -1, left = w, right = -1;
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j)
      if (v[size_t(i * w + j)] != 0.0f) {
        top = std::min(top, i), bottom = std::max(bottom, i);
        left = std::min(left, j), right = std::max(right, j);
      }
  return {bottom - top + 1, right - left + 1};
}

// The grid of values, '.' where the gradient is 0 (outside the field).
void print_grid(const cnnlab::Tensor& g) {
  const int64_t h = g.shape()[2], w = g.shape()[3];
  const std::vector<float> v = g.to_vector();
  for (int64_t i = 0; i < h; ++i) {
    for (int64_t j = 0; j < w; ++j) {
      const float x = v[size_t(i * w + j)];
      if (x == 0.0f) std::cout << std::setw(4) << ".";
      else std::cout << std::setw(4) << x;
    }
    std::cout << "\n";
  }
}

}  // namespace

int main() {
  using namespace cnnlab;
  Backend& be = reference_backend();
  const Shape image{1, 1, 11, 11};                                   // N, C, H, W
  std::vector<float> centre(121, 0.0f);
  centre[5 * 11 + 5] = 1.0f;                                         // dL/dy: 1 at (5, 5)
  Tensor dy = Tensor::from_vector(image, centre, be);
  Tensor w3 = Tensor::from_vector({1, 1, 3, 3}, std::vector<float>(9, 1.0f), be);
  Tensor w7 = Tensor::from_vector({1, 1, 7, 7}, std::vector<float>(49, 1.0f), be);

  // [stack]
  // Backward through three 3×3 layers (padding 1 keeps 11×11): the gradient reaches one more
  // pixel on every side per layer.
  Tensor g = dy;
  for (int layers = 1; layers <= 3; ++layers) {
    g = conv2d_backward_data(g, w3, image, {.stride = 1, .padding = 1});
    auto [h, w] = field_size(g);
    std::cout << layers << " x 3x3: receptive field " << h << "x" << w << "\n";
  }
  Tensor g7 = conv2d_backward_data(dy, w7, image, {.stride = 1, .padding = 3});
  auto [rows, cols] = field_size(g7);
  std::cout << "1 x 7x7: receptive field " << rows << "x" << cols << "\n";
  // [stack]

  std::cout << "\nthree 3x3 layers, paths from each input pixel:\n";
  print_grid(g);
  std::cout << "\none 7x7 layer:\n";
  print_grid(g7);

  // [weights]
  const int64_t C = 64;
  const int64_t stacked = 3 * conv2d_parameter_count(C, C, /*F=*/3, /*groups=*/1, /*bias=*/false);
  const int64_t single = conv2d_parameter_count(C, C, /*F=*/7, /*groups=*/1, /*bias=*/false);
  // [weights]
  std::cout << "\nweights for C = " << C << ": three 3x3 " << stacked << ", one 7x7 " << single
            << "\n";
}
