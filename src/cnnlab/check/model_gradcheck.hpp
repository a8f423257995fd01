/// @file model_gradcheck.hpp
/// @brief The whole-model gradient check: every parameter of a Sequential model against
///        centered differences of its softmax cross-entropy loss.
///
/// Contract:
/// - The model's layers are replayed in float64 on the reference kernels (the same kernels the
///   reference backend runs in float32), on a random batch with random labels. For every
///   parameter θ the numerical gradient (L(θ + h e_i) − L(θ − h e_i)) / 2h of the float64 loss is
///   compared with
///     1. the float64 backward chain (the chain rule through every layer):  `exact`, which
///        should agree to about 1e-7 — it checks the formulas;
///     2. the gradients the model's own Layer::backward() code leaves in each Parameter::grad,
///        run on the reference backend in float32:  `layers`, which should agree to about 1e-4
///        (float32 round-off) — it checks the layer code a training run uses.
/// - The inputs are random, so a kink (a ReLU input or a max-pool tie within h of each other)
///   is possible but rare; keep the model small (every parameter costs two forward passes).
/// - The model is left on the reference backend in training mode with its parameters
///   unchanged and its gradients set by pass 2.
/// - Layers known to the check: conv2d, linear, maxpool2d, avgpool2d, global_avgpool2d, relu,
///   sigmoid, tanh, flatten, and the composites residual and inception made of those (their
///   branches are replayed layer by layer). Another layer type gives an Error naming it.
#pragma once

#include <cnnlab/check/gradcheck.hpp>
#include <cnnlab/nn/sequential.hpp>

namespace cnnlab {

/// @brief The two comparisons of a whole-model gradient check (see the file's contract).
struct ModelGradcheckResult {
  GradcheckResult exact;   ///< float64 backward chain vs. centered differences
  GradcheckResult layers;  ///< the model's float32 Layer::backward() vs. the same differences
  double exact_tolerance = 1e-7;   ///< what `exact` must stay under
  double layers_tolerance = 1e-4;  ///< what `layers` must stay under
  /// @brief True when both comparisons are within their tolerances.
  bool passed() const { return exact.passed(exact_tolerance) && layers.passed(layers_tolerance); }
  /// @brief Both reports, one line per parameter.
  std::string to_string() const;
};

/// @brief Checks every parameter of @p model on a random batch.
/// @param model  the model (moved to the reference backend)
/// @param input  the batch shape, e.g. [2, 1, 12, 12]
/// @param seed   seed of the random batch and labels
/// @throws Error if the model's output is not [N, classes] or a layer type is unknown.
ModelGradcheckResult gradcheck_model(Sequential& model, const Shape& input, uint64_t seed = 1);

}  // namespace cnnlab
