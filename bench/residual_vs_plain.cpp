// residual_vs_plain.cpp — "learning works": a small residual network with batch normalisation
// against the same network without its skip connections, trained side by side.
//
// Contract:
// - Both networks are written as model files (the JSON text is printed with --print-models):
//   a 3x3 conv (W filters) + batch norm + ReLU stem, then three stages of B blocks each with
//   W, 2W and 4W filters (the first block of stages 2 and 3 has stride 2), global average
//   pooling and a linear layer to the 10 classes: 6B + 2 weight layers (He et al. 2015,
//   section 4.2, the CIFAR-10 nets). The defaults (B = 5, W = 8: 32 layers, 2,000 training
//   images, 4 epochs) run in about 10 seconds on 2 cores.
//   * residual: each block is a `basic_block` (conv-bn-relu-conv-bn plus the input, then ReLU;
//     a 1x1 projection with batch norm where the shape changes);
//   * plain: each block is the same conv-bn-relu-conv-bn-relu without the sum.
//   Same seed, same data order, same optimizer, same number of weight layers; the only
//   difference is the skip connections (and the residual net's two 1x1 projections).
// - Data: Fashion-MNIST (Debian's dataset-fashion-mnist, /usr/share/datasets/fashion-mnist),
//   the first --train training and --test test images, cropped to their central 25x25 pixels so
//   that stride 2 tiles exactly (25 -> 13 -> 7; the borders of Fashion-MNIST are blank).
// - Output: one line per epoch and network; with --markdown, then a Markdown table of both
//   curves (train loss and accuracy, test loss and accuracy per epoch, for bench/RESULTS.md)
//   and, with --csv, the same as a CSV file.
//   With --check it asserts the lecture's point, which docs/architectures.md states: the
//   residual network's training loss is below the plain one's at every epoch (the plain network
//   is harder to optimise); it prints that verdict and exits 1 when it does not hold. The docs
//   target runs it that way and includes the output. Not a timed test.
// - Runs on the OpenMP backend with --threads threads (default 2).
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/data/batches.hpp>
#include <cnnlab/data/dataset.hpp>
#include <cnnlab/data/idx.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/train/trainer.hpp>

#include <omp.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

using namespace cnnlab;

namespace {

struct Options {
  std::string data = "/usr/share/datasets/fashion-mnist";
  int64_t train = 2000;       // training images (the first ones of the training set)
  int64_t test = 500;         // test images
  int64_t epochs = 4;         //
  int64_t blocks = 5;         // B: blocks per stage (depth 6B + 2)
  int64_t width = 8;          // W: filters of the first stage
  int64_t batch = 64;         //
  float lr = 0.05f;           // SGD with momentum 0.9
  uint64_t seed = 1;          //
  int threads = 2;            //
  std::string csv;            // where to write the curves ("" = nowhere)
  bool print_models = false;  // print both model files and exit
  std::string only;           // "residual" or "plain": train that network only
};

/// A copy of @p d cropped to its central @p size x @p size pixels.
Dataset center_crop(const Dataset& d, int64_t size) {
  if (size > d.height || size > d.width) throw Error("center_crop: the images are smaller");
  Dataset out;
  out.name = d.name + " (central " + std::to_string(size) + "x" + std::to_string(size) + ")";
  out.channels = d.channels;
  out.height = size;
  out.width = size;
  out.labels = d.labels;
  out.class_names = d.class_names;
  out.images.resize(static_cast<size_t>(d.size() * d.channels * size * size));
  const int64_t top = (d.height - size) / 2, left = (d.width - size) / 2;
  size_t k = 0;
  for (int64_t i = 0; i < d.size(); ++i) {
    const std::span<const uint8_t> img = d.image(i);
    for (int64_t c = 0; c < d.channels; ++c)
      for (int64_t y = 0; y < size; ++y)
        for (int64_t x = 0; x < size; ++x)
          out.images[k++] = img[static_cast<size_t>((c * d.height + top + y) * d.width + left + x)];
  }
  check_dataset(out);
  return out;
}

/// One layer of a model file.
std::string conv(int64_t filters, int stride) {
  return R"({"type": "conv2d", "filters": )" + std::to_string(filters) +
         R"(, "kernel": 3, "stride": )" + std::to_string(stride) +
         R"(, "padding": 1, "bias": false})";
}
const std::string kBn = R"({"type": "batchnorm2d"})";
const std::string kRelu = R"({"type": "relu"})";

/// The model file of the residual (@p residual) or plain network, for 1 x 25 x 25 images.
std::string model_json(bool residual, const Options& o) {
  std::vector<std::string> layers = {conv(o.width, 1), kBn, kRelu};
  for (int64_t stage = 0; stage < 3; ++stage) {
    const int64_t filters = o.width << stage;
    for (int64_t b = 0; b < o.blocks; ++b) {
      const int stride = (stage > 0 && b == 0) ? 2 : 1;
      if (residual) {
        layers.push_back(R"({"type": "basic_block", "filters": )" + std::to_string(filters) +
                         R"(, "stride": )" + std::to_string(stride) + "}");
      } else {
        for (const std::string& l :
             {conv(filters, stride), kBn, kRelu, conv(filters, 1), kBn, kRelu})
          layers.push_back(l);
      }
    }
  }
  layers.push_back(R"({"type": "global_avgpool2d"})");
  layers.push_back(R"({"type": "flatten"})");
  layers.push_back(R"({"type": "linear", "units": 10})");
  const int64_t depth = 6 * o.blocks + 2;
  std::ostringstream json;
  json << "{\n  \"name\": \"" << (residual ? "resnet" : "plain") << depth << "\",\n"
       << "  \"description\": \"" << (residual ? "residual" : "plain (no skip connections)")
       << " network of " << depth << " weight layers, " << o.width << "/" << 2 * o.width << "/"
       << 4 * o.width << " filters, batch norm\",\n"
       << "  \"input\": [1, 25, 25],\n  \"classes\": 10,\n  \"layers\": [\n";
  for (size_t i = 0; i < layers.size(); ++i)
    json << "    " << layers[i] << (i + 1 < layers.size() ? ",\n" : "\n");
  json << "  ]\n}\n";
  return json.str();
}

/// Trains one network and returns its per-epoch figures.
std::vector<EpochMetrics> train_one(bool residual, const Options& o, const Dataset& train,
                                    const Dataset& test, Backend& backend) {
  const std::string json = model_json(residual, o);
  LoadedModel model = parse_model(json, residual ? "residual" : "plain", o.seed);
  const std::string name = model.spec.name;
  std::cout << "== " << name << ": " << model.spec.description << ", "
            << model.model.parameter_count() << " parameters\n"
            << std::flush;
  TrainOptions t{.epochs = o.epochs,
                 .batch_size = o.batch,
                 .seed = o.seed,
                 .optimizer = "sgd",
                 .optim = {.lr = o.lr, .momentum = 0.9f},
                 .norm = fashion_mnist_normalization()};
  Trainer trainer(std::move(model), train, test, t, backend);
  Trainer::Callbacks cb;
  cb.on_epoch = [&](const EpochMetrics& m) {
    std::printf(
        "%s epoch %lld: train loss %.4f acc %.2f %% | test loss %.4f acc %.2f %% | %.0f s\n",
        name.c_str(), static_cast<long long>(m.epoch), m.train_loss, 100 * m.train_accuracy,
        m.test_loss, 100 * m.test_accuracy, m.elapsed_seconds);
    std::fflush(stdout);
  };
  trainer.run(cb);
  return trainer.history().epochs;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "Trains a residual network with batch norm and the same network without skip "
      "connections on Fashion-MNIST (central 25x25) and prints both learning curves."};
  app.add_option("--data", o.data, "Fashion-MNIST folder (the four IDX files)");
  app.add_option("--train", o.train, "training images used (the first ones)")
      ->check(CLI::Range(1, 60000));
  app.add_option("--test", o.test, "test images used")->check(CLI::Range(1, 10000));
  app.add_option("--epochs", o.epochs, "epochs")->check(CLI::Range(1, 1000));
  app.add_option("--blocks", o.blocks, "blocks per stage B (depth 6B + 2)")
      ->check(CLI::Range(1, 50));
  app.add_option("--width", o.width, "filters of the first stage")->check(CLI::Range(1, 512));
  app.add_option("--batch", o.batch, "batch size")->check(CLI::Range(1, 4096));
  app.add_option("--lr", o.lr, "SGD learning rate (momentum 0.9)");
  app.add_option("--seed", o.seed, "seed of both networks' parameters and of the data order");
  app.add_option("--threads", o.threads, "OpenMP threads")->check(CLI::Range(1, 256));
  app.add_option("--csv", o.csv, "write the curves to this CSV file");
  app.add_option("--only", o.only, "train only this network")
      ->check(CLI::IsMember({"residual", "plain"}));
  app.add_flag("--print-models", o.print_models, "print both model files and exit");
  bool markdown = false;
  app.add_flag("--markdown", markdown, "also print both curves as one Markdown table");
  bool check = false;
  app.add_flag("--check", check,
               "exit 1 unless the residual network's training loss is below the plain one's at "
               "every epoch");
  CLI11_PARSE(app, argc, argv);

  try {
    if (check && !o.only.empty()) throw Error("--check compares both networks: leave out --only");
    if (o.print_models) {
      std::cout << model_json(true, o) << "\n" << model_json(false, o);
      return 0;
    }
    omp_set_num_threads(o.threads);
    Backend& backend = backend_by_name("openmp");
    const Dataset train = center_crop(subset(load_fashion_mnist(o.data, true), 0, o.train), 25);
    const Dataset test = center_crop(subset(load_fashion_mnist(o.data, false), 0, o.test), 25);
    std::cout << train.size() << " training and " << test.size() << " test images, " << o.epochs
              << " epochs, batch " << o.batch << ", SGD lr " << o.lr << " momentum 0.9, seed "
              << o.seed << ", " << o.threads << " threads\n";

    const std::vector<EpochMetrics> res =
        o.only == "plain" ? std::vector<EpochMetrics>{} : train_one(true, o, train, test, backend);
    const std::vector<EpochMetrics> plain = o.only == "residual"
                                                ? std::vector<EpochMetrics>{}
                                                : train_one(false, o, train, test, backend);

    const int64_t depth = 6 * o.blocks + 2;
    std::ostringstream table, csv;
    table << "\n| epoch | resnet" << depth << " train loss | acc | test loss | acc | plain" << depth
          << " train loss | acc | test loss | acc |\n|---|---|---|---|---|---|---|---|---|\n";
    csv << "epoch,net,train_loss,train_accuracy,test_loss,test_accuracy,seconds\n";
    char buf[512];
    for (size_t e = 0; e < res.size() && e < plain.size(); ++e) {
      const EpochMetrics &r = res[e], &p = plain[e];
      std::snprintf(
          buf, sizeof buf,
          "| %lld | %.4f | %.2f %% | %.4f | %.2f %% | %.4f | %.2f %% | %.4f | %.2f %% |\n",
          static_cast<long long>(r.epoch), r.train_loss, 100 * r.train_accuracy, r.test_loss,
          100 * r.test_accuracy, p.train_loss, 100 * p.train_accuracy, p.test_loss,
          100 * p.test_accuracy);
      table << buf;
    }
    for (const auto& [net, hist] : {std::pair{"resnet", &res}, std::pair{"plain", &plain}})
      for (const EpochMetrics& m : *hist) {
        std::snprintf(buf, sizeof buf, "%lld,%s%lld,%.6f,%.6f,%.6f,%.6f,%.1f\n",
                      static_cast<long long>(m.epoch), net, static_cast<long long>(depth),
                      m.train_loss, m.train_accuracy, m.test_loss, m.test_accuracy, m.seconds);
        csv << buf;
      }
    if (markdown) std::cout << table.str();
    if (!o.csv.empty()) {
      std::ofstream f(o.csv);
      f << csv.str();
      if (!f) throw Error("cannot write " + o.csv);
      std::cout << "curves written to " << o.csv << "\n";
    }
    if (check) {
      bool below = true;
      for (size_t e = 0; e < res.size(); ++e) below = below && res[e].train_loss < plain[e].train_loss;
      std::cout << "\nresnet" << depth << "'s training loss is "
                << (below ? "below" : "NOT below") << " plain" << depth
                << "'s at every epoch" << (below ? ": the plain network is harder to optimise\n"
                                                  : "\n");
      if (!below) return 1;
    }
  } catch (const std::exception& e) {
    std::cerr << "residual_vs_plain: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
