// check.cpp — the comparisons behind the checks and the diagnoses they write.
//
// Contract: see check.hpp. Every diagnosis is one or a few lines of plain English with numbers a
// student can look for in their own code: shapes, an index, both values, the worst errors.
#include "check.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/io/npy.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>

namespace cnnlab::grade {

namespace {
std::string g_visible_dir, g_hidden_dir;
bool g_running_hidden = false;

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

/// The comparison of expect_close(), for float or double values.
template <class T>
void compare(const std::string& what, const std::vector<T>& actual, const std::vector<T>& expected,
             const Shape& shape, Tolerance tol) {
  if (actual.size() != expected.size())
    fail(what + ": expected " + std::to_string(expected.size()) + " values, got " +
         std::to_string(actual.size()));
  if (int64_t(expected.size()) != shape_numel(shape))
    fail(what + ": the check's shape " + to_string(shape) + " does not match its " +
         std::to_string(expected.size()) + " values (a bug in the check)");
  int64_t mismatches = 0, first = -1, worst_abs_at = 0, worst_rel_at = 0;
  double worst_abs = 0, worst_rel = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const double a = double(actual[i]), e = double(expected[i]);
    const double err = std::fabs(a - e);
    const bool bad = !(err <= tol.abs + tol.rel * std::fabs(e)) ||  // catches NaN too
                     std::isnan(a) != std::isnan(e);
    if (std::isnan(err) || err > worst_abs) {
      worst_abs = std::isnan(err) ? INFINITY : err;
      worst_abs_at = int64_t(i);
    }
    const double rel = err / std::max(std::fabs(e), 1e-12);
    if (std::isnan(rel) || rel > worst_rel) {
      worst_rel = std::isnan(rel) ? INFINITY : rel;
      worst_rel_at = int64_t(i);
    }
    if (bad) {
      ++mismatches;
      if (first < 0) first = int64_t(i);
    }
  }
  if (mismatches == 0) return;
  fail(what + ": " + std::to_string(mismatches) + " of " + std::to_string(expected.size()) +
       " values differ (allowed: |actual - expected| <= " + num(tol.abs) + " + " + num(tol.rel) +
       "·|expected|)\n" + "  first at " + index_string(shape, first) + ": expected " +
       num(double(expected[size_t(first)])) + ", got " + num(double(actual[size_t(first)])) +
       "\n  max abs error " + num(worst_abs) + " at " + index_string(shape, worst_abs_at) +
       " (expected " + num(double(expected[size_t(worst_abs_at)])) + ", got " +
       num(double(actual[size_t(worst_abs_at)])) + ")" + "\n  max rel error " + num(worst_rel) +
       " at " + index_string(shape, worst_rel_at));
}
}  // namespace

void fail(const std::string& diagnosis) { throw Failure(diagnosis); }

std::string index_string(const Shape& shape, int64_t flat) {
  std::vector<int64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = shape[d] > 0 ? flat % shape[d] : 0;
    flat = shape[d] > 0 ? flat / shape[d] : 0;
  }
  std::string s = "[";
  for (size_t d = 0; d < idx.size(); ++d) s += (d ? ", " : "") + std::to_string(idx[d]);
  return s + "]";
}

void expect_shape(const std::string& what, const Shape& actual, const Shape& expected) {
  if (actual != expected)
    fail(what + ": expected shape " + to_string(expected) + ", got " + to_string(actual));
}

void expect_close(const std::string& what, const std::vector<float>& actual,
                  const std::vector<float>& expected, const Shape& shape, Tolerance tol) {
  compare(what, actual, expected, shape, tol);
}

void expect_close(const std::string& what, const std::vector<double>& actual,
                  const std::vector<double>& expected, const Shape& shape, Tolerance tol) {
  compare(what, actual, expected, shape, tol);
}

void expect_close(const std::string& what, const Tensor& actual, const Tensor& expected,
                  Tolerance tol) {
  if (!actual.defined()) fail(what + ": no result (an undefined tensor)");
  expect_shape(what, actual.shape(), expected.shape());
  compare(what, actual.to_vector(), expected.to_vector(), expected.shape(), tol);
}

void expect_equal(const std::string& what, int64_t actual, int64_t expected) {
  if (actual != expected)
    fail(what + ": expected " + std::to_string(expected) + ", got " + std::to_string(actual));
}

void expect_true(bool condition, const std::string& diagnosis) {
  if (!condition) fail(diagnosis);
}

void expect_finite(const std::string& what, const std::vector<float>& values, const Shape& shape) {
  for (size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]))
      fail(what + ": value " + num(double(values[i])) + " at " + index_string(shape, int64_t(i)) +
           " is not finite");
}

void expect_error(const std::string& what, const std::function<void()>& body,
                  const std::string& needle) {
  try {
    body();
  } catch (const NotImplemented&) {
    throw;
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.find(needle) == std::string::npos)
      fail(what + ": the error message should mention \"" + needle + "\", got: " + msg);
    return;
  }
  fail(what + ": expected a cnnlab::Error mentioning \"" + needle + "\", but nothing was thrown");
}

Tensor golden(const std::string& name) {
  const std::string dir = g_running_hidden ? g_hidden_dir : g_visible_dir;
  const std::string path = dir + "/" + name + ".npy";
  if (!std::filesystem::exists(path))
    throw std::runtime_error("the check's data file " + path +
                             " is missing (run the grader from the build tree, or pass --data)");
  return load_npy(path, reference_backend());
}

std::vector<Check>& all_checks() {
  static std::vector<Check> checks;
  return checks;
}

Registration::Registration(int exercise, const char* name, bool hidden, CheckFn fn) {
  all_checks().push_back({.exercise = exercise, .name = name, .hidden = hidden, .fn = fn});
}

void set_data_dir(const std::string& visible_dir, const std::string& hidden_dir) {
  g_visible_dir = visible_dir;
  g_hidden_dir = hidden_dir;
}

void set_running_hidden(bool hidden) { g_running_hidden = hidden; }

}  // namespace cnnlab::grade
