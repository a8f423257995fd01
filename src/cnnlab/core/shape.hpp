/// @file shape.hpp
/// @brief Tensor shapes: a list of dimension sizes, outermost first (N, C, H, W).
///
/// Contract: a Shape is a plain `std::vector<int64_t>`. These helpers count elements and print
/// shapes the way error messages show them: `[64, 3, 32, 32]`. They do not validate anything
/// beyond what their names say — except that an element count never overflows silently.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief Sizes of a tensor's dimensions, outermost first; NCHW for images.
using Shape = std::vector<int64_t>;

/// @brief Number of elements of a tensor of this shape (1 for the empty shape `[]`).
/// @throws Error naming the shape if the product of its sizes does not fit in int64_t (it
///         would wrap around, e.g. to 0 for [65536, 65536, 65536, 65536]).
int64_t numel(const Shape& shape);

/// @brief Prints a shape as `[2, 3, 4]`.
std::string to_string(const Shape& shape);

/// @brief Throws cnnlab::Error naming @p what unless every dimension of @p shape is > 0.
void require_positive(const Shape& shape, const std::string& what);

}  // namespace cnnlab
