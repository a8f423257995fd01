/// @file two_layer_net.hpp
/// @brief The lecture's two-layer network f = W2·max(0, W1·x), forward and backward by hand.
///
/// Contract: a small, self-contained network written with plain loops (it uses no op of the
/// ops API), so the whole chain rule of a two-layer net is visible in one place:
///   forward    a = W1·x        h = max(0, a)        f = W2·h
///   backward   dW2 = df·hᵀ     dh = W2ᵀ·df          da = dh · 1(a > 0)
///              dW1 = da·xᵀ     dx = W1ᵀ·da
/// with W1 [H×D] and W2 [C×H] as on the slide, x a column vector of D numbers (a tensor [D];
/// then f is [C]). A batch of N inputs is a tensor x [N, D] whose row n is one column vector
/// x_n; then f [N, C] has row n = W2·max(0, W1·x_n) and the weight gradients are summed over
/// the batch. ReLU follows the
/// library's rule (activations.hpp): its derivative at a = 0 is 0, and a NaN lets the
/// gradient through. Tensors must live on a host backend (reference or OpenMP); the results are
/// on the input's backend. Not here: a bias, other activations, training (see nn/layers.hpp).
#pragma once

#include <cnnlab/core/tensor.hpp>

#include <cstdint>

namespace cnnlab {

/// @brief The gradients backward() returns.
struct TwoLayerNetGrads {
  Tensor dW1;  ///< dL/dW1 [H, D]
  Tensor dW2;  ///< dL/dW2 [C, H]
  Tensor dx;   ///< dL/dx, shaped like x ([N, D], or [D] for one column vector)
};

/// @brief f = W2·max(0, W1·x) for one column vector x [D] or a batch of them (the rows of an
///        [N, D] tensor).
class TwoLayerNet {
 public:
  /// @brief A network with the given weights (kept by reference to the same storage).
  /// @param W1 first layer [H, D]
  /// @param W2 second layer [C, H]
  /// @throws Error unless W1 and W2 are matrices with W2's columns = W1's rows, on one backend.
  TwoLayerNet(Tensor W1, Tensor W2);

  /// @brief f [C] from one column vector x [D], or f [N, C] from a batch x [N, D]; keeps what
  ///        backward() needs (x and a = W1·x).
  /// @throws Error unless x is [D] or [N, D] with N >= 1, on the weights' backend.
  Tensor forward(const Tensor& x);
  /// @brief dW1, dW2 and dx (shaped like x) from df = dL/df, shaped like the last forward()'s f.
  /// @throws Error before any forward() call or for a df of another shape than f.
  TwoLayerNetGrads backward(const Tensor& df) const;

  const Tensor& W1() const { return W1_; }            ///< [H, D]
  const Tensor& W2() const { return W2_; }            ///< [C, H]
  int64_t input_size() const { return W1_.dim(1); }   ///< D
  int64_t hidden_size() const { return W1_.dim(0); }  ///< H
  int64_t output_size() const { return W2_.dim(0); }  ///< C

 private:
  /// The computation on a batch: f [N, C] from x [N, D] (checked), filling x_ and a_.
  Tensor forward_rows(const Tensor& x);
  /// The computation on a batch: the gradients from df [N, C] (checked), dx [N, D].
  TwoLayerNetGrads backward_rows(const Tensor& df) const;

  Tensor W1_;  ///< [H, D]
  Tensor W2_;  ///< [C, H]
  Tensor x_;   ///< the last forward()'s input [N, D]
  Tensor a_;   ///< its hidden pre-activations a = W1·x, stored [N, H] (row n = W1·x_n)
  bool one_vector_ = false;  ///< whether the last forward()'s x was one column vector [D]
};

}  // namespace cnnlab
