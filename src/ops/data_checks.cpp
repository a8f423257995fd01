// data_checks.cpp — the rules and message texts of the value checks (labels, finiteness), shared
// by the host checks in ops.cpp and the backends that check on the device (see data_checks.hpp).
#include <cnnlab/ops/data_checks.hpp>

#include <cmath>
#include <cstdio>
#include <limits>

namespace cnnlab {

bool is_class_index(float value, int64_t classes) {
  return std::isfinite(value) && value == std::floor(value) && value >= 0 &&
         value < static_cast<float>(classes);
}

std::string bad_label_message(std::string_view op, size_t n, float value, const Shape& logits) {
  const int64_t classes = logits.size() == 2 ? logits[1] : 0;
  std::string m = std::string(op) + ": labels[" + std::to_string(n) + "] = ";
  if (!std::isfinite(value) || value != std::floor(value))
    return m + std::to_string(value) + " is not an integer class index";
  // An integer too large for int64_t is printed from the float itself (casting would be UB).
  if (std::fabs(value) < 9.2e18f) {
    m += std::to_string(static_cast<int64_t>(value));
  } else {
    char digits[64];
    std::snprintf(digits, sizeof digits, "%.0f", static_cast<double>(value));
    m += digits;
  }
  return m + " is out of range: logits " + to_string(logits) + " have " + std::to_string(classes) +
         " classes, so labels must be in [0, " + std::to_string(classes - 1) + "]";
}

std::string non_finite_message(std::string_view op, std::string_view name, const Shape& shape,
                               size_t index, float value) {
  return std::string(op) + ": " + std::string(name) + " " + to_string(shape) +
         " holds a non-finite value (" + std::to_string(value) + ") at flat index " +
         std::to_string(index);
}

std::string loss_overflow_message(std::string_view op, const Shape& logits, size_t n, int64_t label,
                                  double lo, double hi, double row_loss) {
  char text[512];
  const std::string row = std::to_string(n);
  std::snprintf(text, sizeof text,
                "%s: the loss overflows float32: row %s of logits %s spans from %g to %g (a span "
                "of %g), and its loss, log(sum_j e^x[%s,j]) - x[%s,%lld] = %g, is more than the "
                "largest float, %g; scale the logits down (e.g. a lower learning rate)",
                std::string(op).c_str(), row.c_str(), to_string(logits).c_str(), lo, hi, hi - lo,
                row.c_str(), row.c_str(), static_cast<long long>(label), row_loss,
                static_cast<double>(std::numeric_limits<float>::max()));
  return text;
}

}  // namespace cnnlab
