// vulkan_relu.cpp — running an op on the GPU, docs/vulkan.md "Using it": the same tensors and
// ops as on the CPU, on the backend named "vulkan".
//
// Contract: copies a 4×4 image holding −8..7 to the Vulkan backend, applies ReLU there and reads
// the result back. Prints "relu on vulkan:" and the 16 values. Worked out by hand: max(0, v)
// of −8..7 is eight 0s, then 0 1 2 3 4 5 6 7. Exit status 77 (ctest's "skipped") when this
// machine has no Vulkan device. examples/CMakeLists.txt checks these.
#include <cnnlab/cnnlab.hpp>
#include <iostream>

int main() {
  std::vector<float> pixels(16);
  for (int i = 0; i < 16; ++i) pixels[size_t(i)] = float(i - 8);
  try {
    // [use]
    cnnlab::Backend& gpu = cnnlab::backend_by_name("vulkan");   // throws if there is no device
    cnnlab::Tensor x = cnnlab::Tensor::from_vector({1, 1, 4, 4}, pixels, gpu);
    cnnlab::Tensor y = cnnlab::relu_forward(x);               // recorded, not yet run
    std::vector<float> v = y.to_vector();                     // submits, waits, copies back
    // [use]
    std::cout << "relu on vulkan:";
    for (float value : v) std::cout << " " << value;
    std::cout << "\n";
  } catch (const cnnlab::Error& e) {
    std::cout << "no Vulkan backend here: " << e.what() << "\n";
    return 77;
  }
}
