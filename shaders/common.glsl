// common.glsl — included by every compute shader of cnnlab (shaders/*.comp).
//
// Grids: Vulkan only guarantees 65,535 workgroups per dimension, so 1-D problems are dispatched
// as a 2-D grid of workgroups (x up to 65,535, then y); flat_group() numbers them 0, 1, 2, ...
// row by row, and the host (VulkanBackend::Impl::grid(), vulkan_backend.cpp) picks x and y.
// Loop limit: Mesa's lavapipe silently ends an invocation after 65,535 loop iterations in total,
// so every loop in these shaders has a bound the host keeps small (see docs/vulkan.md).
// Modes: the MODE / OP specialization constants of the multi-purpose shaders are named in
// shader_modes.h, which the C++ host includes too.
#extension GL_EXT_control_flow_attributes : require

#include "shader_modes.h"

uint flat_group() { return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x; }

// Value checks with the rules of src/ops/data_checks.cpp (is_class_index, std::isfinite), tested on
// the bits so that no fast-math assumption or denormal flushing can change the answer.
bool finite_bits(uint b) { return (b & 0x7f800000u) != 0x7f800000u; }
bool class_index_bits(uint b, uint classes) {
  if (!finite_bits(b) || ((b & 0x7f800000u) == 0u && (b & 0x007fffffu) != 0u)) return false;  // NaN, inf, denormal
  const float v = uintBitsToFloat(b);
  return v == floor(v) && v >= 0.0 && v < float(classes);
}

// NaN tests on the bits (exponent all ones, mantissa not zero). GLSL's max() is undefined for NaN
// and a driver may compile comparisons as unordered, so shaders that must keep a NaN (relu,
// max pooling) ask these instead of relying on a comparison to come out false.
bool nan_bits(float v) { return (floatBitsToUint(v) & 0x7fffffffu) > 0x7f800000u; }
bvec4 nan_bits4(vec4 v) { return greaterThan(floatBitsToUint(v) & 0x7fffffffu, uvec4(0x7f800000u)); }
