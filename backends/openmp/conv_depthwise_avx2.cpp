// conv_depthwise_avx2.cpp — the AVX2 instances of the depthwise convolution's inner loops
// (conv_depthwise_kernels.hpp; the loops themselves are in conv_depthwise_generic.hpp).
//
// Contract: compiled alone with -mavx2 -mfma (CMakeLists.txt) and called only after
// omp::conv_tiles_isa() said "avx2"; it includes nothing but the kernel header, its vector
// type and the generic loops, so no AVX2 copy of a shared function can leak elsewhere.
#include "conv_depthwise_generic.hpp"
#include "conv_depthwise_kernels.hpp"
#include "simd_avx2.hpp"

namespace cnnlab::omp::detail {

CNNLAB_DEPTHWISE_LOOPS(avx2, Avx2)

}  // namespace cnnlab::omp::detail
