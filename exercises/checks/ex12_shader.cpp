// ex12_shader.cpp — exercise 12: the ReLU-backward branch of shaders/elementwise.comp, run on
// the Vulkan backend (lavapipe, Mesa's CPU driver, where there is no GPU) through the ops API.
// Expected values: PyTorch autograd of relu (exercises/tools/data_shader.py).
// A stubbed shader writes CNNLAB_NOT_IMPLEMENTED (shaders/shader_modes.h); the check reports
// that as "not implemented yet" (cnnlab::NotImplemented) rather than as a wrong value.
#include "check.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include "shaders/shader_modes.h"

#ifdef CNNLAB_HAVE_VULKAN
#include "backends/vulkan/vulkan_backend.hpp"
#endif

#include <sstream>

using namespace cnnlab;
using namespace cnnlab::grade;

namespace {

/// The Vulkan backend, or a failure saying why there is none.
Backend& vulkan() {
#ifdef CNNLAB_HAVE_VULKAN
  std::string why;
  try {
    if (!vulkan_devices().empty()) return backend_by_name("vulkan");
    why = "the Vulkan loader reports no device";
  } catch (const Error& e) {
    why = e.what();
  }
  fail("no Vulkan device on this machine (" + why +
       "): install Mesa's CPU driver lavapipe (sudo apt-get install mesa-vulkan-drivers "
       "libvulkan1) and run the grader again");
#else
  fail(
      "this grader was built without the Vulkan backend: install libvulkan-dev glslc "
      "spirv-tools mesa-vulkan-drivers (scripts/setup.sh does) and configure again");
#endif
}

/// relu_backward of case @p name on Vulkan, compared with PyTorch's dx.
void expect_relu_backward(const std::string& name) {
  Backend& vk = vulkan();
  const Tensor x = golden(name + "_x"), dy = golden(name + "_dy"), want = golden(name + "_dx");
  const Tensor dx = relu_backward(x.to(vk), dy.to(vk)).to(reference_backend());
  const std::vector<float> v = dx.to_vector();
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] == CNNLAB_NOT_IMPLEMENTED) {
      std::ostringstream s;
      s << "exercise 12: relu_backward: the shader wrote the marker value CNNLAB_NOT_IMPLEMENTED ("
        << CNNLAB_NOT_IMPLEMENTED << ") at index " << i
        << ", so the relu-backward branch of shaders/elementwise.comp";
      throw NotImplemented(s.str());
    }
  expect_close("dx = relu_backward(x, dy) on Vulkan (" + std::to_string(x.numel()) + " values)", dx,
               want, {.abs = 0, .rel = 0});
}

}  // namespace

GRADE_CHECK(12, "relu_backward on Vulkan, 8 values (two vec4s): dx = dy where x > 0, else 0") {
  expect_relu_backward("ex12/relu_8");
}

GRADE_CHECK(12, "relu_backward on Vulkan, 7 values (the last vec4 is partly padding)") {
  expect_relu_backward("ex12/relu_7");
}

GRADE_CHECK(12, "relu_backward on Vulkan, 1 value") { expect_relu_backward("ex12/relu_1"); }

GRADE_CHECK(12, "relu_backward on Vulkan, 333 values (several workgroups' worth of lanes)") {
  expect_relu_backward("ex12/relu_333");
}
