// shape.cpp — counting and printing shapes.
#include <cnnlab/core/error.hpp>
#include <cnnlab/core/shape.hpp>

namespace cnnlab {

int64_t numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(n, d, &n))  // a wrapped count would silently be wrong
      throw Error("numel: shape " + to_string(shape) +
                  " has more elements than int64_t can count (more than 2^63 - 1)");
  return n;
}

std::string to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

void require_positive(const Shape& shape, const std::string& what) {
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] <= 0)
      throw Error(what + " has shape " + to_string(shape) + ": dimension " + std::to_string(i) +
                  " is " + std::to_string(shape[i]) + ", but every size must be positive");
}

}  // namespace cnnlab
