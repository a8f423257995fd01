// conv_tiles.cpp — the entry points of conv_tiles.hpp: availability, and the hand-over to the
// AVX-512 tiles.
//
// Contract: compiled without instruction-set flags (plain x86-64), like gemm.cpp, so it is safe
// to call on any CPU. It answers whether the tiles may run (the current sgemm kernel choice is
// the AVX-512 one, see gemm.hpp) and forwards each call to its AVX-512 definition in
// conv_tiles_avx512.cpp; on a non-x86-64 build those do not exist and a call throws.
// What it deliberately is not: arithmetic, or a check on every call — callers ask
// conv_tile_rows / conv_k16_available once per convolution.
#include "backends/openmp/conv_tiles.hpp"

#include "backends/openmp/conv_tiles_kernels.hpp"
#include "backends/openmp/gemm.hpp"

#include <cnnlab/core/error.hpp>

namespace cnnlab::omp {

int conv_tile_rows(int64_t M) {
  // The grid tile is the AVX-512 GEMM tile fed from the input, so it takes the row count
  // sgemm would take for M rows.
  if (!sgemm_avx512_active()) return 0;
  return sgemm_tile_rows(M);
}

void conv_tile(int mr, int64_t ntaps, const int64_t* off, const float* x, const float* w,
               float* c) {
#if defined(__x86_64__)
  detail::conv_tile_avx512(mr, ntaps, off, x, w, c);
#else
  (void)mr, (void)ntaps, (void)off, (void)x, (void)w, (void)c;
  throw Error("conv_tile: no direct convolution tile on this CPU");
#endif
}

bool conv_k16_available() { return sgemm_avx512_active(); }

void conv_k16(int rows, int cols, int64_t ntaps, const int64_t* off, const float* x, int64_t row,
              const float* w, float* c, int64_t ldc) {
#if defined(__x86_64__)
  detail::conv_k16_avx512(rows, cols, ntaps, off, x, row, w, c, ldc);
#else
  (void)rows, (void)cols, (void)ntaps, (void)off, (void)x, (void)row, (void)w, (void)c, (void)ldc;
  throw Error("conv_k16: no direct convolution tile on this CPU");
#endif
}

void transpose16_bias(const float* src, int npix, const float* bias, float* dst, int64_t ldd) {
#if defined(__x86_64__)
  detail::transpose16_bias_avx512(src, npix, bias, dst, ldd);
#else
  (void)src, (void)npix, (void)bias, (void)dst, (void)ldd;
  throw Error("transpose16_bias: needs AVX-512");
#endif
}

void conv_dw_tile(int64_t nq, const float* dy, int64_t ldy, const int64_t* off, const float* x,
                  float* acc) {
#if defined(__x86_64__)
  detail::conv_dw_tile_avx512(nq, dy, ldy, off, x, acc);
#else
  (void)nq, (void)dy, (void)ldy, (void)off, (void)x, (void)acc;
  throw Error("conv_dw_tile: no direct convolution tile on this CPU");
#endif
}

void conv_dw3_k16(int rows, const float* const* x, int64_t wp, int64_t h2, int64_t w2,
                  const float* dyt, float* acc) {
#if defined(__x86_64__)
  detail::conv_dw3_k16_avx512(rows, x, wp, h2, w2, dyt, acc);
#else
  (void)rows, (void)x, (void)wp, (void)h2, (void)w2, (void)dyt, (void)acc;
  throw Error("conv_dw3_k16: no direct convolution tile on this CPU");
#endif
}

void conv_dx16(int64_t u0, int64_t u1, int64_t v0, int64_t v1, int64_t fw, int64_t rowstep,
               int64_t colstep, const float* dyt, const float* w, float* out) {
#if defined(__x86_64__)
  detail::conv_dx16_avx512(u0, u1, v0, v1, fw, rowstep, colstep, dyt, w, out);
#else
  (void)u0, (void)u1, (void)v0, (void)v1, (void)fw, (void)rowstep, (void)colstep, (void)dyt,
      (void)w, (void)out;
  throw Error("conv_dx16: no direct convolution tile on this CPU");
#endif
}

}  // namespace cnnlab::omp
