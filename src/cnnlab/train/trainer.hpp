/// @file trainer.hpp
/// @brief The training loop: epochs of shuffled mini-batches, forward, backward, an optimizer
///        step per batch, a test pass per epoch, checkpoints and metrics.
///
/// Contract:
/// - Deterministic: the model's initial parameters, the order of the images in every epoch
///   (shuffled_indices(n, seed, epoch)) and therefore the whole run follow from the seed; a
///   run resumed from a checkpoint continues exactly where the saved one stopped (same batches,
///   same learning rate, same optimizer state), so it ends with the same parameters as an
///   uninterrupted run on the same backend and thread count.
/// - Files (when options.out_dir is set): last.safetensors after every epoch (and when stopped),
///   best.safetensors whenever the test accuracy improves, metrics.csv / metrics.json /
///   curves.svg after every epoch. Every file is written atomically.
/// - A loss that is not finite stops the run before that batch's update, with an error naming
///   the epoch and the batch; the checkpoints already written stay as they were.
/// - The images stay uint8 in the Dataset; each batch is normalised into a float tensor on the
///   model's backend just before it is used.
#pragma once

#include <cnnlab/core/backend.hpp>
#include <cnnlab/data/batches.hpp>
#include <cnnlab/data/dataset.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/optim/optimizers.hpp>
#include <cnnlab/optim/schedule.hpp>
#include <cnnlab/train/metrics.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief The settings of a training run (all saved in its checkpoints).
struct TrainOptions {
  int64_t epochs = 10;                ///< epochs to train in total
  int64_t batch_size = 64;            ///< images per mini-batch (the last one may be smaller)
  uint64_t seed = 1;                  ///< initial parameters and shuffling
  std::string optimizer = "sgd";      ///< "sgd", "adam" or "adamw"
  OptimizerOptions optim = {};        ///< learning rate, momentum, ...
  std::string schedule = "constant";  ///< learning-rate schedule (parse_lr_schedule's words)
  int64_t warmup_epochs = 0;          ///< linear warm-up, in epochs
  Normalization norm = {};            ///< how pixels become inputs
  std::string out_dir{};              ///< where files go; empty: no files
  std::string data_spec{};            ///< how the caller named the data (e.g. the CLI's
                                      ///< --data), kept in checkpoints for resuming
  int64_t data_limit = 0;             ///< the caller's image limit (0: all), kept likewise
};

/// @brief Where a run is, for a progress display (reported after every batch).
struct BatchProgress {
  int64_t epoch = 0;             ///< 1-based
  int64_t epochs = 0;            ///< total epochs
  int64_t batch = 0;             ///< batches done in this epoch
  int64_t batches = 0;           ///< batches in an epoch
  double loss = 0;               ///< mean loss of this epoch's batches so far
  double accuracy = 0;           ///< fraction right in this epoch so far
  double images_per_second = 0;  ///< this epoch's throughput so far
  double eta_seconds = 0;        ///< estimated time to the end of the run
};

/// @brief The test-set figures of a model.
struct EvalResult {
  double loss = 0;                                ///< mean softmax cross-entropy
  double accuracy = 0;                            ///< fraction classified right
  int64_t count = 0;                              ///< images evaluated
  std::vector<std::vector<int64_t>> confusion{};  ///< confusion[true][predicted] counts
};

/// @brief The loss, accuracy and confusion matrix of @p model on @p data (the model is moved
///        to @p backend and left in evaluation mode).
EvalResult evaluate(Sequential& model, const Dataset& data, const Normalization& norm,
                    int64_t batch_size, Backend& backend);

/// @brief How a run ended.
struct TrainOutcome {
  bool finished = false;     ///< all epochs done
  bool stopped = false;      ///< stopped on request (Ctrl-C) after a batch
  std::string checkpoint{};  ///< the checkpoint holding the final (or stopped) state, if any
};

/// @brief A training run: model, data, optimizer, schedule and where it is.
class Trainer {
 public:
  /// @brief A new run of @p model (already initialised from options.seed) on @p backend.
  /// @throws Error if the data does not fit the model or an option is invalid.
  Trainer(LoadedModel model, const Dataset& train, const Dataset& test, TrainOptions options,
          Backend& backend);
  /// @brief The run saved in @p checkpoint (made by a Trainer), continued; @p epochs > 0
  ///        changes the total number of epochs (to train longer). Files go to @p out_dir, by
  ///        default the checkpoint's own folder.
  /// @throws Error for an unreadable, corrupt or mismatched checkpoint.
  static Trainer resume(const std::string& checkpoint, const Dataset& train, const Dataset& test,
                        Backend& backend, int64_t epochs = 0, const std::string& out_dir = "");

  /// @brief What the loop reports and asks: after each batch, after each epoch, and whether to
  ///        stop (checked after each batch).
  struct Callbacks {
    std::function<void(const BatchProgress&)> on_batch;  ///< may be empty
    std::function<void(const EpochMetrics&)> on_epoch;   ///< may be empty
    std::function<bool()> stop_requested;                ///< may be empty
  };
  /// @brief Trains until the last epoch or a stop request.
  /// @throws Error if the loss stops being finite (naming the epoch and the batch).
  TrainOutcome run(const Callbacks& callbacks = {});

  /// @brief Saves the whole state to @p path (a safetensors file; atomic).
  void save_checkpoint(const std::string& path) const;

  Sequential& model() { return model_.model; }                ///< the network
  const ModelSpec& spec() const { return model_.spec; }       ///< its description
  const TrainOptions& options() const { return options_; }    ///< the settings
  const MetricsHistory& history() const { return history_; }  ///< the figures so far
  int64_t epoch() const { return epoch_; }                    ///< epochs finished
  double best_accuracy() const { return best_accuracy_; }     ///< best test accuracy so far

 private:
  struct Partial {  // the figures of an epoch stopped halfway, so resuming can finish them
    int64_t batch = 0;
    double loss_sum = 0, seconds = 0;
    int64_t correct = 0, seen = 0;
  };
  void setup();

  LoadedModel model_;
  const Dataset& train_;
  const Dataset& test_;
  TrainOptions options_;
  Backend* backend_;
  std::unique_ptr<Optimizer> optimizer_;
  LrSchedule schedule_;
  MetricsHistory history_;
  int64_t epoch_ = 0;  // epochs finished
  Partial partial_;
  double best_accuracy_ = -1;
  double elapsed_ = 0;
};

}  // namespace cnnlab
