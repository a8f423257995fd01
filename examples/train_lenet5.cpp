// train_lenet5.cpp — training in C++, docs/training.md "The same in C++": LeNet-5 as a
// Sequential, one optimizer, and the training step (forward, loss, backward, update), run a
// few times on one small batch so that the loss visibly falls.
//
// Contract: builds LeNet-5 (28×28 grey input, 10 classes), prints its parameter count, then
// trains on one fixed batch of 8 random images with labels 0..7 and prints the loss of each
// step. Worked out by hand:
//   parameters  c1 6·(5·5·1 + 1) = 156, c3 16·(5·5·6 + 1) = 2416, f5 400·120 + 120 = 48120,
//               f6 120·84 + 84 = 10164, output 84·10 + 10 = 850: 61706 in all
//   loss        a guess spread evenly over 10 classes scores ln 10 = 2.303, so an untrained
//               network starts near it (the check: between 1 and 4 at step 1); one that has
//               learned its 8 images scores far below it (the check: under 0.1 at step 30)
// examples/CMakeLists.txt checks these.
#include <cnnlab/cnnlab.hpp>
#include <iostream>
#include <random>

int main() {
  using namespace cnnlab;
  // [model]
  Sequential m;
  m.add(Conv2d(1, 6, 5, {.padding = 2})).add(ReLU()).add(MaxPool2d({.kernel = 2}))
   .add(Conv2d(6, 16, 5)).add(ReLU()).add(MaxPool2d({.kernel = 2}))
   .add(Flatten()).add(Linear(400, 120)).add(ReLU()).add(Linear(120, 84)).add(ReLU())
   .add(Linear(84, 10));
  m.init(1);                              // He initialisation from seed 1
  m.to(backend_by_name("reference"));     // or "openmp", "vulkan"
  auto opt = make_optimizer("sgd", {.lr = 0.01f, .momentum = 0.9f});
  SoftmaxCrossEntropy loss;
  // [model]
  std::cout << "LeNet-5: " << m.parameter_count() << " parameters\n";

  // One batch of 8 images of uniform noise in [0, 1), labels 0, 1, ..., 7 (as floats).
  const int64_t batch = 8;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
  std::vector<float> pixels(size_t(batch * 28 * 28));
  std::vector<float> classes(static_cast<size_t>(batch));
  for (float& p : pixels) p = pixel(rng);
  for (int64_t i = 0; i < batch; ++i) classes[size_t(i)] = float(i);
  Backend& be = backend_by_name("reference");
  Tensor x = Tensor::from_vector({batch, 1, 28, 28}, pixels, be);
  Tensor labels = Tensor::from_vector({batch}, classes, be);

  for (int step = 1; step <= 30; ++step) {
    // [step]
    m.zero_grad();
    Tensor logits = m.forward(x);           // every layer keeps what its backward needs
    float l = loss.forward(logits, labels).at(0);
    m.backward(loss.backward());            // dL/dlogits back through every layer: the chain rule
    opt->step(m.parameters());              // on the parameters' own backend
    // [step]
    std::cout << "step " << step << " loss " << l << "\n";
  }
}
