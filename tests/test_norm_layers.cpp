// test_norm_layers.cpp — batch normalisation and dropout: the ops on small examples worked out by
// hand, the layers' training and evaluation modes, buffers (named, moved, checkpointed, never
// trained), the dropout mask's statistics and reproducibility, and the model-file types.
//
// Expected values are computed here from the definitions (a mean, a variance, a square root),
// never by the code under test.
#include <catch2/catch.hpp>

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/data/batches.hpp>
#include <cnnlab/data/dataset.hpp>
#include <cnnlab/data/idx.hpp>
#include <cnnlab/nn/layers.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/nn/sequential.hpp>
#include <cnnlab/ops/ops.hpp>
#include <cnnlab/train/checkpoint.hpp>
#include <cnnlab/train/trainer.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace cnnlab;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {
Backend& ref() { return reference_backend(); }
Tensor make(const Shape& s, const std::vector<float>& v) {
  return Tensor::from_vector(s, v, ref());
}
Tensor filled(const Shape& s, float v) {
  return make(s, std::vector<float>(static_cast<size_t>(numel(s)), v));
}
void check_close(const Tensor& t, const std::vector<double>& expected, double tol = 1e-5) {
  const std::vector<float> got = t.to_vector();
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(expected[i]).margin(tol));
  }
}
}  // namespace

// ---- batch norm, the op ------------------------------------------------------------------------

TEST_CASE("batchnorm2d: one channel of 4 values worked by hand, forward, running stats, backward",
          "[batchnorm]") {
  // x = 1, 2, 3, 6 (N = 2 images of 1x2): mean 3, biased variance (4 + 1 + 0 + 9)/4 = 3.5,
  // unbiased 14/3.
  const Tensor x = make({2, 1, 1, 2}, {1, 2, 3, 6});
  Tensor rm = filled({1}, 0.0f), rv = filled({1}, 1.0f);
  const BatchNormForward f = batchnorm2d_forward_train(x, filled({1}, 2.0f), filled({1}, 0.5f), rm,
                                                       rv, {.eps = 1e-5f, .momentum = 0.1f});
  const double is = 1.0 / std::sqrt(3.5 + 1e-5);
  check_close(f.mean, {3.0});
  check_close(f.invstd, {is});
  check_close(f.y, {2 * (-2 * is) + 0.5, 2 * (-1 * is) + 0.5, 0.5, 2 * (3 * is) + 0.5});
  // PyTorch's convention: running = 0.9·running + 0.1·batch, with the UNBIASED variance
  check_close(rm, {0.1 * 3.0});
  check_close(rv, {0.9 * 1.0 + 0.1 * 14.0 / 3.0});

  // backward with dy = (1, 0, 0, 0): dβ = 1, dγ = xhat_0 = −2σ⁻¹,
  // dx_i = γσ⁻¹(dy_i − 1/4 − xhat_i·xhat_0/4)
  const Tensor dy = make({2, 1, 1, 2}, {1, 0, 0, 0});
  const BatchNormGrads g = batchnorm2d_backward(x, dy, filled({1}, 2.0f), f.mean, f.invstd, true);
  check_close(g.dbeta, {1.0});
  check_close(g.dgamma, {-2 * is});
  const double xh[4] = {-2 * is, -1 * is, 0, 3 * is}, d[4] = {1, 0, 0, 0};
  std::vector<double> dx(4);
  for (int i = 0; i < 4; ++i)
    dx[static_cast<size_t>(i)] = 2 * is * (d[i] - 0.25 - xh[i] * xh[0] / 4);
  check_close(g.dx, dx);
  // the gradient of a normalised output sums to zero over the channel
  const std::vector<float> v = g.dx.to_vector();
  CHECK(v[0] + v[1] + v[2] + v[3] == Approx(0).margin(1e-5));

  // evaluation: the running statistics; the backward is the affine map's, dx = γσ⁻¹·dy
  const BatchNormForward e = batchnorm2d_forward_eval(x, filled({1}, 1.0f), filled({1}, 0.0f),
                                                      filled({1}, 1.0f), filled({1}, 4.0f));
  const double ie = 1.0 / std::sqrt(4.0 + 1e-5);
  check_close(e.y, {0.0, 1 * ie, 2 * ie, 5 * ie});
  const BatchNormGrads ge = batchnorm2d_backward(x, dy, filled({1}, 3.0f), e.mean, e.invstd, false);
  check_close(ge.dx, {3 * ie, 0, 0, 0});
}

TEST_CASE("bad input: batchnorm2d shapes, statistics and settings", "[bad-input][batchnorm]") {
  const Tensor x = filled({2, 3, 4, 4}, 1.0f), c3 = filled({3}, 1.0f), c2 = filled({2}, 1.0f);
  REQUIRE_THROWS_WITH(
      batchnorm2d_forward_train(filled({2, 3, 4}, 1.0f), c3, c3, c3, c3),
      Contains("batchnorm2d_forward_train: x must be 4-D [N, C, H, W], got shape [2, 3, 4]"));
  REQUIRE_THROWS_WITH(batchnorm2d_forward_train(x, c2, c3, c3, c3),
                      Contains("gamma has shape [2], expected [3] (one value per channel of x "
                               "[2, 3, 4, 4])"));
  REQUIRE_THROWS_WITH(
      batchnorm2d_forward_eval(x, c3, c3, c3, c2),
      Contains("batchnorm2d_forward_eval: running_var has shape [2], expected [3]"));
  REQUIRE_THROWS_WITH(batchnorm2d_forward_train(x, c3, c3, c3, Tensor()),
                      Contains("give both running_mean and running_var, or neither"));
  REQUIRE_THROWS_WITH(
      batchnorm2d_forward_train(filled({1, 3, 1, 1}, 1.0f), c3, c3, Tensor(), Tensor()),
      Contains("has one value per channel (N·H·W = 1): training needs at least 2"));
  REQUIRE_THROWS_WITH(batchnorm2d_forward_train(x, c3, c3, c3, c3, {.eps = 0.0f}),
                      Contains("eps must be a positive number"));
  REQUIRE_THROWS_WITH(batchnorm2d_forward_train(x, c3, c3, c3, c3, {.momentum = 1.5f}),
                      Contains("momentum must be in [0, 1]"));
  REQUIRE_THROWS_WITH(batchnorm2d_backward(x, filled({2, 3, 4, 5}, 1.0f), c3, c3, c3, true),
                      Contains("batchnorm2d_backward: dy has shape [2, 3, 4, 5], expected "
                               "[2, 3, 4, 4]"));
  REQUIRE_THROWS_WITH(BatchNorm2d(0), Contains("BatchNorm2d: channels must be positive"));
  REQUIRE_THROWS_WITH(BatchNorm2d(3).forward(filled({2, 4, 5, 5}, 1.0f)),
                      Contains("batchnorm2d 3: expects an input of shape [N, 3, H, W], got "
                               "[2, 4, 5, 5]"));
}

// ---- batch norm, the layer and its buffers -----------------------------------------------------

TEST_CASE("BatchNorm2d: training moves the running statistics, evaluation uses them",
          "[batchnorm][nn]") {
  BatchNorm2d bn(2, {.momentum = 0.5f});
  CHECK(bn.weight.value.to_vector() == std::vector<float>{1, 1});
  CHECK(bn.bias.value.to_vector() == std::vector<float>{0, 0});
  // channel 0: 0, 2, 4, 6 (mean 3, unbiased var 20/3); channel 1: all 5 (mean 5, var 0)
  const Tensor x = make({2, 2, 1, 2}, {0, 2, 5, 5, 4, 6, 5, 5});
  const Tensor y = bn.forward(x);
  const double is = 1.0 / std::sqrt(5.0 + 1e-5);  // biased var of channel 0: (9+1+1+9)/4 = 5
  check_close(y, {-3 * is, -1 * is, 0, 0, 1 * is, 3 * is, 0, 0});
  check_close(bn.running_mean.value, {0.5 * 3, 0.5 * 5});
  check_close(bn.running_var.value, {0.5 + 0.5 * 20.0 / 3.0, 0.5});
  (void)bn.backward(filled({2, 2, 1, 2}, 1.0f));
  check_close(bn.bias.grad, {4, 4});  // dβ = Σ dy

  bn.set_mode(Mode::eval);
  const Tensor ye = bn.forward(make({1, 2, 1, 1}, {1.5f, 2.5f}));
  check_close(
      ye, {(1.5 - 1.5) / std::sqrt(0.5 + 10.0 / 3.0 + 1e-5), (2.5 - 2.5) / std::sqrt(0.5 + 1e-5)});
  const Tensor ye2 = bn.forward(make({1, 2, 1, 1}, {3.5f, 2.5f}));
  check_close(ye2, {2.0 / std::sqrt(0.5 + 10.0 / 3.0 + 1e-5), 0.0});
  check_close(bn.running_mean.value, {1.5, 2.5});  // evaluation changes nothing
  REQUIRE_THROWS_WITH(bn.backward(ye2), Contains("backward() needs a forward() in training mode"));
}

TEST_CASE("Sequential: buffers are named, moved and never given to the optimizer",
          "[batchnorm][nn]") {
  Sequential m;
  m.add(Conv2d(1, 2, 3, {.padding = 1})).add(BatchNorm2d(2)).add(ReLU());
  const std::vector<Parameter*> bufs = m.buffers();
  REQUIRE(bufs.size() == 2);
  CHECK(bufs[0]->name == "bn1.running_mean");
  CHECK(bufs[1]->name == "bn1.running_var");
  for (Parameter* p : m.parameters()) CHECK(p->name.find("running") == std::string::npos);
  CHECK(m.parameters().size() == 4);  // conv weight, bias; bn weight, bias
  CHECK(m.state().size() == 6);
  // a training step: the optimizer sees parameters only, the buffers change through forward
  std::vector<float> v(32);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 7) - 3.0f;
  const Tensor x = Tensor::from_vector({2, 1, 4, 4}, v, ref());
  m.train();
  const Tensor y = m.forward(x);
  m.backward(filled(y.shape(), 1.0f));
  for (Parameter* b : m.buffers()) CHECK_FALSE(b->grad.defined());
  const std::vector<std::string> names = backend_names();
  if (std::find(names.begin(), names.end(), "openmp") != names.end()) {
    m.to(backend_by_name("openmp"));
    for (Parameter* b : m.buffers()) CHECK(&b->value.backend() == &backend_by_name("openmp"));
  }
}

// ---- dropout -----------------------------------------------------------------------------------

TEST_CASE("dropout: p = 0 is the identity, p = 1 gives zeros, kept values are scaled by 1/(1-p)",
          "[dropout]") {
  const Tensor x = make({2, 3}, {1, -2, 3, -4, 5, -6});
  CHECK(dropout_forward(x, {.p = 0.0f}).to_vector() == x.to_vector());
  CHECK(dropout_forward(x, {.p = 1.0f}).to_vector() == std::vector<float>(6, 0.0f));
  CHECK(dropout_backward(x, {.p = 1.0f}).to_vector() == std::vector<float>(6, 0.0f));
  const std::vector<float> y = dropout_forward(x, {.p = 0.75f, .seed = 3}).to_vector();
  const std::vector<float> xv = x.to_vector();
  for (size_t i = 0; i < y.size(); ++i) CHECK((y[i] == 0.0f || y[i] == 4.0f * xv[i]));
  REQUIRE_THROWS_WITH(dropout_forward(x, {.p = 1.5f}),
                      Contains("dropout_forward: p (the probability of dropping an element) must "
                               "be in [0, 1], got 1.5"));
  REQUIRE_THROWS_WITH(dropout_forward(x, {.p = -0.1f}), Contains("must be in [0, 1]"));
  REQUIRE_THROWS_WITH(dropout_forward(x, {.p = std::nanf("")}), Contains("must be in [0, 1]"));
  REQUIRE_THROWS_WITH(Dropout({.p = 2.0f}), Contains("Dropout: p"));
}

TEST_CASE("dropout: on 1e6 elements the kept fraction is 1 - p within 4 sigma, on the CPU backends",
          "[dropout]") {
  // The Vulkan mask is the same bits (cross-backend test, in cnnlab_vulkan_tests); this binary
  // stays off the Vulkan driver, which the sanitizer build checks only there.
  const int64_t n = 1000000;
  const Tensor ones = filled({n}, 1.0f);
  for (const std::string& name : backend_names()) {
    if (name == "vulkan") continue;
    Backend& be = backend_by_name(name);
    for (const float p : {0.1f, 0.5f, 0.8f}) {
      const std::vector<float> y = dropout_forward(ones.to(be), {.p = p, .seed = 7}).to_vector();
      int64_t kept = 0;
      for (float v : y) kept += v != 0.0f ? 1 : 0;
      const double q = 1.0 - p, sigma = std::sqrt(static_cast<double>(n) * q * (1 - q));
      INFO(name << " p=" << p << " kept " << kept);
      CHECK(std::abs(static_cast<double>(kept) - static_cast<double>(n) * q) < 4 * sigma);
      // neighbours are independent: P(both kept) = (1 − p)² within 4 sigma
      int64_t pairs = 0;
      for (size_t i = 0; i + 1 < y.size(); i += 2) pairs += (y[i] != 0 && y[i + 1] != 0) ? 1 : 0;
      const double q2 = q * q, s2 = std::sqrt(static_cast<double>(n / 2) * q2 * (1 - q2));
      CHECK(std::abs(static_cast<double>(pairs) - static_cast<double>(n / 2) * q2) < 4 * s2);
    }
  }
}

TEST_CASE("Dropout layer: a new reproducible mask per training batch, identity in evaluation",
          "[dropout][nn]") {
  const Tensor x = filled({4, 256}, 1.0f);
  Dropout a({.p = 0.5f, .seed = 11}), b({.p = 0.5f, .seed = 11}), c({.p = 0.5f, .seed = 12});
  const std::vector<float> a1 = a.forward(x).to_vector();
  const std::vector<float> da = a.backward(filled({4, 256}, 3.0f)).to_vector();
  for (size_t i = 0; i < a1.size(); ++i) CHECK(da[i] == (a1[i] != 0 ? 6.0f : 0.0f));  // same mask
  const std::vector<float> a2 = a.forward(x).to_vector();
  CHECK(a.step() == 2);
  CHECK(a1 != a2);                        // the next batch gets a new mask
  CHECK(b.forward(x).to_vector() == a1);  // same seed: same stream
  CHECK(b.forward(x).to_vector() == a2);
  CHECK(c.forward(x).to_vector() != a1);  // another seed: another stream
  a.set_mode(Mode::eval);
  CHECK(a.forward(x).to_vector() == x.to_vector());  // evaluation: the identity
  CHECK(a.step() == 2);
}

// ---- model files and checkpoints ---------------------------------------------------------------

namespace {
const char* kBnModel = R"({
  "name": "bn_small",
  "input": [1, 28, 28],
  "classes": 10,
  "layers": [
    {"type": "conv2d", "filters": 4, "kernel": 5},
    {"type": "batchnorm2d", "momentum": 0.2, "eps": 0.001},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel": 4},
    {"type": "flatten"},
    {"type": "dropout", "p": 0.25},
    {"type": "linear", "units": 10}
  ]
})";
}  // namespace

TEST_CASE("model files: batchnorm2d and dropout types, their fields and their errors",
          "[batchnorm][dropout][model-file]") {
  LoadedModel m = parse_model(kBnModel, "test", 1);
  REQUIRE(m.spec.layers.size() == 7);
  CHECK(m.spec.layers[1].description == "batchnorm2d 4 momentum 0.2 eps 0.001");
  CHECK(m.spec.layers[1].parameters == 8);
  CHECK(m.spec.layers[5].description == "dropout p 0.25");
  const auto* bn = dynamic_cast<BatchNorm2d*>(&m.model.layer(1));
  REQUIRE(bn != nullptr);
  CHECK(bn->options().momentum == 0.2f);
  CHECK(bn->options().eps == 0.001f);
  CHECK(m.model.buffers().size() == 2);
  // eval() reaches the layers
  m.model.eval();
  CHECK(m.model.layer(1).mode() == Mode::eval);
  CHECK(m.model.layer(5).mode() == Mode::eval);

  std::string bad = kBnModel;
  bad.replace(bad.find("\"p\": 0.25"), 9, "\"p\": 1.25");
  REQUIRE_THROWS_WITH(parse_model(bad, "test", 1), Contains("\"p\""));
  std::string bad_eps = kBnModel;
  bad_eps.replace(bad_eps.find("\"eps\": 0.001"), 12, "\"eps\": 0");
  REQUIRE_THROWS_WITH(parse_model(bad_eps, "test", 1), Contains("\"eps\""));
}

TEST_CASE(
    "checkpoint: a trained batch-norm model keeps its running statistics, and evaluation "
    "uses them",
    "[batchnorm][checkpoint]") {
  const fs::path dir = fs::temp_directory_path() / "cnnlab_test_bn_checkpoint";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const Dataset all = load_fashion_mnist("/usr/share/datasets/fashion-mnist", true);
  const Dataset train = subset(all, 0, 128), test = subset(all, 128, 64);
  const std::string path = (dir / "bn.safetensors").string();
  fs::path model_file = dir / "bn_small.json";
  { std::ofstream(model_file) << kBnModel; }
  TrainOptions o{.epochs = 1,
                 .batch_size = 32,
                 .seed = 5,
                 .optimizer = "sgd",
                 .optim = {.lr = 0.01f, .momentum = 0.9f},
                 .norm = fashion_mnist_normalization()};
  Trainer t(load_model(model_file.string(), 5), train, test, o, reference_backend());
  (void)t.run();
  const std::vector<float> rm = t.model().buffers()[0]->value.to_vector();
  const std::vector<float> rv = t.model().buffers()[1]->value.to_vector();
  CHECK(rm != std::vector<float>(4, 0.0f));  // 4 training batches moved them
  CHECK(rv != std::vector<float>(4, 1.0f));
  t.save_checkpoint(path);

  TrainedModel back = load_trained_model(path);
  REQUIRE(back.model.model.buffers().size() == 2);
  CHECK(back.model.model.buffers()[0]->name == "bn1.running_mean");
  CHECK(back.model.model.buffers()[0]->value.to_vector() == rm);
  CHECK(back.model.model.buffers()[1]->value.to_vector() == rv);

  // evaluation of the loaded model: the same outputs as the trained one (running statistics,
  // no dropout), for a batch of one image (which batch statistics could not even normalise)
  std::vector<float> pixels(28 * 28);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<float>((i * 37) % 17) / 8 - 1;
  const Tensor x = make({1, 1, 28, 28}, pixels);
  t.model().eval();
  back.model.model.eval();
  const std::vector<float> y1 = t.model().forward(x).to_vector();
  const std::vector<float> y2 = back.model.model.forward(x).to_vector();
  CHECK(y1 == y2);
  fs::remove_all(dir);
}
