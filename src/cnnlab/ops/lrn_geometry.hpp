/// @file lrn_geometry.hpp
/// @brief Local response normalisation (AlexNet's NORM): its settings and their checks.
///
/// Contract: LRN divides each value by a power of the sum of squares of its neighbours across
/// channels, at the same pixel:
///
///     y[n,c,h,w] = x[n,c,h,w] / (k + alpha/size · Σ_{c' ∈ win(c)} x[n,c',h,w]²)^beta
///     win(c) = [c − ⌊size/2⌋, c + ⌊(size−1)/2⌋] ∩ [0, C)      (channels outside count as 0)
///
/// This is PyTorch's convention (torch.nn.LocalResponseNorm): alpha is divided by size, and an
/// even size puts the extra channel before c. Krizhevsky et al. (2012) write alpha without
/// the 1/size; their constants (size 5, alpha 1e-4, beta 0.75, k 2) are the defaults here, so
/// their alpha of 1e-4 corresponds to alpha = 5e-4 in this convention. lrn_geometry() is the
/// one place that checks the settings; a backend may trust an LrnGeometry completely.
#pragma once

#include <cnnlab/core/shape.hpp>

#include <cstdint>

namespace cnnlab {

/// @brief Settings of local response normalisation (defaults: AlexNet's constants).
struct LrnParams {
  int size = 5;         ///< channels in each window (any positive number; odd is centred)
  float alpha = 1e-4f;  ///< scale of the window's sum of squares (divided by size), >= 0
  float beta = 0.75f;   ///< exponent of the denominator, >= 0
  float k = 2.0f;       ///< additive constant of the denominator, > 0
};

/// @brief Every size and setting an LRN kernel needs, validated by lrn_geometry().
struct LrnGeometry {
  int64_t N = 0;        ///< batch size
  int64_t C = 0;        ///< channels (the window slides along them)
  int64_t H = 0;        ///< height
  int64_t W = 0;        ///< width
  int64_t size = 5;     ///< channels in each window
  int64_t before = 2;   ///< channels of the window before c: ⌊size/2⌋
  int64_t after = 2;    ///< channels of the window after c: ⌊(size−1)/2⌋
  double alpha = 1e-4;  ///< as in LrnParams (the kernels use alpha / size)
  double beta = 0.75;   ///< as in LrnParams
  double k = 2.0;       ///< as in LrnParams
  /// @brief Shape of the input and of the output, [N, C, H, W].
  Shape shape() const { return {N, C, H, W}; }
};

/// @brief Checks LRN's input shape and settings.
/// @param op name used in error messages ("lrn_forward", "lrn_backward")
/// @param x_shape input shape, must be [N, C, H, W] with every dimension at least 1
/// @param p the settings: size >= 1, alpha >= 0, beta >= 0, k > 0, all finite (so the
///          denominator is at least k > 0 and its power is defined)
/// @throws Error naming the op, the shape or setting and the rule broken.
LrnGeometry lrn_geometry(const char* op, const Shape& x_shape, const LrnParams& p);

}  // namespace cnnlab
