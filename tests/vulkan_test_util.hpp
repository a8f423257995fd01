// vulkan_test_util.hpp — small helpers shared by the test_vulkan_*.cpp files.
//
// random_tensor() and expect_close() come from backend_compare.hpp (expect_close labels its lines
// "vulkan"): the same tolerance as every cross-backend test (testing::tolerance(), for a reduction
// of length L), and the same "OK vulkan <what> max_err/tol=..." lines.
#pragma once

#include <catch2/catch.hpp>

#include "backend_compare.hpp"
#include "backends/vulkan/vulkan_backend.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/tensor.hpp>

#include <cmath>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>
#include <string>

namespace cnnlab::vktest {

inline VulkanBackend& vk() { return static_cast<VulkanBackend&>(backend_by_name("vulkan")); }

using testing::random_tensor;

/// testing::expect_close() with the lines labelled "vulkan".
inline void expect_close(const std::string& what, const Tensor& ref, const Tensor& got, int64_t L) {
  testing::expect_close("vulkan " + what, ref, got, L);
}

}  // namespace cnnlab::vktest
