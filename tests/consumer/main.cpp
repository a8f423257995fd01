// Uses an installed cnnlab through find_package(cnnlab): one convolution whose answer is
// checked by hand, and one that must be rejected. Exits 0 when the value matches, 1 when it does
// not.
#include <cnnlab/cnnlab.hpp>

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
  cnnlab::Backend& be = cnnlab::reference_backend();

  // x: one 1-channel 3x4 image holding 1..12 (N=1, C=1, H=3, W=4).
  std::vector<float> pixels(12);
  for (int i = 0; i < 12; ++i) pixels[static_cast<size_t>(i)] = static_cast<float>(i + 1);
  cnnlab::Tensor x = cnnlab::Tensor::from_vector({1, 1, 3, 4}, pixels, be);
  // w: one 2x2 filter [[1, 0], [0, -1]] (K=1, C=1, F=2); b: bias 0.5.
  cnnlab::Tensor w = cnnlab::Tensor::from_vector({1, 1, 2, 2}, {1, 0, 0, -1}, be);
  cnnlab::Tensor b = cnnlab::Tensor::from_vector({1}, {0.5f}, be);

  // Stride 1, no padding: H2 = 3 - 2 + 1 = 2, W2 = 4 - 2 + 1 = 3.
  cnnlab::Tensor y = cnnlab::conv2d_forward(x, w, b);
  // Output (i, j) = x[i][j] - x[i+1][j+1] + 0.5 = (4i + j + 1) - (4i + j + 6) + 0.5 = -4.5.
  const cnnlab::Shape expected_shape = {1, 1, 2, 3};
  if (y.shape() != expected_shape) {
    std::printf("FAIL shape %s, expected %s\n", cnnlab::to_string(y.shape()).c_str(),
                cnnlab::to_string(expected_shape).c_str());
    return 1;
  }
  const std::vector<float> values = y.to_vector();
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::fabs(values[i] - (-4.5f)) > 1e-6f) {
      std::printf("FAIL y[%zu] = %g, expected -4.5\n", i, static_cast<double>(values[i]));
      return 1;
    }
  }
  // Bad input must arrive as a cnnlab::Error, also across the installed library's boundary.
  try {
    cnnlab::Tensor img = cnnlab::Tensor::zeros({1, 1, 7, 7}, be);
    cnnlab::Tensor f = cnnlab::Tensor::zeros({1, 1, 3, 3}, be);
    cnnlab::conv2d_forward(img, f, cnnlab::Tensor(), {.stride = 3});
    std::printf("FAIL stride 3 on a 7x7 input was accepted\n");
    return 1;
  } catch (const cnnlab::Error& e) {
    std::printf("OK rejected: %s\n", e.what());
  }

  std::printf("OK consumer: conv2d_forward on %s gives %s, every value -4.5\n",
              cnnlab::to_string(x.shape()).c_str(), cnnlab::to_string(y.shape()).c_str());
  return 0;
}
