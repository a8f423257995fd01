/// @file perceptron.hpp
/// @brief Rosenblatt's perceptron (1957): a linear threshold unit and its learning rule.
///
/// Contract:
/// - The unit computes f(x) = 1 if w·x + b > 0, else 0 (exactly 0 counts as 0).
/// - One update on an example (x, d) with desired output d ∈ {0, 1} and learning rate α:
///   y = f(x);  w_i ← w_i + α (d − y) x_i;  b ← b + α (d − y)  (the bias is the weight of a
///   constant input 1). A correct prediction (y = d) changes nothing.
/// - train_perceptron() sweeps the examples in order, epoch after epoch, until an epoch makes
///   no mistake or max_epochs epochs have run; it returns the mistakes of each epoch. On a
///   linearly separable set the perceptron convergence theorem guarantees that it stops.
/// - Plain float64 host code (no tensors, no backend): the lecture's first learning algorithm.
/// - Bad input (lengths that differ, a label that is not 0 or 1, α <= 0 or not finite,
///   max_epochs < 1) throws Error naming the problem.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace cnnlab {

/// @brief A perceptron with weights w[D] and bias b.
struct Perceptron {
  std::vector<double> w;  ///< one weight per input, [D]
  double b = 0;           ///< bias

  /// @brief f(x) = 1 if w·x + b > 0, else 0. @throws Error unless x has D values.
  int predict(std::span<const double> x) const;

  /// @brief One step of the rule on example @p x with desired output @p d (0 or 1):
  ///        w_i += α (d − y) x_i and b += α (d − y), where y = predict(x).
  /// @return true when y != d (a mistake, so w and b changed), false otherwise.
  /// @throws Error for a wrong length, d not in {0, 1}, or α not finite and > 0.
  bool update(std::span<const double> x, int d, double alpha);
};

/// @brief Trains @p p on examples @p xs (each of D values) with labels @p d (0 or 1): epochs
///        of update() over the examples in order, until an epoch without a mistake or
///        @p max_epochs epochs.
/// @return the number of mistakes of each epoch that ran (the last is 0 when it converged).
/// @throws Error if xs and d differ in length, the set is empty, or max_epochs < 1 (and
///         whatever update() throws).
std::vector<int64_t> train_perceptron(Perceptron& p, const std::vector<std::vector<double>>& xs,
                                      const std::vector<int>& d, double alpha,
                                      int64_t max_epochs = 1000);

}  // namespace cnnlab
