// dropout.hpp — reference kernel of dropout (forward and backward are the same mask).
//
// Contract: y[i] = keep(i) ? x[i]·scale : 0 for i < n, with the mask of cnnlab/ops/dropout_mask.hpp
// (a pure function of seed, step and i, identical on every backend). The backward of dropout is
// the same product with dy in place of x: dL/dx_i = keep(i)·scale·dL/dy_i, so one kernel serves
// both directions. Templated on T (float here, double in the gradient check).
#pragma once

#include <cnnlab/ops/dropout_mask.hpp>

#include <cstdint>

namespace cnnlab::ref {

template <class T>
void dropout_apply(const T* x, T* y, int64_t n, const DropoutMask& m) {
  const T scale = static_cast<T>(m.scale);
  for (int64_t i = 0; i < n; ++i) y[i] = m.keep(static_cast<uint64_t>(i)) ? x[i] * scale : T(0);
}

}  // namespace cnnlab::ref
