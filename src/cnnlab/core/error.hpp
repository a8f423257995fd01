/// @file error.hpp
/// @brief The exceptions cnnlab throws.
///
/// Contract: every bad input to cnnlab ends in one of these exceptions, never in a crash or in
/// undefined behaviour. The message always names the operation, the shapes or values involved
/// and the rule that was broken, so a student can fix the call without reading library code,
/// e.g. `conv2d: (7 - 3 + 2*0)/3 + 1 is not an integer: stride 3 does not fit a 3x3 filter on
/// a 7x7 input`.
#pragma once

#include <stdexcept>
#include <string>

namespace cnnlab {

/// @brief Base class of every error cnnlab reports (bad shapes, bad values, bad files, ...).
class Error : public std::runtime_error {
 public:
  /// @brief Creates an error carrying a complete, human-readable message.
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// @brief Thrown when a backend does not implement an operation.
///
/// cnnlab never falls back silently to another backend: the caller learns which operation
/// and which backend, and can move the tensors explicitly with Tensor::to().
class UnsupportedOp : public Error {
 public:
  /// @brief Builds the message "<backend> backend does not support <op>".
  UnsupportedOp(const std::string& op, const std::string& backend);
};

/// @brief Thrown by a graded exercise that is not written yet.
///
/// In the student kit (exercises/README.md) every solution is replaced by a call to
/// not_implemented(), so every command still runs and says which exercise is missing, e.g.
/// `exercise 7: conv2d_forward is not implemented yet (see exercises/README.md; check it with
/// scripts/grade.sh --only 7)`. The library itself never throws it.
class NotImplemented : public Error {
 public:
  /// @brief @p what is "exercise N: name", as the stub wrote it.
  explicit NotImplemented(const std::string& what);
  /// @brief The exercise's number N (0 when @p what does not start with "exercise N").
  int exercise() const { return exercise_; }

 private:
  int exercise_ = 0;
};

/// @brief The stub of an exercise: throws NotImplemented(@p what).
///
/// The arguments after @p what are the function's parameters, named so that a stubbed function
/// compiles without unused-parameter warnings; they are not used.
template <class... Unused>
[[noreturn]] void not_implemented(const char* what, const Unused&... /*unused*/) {
  throw NotImplemented(what);
}

}  // namespace cnnlab
