// ex12_shader.cpp (hidden) — exercise 12 on other sizes and values: |x| up to about 1e30, tiny
// inputs near 1e-30 (not zero: dy passes), and NaN inputs (the library's rule, documented in
// shaders/elementwise.comp: a NaN x passes dy through, as in PyTorch). Data: PyTorch autograd
// (exercises/hidden/data_shader.py).
#include "check.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include "shaders/shader_modes.h"

#ifdef CNNLAB_HAVE_VULKAN
#include "backends/vulkan/vulkan_backend.hpp"
#endif

using namespace cnnlab;
using namespace cnnlab::grade;

namespace {

void expect_hidden_relu_backward(const std::string& name) {
#ifdef CNNLAB_HAVE_VULKAN
  if (vulkan_devices().empty()) fail("no Vulkan device (install mesa-vulkan-drivers)");
  Backend& vk = backend_by_name("vulkan");
  const Tensor x = golden(name + "_x"), dy = golden(name + "_dy");
  const Tensor dx = relu_backward(x.to(vk), dy.to(vk)).to(reference_backend());
  for (float v : dx.to_vector())
    if (v == CNNLAB_NOT_IMPLEMENTED)
      throw NotImplemented("exercise 12: relu_backward (the shader wrote the marker value)");
  expect_close("dx on Vulkan (" + std::to_string(x.numel()) + " values)", dx, golden(name + "_dx"),
               {.abs = 0, .rel = 0});
#else
  (void)name;
  fail("this grader was built without the Vulkan backend");
#endif
}

}  // namespace

GRADE_HIDDEN_CHECK(12, "hidden: relu_backward on Vulkan with |x| near 1e30 over 4,099 values") {
  expect_hidden_relu_backward("ex12/relu_big");
}

GRADE_HIDDEN_CHECK(12, "hidden: relu_backward on Vulkan with tiny inputs near 1e-30") {
  expect_hidden_relu_backward("ex12/relu_tiny");
}

GRADE_HIDDEN_CHECK(12, "hidden: relu_backward on Vulkan passes dy through NaN inputs") {
  expect_hidden_relu_backward("ex12/relu_nan");
}
