// cmd_eval.cpp — `cnnlab eval CHECKPOINT`: a trained network's accuracy and loss on a test set,
// its confusion matrix (rows: the true class, columns: the predicted one) and the accuracy of
// every class.
//
// The test set is by default the one of the data the checkpoint was trained on (its metadata
// says e.g. "fashion-mnist train"); --data chooses another with the same image size and classes.
// What this file is not: the evaluation itself (cnnlab::evaluate in cnnlab/train/trainer.hpp).
#include "cli11.hpp"
#include "cli_common.hpp"
#include "training_common.hpp"

#include <cnnlab/core/error.hpp>
#include <cnnlab/train/checkpoint.hpp>
#include <cnnlab/train/trainer.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

namespace cnnlab::cli {
namespace {

std::string percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %%", 100 * fraction);
  return buf;
}

std::string pad_left(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}
std::string pad_right(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

// The confusion matrix with a row per true class (index and name), a column per predicted class
// (index only), each row's accuracy, and a legend of the column numbers.
void print_confusion(std::ostream& os, const EvalResult& r, const std::vector<std::string>& names) {
  const size_t k = r.confusion.size();
  size_t cell = std::to_string(k - 1).size();
  size_t name_width = 0;
  for (size_t t = 0; t < k; ++t) {
    name_width = std::max(name_width, (std::to_string(t) + " " + names[t]).size());
    for (int64_t v : r.confusion[t]) cell = std::max(cell, std::to_string(v).size());
  }
  cell += 1;
  name_width = std::max(name_width, std::string("true \\ predicted").size());
  os << "Confusion matrix (rows: true class, columns: predicted class):\n\n"
     << pad_right("true \\ predicted", name_width) << " |";
  for (size_t p = 0; p < k; ++p) os << pad_left(std::to_string(p), cell);
  os << " | class accuracy\n"
     << std::string(name_width, '-') << "-+" << std::string(cell * k, '-') << "-+---------------\n";
  for (size_t t = 0; t < k; ++t) {
    int64_t total = 0;
    for (int64_t v : r.confusion[t]) total += v;
    os << pad_right(std::to_string(t) + " " + names[t], name_width) << " |";
    for (size_t p = 0; p < k; ++p) os << pad_left(std::to_string(r.confusion[t][p]), cell);
    os << " | "
       << (total == 0 ? std::string("(no images)")
                      : pad_left(percent(double(r.confusion[t][t]) / double(total)), 8) + " of " +
                            std::to_string(total))
       << "\n";
  }
  os << "\nColumns:";
  for (size_t p = 0; p < k; ++p) os << (p == 0 ? " " : ", ") << p << " " << names[p];
  os << "\n";
}

}  // namespace

Command add_eval_command(CLI::App& parent) {
  struct EvalArgs {
    std::string checkpoint;
    std::string data;
    std::string backend = "auto";
    int64_t batch_size = 256;
    int64_t limit = 0;
  };
  auto a = std::make_shared<EvalArgs>();
  CLI::App* app = parent.add_subcommand(
      "eval", "Test a trained network: accuracy, loss, confusion matrix, per-class accuracy");
  app->footer(
      "\nCHECKPOINT is a .safetensors file written by `cnnlab train` (best.safetensors or "
      "last.safetensors). The test set is the one of the data it was trained on, unless --data "
      "names another.\nExample: cnnlab eval runs/lenet5-fashion-mnist/best.safetensors");
  add_checkpoint_argument(*app, a->checkpoint, "The checkpoint to test");
  app->add_option("--data", a->data,
                  "Test data (default: the data the checkpoint was trained on). " + data_help())
      ->type_name("SPEC");
  add_auto_backend_option(*app, a->backend);
  app->add_option("--batch-size", a->batch_size, "Images per forward pass")
      ->capture_default_str()
      ->check(positive());
  app->add_option("--limit", a->limit, "Test the first N test images only (a quick look)")
      ->check(positive());

  return {app, [a]() {
            if (a->checkpoint.empty())
              throw UsageError("eval: which checkpoint? e.g. cnnlab eval runs/X/best.safetensors");
            TrainedModel tm = load_trained_model(a->checkpoint);
            const std::string spec = data_spec_for(tm, a->data);
            const std::string backend_name = choose_backend(a->backend);
            Backend& backend = backend_by_name(backend_name);
            DataPair data = open_data(spec);
            Dataset test = std::move(data.test);
            if (a->limit > 0 && a->limit < test.size()) test = subset(test, 0, a->limit);

            const Shape& in = tm.model.spec.input;
            if (Shape{test.channels, test.height, test.width} != in ||
                test.num_classes() != tm.model.spec.classes)
              throw UsageError("--data " + spec + ": its images are " +
                               std::to_string(test.channels) + "x" + std::to_string(test.height) +
                               "x" + std::to_string(test.width) + " in " +
                               std::to_string(test.num_classes()) + " classes, the model " +
                               tm.model.spec.name + " takes " + to_string(in) + " in " +
                               std::to_string(tm.model.spec.classes) + " classes");
            std::vector<std::string> names = tm.class_names;
            if (names.size() != size_t(tm.model.spec.classes)) names = test.class_names;

            std::cout << "Checkpoint: " << a->checkpoint << " (" << tm.model.spec.name
                      << ", trained " << tm.epoch << (tm.epoch == 1 ? " epoch" : " epochs")
                      << " on " << tm.dataset << ", best test accuracy "
                      << percent(tm.best_accuracy) << ")\nTesting on " << test.name << " ("
                      << test.size() << " images) with the " << backend.name() << " backend ...\n"
                      << std::flush;
            const EvalResult r = evaluate(tm.model.model, test, tm.norm, a->batch_size, backend);
            int64_t right = 0;
            for (size_t t = 0; t < r.confusion.size(); ++t) right += r.confusion[t][t];
            std::cout << "\nAccuracy: " << percent(r.accuracy) << " (" << right << " of " << r.count
                      << " right)\nLoss:     ";
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.4f", r.loss);
            std::cout << buf << " (mean softmax cross-entropy)\n\n";
            print_confusion(std::cout, r, names);
            return 0;
          }};
}

}  // namespace cnnlab::cli
