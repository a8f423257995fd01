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

CNNLAB_DEPTHWISE_LOOPS(avx512, Avx512)

}  // namespace cnnlab::omp::detail
