/// @file checkpoint.hpp
/// @brief Training checkpoints: what is in them, and loading a trained model from one.
///
/// Contract: a checkpoint is a safetensors file (cnnlab/io/safetensors.hpp): the model's
/// parameters as float32 tensors under their names ("conv1.weight"), the optimizer's state under
/// "optimizer.<name>" ("optimizer.conv1.weight.velocity"), and in the header's metadata the model
/// file's JSON ("model"), the dataset and its class names, the training options, where the run
/// is (epoch, batch, best accuracy, optimizer steps), the metrics so far, and a CRC-32 of the
/// data. NumPy or PyTorch users read the weights with any safetensors reader
/// (tools/read_checkpoint.py needs NumPy only). Trainer::save_checkpoint() writes one,
/// Trainer::resume() continues one, load_trained_model() takes just the network out.
#pragma once

#include <cnnlab/data/batches.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/train/trainer.hpp>

#include <string>
#include <vector>

namespace cnnlab {

/// @brief A network read back from a checkpoint, with what is needed to use it on new images.
struct TrainedModel {
  LoadedModel model;                       ///< the network, its parameters from the checkpoint
  Normalization norm{};                    ///< how the training images were normalised
  std::vector<std::string> class_names{};  ///< the name of each output
  std::string dataset{};                   ///< what it was trained on, e.g. "fashion-mnist train"
  std::string data_spec{};                 ///< how the data was named (TrainOptions::data_spec)
  int64_t epoch = 0;                       ///< epochs it was trained for
  double best_accuracy = 0;                ///< best test accuracy during training
};

/// @brief The training options saved in a checkpoint (to reopen its data before resuming).
/// @throws Error naming @p path for a missing, corrupt or non-training file.
TrainOptions read_train_options(const std::string& path);

/// @brief Reads the network of a checkpoint (on the reference backend; use model.to()).
/// @throws Error naming @p path for a missing, truncated, corrupt or mismatched file.
TrainedModel load_trained_model(const std::string& path);

}  // namespace cnnlab
