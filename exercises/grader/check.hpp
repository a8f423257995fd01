// check.hpp — how a grading check is written: register it, compare, fail with a diagnosis.
//
// Contract: a check is a function registered for one exercise with GRADE_CHECK (visible: in
// exercises/checks/, shipped to students) or GRADE_HIDDEN_CHECK (instructor only: in
// exercises/hidden/, never in the student kit). It passes when it returns; it fails when it
// throws. The expect_* helpers below throw a Failure whose text is the diagnosis a student reads:
// expected vs actual shape, the first mismatching index with both values, the largest absolute
// and relative errors and where they are. A cnnlab::NotImplemented thrown by a stub becomes
// "not implemented yet"; any other exception is reported with its message.
//
// Expected values never come from cnnlab itself: they are the lecture's worked examples (cited
// where used), PyTorch's results stored as .npy files by exercises/tools/make_data.py (loaded
// with golden()), or mathematical facts (an identity, a property such as "every training point
// is classified correctly").
//
//   GRADE_CHECK(7, "stride 2 on the lecture's 7x7 input gives 3x3") {
//     Tensor y = conv2d_forward(...);
//     expect_shape("y", y.shape(), {1, 1, 3, 3});
//   }
#pragma once

#include <cnnlab/core/tensor.hpp>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace cnnlab::grade {

/// @brief A check's verdict "failed", with the diagnosis a student can act on.
class Failure : public std::runtime_error {
 public:
  explicit Failure(const std::string& diagnosis) : std::runtime_error(diagnosis) {}
};

/// @brief Fails the running check with @p diagnosis.
[[noreturn]] void fail(const std::string& diagnosis);

/// @brief How close a float32 result must be: |actual - expected| <= abs + rel * |expected|.
struct Tolerance {
  double abs = 1e-5;
  double rel = 1e-4;
};

/// @brief Fails unless @p actual equals @p expected, naming both and @p what.
void expect_shape(const std::string& what, const Shape& actual, const Shape& expected);

/// @brief Compares two arrays of the same shape element by element. On failure the diagnosis
/// gives the count of mismatches, the first mismatching index (in @p shape's coordinates) with
/// both values, and the largest absolute and relative errors with their indices.
void expect_close(const std::string& what, const std::vector<float>& actual,
                  const std::vector<float>& expected, const Shape& shape, Tolerance tol = {});

/// @brief Same, for tensors: checks the shape first (expect_shape), then the values.
void expect_close(const std::string& what, const Tensor& actual, const Tensor& expected,
                  Tolerance tol = {});

/// @brief Same, in float64 (for the gradient checker exercise and other double results).
void expect_close(const std::string& what, const std::vector<double>& actual,
                  const std::vector<double>& expected, const Shape& shape, Tolerance tol = {});

/// @brief Fails unless @p actual == @p expected (integers: sizes, counts, labels).
void expect_equal(const std::string& what, int64_t actual, int64_t expected);

/// @brief Fails unless @p condition holds; @p diagnosis says what was wrong.
void expect_true(bool condition, const std::string& diagnosis);

/// @brief Fails unless every value of @p values is finite (no NaN, no inf); names the first bad one.
void expect_finite(const std::string& what, const std::vector<float>& values, const Shape& shape);

/// @brief Fails unless @p body throws a cnnlab::Error whose message contains @p needle.
/// A NotImplemented from a stub is passed on as "not implemented yet", not taken as the error.
void expect_error(const std::string& what, const std::function<void()>& body,
                  const std::string& needle);

/// @brief Loads `<name>.npy` of the running check's data: exercises/data/<name>.npy for a
/// visible check, exercises/hidden/data/<name>.npy for a hidden one (e.g. "ex07/stride2_x").
/// The tensor is on the reference backend.
Tensor golden(const std::string& name);

/// @brief An index into a tensor of @p shape, written "[0, 1, 2, 3]".
std::string index_string(const Shape& shape, int64_t flat);

/// @brief A check's body.
using CheckFn = void (*)();

/// @brief One registered check.
struct Check {
  int exercise = 0;
  std::string name;
  bool hidden = false;
  CheckFn fn = nullptr;
};

/// @brief Every check linked into this grader, in registration order.
std::vector<Check>& all_checks();

/// @brief Registers a check at static-initialisation time (used by the macros below).
struct Registration {
  Registration(int exercise, const char* name, bool hidden, CheckFn fn);
};

/// @brief The folder golden() reads from (set by the grader's --data option).
void set_data_dir(const std::string& visible_dir, const std::string& hidden_dir);
/// @brief Set by the grader before each check: whether it is a hidden one.
void set_running_hidden(bool hidden);

}  // namespace cnnlab::grade

#define GRADE_CONCAT_(a, b) a##b
#define GRADE_CONCAT(a, b) GRADE_CONCAT_(a, b)
#define GRADE_REGISTER_(exercise, name, hidden, fn)                                            \
  static void fn();                                                                          \
  static const ::cnnlab::grade::Registration GRADE_CONCAT(fn, _registration)(exercise, name, \
                                                                              hidden, fn);   \
  static void fn()

/// @brief A check students see, for exercise @p exercise, named @p name (a sentence).
#define GRADE_CHECK(exercise, name) \
  GRADE_REGISTER_(exercise, name, false, GRADE_CONCAT(grade_check_, __LINE__))
/// @brief An instructor-only check (in exercises/hidden/ only).
#define GRADE_HIDDEN_CHECK(exercise, name) \
  GRADE_REGISTER_(exercise, name, true, GRADE_CONCAT(grade_hidden_check_, __LINE__))
