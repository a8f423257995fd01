// conv_tiles_avx2.cpp — the AVX2 + FMA instances of the convolution register tiles of
// conv_tiles.hpp, and a plain 16×16 transpose.
//
// Contract: implements the *_avx2 functions declared in conv_tiles_kernels.hpp. This file alone
// is compiled with -mavx2 -mfma (see CMakeLists.txt, the flags of gemm_kernels_avx2.cpp); it is
// reached through conv_tiles.cpp only after the current kernel choice said AVX2
// (omp::conv_tiles_isa(), which follows sgemm_force_kernel). It includes nothing but the kernel
// header, its vector type (simd_avx2.hpp) and the generic loops (conv_tiles_generic.hpp), which
// it shares with AVX-512: the same tiles, the same data layouts (16 filters in the lanes is two
// ymm here), cut into register blocks that fit 16 ymm registers (TileShape in
// conv_tiles_generic.hpp gives each block's shape and register count).
#include "conv_tiles_generic.hpp"
#include "conv_tiles_kernels.hpp"
#include "simd_avx2.hpp"

namespace cnnlab::omp::detail {

CNNLAB_CONV_TILES(avx2, Avx2)

// 16 pixels × 16 filters (pixel-major, as conv_k16 leaves them) → 16 filter rows, plus the
// bias, one float at a time. It runs once per 16×16 block of outputs whose every value took
// (taps) FMAs, so it is a few percent of the tile's time at most; the shuffle version is
// AVX-512 only.
void transpose16_bias_avx2(const float* src, int npix, const float* bias, float* dst, int64_t ldd) {
  for (int k = 0; k < 16; ++k)
    for (int p = 0; p < npix; ++p) dst[k * ldd + p] = src[p * 16 + k] + bias[k];
}

}  // namespace cnnlab::omp::detail
