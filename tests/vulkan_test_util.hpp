// vulkan_test_util.hpp — small helpers shared by the test_vulkan_*.cpp files.
//
// random_tensor() makes reference-backend inputs; expect_close() compares a Vulkan result with the
// reference using test_cross_backend.cpp's tolerance, tol = 4·ε·(L + 16)·(1 + max|reference|) for a
// reduction of length L, and prints "OK vulkan <what> max_err/tol=..." like it.
#pragma once

#include <catch2/catch.hpp>

#include "backends/vulkan/vulkan_backend.hpp"

#include <cnnlab/backend.hpp>
#include <cnnlab/tensor.hpp>

#include <cmath>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>
#include <string>

namespace cnnlab::vktest {

inline VulkanBackend& vk() { return static_cast<VulkanBackend&>(backend_by_name("vulkan")); }

inline Tensor random_tensor(const Shape& s, uint64_t seed, float lo = -1, float hi = 1) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(numel(s)));
  for (float& e : v) e = dist(rng);
  return Tensor::from_vector(s, v, reference_backend());
}

inline void expect_close(const std::string& what, const Tensor& ref, const Tensor& got, int64_t L) {
  const std::vector<float> r = ref.to_vector(), g = got.to_vector();
  REQUIRE(r.size() == g.size());
  double max_ref = 0, max_err = 0;
  size_t worst = 0;
  for (float v : r) max_ref = std::max(max_ref, std::abs(static_cast<double>(v)));
  for (size_t i = 0; i < r.size(); ++i) {
    const double err = std::isnan(g[i]) ? std::numeric_limits<double>::infinity()
                                        : std::abs(static_cast<double>(g[i]) - r[i]);
    if (err > max_err) {
      max_err = err;
      worst = i;
    }
  }
  const double tol = 4 * std::ldexp(1.0, -23) * static_cast<double>(L + 16) * (1 + max_ref);
  std::ostringstream line;
  line << "vulkan " << what << "  max_err/tol=" << max_err / tol << " (max_err=" << max_err
       << ", tol=" << tol << ", worst index " << worst << ": " << g[worst] << " vs " << r[worst] << ")";
  std::cout << (max_err <= tol ? "OK " : "FAIL ") << line.str() << "\n";
  INFO(line.str());
  CHECK(max_err <= tol);
}

}  // namespace cnnlab::vktest
