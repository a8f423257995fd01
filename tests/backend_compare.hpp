// backend_compare.hpp — the helpers every "fast backend vs reference" test shares.
//
// random_tensor() makes reference-backend inputs from a seed; poisoned() makes an output full of
// NaN on the backend under test, so an element the backend forgets to write shows up;
// expect_close() compares a result with the reference's within tolerance(), the one tolerance
// of every such test, which grows with the reduction length L of the op. It prints
// "OK <what> max_err/tol=..." (or FAIL), so a test run shows how close each backend came.
#pragma once

#include <catch2/catch.hpp>

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/tensor.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace cnnlab::testing {

/// Uniform values in [lo, hi) on the reference backend, the same for the same seed.
inline Tensor random_tensor(const Shape& s, uint64_t seed, float lo = -1, float hi = 1) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(numel(s)));
  for (float& e : v) e = dist(rng);
  return Tensor::from_vector(s, v, reference_backend());
}

/// A tensor full of NaN on @p be: any element an op does not write stays NaN.
inline Tensor poisoned(const Shape& s, Backend& be) {
  return Tensor::from_vector(
      s, std::vector<float>(static_cast<size_t>(numel(s)), std::numeric_limits<float>::quiet_NaN()),
      be);
}

/// The tolerance of a result whose reference has largest magnitude @p max_abs_reference, for an op
/// that sums L terms per output element:
///
///   tol = 4·ε·(L + 16)·(1 + max|reference|),   ε = 2^-23 (float32)
///
/// because float32 sums of L terms drift by about L·ε relative to the size of the terms.
inline double tolerance(int64_t L, double max_abs_reference) {
  return 4 * std::ldexp(1.0, -23) * static_cast<double>(L + 16) * (1 + max_abs_reference);
}

/// Checks |got − ref| <= tolerance(L, max|ref|) element by element (NaN counts as infinitely
/// far) and prints the worst element with its ratio to the tolerance.
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
  const double tol = tolerance(L, max_ref);
  std::ostringstream line;
  line << what << "  max_err/tol=" << max_err / tol << " (max_err=" << max_err << ", tol=" << tol
       << ", worst index " << worst << ": " << g[worst] << " vs " << r[worst] << ")";
  std::cout << (max_err <= tol ? "OK " : "FAIL ") << line.str() << "\n";
  INFO(line.str());
  CHECK(max_err <= tol);
}

}  // namespace cnnlab::testing
