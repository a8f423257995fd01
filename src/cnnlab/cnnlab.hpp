/// @file cnnlab.hpp
/// @brief One include for the whole public API of cnnlab.
///
/// The headers are grouped by idea, like the sources in src/:
/// - core/:  Tensor, Shape, Error, the Backend interface and the registry of backends;
/// - ops/:   the ops API (every layer's forward and backward), geometry rules, value checks,
///           and the op registry that the CLI, the gradient checker and the tests read;
/// - optim/: optimiser hyperparameters (SGD);
/// - check/: the gradient checker;
/// - io/:    .npy files;
/// - demo/:  the lecture's X/O network and a LeNet-5 training step.
#pragma once

#include <cnnlab/check/gradcheck.hpp>
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/core/host_backend.hpp>
#include <cnnlab/core/shape.hpp>
#include <cnnlab/core/tensor.hpp>
#include <cnnlab/demo/xo.hpp>
#include <cnnlab/io/npy.hpp>
#include <cnnlab/io/safetensors.hpp>
#include <cnnlab/ops/data_checks.hpp>
#include <cnnlab/ops/geometry.hpp>
#include <cnnlab/ops/op_registry.hpp>
#include <cnnlab/ops/ops.hpp>
#include <cnnlab/optim/sgd.hpp>
