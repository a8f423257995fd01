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

#include <cnnlab/core/shape.hpp>
#include <cnnlab/ops/geometry.hpp>
#include <cnnlab/ops/lrn_geometry.hpp>

#include <cstdint>
#include <functional>
#include <random>
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

/// @brief The centered-difference gradient of @p loss at @p x: element i is
///        (L(x + s e_i) − L(x − s e_i)) / 2s with the step s = h·max(1, |x_i|).
std::vector<double> numerical_gradient(
    const std::function<double(const std::vector<double>&)>& loss, std::vector<double> x,
    double h = 1e-5);

/// @brief Compares an analytic gradient with a numerical one (same length): the relative
///        error max|a − n| / max(|a| + |n|) and the worst index with both values.
/// @throws Error if the lengths differ.
GradReport compare_gradient(const std::string& name, const Shape& shape,
                            const std::vector<double>& analytic,
                            const std::vector<double>& numeric);

/// @brief Checks one gradient of a scalar function of a vector: compare_gradient() of
///        @p analytic and numerical_gradient().

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
  Shape input;             ///< x's shape ([N, C, H, W] for images, [N, D] for vectors; matmul:
                           ///< a as stored); empty: the op's default (OpInfo::gradcheck)
  int64_t filters = 4;     ///< conv2d: K filters; linear: D_out; matmul: columns N of y
  int64_t kernel = 3;      ///< conv2d: F (square filters)
  Conv2dParams conv;       ///< conv2d: stride, padding, dilation, groups
  int output_padding = 0;  ///< conv_transpose2d (stride, padding, ... from conv): OP
  Pool2dParams pool;       ///< maxpool2d, avgpool2d, l2pool2d
  LrnParams lrn;           ///< lrn: size, alpha, beta, k
  bool bias = true;        ///< conv2d, linear: include a bias
  bool trans_a = false;    ///< matmul: y = aᵀ·op(b), a stored [K, M]
  bool trans_b = false;    ///< matmul: y = op(a)·bᵀ, b stored [N, K]
  bool eval = false;       ///< batchnorm2d: evaluation mode (fixed statistics), not training
  float p = 0.5f;          ///< dropout: the probability of dropping an element
  uint64_t seed = 1;       ///< seed of the random inputs and upstream gradient
};

/// @brief One op instance for the checker, written as plain float64 functions: its random
///        inputs, y = forward(args) and the gradients backward(args, dy).
///
/// The op registry (op_registry.hpp) says, for each op, how to make one from a GradcheckSpec.
struct GradcheckCase {
  std::string description;                ///< shapes and hyperparameters, for the report
  std::vector<std::string> names;         ///< one name per differentiable argument, e.g. "x", "w"
  std::vector<Shape> shapes;              ///< the shape of each argument
  std::vector<std::vector<double>> args;  ///< the values of each argument
  /// @brief y = f(args), flattened.
  std::function<std::vector<double>(const std::vector<std::vector<double>>& args)> forward;
  /// @brief The analytic gradients dL/dargs given dL/dy, one per argument, same order.
  std::function<std::vector<std::vector<double>>(const std::vector<std::vector<double>>& args,
                                                 const std::vector<double>& dy)>
      backward;
};

/// @brief Makes an op's GradcheckCase from a spec whose input shape is set, drawing the
///        random inputs from @p rng. Throws Error for a spec the op cannot take.
using GradcheckCaseMaker = GradcheckCase (*)(const GradcheckSpec& spec, std::mt19937_64& rng);

/// @brief Runs the gradient checker on a named op with random inputs.
/// @param op one of gradcheck_ops(), i.e. an op of op_registry() that has a gradient check
/// @param spec the shape and hyperparameters; an empty spec.input means the op's default shape
/// @throws Error for an unknown op or an invalid spec (with the op's own message).
GradcheckResult gradcheck_op(const std::string& op, const GradcheckSpec& spec);

/// @brief The op names gradcheck_op() accepts, in the order of op_registry().
std::vector<std::string> gradcheck_ops();

}  // namespace cnnlab
