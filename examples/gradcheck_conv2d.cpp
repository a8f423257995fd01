// gradcheck_conv2d.cpp — checking a convolution's gradients against finite differences from
// C++, docs/gradcheck.md "Running it".
//
// Contract: checks conv2d (default input [2, 3, 7, 7], 4 filters of 3×3, stride 2, padding 1,
// with bias) in float64 and prints the report: one line per gradient (dx, dw, db) with its
// relative error, then OK or FAIL. Exit status 0 when it passed, 1 otherwise. What to expect
// without running it: the output size is (7 + 2·1 − 3)/2 + 1 = 4, so y is [2, 4, 4, 4], dx has
// x's shape [2, 3, 7, 7], dw [4, 3, 3, 3], db [4]; and in float64 the centered differences'
// error (of order h², plus rounding) leaves a correct gradient far under the 1e-7 limit (the
// check: every error below 1e-9). examples/CMakeLists.txt checks these.
#include <cnnlab/cnnlab.hpp>
#include <iostream>

int main() {
  // [check]
  cnnlab::GradcheckSpec spec;                 // empty input: the op's default, [2, 3, 7, 7]
  spec.filters = 4;
  spec.kernel = 3;
  spec.conv = {.stride = 2, .padding = 1};
  cnnlab::GradcheckResult r = cnnlab::gradcheck_op("conv2d", spec);
  std::cout << r.to_string();                 // one line per checked argument: x, w, b
  std::cout << (r.passed() ? "OK" : "FAIL") << " max_rel_error=" << r.max_rel_error() << "\n";
  return r.passed() ? 0 : 1;
  // [check]
}
