// test_vulkan_runtime.cpp — the Vulkan runtime around the shaders: devices, choosing one, memory
// transfers, recording and batching, buffer lifetimes, pipeline caching, profiling, errors.
//
// (Every op's numbers are checked in test_cross_backend.cpp and test_vulkan_long_reductions.cpp.)
#include "vulkan_test_util.hpp"

#include "bench/lenet5.hpp"

#include <cnnlab/error.hpp>
#include <cnnlab/ops.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>

using namespace cnnlab;
using namespace cnnlab::vktest;

namespace {
/// Sets CNNLAB_DEVICE for one scope, restoring the previous value afterwards.
struct DeviceEnv {
  std::string old;
  bool had;
  explicit DeviceEnv(const std::string& value) {
    const char* v = std::getenv("CNNLAB_DEVICE");
    had = v != nullptr;
    if (had) old = v;
    setenv("CNNLAB_DEVICE", value.c_str(), 1);
  }
  ~DeviceEnv() {
    if (had) setenv("CNNLAB_DEVICE", old.c_str(), 1);
    else unsetenv("CNNLAB_DEVICE");
  }
};
}  // namespace

TEST_CASE("devices are listed with their limits, and the backend names its device", "[vulkan][device]") {
  const std::vector<VulkanDeviceInfo> devices = vulkan_devices();
  REQUIRE(!devices.empty());
  for (const VulkanDeviceInfo& d : devices) {
    std::cout << "device " << d.index << ": " << d.name << " (" << d.type << ", Vulkan " << d.api_version
              << ", shared memory " << d.max_shared_memory << " B, subgroup " << d.subgroup_size << ")\n";
    CHECK(!d.name.empty());
    CHECK(!d.api_version.empty());
    if (d.usable) {
      CHECK(d.max_shared_memory >= 16384);  // the Vulkan minimum
      CHECK(d.max_invocations >= 128);
      CHECK(d.max_group_count[0] >= 65535);
    }
  }
  VulkanBackend& be = vk();
  CHECK(&backend_by_name("vulkan") == &be);
  const auto names = backend_names();
  CHECK(std::find(names.begin(), names.end(), "vulkan") != names.end());
  CHECK(be.description().find(be.device().name) != std::string::npos);
  CHECK(be.validation());
  const size_t chosen = vulkan_default_device_index(devices);
  REQUIRE(chosen < devices.size());
  CHECK(devices[chosen].name == be.device().name);
}

TEST_CASE("CNNLAB_DEVICE chooses by index or by part of the name, and says what is wrong",
          "[vulkan][device]") {
  const std::vector<VulkanDeviceInfo> devices = vulkan_devices();
  REQUIRE(!devices.empty());
  size_t last_usable = devices.size();
  for (const auto& d : devices)
    if (d.usable) last_usable = d.index;
  REQUIRE(last_usable < devices.size());
  {
    DeviceEnv env(std::to_string(last_usable));
    CHECK(vulkan_default_device_index(devices) == last_usable);
  }
  {
    // a part of the name, in upper case: matching ignores case
    std::string part = devices[last_usable].name.substr(0, std::min<size_t>(5, devices[last_usable].name.size()));
    for (char& c : part) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    DeviceEnv env(part);
    const size_t i = vulkan_default_device_index(devices);
    REQUIRE(i < devices.size());
    CHECK(devices[i].name.substr(0, part.size()).size() == part.size());
  }
  {
    DeviceEnv env("99");
    CHECK_THROWS_WITH(vulkan_default_device_index(devices),
                      Catch::Contains("CNNLAB_DEVICE='99': there is no Vulkan device 99") &&
                          Catch::Contains("cnnlab devices"));
  }
  {
    DeviceEnv env("no-such-gpu");
    CHECK_THROWS_WITH(vulkan_default_device_index(devices),
                      Catch::Contains("no Vulkan device name contains 'no-such-gpu'"));
  }
  vk();  // the backend exists now: choosing another device must be refused, clearly
  CHECK_THROWS_WITH(vulkan_select_device("no-such-gpu"), Catch::Contains("before the Vulkan backend is first used"));
}

TEST_CASE("write, read, copy and clone keep every value, for odd sizes too", "[vulkan][memory]") {
  Backend& be = vk();
  for (int64_t n : {1, 3, 5, 1000, 1000003}) {
    const Tensor r = random_tensor({n}, static_cast<uint64_t>(n));
    const Tensor v = r.to(be);
    CHECK(v.to_vector() == r.to_vector());
    CHECK(v.clone().to_vector() == r.to_vector());
    CHECK(v.at(n - 1) == r.at(n - 1));
    CHECK(Tensor::zeros({n}, be).to_vector() == std::vector<float>(static_cast<size_t>(n), 0.0f));
  }
  const Tensor t = Tensor::zeros({2, 3}, be);
  CHECK_THROWS_WITH(t.data(), Catch::Contains("lives on the vulkan backend"));
  CHECK(t.storage()->host_data() == nullptr);
}

TEST_CASE("ops are recorded, not submitted, until a value is read", "[vulkan][batching]") {
  VulkanBackend& be = vk();
  be.synchronize();
  const auto before = be.stats();
  Tensor x = Tensor::from_vector({4}, {-2.0f, -1.0f, 1.0f, 2.0f}, be);
  for (int i = 0; i < 20; ++i) x = add_forward(x, x);  // ×2^20
  const auto recorded = be.stats();
  CHECK(recorded.submits == before.submits);  // nothing submitted yet
  CHECK(recorded.dispatches == before.dispatches + 20);
  const std::vector<float> v = relu_forward(x).to_vector();  // one read: one submission
  CHECK(be.stats().submits == before.submits + 1);
  CHECK(v == std::vector<float>{0.0f, 0.0f, 1048576.0f, 2097152.0f});
}

TEST_CASE("a long recording is split into several submissions", "[vulkan][batching]") {
  VulkanBackend& be = vk();
  be.synchronize();
  be.set_max_batch(4);
  const auto before = be.stats();
  Tensor x = Tensor::from_vector({3}, {1.0f, 2.0f, 3.0f}, be);
  for (int i = 0; i < 10; ++i) x = add_forward(x, x);
  const uint64_t submitted = be.stats().submits - before.submits;
  CHECK(submitted == 2);  // after dispatch 4 and 8, without waiting
  CHECK(x.to_vector() == std::vector<float>{1024.0f, 2048.0f, 3072.0f});
  CHECK(be.stats().submits - before.submits == 3);
  be.set_max_batch(256);
}

TEST_CASE("freed tensors and overwritten inputs do not disturb pending work", "[vulkan][batching]") {
  Backend& be = vk();
  be.synchronize();
  Tensor kept;
  {
    const Tensor a = Tensor::from_vector({5}, {1, 2, 3, 4, 5}, be);
    const Tensor b = Tensor::from_vector({5}, {10, 20, 30, 40, 50}, be);
    kept = add_forward(add_forward(a, b), b);  // a, b and the middle result die before the GPU runs
  }
  Tensor x = Tensor::from_vector({3}, {-1.0f, 2.0f, -3.0f}, be);
  const Tensor y1 = relu_forward(x);
  x.copy_from({4.0f, -5.0f, 6.0f});  // recorded after y1's dispatch: y1 must still see the old x
  const Tensor y2 = relu_forward(x);
  CHECK(kept.to_vector() == std::vector<float>{21, 42, 63, 84, 105});
  CHECK(y1.to_vector() == std::vector<float>{0.0f, 2.0f, 0.0f});
  CHECK(y2.to_vector() == std::vector<float>{4.0f, 0.0f, 6.0f});
}

TEST_CASE("pipelines are created once and reused", "[vulkan][pipelines]") {
  VulkanBackend& be = vk();
  const Tensor x = random_tensor({2, 3, 8, 8}, 1).to(be), w = random_tensor({4, 3, 3, 3}, 2).to(be);
  conv2d_forward(x, w, Tensor()).to_vector();
  const uint64_t pipelines = be.stats().pipelines;
  for (int i = 0; i < 3; ++i) conv2d_forward(x, w, Tensor()).to_vector();
  CHECK(be.stats().pipelines == pipelines);
}

TEST_CASE("profiling reports GPU time per op", "[vulkan][profiling]") {
  VulkanBackend& be = vk();
  be.set_profiling(true);
  be.reset_profile();
  const Tensor x = random_tensor({4, 3, 16, 16}, 3).to(be), w = random_tensor({8, 3, 3, 3}, 4).to(be);
  const Tensor y = relu_forward(conv2d_forward(x, w, Tensor(), {1, 1, 1, 1}));
  maxpool2d_forward(y, {2, 2, 0, false}).to_vector();
  const std::string report = be.profile_report();
  std::cout << report;
  be.set_profiling(false);
  CHECK(be.profiling() == false);
  CHECK(report.find("conv2d_forward") != std::string::npos);
  CHECK(report.find("relu_forward") != std::string::npos);
  CHECK(report.find("maxpool2d_forward") != std::string::npos);
  CHECK(report.find("total") != std::string::npos);
}

TEST_CASE("a tensor larger than the device can address gets a clear error", "[vulkan][errors]") {
  VulkanBackend& be = vk();
  const int64_t too_many = static_cast<int64_t>(be.device().max_storage_buffer_range) / 4 + 1;
  CHECK_THROWS_WITH(Tensor::empty({too_many}, be),
                    Catch::Contains("vulkan: a tensor of") && Catch::Contains("maxStorageBufferRange"));
  CHECK(relu_forward(Tensor::from_vector({2}, {-1.0f, 1.0f}, be)).to_vector() ==
        std::vector<float>{0.0f, 1.0f});  // and the backend still works afterwards
}

TEST_CASE("a pooling window beyond the loop budget is refused with a clear message", "[vulkan][errors]") {
  Backend& be = vk();
  const Tensor x = Tensor::zeros({1, 1, 130, 130}, be);
  CHECK_THROWS_WITH(maxpool2d_forward(x, {130, 130, 0, false}),
                    Catch::Contains("maxpool2d_forward with a 130x130 window is not supported") &&
                        Catch::Contains("openmp"));
}

TEST_CASE("LeNet-5 training steps match the reference backend", "[vulkan][training]") {
  VulkanBackend& be = vk();
  bench::LeNet5 ref_net(reference_backend(), 42), vk_net(be, 42);
  const Tensor x = random_tensor({8, 1, 28, 28}, 5);
  std::vector<float> lab(8);
  for (size_t i = 0; i < lab.size(); ++i) lab[i] = static_cast<float>(i % 10);
  const Tensor labels = Tensor::from_vector({8}, lab, reference_backend());
  const Tensor xv = x.to(be), lv = labels.to(be);
  const SgdParams sgd{0.05f, 0.9f, 0.0f};
  be.synchronize();
  for (int step = 0; step < 3; ++step) {
    const uint64_t before = be.stats().submits;
    const float lr = ref_net.step(x, labels, sgd), lv_loss = vk_net.step(xv, lv, sgd);
    const uint64_t submits = be.stats().submits - before;
    std::cout << "OK vulkan lenet5 step " << step << ": loss " << lv_loss << " vs reference " << lr
              << ", " << submits << " submission(s)\n";
    CHECK(std::abs(lr - lv_loss) <= 1e-4f * (1 + std::abs(lr)));
    // The step itself is recorded as one batch; the few extra submissions come from reads the ops
    // API makes to validate arguments (the labels, the loss value).
    CHECK(submits <= 6);
  }
}
