// test_architecture_forward.cpp — one image through each famous architecture (models/*.json)
// on the reference backend and on every fast backend, and the logits agree.
//
// Compiled twice, like test_cross_backend.cpp: into cnnlab_tests with CNNLAB_TEST_BACKENDS
// "openmp" and into cnnlab_vulkan_tests with "vulkan" (Mesa lavapipe in CI, validation on).
// Each model is built from seed 1 in evaluation mode (dropout is the identity, batch norm uses
// its running statistics), fed one image of uniform values in [0, 1), run on the reference
// (plain loops, the ground truth), then moved to the backend under test and run again.
//
// The tests are hidden ("[.]") so that catch_discover_tests leaves them out: they take tens of
// seconds (VGG-16 is 15.5 GFLOP per image in the reference's plain loops), so
// tests/CMakeLists.txt registers them once, as "architectures: one image on every backend", in
// the Release build only (not in the sanitizer build, where -O0 would make them take an hour).
//
// Tolerance: the logits of a deep net gather the rounding of every layer, so the check is
// relative to the size of the logits: |got - ref| <= 1e-4 · (1 + max|ref|). (The measured
// max_err/tol of each model is printed; see docs/architectures.md.)
#include <catch2/catch.hpp>

#include "backend_compare.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/nn/model_file.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

using namespace cnnlab;

namespace {

#ifndef CNNLAB_TEST_BACKENDS
#define CNNLAB_TEST_BACKENDS ""
#endif

/// The backends this binary compares with the reference (those of CNNLAB_TEST_BACKENDS built).
std::vector<std::string> backends_under_test() {
  const std::vector<std::string> built = backend_names();
  std::vector<std::string> names;
  std::stringstream list(CNNLAB_TEST_BACKENDS);
  for (std::string n; std::getline(list, n, ',');)
    if (!n.empty() && std::find(built.begin(), built.end(), n) != built.end()) names.push_back(n);
  return names;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The JSON text of built-in model @p name with its "input" replaced by [C, @p hw, @p hw]
/// (0: unchanged). The layers are the same; a linear layer after flatten takes whatever the
/// convolutions give, so only the first fully connected layer's weight changes size.
std::string with_input_size(const std::string& name, int64_t hw) {
  std::string json = builtin_model_json(name);
  if (hw == 0) return json;
  const size_t at = json.find("\"input\": [");
  REQUIRE(at != std::string::npos);
  const size_t channels_end = json.find(',', at);
  const size_t end = json.find(']', at);
  REQUIRE(channels_end < end);
  json.replace(channels_end, end - channels_end,
               ", " + std::to_string(hw) + ", " + std::to_string(hw));
  return json;
}

/// The image size each model runs at on backend @p backend: the model's own, except on Vulkan,
/// where lavapipe (CI's device) can address at most 128 MiB in one storage buffer
/// (maxStorageBufferRange) and the first fully connected layer's weight is larger at full size
/// (AlexNet 9,216 x 4,096 floats = 144 MiB, ZFNet 18,432 x 4,096 = 288 MiB, VGG-16 25,088 x
/// 4,096 = 392 MiB). There the same layers run on a smaller image: AlexNet 195 x 195 (pool5
/// gives 6 x 6 -> 5 x 5: fc6 is 6,400 x 4,096 = 100 MiB), ZFNet 128 x 128 (pool5 gives 3 x 3: fc6
/// is 4,608 x 4,096 = 72 MiB) and VGG-16 96 x 96 (pool5 gives 3 x 3: fc6 is 4,608 x 4,096 = 72
/// MiB).
int64_t input_size_on(const std::string& name, const std::string& backend) {
  if (backend != "vulkan") return 0;
  if (name == "alexnet" || name == "alexnet_grouped") return 195;
  if (name == "zfnet") return 128;
  if (name == "vgg16") return 96;
  return 0;
}

/// One image through built-in model @p name on the reference and on @p backend, at the size
/// input_size_on() gives; the logits must agree.
void check_one_image_on(const std::string& name, const std::string& backend) {
  const int64_t hw = input_size_on(name, backend);
  LoadedModel m = parse_model(with_input_size(name, hw), "built-in " + name, 1);
  m.model.eval();
  Shape input_shape{1};
  for (int64_t d : m.spec.input) input_shape.push_back(d);
  const Tensor x = testing::random_tensor(input_shape, 7, 0.0f, 1.0f);

  auto t0 = std::chrono::steady_clock::now();
  const Tensor ref = m.model.forward(x);
  const double ref_seconds = seconds_since(t0);
  REQUIRE(ref.shape() == Shape{1, m.spec.classes});
  const std::vector<float> r = ref.to_vector();
  double max_ref = 0;
  for (float v : r) {
    REQUIRE(std::isfinite(v));
    max_ref = std::max(max_ref, std::abs(static_cast<double>(v)));
  }
  CHECK(max_ref > 0);  // a net whose logits are all zero would compare equal by accident

  Backend& be = backend_by_name(backend);
  m.model.to(be);
  t0 = std::chrono::steady_clock::now();
  const Tensor got = m.model.forward(x.to(be));
  const double be_seconds = seconds_since(t0);
  REQUIRE(got.shape() == ref.shape());
  const std::vector<float> g = got.to_vector();
  double max_err = 0;
  for (size_t i = 0; i < r.size(); ++i)
    max_err = std::max(max_err, std::isnan(g[i]) ? std::numeric_limits<double>::infinity()
                                                 : std::abs(static_cast<double>(g[i]) - r[i]));
  const double tol = 1e-4 * (1 + max_ref);
  std::ostringstream line;
  line << name << " one image " << to_string(m.spec.input) << ": " << backend
       << " vs reference max_err/tol=" << max_err / tol << " (max_err=" << max_err
       << ", max|logit|=" << max_ref << "; reference " << ref_seconds << " s, " << backend << " "
       << be_seconds << " s)";
  std::cout << (max_err <= tol ? "OK " : "FAIL ") << line.str() << "\n";
  INFO(line.str());
  CHECK(max_err <= tol);
}

/// Runs one image through built-in model @p name on the reference and on every backend under
/// test, and checks that the logits agree.
void check_one_image(const std::string& name) {
  const std::vector<std::string> names = backends_under_test();
  if (names.empty()) {
    WARN("no backend other than reference in this build: nothing to compare");
    return;
  }
  for (const std::string& backend : names) check_one_image_on(name, backend);
}

}  // namespace

TEST_CASE("one image through AlexNet agrees on every backend", "[.][architecture-forward]") {
  check_one_image("alexnet");
}

TEST_CASE("one image through AlexNet in two groups agrees on every backend",
          "[.][architecture-forward]") {
  check_one_image("alexnet_grouped");
}

TEST_CASE("one image through VGG-16 agrees on every backend", "[.][architecture-forward]") {
  check_one_image("vgg16");
}

TEST_CASE("one image through ZFNet agrees on every backend", "[.][architecture-forward]") {
  check_one_image("zfnet");
}

TEST_CASE("one image through GoogLeNet agrees on every backend", "[.][architecture-forward]") {
  check_one_image("googlenet");
}

TEST_CASE("one image through ResNet-18 agrees on every backend", "[.][architecture-forward]") {
  check_one_image("resnet18");
}
