/// @file init.hpp
/// @brief Weight initialisation (He and Xavier) from an explicit seed.
///
/// Contract: the draws come from a std::mt19937_64 and are mapped to numbers by our own code
/// (not std::uniform_real_distribution, whose output differs between standard libraries), so
/// the same seed gives the same network on every machine.
///   - He (Kaiming), for layers followed by ReLU: Var(w) = 2 / fan_in.
///   - Xavier (Glorot), for sigmoid / tanh: Var(w) = 2 / (fan_in + fan_out).
/// Each comes as uniform (w ~ U(−a, a) with a = sqrt(3·Var)) or normal (w ~ N(0, Var)).
/// fan_in = C/groups · F · F for a convolution and D_in for a linear layer; fan_out = K · F · F
/// (conv) or D_out (linear).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief Which rule draws a layer's weights.
enum class Init { he_uniform, he_normal, xavier_uniform, xavier_normal };

/// @brief The rule's name as written in model files: "he_uniform", "he_normal", ...
std::string to_string(Init init);
/// @brief Parses a rule name. @throws Error listing the valid names.
Init init_from_string(const std::string& name);

/// @brief The variance the rule gives weights with these fans.
double init_variance(Init init, int64_t fan_in, int64_t fan_out);

/// @brief @p n weights drawn by @p init with the given fans.
std::vector<float> init_weights(Init init, int64_t n, int64_t fan_in, int64_t fan_out,
                                std::mt19937_64& rng);

/// @brief A uniform number in [0, 1) from 53 random bits of @p rng (portable).
double uniform01(std::mt19937_64& rng);

}  // namespace cnnlab
