// ex10_training.cpp — exercise 10: Sequential::backward (src/nn/sequential.cpp), the SGD update
// with momentum, weight decay and Nesterov (backends/reference/elementwise.hpp, through the ops
// API) and one training step (src/train/train_step.cpp, used by the Trainer), on the reference
// backend. Expected values: PyTorch autograd and torch.optim.SGD (exercises/tools/
// data_training.py), and for the training run a property: test accuracy far above chance.
#include "check.hpp"
#include "training_cases.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/data/idx.hpp>
#include <cnnlab/nn/layers.hpp>
#include <cnnlab/nn/loss.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/nn/sequential.hpp>
#include <cnnlab/ops/ops.hpp>
#include <cnnlab/optim/optimizers.hpp>
#include <cnnlab/train/train_step.hpp>
#include <cnnlab/train/trainer.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <sstream>

using namespace cnnlab;
using namespace cnnlab::grade;

GRADE_CHECK(
    10,
    "Sequential backward of Flatten→Linear→ReLU→Linear: every parameter gradient matches PyTorch") {
  Sequential m = mlp_from("ex10/mlp", 2);
  const Tensor y = m.forward(golden("ex10/mlp_x"));
  expect_close("the model's output (forward, given for reference)", y, golden("ex10/mlp_y"));
  m.backward(golden("ex10/mlp_dout"));
  expect_gradients(m, "ex10/mlp");
}

GRADE_CHECK(10, "Sequential backward from the softmax cross-entropy loss matches PyTorch") {
  expect_cross_entropy_gradients("ex10/mlp_ce", 2);
}

GRADE_CHECK(10, "Sequential backward of a model without layers is refused") {
  Sequential empty;
  expect_error(
      "backward() of an empty Sequential",
      [&] {
        empty.backward(Tensor::zeros({1, 2}, reference_backend()));
      },
      "no layers");
}

GRADE_CHECK(10, "sgd_update without momentum: param −= lr·grad (3 steps vs torch.optim.SGD)") {
  expect_sgd_steps("ex10/sgd_plain", {.lr = 0.1f});
}

GRADE_CHECK(10, "sgd_update with momentum 0.9 (4 steps vs torch.optim.SGD)") {
  expect_sgd_steps("ex10/sgd_momentum", {.lr = 0.1f, .momentum = 0.9f});
}

GRADE_CHECK(10, "sgd_update with momentum and weight decay (4 steps vs torch.optim.SGD)") {
  expect_sgd_steps("ex10/sgd_decay", {.lr = 0.05f, .momentum = 0.9f, .weight_decay = 0.01f});
}

GRADE_CHECK(10, "sgd_update with Nesterov momentum and weight decay (4 steps vs torch.optim.SGD)") {
  expect_sgd_steps("ex10/sgd_nesterov",
                   {.lr = 0.1f, .momentum = 0.8f, .weight_decay = 0.001f, .nesterov = true});
}

GRADE_CHECK(10,
            "train_step: one step changes the weights as forward → loss → backward → SGD would") {
  // Expected: PyTorch's gradients of the cross-entropy case, then one plain SGD step by hand:
  // w − lr·dL/dw for every parameter.
  Sequential m = mlp_from("ex10/mlp_ce", 2);
  const float lr = 0.5f;
  std::unique_ptr<Optimizer> sgd = make_optimizer("sgd", {.lr = lr, .momentum = 0.0f});
  SoftmaxCrossEntropy loss;
  const StepResult r =
      train_step(m, loss, *sgd, golden("ex10/mlp_ce_x"), golden("ex10/mlp_ce_labels"));
  expect_true(r.finite(), "train_step reported a non-finite loss on a small well-behaved batch");
  expect_close("the logits train_step returns", r.logits, golden("ex10/mlp_ce_y").to_vector(),
               golden("ex10/mlp_ce_y").shape());
  expect_equal("StepResult::classes", r.classes, 3);
  int64_t k = 0;
  for (Parameter* p : m.parameters()) {
    const std::string n = std::to_string(k / 2 + 1);
    const std::vector<float> before =
        golden("ex10/mlp_ce" + std::string(k % 2 ? "_b" : "_w") + n).to_vector();
    const std::vector<float> grad =
        golden("ex10/mlp_ce" + std::string(k % 2 ? "_db" : "_dw") + n).to_vector();
    std::vector<float> want(before.size());
    for (size_t i = 0; i < want.size(); ++i) want[i] = before[i] - lr * grad[i];
    expect_close(p->name + " after one step", p->value.to_vector(), want, p->value.shape());
    ++k;
  }
}

GRADE_CHECK(10,
            "the Trainer (train_step per batch) trains an MLP on 6,000 Fashion-MNIST images with "
            "SGD momentum to >= 75 % test accuracy") {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz"))
    fail("Fashion-MNIST is not installed in " + dir +
         ": install Debian's package dataset-fashion-mnist (sudo apt-get install "
         "dataset-fashion-mnist)");
  const Dataset train = subset(load_fashion_mnist(dir, true), 0, 6000);
  const Dataset test = subset(load_fashion_mnist(dir, false), 0, 1000);  // held out
  const std::string json = R"({"name": "mlp", "input": [1, 28, 28], "classes": 10, "layers": [
      {"type": "flatten"}, {"type": "linear", "units": 64}, {"type": "relu"},
      {"type": "linear", "units": 10}]})";
  const TrainOptions o{.epochs = 3,
                       .batch_size = 32,
                       .seed = 5,
                       .optimizer = "sgd",
                       .optim = {.lr = 0.01f, .momentum = 0.9f},
                       .norm = fashion_mnist_normalization()};
  Trainer t(parse_model(json, "the check's MLP", o.seed), train, test, o, reference_backend());
  const auto start = std::chrono::steady_clock::now();
  const TrainOutcome out = t.run();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  expect_true(out.finished, "the Trainer did not finish its 3 epochs");
  const EpochMetrics& last = t.history().epochs.back();
  std::ostringstream s;
  s << "after 3 epochs (" << seconds << " s) the test accuracy is " << 100 * last.test_accuracy
    << " % (train loss " << last.train_loss << "); the solution gets 82.4 % "
    << "(in about 2 s), chance is 10 %";
  expect_true(last.test_accuracy >= 0.75, s.str());
}
