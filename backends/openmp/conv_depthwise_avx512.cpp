// conv_depthwise_avx512.cpp — the AVX-512 instances of the depthwise convolution's inner loops
// (conv_depthwise_kernels.hpp; the loops themselves are in conv_depthwise_generic.hpp).
//
// Contract: compiled alone with -mavx512f -mfma (CMakeLists.txt) and called only after
// omp::conv_tiles_isa() said "avx512"; it includes nothing but the kernel header, its vector
// type and the generic loops, so no AVX-512 copy of a shared function can leak elsewhere.
#include "conv_depthwise_generic.hpp"
#include "conv_depthwise_kernels.hpp"
#include "simd_avx512.hpp"

namespace cnnlab::omp::detail {

void dw_plane_avx512(int64_t ntaps, const float* base, const int64_t* off, const float* wts,
                     float init, int64_t rows, int64_t in_row, int64_t n, float* out,
                     int64_t ld_out) {
  dw_plane_isa<Avx512>(ntaps, base, off, wts, init, rows, in_row, n, out, ld_out);
}

void dw_dots_avx512(int64_t ntaps, const float* base, const int64_t* off, int64_t rows,
                    int64_t in_row, const float* a, int64_t lda, int64_t n, float* lanes) {
  dw_dots_isa<Avx512>(ntaps, base, off, rows, in_row, a, lda, n, lanes);
}

}  // namespace cnnlab::omp::detail
