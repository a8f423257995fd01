// test_vulkan_runtime.cpp — the Vulkan runtime around the shaders: devices, choosing one, memory
// transfers, recording and batching, buffer lifetimes, pipeline caching, profiling, errors.
//
// (Every op's numbers are checked in test_cross_backend.cpp and test_vulkan_long_reductions.cpp.)
#include "vulkan_test_util.hpp"

#include <cnnlab/demo/lenet5_step.hpp>

#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>

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
    if (had)
      setenv("CNNLAB_DEVICE", old.c_str(), 1);
    else
      unsetenv("CNNLAB_DEVICE");
  }
};
}  // namespace

TEST_CASE("devices are listed with their limits, and the backend names its device",
          "[vulkan][device]") {
  const std::vector<VulkanDeviceInfo> devices = vulkan_devices();
  REQUIRE(!devices.empty());
  for (const VulkanDeviceInfo& d : devices) {
    std::cout << "device " << d.index << ": " << d.name << " (" << d.type << ", Vulkan "
              << d.api_version << ", shared memory " << d.max_shared_memory << " B, subgroup "
              << d.subgroup_size << ")\n";
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
    std::string part =
        devices[last_usable].name.substr(0, std::min<size_t>(5, devices[last_usable].name.size()));
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
  CHECK_THROWS_WITH(vulkan_select_device("no-such-gpu"),
                    Catch::Contains("before the Vulkan backend is first used"));
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

TEST_CASE("freed tensors and overwritten inputs do not disturb pending work",
          "[vulkan][batching]") {
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
  const Tensor x = random_tensor({4, 3, 16, 16}, 3).to(be),
               w = random_tensor({8, 3, 3, 3}, 4).to(be);
  const Tensor y = relu_forward(conv2d_forward(x, w, Tensor(), {1, 1, 1, 1}));
  maxpool2d_forward(y, {2, 2, 0, SizeRule::floor}).to_vector();
  const std::string report = be.profile_report();
  CHECK_THAT(report, Catch::Contains("device memory: "));  // allocations and bytes held
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
  CHECK_THROWS_WITH(Tensor::empty({too_many}, be), Catch::Contains("vulkan: a tensor of") &&
                                                       Catch::Contains("maxStorageBufferRange"));
  CHECK(relu_forward(Tensor::from_vector({2}, {-1.0f, 1.0f}, be)).to_vector() ==
        std::vector<float>{0.0f, 1.0f});  // and the backend still works afterwards
}

TEST_CASE("a pooling window beyond the loop budget is refused with a clear message",
          "[vulkan][errors]") {
  Backend& be = vk();
  const Tensor x = Tensor::zeros({1, 1, 130, 130}, be);
  CHECK_THROWS_WITH(maxpool2d_forward(x, {130, 130, 0, SizeRule::floor}),
                    Catch::Contains("maxpool2d_forward with a 130x130 window is not supported") &&
                        Catch::Contains("openmp"));
}

TEST_CASE("LeNet-5 training steps match the reference backend", "[vulkan][training]") {
  VulkanBackend& be = vk();
  demo::LeNet5 ref_net(reference_backend(), 42), vk_net(be, 42);
  const Tensor x = random_tensor({8, 1, 28, 28}, 5);
  std::vector<float> lab(8);
  for (size_t i = 0; i < lab.size(); ++i) lab[i] = static_cast<float>(i % 10);
  const Tensor labels = Tensor::from_vector({8}, lab, reference_backend());
  const Tensor xv = x.to(be), lv = labels.to(be);
  const SgdParams sgd{0.05f, 0.9f, 0.0f};
  be.synchronize();
  for (int step = 0; step < 3; ++step) {
    const auto before = be.stats();
    const float lr = ref_net.step(x, labels, sgd), lv_loss = vk_net.step(xv, lv, sgd);
    const uint64_t submits = be.stats().submits - before.submits;
    std::cout << "OK vulkan lenet5 step " << step << ": loss " << lv_loss << " vs reference " << lr
              << ", " << submits << " submission(s), " << be.stats().dispatches - before.dispatches
              << " dispatches\n";
    CHECK(std::abs(lr - lv_loss) <= 1e-4f * (1 + std::abs(lr)));
    // The whole step is recorded as one batch and submitted once, by the read of the loss: the
    // label and logit checks run on the device instead of reading data back on the host.
    CHECK(submits == 1);
  }
}

// ---- deferred value checks (VulkanBackend::checks_data_on_device) ------------------------------
namespace {
/// The message the reference backend throws for @p call (which must throw).
std::string reference_error(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("the reference backend accepted input it should refuse");
  return {};
}

/// Logits [N, D] on the reference backend with @p bad[i] at flat index i, and labels [N] from
/// @p lab (default: n % D).
struct LossInput {
  Tensor logits, labels;
  LossInput(int64_t N, int64_t D, const std::vector<std::pair<size_t, float>>& bad_logits,
            const std::vector<std::pair<size_t, float>>& bad_labels) {
    std::vector<float> x = random_tensor({N, D}, 11, -3, 3).to_vector();
    for (const auto& [i, v] : bad_logits) x.at(i) = v;
    std::vector<float> t(static_cast<size_t>(N));
    for (size_t n = 0; n < t.size(); ++n) t[n] = static_cast<float>(static_cast<int64_t>(n) % D);
    for (const auto& [n, v] : bad_labels) t.at(n) = v;
    logits = Tensor::from_vector({N, D}, x, reference_backend());
    labels = Tensor::from_vector({N}, t, reference_backend());
  }
};

/// After a reported error the backend must work normally: a correct loss matches the reference.
void check_backend_still_works(VulkanBackend& be) {
  const LossInput good(5, 7, {}, {});
  const Tensor ref = softmax_cross_entropy_forward(good.logits, good.labels);
  const Tensor got = softmax_cross_entropy_forward(good.logits.to(be), good.labels.to(be));
  expect_close("loss after a reported error", ref, got, 35);
  const Tensor dref = softmax_cross_entropy_backward(good.logits, good.labels);
  const Tensor dgot = softmax_cross_entropy_backward(good.logits.to(be), good.labels.to(be));
  expect_close("loss gradient after a reported error", dref, dgot, 7);
  CHECK_NOTHROW(be.synchronize());  // the error was reported once, and is gone
}

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();
}  // namespace

TEST_CASE("bad labels and logits: the reference's message, at the read, with no extra submission",
          "[vulkan][errors][checks]") {
  VulkanBackend& be = vk();
  CHECK(be.checks_data_on_device());
  CHECK_FALSE(reference_backend().checks_data_on_device());
  be.synchronize();
  struct Case {
    const char* what;
    bool forward;
    LossInput in;
  };
  // N = 300 rows, so that the bad values lie in different workgroups; several bad values each,
  // so that the message must name the FIRST one (lowest index), as the host check does.
  const std::vector<Case> cases = {
      {"label out of range (forward)", true,
       LossInput(300, 10, {}, {{290, -1.0f}, {7, 12.0f}, {150, 10.0f}})},
      {"negative label (backward)", false, LossInput(300, 10, {}, {{299, 40.0f}, {3, -1.0f}})},
      {"non-integer label (forward)", true, LossInput(300, 10, {}, {{5, 2.5f}, {200, 11.0f}})},
      {"non-integer label (backward)", false, LossInput(300, 10, {}, {{250, 0.5f}, {9, 2.5f}})},
      {"NaN label (backward)", false, LossInput(300, 10, {}, {{17, kNaN}})},
      {"a bad label is named before a bad logit", true,
       LossInput(300, 10, {{4, kNaN}}, {{123, 10.0f}})},
      {"NaN logit (forward)", true,
       LossInput(300, 10, {{2999, kInf}, {1234, kNaN}, {2500, -kInf}}, {})},
      {"NaN logit (backward)", false, LossInput(300, 10, {{2222, kNaN}, {1500, -kNaN}}, {})},
      {"infinite logit (backward)", false, LossInput(300, 10, {{2998, kNaN}, {700, -kInf}}, {})},
  };
  for (const Case& c : cases) {
    SECTION(c.what) {
      const Tensor lv = c.in.logits.to(be), tv = c.in.labels.to(be);
      const std::string expected = reference_error([&] {
        if (c.forward)
          softmax_cross_entropy_forward(c.in.logits, c.in.labels);
        else
          softmax_cross_entropy_backward(c.in.logits, c.in.labels);
      });
      INFO("reference: " << expected);
      be.synchronize();
      const uint64_t before = be.stats().submits;
      Tensor out;
      REQUIRE_NOTHROW(out = c.forward ? softmax_cross_entropy_forward(lv, tv)
                                      : softmax_cross_entropy_backward(lv, tv));
      CHECK(be.stats().submits == before);  // nothing was read back to check the values
      REQUIRE_THROWS_WITH(out.to_vector(), expected);
      CHECK(be.stats().submits == before + 1);
      check_backend_still_works(be);
    }
  }
}

TEST_CASE("deferred checks: reported by synchronize(), first failing op first, across batches",
          "[vulkan][errors][checks]") {
  VulkanBackend& be = vk();
  be.synchronize();
  const LossInput bad_label(40, 6, {}, {{30, 6.0f}}), bad_logit(40, 6, {{100, kNaN}}, {});
  SECTION("synchronize() reports the error of an op whose result is never read") {
    const std::string expected = reference_error(
        [&] { softmax_cross_entropy_backward(bad_logit.logits, bad_logit.labels, 0.5f); });
    softmax_cross_entropy_backward(bad_logit.logits.to(be), bad_logit.labels.to(be), 0.5f);
    REQUIRE_THROWS_WITH(be.synchronize(), expected);
  }
  SECTION("of two failing ops, the first one recorded is reported") {
    const std::string expected =
        reference_error([&] { softmax_cross_entropy_forward(bad_label.logits, bad_label.labels); });
    const Tensor loss =
        softmax_cross_entropy_forward(bad_label.logits.to(be), bad_label.labels.to(be));
    const Tensor grad =
        softmax_cross_entropy_backward(bad_logit.logits.to(be), bad_logit.labels.to(be));
    REQUIRE_THROWS_WITH(grad.to_vector(), expected);
  }
  SECTION("one dispatch per submission: the check's batches complete before the read") {
    be.set_max_batch(1);
    const std::string expected =
        reference_error([&] { softmax_cross_entropy_forward(bad_logit.logits, bad_logit.labels); });
    const Tensor loss =
        softmax_cross_entropy_forward(bad_logit.logits.to(be), bad_logit.labels.to(be));
    Tensor x = Tensor::from_vector({3}, {1.0f, 2.0f, 3.0f}, be);
    for (int i = 0; i < 8; ++i) x = add_forward(x, x);  // reuses every slot: the check completes
    be.set_max_batch(256);
    REQUIRE_THROWS_WITH(x.to_vector(), expected);  // reported by the next read, whatever it reads
  }
  SECTION("a -inf logit that leaves the loss finite is no error, as on the reference backend") {
    const LossInput in(4, 5, {{1, -kInf}}, {});  // row 0's label is 0: the -inf is not the label
    const Tensor ref = softmax_cross_entropy_forward(in.logits, in.labels);
    REQUIRE(std::isfinite(ref.at(0)));
    const Tensor got = softmax_cross_entropy_forward(in.logits.to(be), in.labels.to(be));
    REQUIRE_NOTHROW(got.to_vector());
    expect_close("loss with a -inf logit", ref, got, 20);
  }
  check_backend_still_works(be);
}

TEST_CASE("a LeNet-5 step with a bad label fails like the reference, in its one submission",
          "[vulkan][errors][checks][training]") {
  VulkanBackend& be = vk();
  demo::LeNet5 ref_net(reference_backend(), 7), vk_net(be, 7);
  const Tensor x = random_tensor({4, 1, 28, 28}, 9);
  const Tensor labels = Tensor::from_vector({4}, {1, 2, 10, 3}, reference_backend());
  const SgdParams sgd{0.05f, 0.9f, 0.0f};
  const std::string expected = reference_error([&] { ref_net.step(x, labels, sgd); });
  CHECK(expected.find("softmax_cross_entropy_forward: labels[2] = 10 is out of range") == 0);
  const Tensor xv = x.to(be), lv = labels.to(be);
  be.synchronize();
  const uint64_t before = be.stats().submits;
  REQUIRE_THROWS_WITH(vk_net.step(xv, lv, sgd), expected);
  CHECK(be.stats().submits == before + 1);
  check_backend_still_works(be);
}
