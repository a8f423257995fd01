// training_common.hpp — what `cnnlab train`, `eval`, `visualize` and `demo xo` share: opening a
// dataset by name, choosing the fastest backend, and the progress display.
//
// Datasets by name (--data):
//   fashion-mnist[:DIR]  Fashion-MNIST IDX files (default DIR: Debian's dataset-fashion-mnist,
//                        /usr/share/datasets/fashion-mnist)
//   mnist:DIR            MNIST IDX files in DIR
//   cifar10:DIR          the CIFAR-10 binary version in DIR (data_batch_1.bin ... test_batch.bin)
//   xo                   generated 16x16 X/O images with shifts, scaling, rotation and stroke
//                        weight (the lecture's trickier cases)
#pragma once

#include <cnnlab/core/backend.hpp>
#include <cnnlab/data/batches.hpp>
#include <cnnlab/data/dataset.hpp>
#include <cnnlab/data/xo_dataset.hpp>
#include <cnnlab/train/checkpoint.hpp>

#include <chrono>
#include <string>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace cnnlab::cli {

/// The default of --data.
inline const std::string kDefaultData = "fashion-mnist";

/// A training and a test set, and the normalisation that suits them.
struct DataPair {
  Dataset train;
  Dataset test;
  Normalization norm;
};

/// The X/O images of --data xo and `cnnlab demo xo`: 16x16, shifted by up to 2 pixels, scaled
/// 0.7-1.1, rotated up to 25 degrees, strokes 1-2.5 pixels wide (the lecture's trickier cases).
XoOptions xo_tricky_options(int64_t count, uint64_t seed);

/// Opens the data named by @p spec (see the file comment). @p limit > 0 keeps only the first
/// @p limit training images (and a proportional part of the test set, at least 1,000 or all).
/// Throws UsageError for an unknown name, cnnlab::Error for unreadable files.
DataPair open_data(const std::string& spec, int64_t limit = 0, uint64_t seed = 1);

/// The help text of --data.
std::string data_help();

/// The --data spec of the data a checkpoint was trained on: @p given if not empty, else the
/// spec saved with the run (TrainedModel::data_spec), else one made from the dataset's name
/// (TrainedModel::dataset, e.g. "fashion-mnist train"). Data that needs a folder (mnist,
/// cifar10) and was not saved with one throws a UsageError telling to pass --data.
std::string data_spec_for(const TrainedModel& model, const std::string& given);

/// "auto" → vulkan when a real GPU is present (not a CPU driver such as lavapipe), else openmp
/// (else reference); any other name is returned as is. Prints nothing.
std::string choose_backend(const std::string& requested);

/// Adds `--backend NAME` taking "auto" (choose_backend()) or one of backend_names(); the
/// default is whatever @p backend holds.
CLI::Option* add_auto_backend_option(CLI::App& app, std::string& backend);

/// Adds the positional CHECKPOINT argument (an existing regular file) described by @p help.
CLI::Option* add_checkpoint_argument(CLI::App& app, std::string& checkpoint,
                                     const std::string& help);

/// Shows progress on one line: redrawn in place on a terminal, else printed as plain lines
/// (one per @p plain_every fraction of the work).
class ProgressLine {
 public:
  ProgressLine();
  /// Redraws with @p fraction done (0..1) and @p text after the bar.
  void update(double fraction, const std::string& text);
  /// Ends the line (a newline if something was drawn in place).
  void finish();

 private:
  bool tty_;
  double next_plain_ = 0;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

/// "1:05" or "1:02:03" for a number of seconds.
std::string format_duration(double seconds);

}  // namespace cnnlab::cli
