// test_vulkan_memory.cpp — the Vulkan backend's memory (vk_memory.hpp): tensors are ranges of a few
// large blocks, a freed range is reused at once (ordered by barriers, not by waiting), and a warm
// training step allocates no device memory at all.
//
// Stats::allocations counts vkAllocateMemory calls, the slow call on a real GPU (about 8 ms for
// 256 MB on an NVIDIA H200): these tests hold the backend to zero of them where it should need
// none. The correctness tests compare with values computed on the host, because a wrong reuse
// (a range handed out while a pending command still reads it) would change the numbers.
#include <catch2/catch.hpp>

#include "vulkan_test_util.hpp"

#include <cnnlab/nn/loss.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/ops/ops.hpp>
#include <cnnlab/optim/optimizers.hpp>
#include <cnnlab/train/train_step.hpp>

#include <vector>

using namespace cnnlab;

TEST_CASE("a warm LeNet-5 training step makes no device memory allocation",
          "[vulkan][memory][allocations]") {
  VulkanBackend& be = vktest::vk();
  Sequential model = load_model("lenet5", 7).model;
  model.to(be);
  model.train();
  SoftmaxCrossEntropy loss;
  for (const char* name : {"sgd", "adam"}) {
    const auto optimizer = make_optimizer(name, {.lr = 0.01f, .momentum = 0.9f});
    const int64_t batch = 64;
    const Tensor x = vktest::random_tensor({batch, 1, 28, 28}, 11).to(be);
    std::vector<float> labels(batch);
    for (int64_t i = 0; i < batch; ++i) labels[static_cast<size_t>(i)] = float(i % 10);
    const Tensor y = Tensor::from_vector({batch}, labels, be);
    // The first step creates the pipelines, the momentum (or Adam's moments) and every
    // activation's block; the second is already warm, but give the allocator one more.
    for (int step = 0; step < 2; ++step)
      REQUIRE(train_step(model, loss, *optimizer, x, y).finite());
    const VulkanBackend::Stats before = be.stats();
    for (int step = 0; step < 3; ++step)
      REQUIRE(train_step(model, loss, *optimizer, x, y).finite());
    const VulkanBackend::Stats after = be.stats();
    INFO(name << ": " << after.dispatches - before.dispatches << " dispatches in 3 steps, "
              << after.device_bytes / 1024 << " KiB of device memory held");
    CHECK(after.allocations == before.allocations);
    CHECK(after.device_bytes == before.device_bytes);
  }
}

TEST_CASE("many small tensors share a block", "[vulkan][memory][allocations]") {
  VulkanBackend& be = vktest::vk();
  be.synchronize();
  std::vector<Tensor> kept;
  // Warm: one tensor, so a block with room exists (an earlier test may have made it already).
  kept.push_back(Tensor::zeros({256}, be));
  const uint64_t before = be.stats().allocations;
  for (int i = 0; i < 1000; ++i)
    kept.push_back(
        Tensor::from_vector({256}, std::vector<float>(256, float(i)), be));  // 1 KiB each
  // 1,000 tensors of 1 KiB fit in one 64 MiB block: at most one new allocation, not 1,000.
  CHECK(be.stats().allocations - before <= 1);
  CHECK(kept[1].to_vector() == std::vector<float>(256, 0.0f));
  CHECK(kept[1000].to_vector() == std::vector<float>(256, 999.0f));
}

TEST_CASE("a fresh output every call reuses the freed memory, without waiting",
          "[vulkan][memory][allocations]") {
  VulkanBackend& be = vktest::vk();
  const int64_t n = int64_t{8} << 20;  // 32 MiB of floats per tensor
  const Tensor x = Tensor::from_vector({n}, std::vector<float>(static_cast<size_t>(n), -1.5f), be);
  Tensor y = relu_forward(x);
  y = relu_forward(add_forward(x, y));  // warm: one round made every range the loop needs
  be.synchronize();
  const VulkanBackend::Stats before = be.stats();
  // Twenty outputs of 32 MiB, each freed when the next replaces it, all recorded before any
  // runs: each reuses the range of the one before it (a barrier orders the two writes).
  for (int i = 0; i < 20; ++i) y = relu_forward(add_forward(x, y));
  const VulkanBackend::Stats recorded = be.stats();
  CHECK(recorded.submits == before.submits);  // nothing waited for the GPU
  CHECK(recorded.allocations == before.allocations);
  const std::vector<float> v = y.to_vector();
  CHECK(v.front() == 0.0f);  // relu(-1.5 + 0) = 0, every time
  CHECK(v.back() == 0.0f);
}

TEST_CASE("a range freed and reused within one batch keeps pending work correct",
          "[vulkan][memory]") {
  VulkanBackend& be = vktest::vk();
  be.synchronize();
  // A chain where every intermediate dies at once and its range is handed to the next tensor
  // while the commands that read it are still only recorded. The barriers must order each
  // reuse after the reads; without them the sums below would mix old and new values.
  const int64_t n = 4099;  // not a multiple of a vec4 or of a workgroup
  std::vector<float> host(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) host[static_cast<size_t>(i)] = float(i % 7) - 3.0f;
  Tensor acc = Tensor::from_vector({n}, host, be);
  const Tensor one = Tensor::from_vector({n}, std::vector<float>(static_cast<size_t>(n), 1.0f), be);
  const Tensor minus_two =
      Tensor::from_vector({n}, std::vector<float>(static_cast<size_t>(n), -2.0f), be);
  std::vector<float> expected = host;
  // 20 rounds of acc ← max(0, 2·acc − 1): at most 2^21 + 1, so every value is exact in float32.
  for (int round = 0; round < 20; ++round) {
    const Tensor doubled = add_forward(acc, acc);         // 2·acc
    const Tensor shifted = add_forward(doubled, one);     // 2·acc + 1
    acc = relu_forward(add_forward(shifted, minus_two));  // max(0, 2·acc − 1)
    for (float& e : expected) e = std::max(0.0f, 2.0f * e - 1.0f);
  }
  CHECK(acc.to_vector() == expected);
}
