// cold_start_probe.cpp — times the first LeNet-5 training step of a new process on the Vulkan
// backend: the cost the on-disk pipeline cache (backends/vulkan/vk_disk_cache.hpp) is there to
// cut. scripts/cold_start.sh runs it with an empty and with a filled cache folder.
//
//   cnnlab_cold_start_probe [BATCH]      (default 64)
//
// Prints one line:
//   backend_ms=… first_step_ms=… second_step_ms=… pipelines=… device=…
// backend_ms is creating the Vulkan backend (instance, device, reading the cache file);
// first_step_ms is one forward + backward + SGD step including every pipeline it compiles, up to
// the loss read back on the host; second_step_ms the same step again (all pipelines made). At
// exit the backend saves the pipelines to the cache file (CNNLAB_CACHE_DIR, ...). It is a
// measuring tool for developers, not part of the installed tool.
#include "backends/vulkan/vulkan_backend.hpp"

#include <cnnlab/core/error.hpp>
#include <cnnlab/demo/lenet5_step.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

using namespace cnnlab;

namespace {
double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  try {
    const int64_t batch = argc > 1 ? std::stoll(argv[1]) : 64;
    if (batch <= 0) throw Error("the batch size must be positive");
    auto t0 = std::chrono::steady_clock::now();
    VulkanBackend& be = vulkan_backend();
    const double backend_ms = ms_since(t0);

    // The inputs and parameters are on the device before the clock starts.
    demo::LeNet5 net(be, 42);
    std::vector<float> img(static_cast<size_t>(batch * 28 * 28)), lab(static_cast<size_t>(batch));
    for (size_t i = 0; i < img.size(); ++i) img[i] = static_cast<float>((i * 7919) % 255) / 255.0f;
    for (size_t i = 0; i < lab.size(); ++i) lab[i] = static_cast<float>(i % 10);
    const Tensor x = Tensor::from_vector({batch, 1, 28, 28}, img, be);
    const Tensor labels = Tensor::from_vector({batch}, lab, be);
    be.synchronize();
    const SgdParams sgd{0.01f, 0.9f, 0.0f};

    t0 = std::chrono::steady_clock::now();
    float loss = net.step(x, labels, sgd);  // reading the loss waits for the device
    const double first_ms = ms_since(t0);
    t0 = std::chrono::steady_clock::now();
    loss += net.step(x, labels, sgd);
    const double second_ms = ms_since(t0);

    std::cout << "backend_ms=" << backend_ms << " first_step_ms=" << first_ms
              << " second_step_ms=" << second_ms << " pipelines=" << be.stats().pipelines
              << " loss_sum=" << loss << " device=" << be.device().name << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "cnnlab_cold_start_probe: " << e.what() << "\n";
    return 1;
  }
}
