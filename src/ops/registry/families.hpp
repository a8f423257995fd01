// families.hpp — internal: the op registry's families, and what their files share.
//
// What it is: the registry (cnnlab/ops/op_registry.hpp) is written as one file per op family,
// src/ops/registry/<family>.cpp, with the stems of the reference kernels
// (backends/reference/<family>.hpp). Each family file holds, for each of its ops, the runner
// (float32, through the public ops API), the float64 gradient-check case (the reference
// kernels instantiated for double) and the OpInfo row, and returns its rows from one function
// declared here. op_registry.cpp puts the families together in the lecture's order. This
// header also holds the few helpers several family files use: the random inputs of a case,
// the default input shapes, shared settings and message helpers.
// What it is not: public API (not installed), nor the checker (src/check/gradcheck.cpp), nor
// argument checks of the ops themselves (the ops API makes those).
#pragma once

#include <cnnlab/check/gradcheck.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/core/shape.hpp>
#include <cnnlab/ops/op_registry.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <vector>

namespace cnnlab::registry {

// ---- the families, in the lecture's order (op_registry.cpp calls them in this order) ----------

/// conv2d.cpp: conv2d.
std::vector<OpInfo> conv2d_ops();
/// conv_transpose2d.cpp: conv_transpose2d.
std::vector<OpInfo> conv_transpose2d_ops();
/// pool2d.cpp: maxpool2d, avgpool2d, global_avgpool2d, l2pool2d.
std::vector<OpInfo> pool2d_ops();
/// lrn.cpp: lrn (local response normalisation).
std::vector<OpInfo> lrn_ops();
/// linear.cpp: linear, matmul.
std::vector<OpInfo> linear_ops();
/// activations.cpp: relu, sigmoid, tanh.
std::vector<OpInfo> activations_ops();
/// softmax.cpp: softmax, softmax_cross_entropy.
std::vector<OpInfo> softmax_ops();
/// elementwise.cpp: flatten, concat, add.
std::vector<OpInfo> elementwise_ops();
/// batchnorm.cpp: batchnorm2d.
std::vector<OpInfo> batchnorm_ops();
/// dropout.cpp: dropout.
std::vector<OpInfo> dropout_ops();

// ---- shared by the family files ---------------------------------------------------------------

using Vec = std::vector<double>;  ///< one argument (or output) of a case, flattened
using Args = std::vector<Vec>;    ///< all arguments of a case, in GradcheckCase::names order

/// The default gradient-check input of the image ops: x [N, C, H, W] = [2, 3, 7, 7].
inline Shape image_input() { return {2, 3, 7, 7}; }
/// The default gradient-check input of the matrix ops: x [N, D] = [3, 5].
inline Shape matrix_input() { return {3, 5}; }

/// The gradient-check switch of the ops with an optional bias (conv2d, linear).
inline OpSetting no_bias_setting() { return {.name = "no_bias", .about = "leave the bias out"}; }

/// The output-size rule of the ops that take a stride (conv2d and the pools): --size-rule.
inline OpSetting size_rule_setting(bool pooling) {
  return {.name = "size_rule",
          .about = pooling ? "exact (default: refuse a stride that does not tile the input, the "
                             "lecture's rule), floor (round down, PyTorch's default) or ceil "
                             "(round up, PyTorch's ceil_mode)"
                           : "exact (default: refuse a stride that does not tile the input, the "
                             "lecture's rule) or floor (round down, PyTorch's rule)"};
}

/// Deterministic random numbers for one case, drawn from the checker's engine.
struct Rng {
  std::mt19937_64& engine;
  double uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(engine);
  }
  /// Uniform in [-1, 1].
  Vec values(const Shape& s) {
    Vec v(static_cast<size_t>(numel(s)));
    for (double& e : v) e = uniform(-1, 1);
    return v;
  }
  /// Values with |v| in [0.1, 1]: no ReLU kink within reach of the finite-difference step.
  Vec away_from_zero(const Shape& s) {
    Vec v = values(s);
    for (double& e : v) e = (e < 0 ? -1 : 1) * (0.1 + 0.9 * std::abs(e));
    return v;
  }
  /// Distinct values at least 2/n apart, shuffled: no max-pool ties within reach of the step.
  Vec distinct(const Shape& s) {
    const size_t n = static_cast<size_t>(numel(s));
    Vec v(n);
    for (size_t i = 0; i < n; ++i)
      v[i] = -1.0 + 2.0 * (static_cast<double>(i) + 0.5) / static_cast<double>(n);
    std::shuffle(v.begin(), v.end(), engine);
    return v;
  }
};

/// "x [2, 3, 7, 7]": a tensor's name and shape, for a case's description.
inline std::string shape_text(const char* name, const Shape& s) {
  return std::string(name) + " " + to_string(s);
}

/// @p s when it is a matrix [N, D] with N, D >= 1; otherwise throws the case's Error.
inline Shape require_matrix(const char* op, const Shape& s) {
  if (s.size() != 2)
    throw Error(std::string("gradcheck ") + op + ": the input shape must be [N, D], got " +
                to_string(s));
  require_positive(s, std::string("gradcheck ") + op + ": input");
  return s;
}

}  // namespace cnnlab::registry
