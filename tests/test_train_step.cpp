// test_train_step.cpp — one training step (cnnlab/train/train_step.hpp): it lowers the loss of
// the batch it was given, it reports the logits, and a non-finite step changes no parameter.
#include <catch2/catch.hpp>

#include <cnnlab/core/backend.hpp>
#include <cnnlab/nn/layers.hpp>
#include <cnnlab/optim/optimizers.hpp>
#include <cnnlab/train/train_step.hpp>

#include <cmath>
#include <limits>
#include <memory>

using namespace cnnlab;

namespace {

// Flatten → Linear(6, 5) → ReLU → Linear(5, 3), seeded.
Sequential tiny_mlp() {
  Sequential m;
  m.add(std::make_unique<Flatten>());
  m.add(std::make_unique<Linear>(6, 5));
  m.add(std::make_unique<ReLU>());
  m.add(std::make_unique<Linear>(5, 3));
  m.init(7);
  m.train();
  return m;
}

Tensor batch_x(float scale = 1.0f) {
  std::vector<float> v(4 * 6);
  for (size_t i = 0; i < v.size(); ++i) v[i] = scale * std::sin(0.7f * float(i) + 0.3f);
  return Tensor::from_vector({4, 1, 2, 3}, v, reference_backend());
}

std::vector<std::vector<float>> values(Sequential& m) {
  std::vector<std::vector<float>> v;
  for (Parameter* p : m.parameters()) v.push_back(p->value.to_vector());
  return v;
}

}  // namespace

TEST_CASE("train_step: repeated steps on one batch lower its loss", "[train][train_step]") {
  Sequential m = tiny_mlp();
  SoftmaxCrossEntropy loss;
  std::unique_ptr<Optimizer> sgd = make_optimizer("sgd", {.lr = 0.1f, .momentum = 0.9f});
  const Tensor x = batch_x(), y = Tensor::from_vector({4}, {0, 1, 2, 1}, reference_backend());
  const StepResult first = train_step(m, loss, *sgd, x, y);
  REQUIRE(first.finite());
  CHECK(first.classes == 3);
  CHECK(first.logits.size() == 12);
  StepResult last = first;
  for (int k = 0; k < 30; ++k) last = train_step(m, loss, *sgd, x, y);
  CHECK(last.finite());
  CHECK(last.loss < 0.5f * first.loss);
  CHECK(sgd->steps() == 31);
}

TEST_CASE("train_step: non-finite logits change no parameter", "[train][train_step]") {
  Sequential m = tiny_mlp();
  SoftmaxCrossEntropy loss;
  std::unique_ptr<Optimizer> sgd = make_optimizer("sgd", {.lr = 0.1f, .momentum = 0.9f});
  const auto before = values(m);
  std::vector<float> v = batch_x().to_vector();
  v[3] = std::numeric_limits<float>::quiet_NaN();
  const Tensor x = Tensor::from_vector({4, 1, 2, 3}, v, reference_backend());
  const StepResult r =
      train_step(m, loss, *sgd, x, Tensor::from_vector({4}, {0, 1, 2, 1}, reference_backend()));
  CHECK_FALSE(r.logits_finite);
  CHECK(std::isnan(r.loss));
  CHECK_FALSE(r.finite());
  CHECK(values(m) == before);
  CHECK(sgd->steps() == 0);
}
