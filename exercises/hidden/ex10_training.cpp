// ex10_training.cpp (hidden) — exercise 10 on a deeper MLP (two hidden layers), other seeds and
// shapes, other SGD settings, and a training run of a deeper model on another part of
// Fashion-MNIST. Expected values: PyTorch (exercises/hidden/data_training.py) and a property.
#include "../checks/training_cases.hpp"
#include "check.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/data/idx.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/nn/sequential.hpp>
#include <cnnlab/train/trainer.hpp>

#include <filesystem>

using namespace cnnlab;
using namespace cnnlab::grade;

GRADE_HIDDEN_CHECK(10, "hidden: backward of a 3-linear-layer MLP (two ReLUs) matches PyTorch") {
  Sequential m = mlp_from("ex10/deep", 3);
  (void)m.forward(golden("ex10/deep_x"));
  m.backward(golden("ex10/deep_dout"));
  expect_gradients(m, "ex10/deep");
}

GRADE_HIDDEN_CHECK(
    10, "hidden: backward of the deeper MLP from the cross-entropy loss matches PyTorch") {
  expect_cross_entropy_gradients("ex10/deep_ce", 3);
}

GRADE_HIDDEN_CHECK(10, "hidden: 6 SGD steps with momentum 0.95 and weight decay 0.05") {
  expect_sgd_steps("ex10/sgd_mix", {.lr = 0.03f, .momentum = 0.95f, .weight_decay = 0.05f});
}

GRADE_HIDDEN_CHECK(10, "hidden: 5 Nesterov SGD steps with momentum 0.5") {
  expect_sgd_steps("ex10/sgd_nest",
                   {.lr = 0.2f, .momentum = 0.5f, .weight_decay = 0.02f, .nesterov = true});
}

GRADE_HIDDEN_CHECK(
    10, "hidden: a 784-96-48-10 MLP trained on other Fashion-MNIST images reaches >= 72 %") {
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(dir + "/train-images-idx3-ubyte.gz"))
    fail("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
  const Dataset train = subset(load_fashion_mnist(dir, true), int64_t{24} * 1000, 6000);
  const Dataset test = subset(load_fashion_mnist(dir, false), 5000, 1000);
  const std::string json = R"({"name": "mlp3", "input": [1, 28, 28], "classes": 10, "layers": [
      {"type": "flatten"}, {"type": "linear", "units": 96}, {"type": "relu"},
      {"type": "linear", "units": 48}, {"type": "relu"}, {"type": "linear", "units": 10}]})";
  const TrainOptions o{.epochs = 3,
                       .batch_size = 50,
                       .seed = 17,
                       .optimizer = "sgd",
                       .optim = {.lr = 0.01f, .momentum = 0.9f, .nesterov = true},
                       .norm = fashion_mnist_normalization()};
  Trainer t(parse_model(json, "the hidden check's MLP", o.seed), train, test, o,
            reference_backend());
  expect_true(t.run().finished, "the Trainer did not finish");
  const double acc = t.history().epochs.back().test_accuracy;
  expect_true(acc >= 0.72, "test accuracy " + std::to_string(100 * acc) + " % after 3 epochs");
}
