/// @file data_checks.hpp
/// @brief The rules and messages of the checks on tensor *values* (not shapes): class labels,
///        finiteness, and a loss too large for float32.
///
/// Contract:
/// - These are the only definitions of what makes a label valid and of how a bad label or a
///   NaN/infinite value is reported. The ops API (ops.cpp) uses them when it checks data on the
///   host; a backend that checks data in its own kernels (Backend::checks_data_on_device())
///   finds the first bad index on the device and builds its error with the same functions, so
///   both report a bad input with exactly the same words.
/// - They only classify and format; they read no tensor and throw nothing themselves.
#pragma once

#include <cnnlab/core/shape.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cnnlab {

/// @brief True when @p value is a class index for @p classes classes: a finite integer in
///        [0, classes). Labels are stored as floats, so 2.0 is class 2 and 2.5 is no class.
bool is_class_index(float value, int64_t classes);

/// @brief The message for labels[@p n] = @p value when it is not a class index of logits of
///        shape @p logits ([N, D]), e.g. "softmax_cross_entropy_forward: labels[3] = 12 is out
///        of range: logits [4, 10] have 10 classes, so labels must be in [0, 9]", or
///        "...: labels[1] = 2.500000 is not an integer class index" for NaN, ±inf and fractions.
std::string bad_label_message(std::string_view op, size_t n, float value, const Shape& logits);

/// @brief The message for a NaN or infinite @p value at flat index @p index of the tensor
///        called @p name, e.g. "softmax_cross_entropy_backward: logits [2, 2] holds a
///        non-finite value (nan) at flat index 2".
std::string non_finite_message(std::string_view op, std::string_view name, const Shape& shape,
                               size_t index, float value);

/// @brief The message for a softmax cross-entropy loss that overflows float32 although every
///        logit is finite: row @p n of @p logits ([N, D]) holds values from @p lo to @p hi and
///        its loss, log Σ_j e^x[n,j] − x[n, label], is @p row_loss (computed in double), e.g.
///        "softmax_cross_entropy_forward: the loss overflows float32: row 0 of logits [1, 2]
///        spans from -3e+38 to 3e+38 (a span of 6e+38), and its loss ... = 6e+38 is more than
///        the largest float, 3.40282e+38".
std::string loss_overflow_message(std::string_view op, const Shape& logits, size_t n, int64_t label,
                                  double lo, double hi, double row_loss);

}  // namespace cnnlab
