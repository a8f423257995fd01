// backprop_linear.cpp — the lecture's worked example of backpropagation through a fully
// connected layer y = xW (N = 2, D_in = 3, D_out = 4, no bias), docs/backprop.md.
//
// Contract: prints y = xW, dL/dx = dL/dy·Wᵀ, dL/dW = xᵀ·dL/dy and dL/db (column sums of dL/dy),
// one matrix row per line. The values were worked out by hand from the element formulas, e.g.
//   dL/dx[0][1] = 2·2 + 3·1 + (−3)·3 + 9·2 = 16       (row 0 of dL/dy against row 1 of W)
//   dL/dW[0][0] = 2·2 + (−3)·(−8)          = 28       (column 0 of x against column 0 of dL/dy)
// and the full matrices are in docs/backprop.md; examples/CMakeLists.txt checks them.
#include <cnnlab/cnnlab.hpp>
#include <iostream>

namespace {

// Prints a tensor of shape [rows, cols] as "name" and one line per row.
void print_matrix(const char* name, const cnnlab::Tensor& t) {
  const std::vector<float> v = t.to_vector();
  const int64_t rows = t.shape()[0], cols = t.shape()[1];
  std::cout << name << " " << cnnlab::to_string(t.shape()) << "\n";
  for (int64_t r = 0; r < rows; ++r) {
    std::cout << " ";
    for (int64_t c = 0; c < cols; ++c) std::cout << " " << v[size_t(r * cols + c)];
    std::cout << "\n";
  }
}

}  // namespace

int main() {
  using namespace cnnlab;
  Backend& be = reference_backend();
  // [example]
  Tensor x = Tensor::from_vector({2, 3}, {2, 1, -3,
                                          -3, 4, 2}, be);               // [N, D_in]
  Tensor w = Tensor::from_vector({3, 4}, {3, 2, 1, -1,
                                          2, 1, 3, 2,
                                          3, 2, 1, -2}, be);            // [D_in, D_out]
  Tensor dy = Tensor::from_vector({2, 4}, {2, 3, -3, 9,
                                           -8, 1, 4, 6}, be);           // dL/dy, [N, D_out]

  Tensor y = linear_forward(x, w, Tensor());                // y = xW (no bias)
  Tensor dx = linear_backward_data(dy, w);                  // dL/dx = dL/dy Wᵀ
  ParamGrads g = linear_backward_weight(x, dy, true);       // dL/dW = xᵀ dL/dy, dL/db
  // [example]

  print_matrix("y = xW", y);
  print_matrix("dL/dx", dx);
  print_matrix("dL/dW", g.dw);
  std::cout << "dL/db " << to_string(g.db.shape()) << "\n ";
  for (float v : g.db.to_vector()) std::cout << " " << v;
  std::cout << "\n";
}
