// training_common.cpp — datasets by name, the backend choice and the progress line
// (see training_common.hpp).
#include "training_common.hpp"

#include "cli11.hpp"

#include "cli_common.hpp"

#include <cnnlab/core/error.hpp>
#include <cnnlab/data/cifar.hpp>
#include <cnnlab/data/idx.hpp>
#include <cnnlab/data/xo_dataset.hpp>

#ifdef CNNLAB_HAVE_VULKAN
#include "backends/vulkan/vulkan_backend.hpp"
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include <unistd.h>

namespace cnnlab::cli {

std::string data_help() {
  return "Dataset: fashion-mnist[:DIR] (default DIR /usr/share/datasets/fashion-mnist, Debian's "
         "dataset-fashion-mnist), mnist:DIR, cifar10:DIR (the binary version), or xo "
         "(generated X/O images with the lecture's trickier cases)";
}

XoOptions xo_tricky_options(int64_t count, uint64_t seed) {
  return {.count = count,
          .size = 16,
          .seed = seed,
          .max_shift = 2.0,
          .min_scale = 0.7,
          .max_scale = 1.1,
          .max_rotation_degrees = 25.0,
          .min_stroke = 1.0,
          .max_stroke = 2.5};
}

DataPair open_data(const std::string& spec, int64_t limit, uint64_t seed) {
  const size_t colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  const std::string dir = colon == std::string::npos ? "" : spec.substr(colon + 1);
  DataPair d;
  if (kind == "fashion-mnist") {
    const std::string where = dir.empty() ? "/usr/share/datasets/fashion-mnist" : dir;
    d.train = load_fashion_mnist(where, true);
    d.test = load_fashion_mnist(where, false);
    d.norm = fashion_mnist_normalization();
  } else if (kind == "mnist") {
    if (dir.empty()) throw UsageError("--data mnist:DIR: say where the MNIST files are");
    d.train = load_mnist(dir, true);
    d.test = load_mnist(dir, false);
    d.norm = mnist_normalization();
  } else if (kind == "cifar10") {
    if (dir.empty()) throw UsageError("--data cifar10:DIR: say where the CIFAR-10 files are");
    d.train = load_cifar10(dir, true);
    d.test = load_cifar10(dir, false);
    d.norm = cifar10_normalization();
  } else if (kind == "xo") {
    d.train = make_xo_dataset(xo_tricky_options(2000, seed));
    d.test = make_xo_dataset(xo_tricky_options(500, seed + 1000));
    d.train.name = "xo train";
    d.test.name = "xo test";
    d.norm = compute_normalization(d.train);
  } else {
    throw UsageError("--data: unknown dataset '" + spec + "'. " + data_help());
  }
  if (limit > 0 && limit < d.train.size()) {
    const int64_t test =
        std::min(d.test.size(), std::max<int64_t>(1000, d.test.size() * limit / d.train.size()));
    d.train = subset(d.train, 0, limit);
    d.test = subset(d.test, 0, test);
  }
  return d;
}

std::string data_spec_for(const TrainedModel& model, const std::string& given) {
  if (!given.empty()) return given;
  if (!model.data_spec.empty()) return model.data_spec;
  const std::string& trained_on = model.dataset;
  const std::string kind = trained_on.substr(0, trained_on.find(' '));
  if (kind == "fashion-mnist" || kind == "xo") return kind;
  throw UsageError("the checkpoint was trained on '" + trained_on +
                   "', which cannot be opened without being told where: pass --data (" +
                   data_help() + ")");
}

std::string choose_backend(const std::string& requested) {
  if (requested != "auto") return requested;
#ifdef CNNLAB_HAVE_VULKAN
  try {
    for (const VulkanDeviceInfo& dev : vulkan_devices())
      if (dev.type.find("GPU") != std::string::npos) return "vulkan";
  } catch (const Error&) {
    // no Vulkan loader or driver: the CPU backends it is
  }
#endif
  const std::vector<std::string> names = backend_names();
  return std::find(names.begin(), names.end(), "openmp") != names.end() ? "openmp" : "reference";
}

CLI::Option* add_auto_backend_option(CLI::App& app, std::string& backend) {
  std::vector<std::string> names = backend_names();
  names.insert(names.begin(), "auto");
  return app
      .add_option("--backend", backend,
                  "Backend: auto (Vulkan on a real GPU, else OpenMP), " + join(backend_names()))
      ->capture_default_str()
      ->type_name("NAME")
      ->check(one_of(names, "backend"));
}

CLI::Option* add_checkpoint_argument(CLI::App& app, std::string& checkpoint,
                                     const std::string& help) {
  return app.add_option("CHECKPOINT", checkpoint, help)->type_name("")->check(existing_file());
}

std::string format_duration(double seconds) {
  const auto s = int64_t(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", (long long)(s / 3600),
                  (long long)(s / 60 % 60), (long long)(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
  return buf;
}

ProgressLine::ProgressLine() : tty_(isatty(STDOUT_FILENO) == 1) {}

void ProgressLine::update(double fraction, const std::string& text) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  if (!tty_) {  // a log file: a plain line every 10 %
    if (fraction + 1e-12 < next_plain_ && fraction < 1.0) return;
    next_plain_ = (std::floor(fraction * 10) + 1) / 10;
    std::cout << "  " << int(fraction * 100 + 0.5) << " % " << text << "\n" << std::flush;
    return;
  }
  // At most ~10 redraws a second: a terminal that redraws per batch costs more than the batch.
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && fraction < 1.0 && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const int width = 30, filled = int(fraction * width + 0.5);
  std::cout << "\r  [" << std::string(size_t(filled), '#')
            << std::string(size_t(width - filled), '.') << "] " << text << "\033[K" << std::flush;
  drawn_ = true;
}

void ProgressLine::finish() {
  if (drawn_) std::cout << "\n";
  drawn_ = false;
  next_plain_ = 0;
}

}  // namespace cnnlab::cli
