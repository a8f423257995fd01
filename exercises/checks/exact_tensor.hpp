// exact_tensor.hpp — writing a check's input values out by hand (exercise 4's checks).
//
// Contract: exact(shape, values) is a tensor of the given shape on the reference backend holding
// exactly the given values (row-major), for checks whose inputs are a few chosen numbers (exact
// zeros, ±inf, very large values) rather than a data case; it fails like Tensor::from_vector when
// the number of values does not match the shape.
#pragma once

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/tensor.hpp>

#include <vector>

namespace cnnlab::grade {

/// @brief A reference-backend tensor of @p shape holding exactly @p values.
inline Tensor exact(const Shape& shape, const std::vector<float>& values) {
  return Tensor::from_vector(shape, values, reference_backend());
}

}  // namespace cnnlab::grade
