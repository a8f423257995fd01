/// @file cnnlab.hpp
/// @brief One include for the whole public API of cnnlab.
///
/// The headers are grouped by idea, like the sources in src/:
/// - core/:  Tensor, Shape, Error, the Backend interface and the registry of backends;
/// - ops/:   the ops API (every layer's forward and backward), geometry rules, value checks,
///           the op registry that the CLI, the gradient checker and the tests read, and the
///           readable im2col + GEMM convolution;
/// - optim/: the optimizers (SGD, Adam, AdamW), their hyperparameters and learning-rate
///           schedules;
/// - nn/:    layers, Sequential models, the loss, initialisation, model files and summaries;
/// - check/: the gradient checker (single ops and whole models);
/// - io/:    .npy files and safetensors checkpoints;
/// - train/: the training loop, training checkpoints and metrics;
/// - data/:  datasets (IDX for MNIST / Fashion-MNIST, CIFAR-10, the X/O generator), shuffling,
///           normalisation and mini-batches;
/// - demo/:  the lecture's X/O network and a LeNet-5 training step.
#pragma once

#include <cnnlab/check/gradcheck.hpp>
#include <cnnlab/check/model_gradcheck.hpp>
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/core/host_backend.hpp>
#include <cnnlab/core/shape.hpp>
#include <cnnlab/core/tensor.hpp>
#include <cnnlab/data/batches.hpp>
#include <cnnlab/data/cifar.hpp>
#include <cnnlab/data/dataset.hpp>
#include <cnnlab/data/idx.hpp>
#include <cnnlab/data/read_file.hpp>
#include <cnnlab/data/xo_dataset.hpp>
#include <cnnlab/demo/xo.hpp>
#include <cnnlab/io/npy.hpp>
#include <cnnlab/io/safetensors.hpp>
#include <cnnlab/nn/init.hpp>
#include <cnnlab/nn/layer.hpp>
#include <cnnlab/nn/layers.hpp>
#include <cnnlab/nn/loss.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/nn/separable.hpp>
#include <cnnlab/nn/sequential.hpp>
#include <cnnlab/nn/summary.hpp>
#include <cnnlab/nn/two_layer_net.hpp>
#include <cnnlab/ops/data_checks.hpp>
#include <cnnlab/ops/geometry.hpp>
#include <cnnlab/ops/im2col.hpp>
#include <cnnlab/ops/op_registry.hpp>
#include <cnnlab/ops/ops.hpp>
#include <cnnlab/optim/adam.hpp>
#include <cnnlab/optim/optimizer.hpp>
#include <cnnlab/optim/optimizers.hpp>
#include <cnnlab/optim/schedule.hpp>
#include <cnnlab/optim/sgd.hpp>
#include <cnnlab/train/checkpoint.hpp>
#include <cnnlab/train/metrics.hpp>
#include <cnnlab/train/trainer.hpp>
