// conv_depthwise_portable.cpp — the plain C++ versions of the depthwise convolution's inner
// loops (conv_depthwise_kernels.hpp), for CPUs without AVX-512 (and for tests that force the
// portable kernels). Written with 16-float blocks, like the AVX-512 ones, and summing in the
// same order.
#include "conv_depthwise_kernels.hpp"

namespace cnnlab::omp::detail {

void dw_plane_portable(int64_t ntaps, const float* base, const int64_t* off, const float* wts,
                       float init, int64_t rows, int64_t in_row, int64_t n, float* out,
                       int64_t ld_out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = base + r * in_row;
    for (int64_t j = 0; j < n; j += 16) {
      float acc[16];
      for (float& v : acc) v = init;
      for (int64_t t = 0; t < ntaps; ++t) {
        const float w = wts[t];
        const float* s = in + off[t] + j;
        for (int l = 0; l < 16; ++l) acc[l] += w * s[l];
      }
      const int64_t len = n - j < 16 ? n - j : 16;
      for (int64_t l = 0; l < len; ++l) out[r * ld_out + j + l] = acc[l];
    }
  }
}

void dw_dots_portable(int64_t ntaps, const float* base, const int64_t* off, int64_t rows,
                      int64_t in_row, const float* a, int64_t lda, int64_t n, float* lanes) {
  for (int64_t t = 0; t < ntaps; ++t) {
    float* acc = lanes + t * 16;
    for (int64_t r = 0; r < rows; ++r) {
      const float* s = base + r * in_row + off[t];
      const float* ar = a + r * lda;
      for (int64_t j = 0; j < n; j += 16)
        for (int64_t l = 0; l < 16; ++l) acc[l] += (j + l < n ? ar[j + l] : 0.0f) * s[j + l];
    }
  }
}

}  // namespace cnnlab::omp::detail
