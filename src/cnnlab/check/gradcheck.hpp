/// @file gradcheck.hpp
/// @brief The gradient checker: compares a backward pass with centered finite differences.
///
/// Contract:
/// - Works in float64 on the reference backend's kernels (which are templated on the scalar
///   type), so round-off does not hide a wrong formula.
/// - For an op y = f(x) we pick a random upstream gradient g and the scalar loss
///   L(x) = Σ g ⊙ f(x). The analytic gradient is the op's backward pass applied to g; the
///   numerical one is (L(x + h e_i) − L(x − h e_i)) / 2h with h = 1e-5·max(1, |x_i|).
/// - The error is relative: max_i |a_i − n_i| / max(max_i (|a_i| + |n_i|), 1e-300), and the
///   report names the worst index i with both values, for every input and parameter checked.
/// - Inputs are random but chosen away from kinks (ReLU at 0, max-pool ties) so the
///   derivative exists where we measure it.
#pragma once

#include <cnnlab/ops/geometry.hpp>
#include <cnnlab/core/shape.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief The comparison of one analytic gradient with its numerical estimate.
struct GradReport {
  std::string name;          ///< which input or parameter, e.g. "x", "w", "b"
  Shape shape;               ///< its shape
  double max_rel_error = 0;  ///< max|a − n| / max(|a| + |n|)
  int64_t worst_index = 0;   ///< flat index with the largest |a − n|
  double analytic = 0;       ///< analytic gradient at worst_index
  double numeric = 0;        ///< numerical gradient at worst_index
};

/// @brief All reports of one gradient check, one per input and parameter.
struct GradcheckResult {
  std::string op;                   ///< op name, e.g. "conv2d"
  std::string description;          ///< shapes and hyperparameters that were checked
  std::vector<GradReport> reports;  ///< one report per differentiable argument
  /// @brief The largest relative error over all reports.
  double max_rel_error() const;
  /// @brief True when every report's error is at most @p tolerance.
  bool passed(double tolerance = 1e-7) const { return max_rel_error() <= tolerance; }
  /// @brief Multi-line report: one line per argument with error, worst index and both values.
  std::string to_string() const;
};

/// @brief Checks one gradient of a scalar function of a vector.
/// @param name       label for the report
/// @param shape      shape of @p x, for the report
/// @param loss       L(x), evaluated in float64
/// @param x          the point at which to differentiate
/// @param analytic   the gradient to check, same length as @p x
/// @param h          relative step size (the step is h·max(1, |x_i|))
/// @throws Error if the lengths of @p x and @p analytic differ.
GradReport check_gradient(const std::string& name, const Shape& shape,
                          const std::function<double(const std::vector<double>&)>& loss,
                          std::vector<double> x, const std::vector<double>& analytic,
                          double h = 1e-5);

/// @brief What to check: the input shape and the op's hyperparameters. Fields an op does not
///        use are ignored.
struct GradcheckSpec {
  Shape input = {2, 3, 7, 7};  ///< x's shape ([N, C, H, W] for images, [N, D] for vectors)
  int64_t filters = 4;         ///< conv2d: K filters; linear: D_out
  int64_t kernel = 3;          ///< conv2d: F (square filters)
  Conv2dParams conv;           ///< conv2d: stride, padding, dilation, groups
  Pool2dParams pool;           ///< maxpool2d, avgpool2d
  bool bias = true;            ///< conv2d, linear: include a bias
  uint64_t seed = 1;           ///< seed of the random inputs and upstream gradient
};

/// @brief Runs the gradient checker on a named op with random inputs.
/// @param op one of gradcheck_ops(): "conv2d", "maxpool2d", "avgpool2d", "linear", "relu",
///        "sigmoid", "tanh", "softmax", "softmax_cross_entropy", "flatten", "add"
/// @throws Error for an unknown op or an invalid spec (with the op's own message).
GradcheckResult gradcheck_op(const std::string& op, const GradcheckSpec& spec);

/// @brief The op names gradcheck_op() accepts.
std::vector<std::string> gradcheck_ops();

}  // namespace cnnlab
