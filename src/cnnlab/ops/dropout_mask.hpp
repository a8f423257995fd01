/// @file dropout_mask.hpp
/// @brief Dropout's settings and its mask: a pure function of (seed, step, element index).
///
/// Contract: element i of a tensor is kept by dropout with step @p step of seed @p seed exactly
/// when DropoutMask::keep(i) is true, on every backend. The mask is a counter-based hash, not a
/// random-number generator with state: keep(i) = mix32(key ^ mix32(i)) >= threshold, where
/// mix32 is Chris Wellons' "lowbias32" integer hash (a bijection of 32-bit words with good
/// avalanche), key = a hash of (seed, step) and threshold = round(p · 2^32). So each element is
/// kept with probability 1 − p (to within 2^-32), elements are independent for all practical
/// purposes, and any backend can compute any element's decision on its own: the C++ backends
/// call the functions below, shaders/dropout.comp mirrors mix32 and keep() line for line, and
/// the cross-backend test demands the identical mask. The index is taken modulo 2^32 (a tensor
/// of more than 4 G elements would repeat its mask).
/// What it is not: the op (ops.hpp dropout_forward), or the layer's step counter (Dropout).
#pragma once

#include <cstdint>
#include <string>

namespace cnnlab {

/// @brief Dropout's settings: drop probability, seed and the step of the mask stream.
struct DropoutParams {
  float p = 0.5f;     ///< probability of dropping an element, in [0, 1]
  uint64_t seed = 1;  ///< the mask stream's seed
  uint64_t step = 0;  ///< which mask of that stream (the Dropout layer counts its batches)
};

/// @brief Throws cnnlab::Error naming @p op unless 0 <= p <= 1.
void validate(const DropoutParams& p, const std::string& op);

/// @brief lowbias32 (Chris Wellons): a 32-bit integer hash, mirrored in shaders/dropout.comp.
constexpr uint32_t dropout_mix32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

/// @brief Everything a kernel needs to apply one mask: y[i] = keep(i) ? x[i]·scale : 0.
struct DropoutMask {
  uint32_t key = 0;        ///< hash of (seed, step)
  uint32_t threshold = 0;  ///< element kept when its hash >= threshold (0: all kept)
  bool drop_all = false;   ///< p == 1: nothing kept (threshold cannot say 2^32)
  float scale = 1.0f;      ///< 1 / (1 − p) for kept elements (inverted dropout); 0 when p == 1

  /// @brief Whether element @p i is kept.
  constexpr bool keep(uint64_t i) const {
    return !drop_all && dropout_mix32(key ^ dropout_mix32(static_cast<uint32_t>(i))) >= threshold;
  }
};

/// @brief The mask of @p p (assumed valid): its key, threshold and scale.
constexpr DropoutMask dropout_mask(const DropoutParams& p) {
  DropoutMask m;
  uint32_t k = dropout_mix32(static_cast<uint32_t>(p.step >> 32) ^ 0x9e3779b9u);
  k = dropout_mix32(k ^ static_cast<uint32_t>(p.step));
  k = dropout_mix32(k ^ static_cast<uint32_t>(p.seed >> 32));
  m.key = dropout_mix32(k ^ static_cast<uint32_t>(p.seed));
  m.drop_all = p.p >= 1.0f;
  if (m.drop_all) {
    m.threshold = 0xffffffffu;
    m.scale = 0.0f;
  } else {
    const double t = static_cast<double>(p.p) * 4294967296.0 + 0.5;
    m.threshold = p.p <= 0.0f ? 0u : (t >= 4294967295.0 ? 0xffffffffu : static_cast<uint32_t>(t));
    m.scale = 1.0f / (1.0f - p.p);
  }
  return m;
}

}  // namespace cnnlab
