// conv_depthwise_portable.cpp — the plain C++ versions of the depthwise convolution's inner
// loops (conv_depthwise_kernels.hpp), for CPUs without AVX-512 (and for tests that force the
// portable kernels). Written with 16-float blocks so the compiler vectorises them with SSE.
#include "conv_depthwise_kernels.hpp"

namespace cnnlab::omp::detail {

void dw_row_portable(int64_t ntaps, const float* const* src, const float* wts, float init,
                     int64_t n, float* out) {
  for (int64_t j = 0; j < n; j += 16) {
    float acc[16];
    for (float& v : acc) v = init;
    for (int64_t t = 0; t < ntaps; ++t) {
      const float w = wts[t];
      const float* s = src[t] + j;
      for (int l = 0; l < 16; ++l) acc[l] += w * s[l];
    }
    for (int l = 0; l < 16; ++l) out[j + l] = acc[l];
  }
}

void dw_dots_portable(int64_t ntaps, const float* const* src, const float* a, int64_t n,
                      float* lanes) {
  for (int64_t t = 0; t < ntaps; ++t) {
    float* acc = lanes + t * 16;
    for (int64_t j = 0; j < n; j += 16)
      for (int l = 0; l < 16; ++l) acc[l] += a[j + l] * src[t][j + l];
  }
}

}  // namespace cnnlab::omp::detail
