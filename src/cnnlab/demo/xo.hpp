/// @file xo.hpp
/// @brief The toy X/O ConvNet of the lecture notes (docs/xo.md): filter, rectify, pool.
///
/// Contract: the lecture's 9×9 picture of an X (pixels +1 and −1), its three 3×3 features
/// (the "\" diagonal, the little "x", the "/" diagonal), and the forward pass it walks through:
/// "multiply, add up, divide by the number of pixels" (a convolution with the filters divided
/// by 9, stride 1, no padding: 9×9 → 7×7), ReLU, then 2×2 max pooling with stride 2 in ceil
/// mode (7×7 → 4×4). The functions run on any backend through the public ops API.
#pragma once

#include <cnnlab/core/tensor.hpp>

#include <iosfwd>
#include <vector>

namespace cnnlab::xo {

/// @brief The lecture's X: a [1, 1, 9, 9] image of +1 (ink) and −1 (background) values.
std::vector<float> x_image();

/// @brief The three 3×3 features as [3, 1, 3, 3] weights of +1 and −1 (not yet divided by 9).
std::vector<float> features();

/// @brief Every intermediate table of the toy network for one image.
struct Tables {
  Tensor filtered;   ///< [1, 3, 7, 7] feature matches, each in [−1, 1]
  Tensor rectified;  ///< [1, 3, 7, 7] after ReLU
  Tensor pooled;     ///< [1, 3, 4, 4] after 2×2 max pooling, stride 2, ceil mode
};

/// @brief Runs filter → ReLU → pool on @p image ([1, 1, 9, 9]) on the image's backend.
Tables run(const Tensor& image);

/// @brief Prints the tables as the lecture does (two decimals), one block per feature.
void print(std::ostream& out, const Tables& tables);

}  // namespace cnnlab::xo
