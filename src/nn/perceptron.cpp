// perceptron.cpp — Rosenblatt's perceptron: predict, the update rule, the training loop
// (cnnlab/nn/perceptron.hpp). Exercise 2 of the graded exercises (exercises/02_perceptron.md).
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/perceptron.hpp>

#include <cmath>
#include <string>

namespace cnnlab {

int Perceptron::predict(std::span<const double> x) const {
  // BEGIN SOLUTION exercise 2: perceptron_predict [x]
  if (x.size() != w.size())
    throw Error("Perceptron::predict: x has " + std::to_string(x.size()) +
                " values but the perceptron has " + std::to_string(w.size()) + " weights");
  double s = b;
  for (size_t i = 0; i < w.size(); ++i) s += w[i] * x[i];
  return s > 0 ? 1 : 0;
  // END SOLUTION
}

bool Perceptron::update(std::span<const double> x, int d, double alpha) {
  // BEGIN SOLUTION exercise 2: perceptron_update [x, d, alpha]
  if (d != 0 && d != 1)
    throw Error("Perceptron::update: the desired output must be 0 or 1, not " + std::to_string(d));
  if (!std::isfinite(alpha) || alpha <= 0)
    throw Error("Perceptron::update: the learning rate must be finite and > 0, not " +
                std::to_string(alpha));
  const int y = predict(x);  // also checks the length
  if (y == d) return false;
  const double step = alpha * double(d - y);  // +α when the unit said 0 for a 1, −α otherwise
  for (size_t i = 0; i < w.size(); ++i) w[i] += step * x[i];
  b += step;
  return true;
  // END SOLUTION
}

std::vector<int64_t> train_perceptron(Perceptron& p, const std::vector<std::vector<double>>& xs,
                                      const std::vector<int>& d, double alpha, int64_t max_epochs) {
  // BEGIN SOLUTION exercise 2: perceptron_train [p, xs, d, alpha, max_epochs]
  if (xs.size() != d.size())
    throw Error("train_perceptron: " + std::to_string(xs.size()) + " examples but " +
                std::to_string(d.size()) + " labels");
  if (xs.empty()) throw Error("train_perceptron: there are no examples");
  if (max_epochs < 1)
    throw Error("train_perceptron: max_epochs must be at least 1, not " +
                std::to_string(max_epochs));
  std::vector<int64_t> mistakes;
  while (int64_t(mistakes.size()) < max_epochs) {
    int64_t m = 0;
    for (size_t j = 0; j < xs.size(); ++j) m += p.update(xs[j], d[j], alpha) ? 1 : 0;
    mistakes.push_back(m);
    if (m == 0) break;
  }
  return mistakes;
  // END SOLUTION
}

}  // namespace cnnlab
