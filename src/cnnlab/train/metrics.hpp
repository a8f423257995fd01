/// @file metrics.hpp
/// @brief What a training run measures, and the files it writes them to: metrics.csv,
///        metrics.json and curves.svg (the loss and accuracy curves).
///
/// Contract: one EpochMetrics per finished epoch; LossPoint samples of the training loss within
/// epochs (the mean over a window of batches), so the loss curve shows more than one point per
/// epoch. write_metrics() rewrites the three files atomically (a reader never sees half a file).
/// The SVG is drawn by hand (no plotting library): two panels, loss and accuracy, against epochs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief The figures of one epoch.
struct EpochMetrics {
  int64_t epoch = 0;             ///< 1-based
  double train_loss = 0;         ///< mean loss over the epoch's batches
  double train_accuracy = 0;     ///< fraction of training images classified right, in [0, 1]
  double test_loss = 0;          ///< mean loss on the test set
  double test_accuracy = 0;      ///< fraction of test images classified right
  double lr = 0;                 ///< learning rate at the end of the epoch
  double seconds = 0;            ///< wall time of the epoch's training (not the test pass)
  double images_per_second = 0;  ///< training throughput
  double elapsed_seconds = 0;    ///< wall time since the run began, test passes included
};

/// @brief The mean training loss of a window of batches, at a fractional epoch.
struct LossPoint {
  double epoch = 0;  ///< e.g. 2.25 = a quarter into the third epoch
  double loss = 0;   ///< mean loss of the window's batches
};

/// @brief Everything a run has measured so far.
struct MetricsHistory {
  std::vector<EpochMetrics> epochs;  ///< one per finished epoch
  std::vector<LossPoint> losses;     ///< training loss within epochs
};

/// @brief Writes metrics.csv, metrics.json and curves.svg into @p dir (which must exist).
/// @param title a heading for the plot, e.g. "lenet5 on fashion-mnist"
void write_metrics(const std::string& dir, const MetricsHistory& h, const std::string& title);

/// @brief The history as JSON text (the format of metrics.json); read back by
///        metrics_from_json().
std::string metrics_to_json(const MetricsHistory& h);
/// @brief Parses metrics_to_json()'s text. @throws Error naming @p source if it is not.
MetricsHistory metrics_from_json(const std::string& text, const std::string& source);

/// @brief The SVG picture of the loss and accuracy curves.
std::string metrics_svg(const MetricsHistory& h, const std::string& title);

}  // namespace cnnlab
