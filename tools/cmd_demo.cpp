// cmd_demo.cpp — `cnnlab demo xo`: the lecture's X/O toy ConvNet, table by table, then a
// small network that learns to tell X from O on its own.
//
// Part 1: the 9x9 picture of an X run through cnnlab::xo (filter, ReLU, pool) on the chosen
// backend, printed like the lecture's slides; the three features are the lecture's hand-made
// ones (see cnnlab/demo/xo.hpp). Part 2 (unless --no-train): the built-in model xo_small
// trained for a few epochs on generated 16x16 X/O images with the lecture's trickier cases
// (shifted, scaled, rotated, thick and thin strokes; --data xo of `cnnlab train`), one line per
// epoch, then its test accuracy and a few test images as ASCII pictures with what the network
// said. Deterministic: the data, the initial weights and the shuffling follow from --seed. What
// it is not: the training loop (cnnlab/train/trainer.hpp) or a saved run (no files are written).
#include "cli11.hpp"
#include "cli_common.hpp"
#include "training_common.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/demo/xo.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/train/trainer.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <numeric>

namespace cnnlab::cli {
namespace {

std::string percent(double fraction, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f %%", digits, 100 * fraction);
  return buf;
}

// The predicted class of every image of @p data (the model in evaluation mode).
std::vector<int64_t> predict_all(Sequential& model, const Dataset& data, const Normalization& norm,
                                 Backend& backend) {
  model.to(backend);
  model.eval();
  std::vector<int64_t> order(size_t(data.size()));
  std::iota(order.begin(), order.end(), int64_t{0});
  std::vector<float> x(size_t(data.size() * data.image_size())), labels(size_t(data.size()));
  make_batch(data, order, norm, x, labels);
  const Tensor logits = model.forward(
      Tensor::from_vector({data.size(), data.channels, data.height, data.width}, x, backend));
  const std::vector<float> v = logits.to_vector();
  const int64_t k = logits.dim(1);
  std::vector<int64_t> predicted(size_t(data.size()));
  for (int64_t i = 0; i < data.size(); ++i) {
    const auto row = v.begin() + i * k;
    predicted[size_t(i)] = std::max_element(row, row + k) - row;
  }
  return predicted;
}

// Images @p which of @p data side by side as ASCII pictures ('#' ink, '.' background), each
// headed by its true and predicted class.
void print_pictures(std::ostream& os, const Dataset& data, const std::vector<int64_t>& which,
                    const std::vector<int64_t>& predicted) {
  const auto w = size_t(data.width);
  const size_t col = std::max<size_t>(w, 11) + 3;
  const auto cell = [&](std::string s) { return s + std::string(col - s.size(), ' '); };
  std::string line1, line2;
  for (int64_t i : which) {
    const size_t truth = data.labels[size_t(i)];
    const auto said = size_t(predicted[size_t(i)]);
    line1 += cell("true " + data.class_names[truth]);
    line2 += cell("said " + data.class_names[said] + (said == truth ? "" : " (!)"));
  }
  const auto trimmed = [](std::string s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  };
  os << "  " << trimmed(line1) << "\n  " << trimmed(line2) << "\n";
  for (int64_t y = 0; y < data.height; ++y) {
    std::string row;
    for (int64_t i : which) {
      const auto img = data.image(i);
      std::string r;
      for (int64_t x = 0; x < data.width; ++x)
        r += img[size_t(y * data.width + x)] >= 128 ? '#' : '.';
      row += cell(r);
    }
    os << "  " << trimmed(row) << "\n";
  }
}

// Part 2: trains xo_small on the trickier X/O images and shows what it learned.
void train_xo(Backend& backend, uint64_t seed, int64_t epochs) {
  const DataPair data = open_data("xo", 0, seed);
  TrainOptions o{.epochs = epochs,
                 .batch_size = 32,
                 .seed = seed,
                 .optimizer = "sgd",
                 .optim = {.lr = 0.05f},
                 .schedule = "constant",
                 .norm = data.norm,
                 .out_dir = ""};  // no files: nothing to clean up
  Trainer trainer(load_model("xo_small", seed), data.train, data.test, o, backend);
  std::cout << "\nNow a network learns the features itself. The lecture's trickier cases: "
            << data.train.size() << " training and " << data.test.size() << " test images of "
            << data.train.height << "x" << data.train.width
            << " X's and O's, shifted, scaled, rotated, with thick and thin strokes.\nTraining "
            << trainer.spec().name << " (" << trainer.model().parameter_count()
            << " parameters: conv 4@3x3 -> relu -> pool -> conv 8@3x3 -> relu -> pool -> "
               "linear 2) for "
            << epochs << " epochs, batch " << o.batch_size << ", sgd lr " << o.optim.lr << ", seed "
            << seed << ", " << backend.name() << " backend:\n";
  Trainer::Callbacks cb;
  cb.on_epoch = [&](const EpochMetrics& m) {
    char buf[160];
    std::snprintf(
        buf, sizeof buf, "  epoch %lld/%lld: train loss %.4f, acc %s | test loss %.4f, acc %s\n",
        (long long)m.epoch, (long long)epochs, m.train_loss, percent(m.train_accuracy, 1).c_str(),
        m.test_loss, percent(m.test_accuracy, 1).c_str());
    std::cout << buf << std::flush;
  };
  trainer.run(cb);
  const std::vector<int64_t> predicted =
      predict_all(trainer.model(), data.test, data.norm, backend);
  std::vector<int64_t> wrong;
  for (int64_t i = 0; i < data.test.size(); ++i)
    if (predicted[size_t(i)] != data.test.labels[size_t(i)]) wrong.push_back(i);
  const int64_t right = data.test.size() - int64_t(wrong.size());
  std::cout << "\nTest accuracy: " << percent(double(right) / double(data.test.size()), 1) << " ("
            << right << " of " << data.test.size()
            << " test images right)\n\nSome test images ('#' is ink):\n";
  std::vector<int64_t> shown = {0, 1, 2, 3};
  for (size_t i = 0; i < wrong.size() && i < 2; ++i)
    if (wrong[i] > 3) shown.push_back(wrong[i]);
  print_pictures(std::cout, data.test, shown, predicted);
  if (!wrong.empty())
    std::cout << "(!) marks a mistake: " << wrong.size() << " of the " << data.test.size()
              << " test images.\n";
}

}  // namespace

Command add_demo_command(CLI::App& parent) {
  struct DemoArgs {
    std::string name;
    std::string backend = "reference";
    std::string device;
    uint64_t seed = 1;
    int64_t epochs = 5;
    bool no_train = false;
  };
  auto a = std::make_shared<DemoArgs>();
  const std::vector<std::string> demos = {"xo"};
  CLI::App* app = parent.add_subcommand("demo", "Run a worked example from the lecture notes");
  app->footer(
      "\nDemos:\n  xo    the X/O toy ConvNet: a 9x9 X, three 3x3 features, "
      "filter -> ReLU -> 2x2 max pool; then a small network (models/xo_small.json) trained "
      "on 16x16 X's and O's that are shifted, scaled, rotated and drawn with thick and thin "
      "strokes, with its test accuracy and example predictions (a few seconds)\n"
      "Example: cnnlab demo xo --seed 7\n");
  app->add_option("NAME", a->name, "Which demo: " + join(demos))
      ->type_name("")
      ->check(one_of(demos, "demo"));
  add_backend_option(*app, a->backend);
  add_device_option(*app, a->device);
  app->add_option("--seed", a->seed,
                  "Seed of the generated images, the initial weights and the shuffling")
      ->capture_default_str();
  app->add_option("--epochs", a->epochs, "Epochs of the training part")
      ->capture_default_str()
      ->check(positive());
  app->add_flag("--no-train", a->no_train, "Stop after the lecture's tables (no training)");

  return {app, [a, demos, app]() {
            if (a->name.empty())
              throw UsageError("demo: which demo? choose one of: " + join(demos));
            if (a->no_train)
              for (const char* flag : {"--seed", "--epochs"})
                if (app->count(flag) > 0)
                  throw UsageError(std::string(flag) +
                                   " sets up the training part, which --no-train leaves out");
            apply_device_option(a->device, a->backend);
            Backend& be = backend_by_name(a->backend);
            const Tensor image = Tensor::from_vector({1, 1, 9, 9}, xo::x_image(), be);
            const xo::Tables tables = xo::run(image);
            std::cout << "The lecture's X (9x9, +1 ink, -1 background) through three 3x3 "
                         "features on the "
                      << be.name()
                      << " backend:\n  1. filter: at each position multiply the feature "
                         "with the patch, add up, divide by 9 (9x9 -> 7x7)\n  2. ReLU: "
                         "negative matches become 0\n  3. pool: 2x2 max pooling, stride 2 "
                         "(7x7 -> 4x4, the last row and column in a window of their own)\n\n";
            xo::print(std::cout, tables);
            if (!a->no_train) train_xo(be, a->seed, a->epochs);
            return 0;
          }};
}

}  // namespace cnnlab::cli
