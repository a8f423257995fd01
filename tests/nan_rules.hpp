// nan_rules.hpp — PyTorch's NaN rules written out as plain loops, for the NaN tests of every
// backend (test_nan.cpp: reference and OpenMP; test_vulkan_nan.cpp: Vulkan).
//
// The expected values of those tests come from here, never from the library's kernels:
//   max pooling picks, in each window, its FIRST NaN in row-major order if it holds one, else its
//   first maximum (strict >); padding is never picked; backward sends dy to that position.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace cnnlab::testing {

/// Equal, or both NaN: how a NaN test compares an output with its expected value.
inline bool same_or_both_nan(float want, float got) {
  return std::isnan(want) ? std::isnan(got) : want == got;
}

/// Flat index (within one H×W plane) that max pooling picks for window (i, j) of plane @p plane
/// of x [planes, H, W], for F×F windows with stride S and padding P.
inline int64_t maxpool_pick(const std::vector<float>& x, int64_t plane, int64_t H, int64_t W,
                            int64_t F, int64_t S, int64_t P, int64_t i, int64_t j) {
  int64_t best = -1;
  for (int64_t h = i * S - P; h < i * S - P + F; ++h)
    for (int64_t w = j * S - P; w < j * S - P + F; ++w) {
      if (h < 0 || h >= H || w < 0 || w >= W) continue;  // padding
      const int64_t at = h * W + w;
      const float v = x[static_cast<size_t>(plane * H * W + at)];
      if (std::isnan(v)) return at;  // the first NaN wins outright
      if (best < 0 || v > x[static_cast<size_t>(plane * H * W + best)]) best = at;
    }
  return best;
}

}  // namespace cnnlab::testing
