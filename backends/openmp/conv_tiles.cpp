// conv_tiles.cpp — the entry points of conv_tiles.hpp: availability, and the hand-over to the
// tiles of the current instruction set (AVX-512 or AVX2).
//
// Contract: compiled without instruction-set flags (plain x86-64), like gemm.cpp, so it is safe
// to call on any CPU. It answers whether the tiles may run and with which instruction set — the
// one of the current sgemm kernel choice (gemm.hpp: automatic, CNNLAB_ISA, or
// sgemm_force_kernel), so that forcing "avx2" or "portable" moves the convolutions with it — and
// forwards each call to the *_avx512 or *_avx2 definition (conv_tiles_avx512.cpp,
// conv_tiles_avx2.cpp; both instances of conv_tiles_generic.hpp). On a non-x86-64 build those do
// not exist: the tiles are unavailable and a call throws.
// What it deliberately is not: arithmetic. Callers ask conv_tile_rows / conv_k16_available once
// per convolution; each call below then re-reads the kernel choice (one relaxed atomic load),
// which is nothing next to the hundreds of FMAs a tile does.
#include "backends/openmp/conv_tiles.hpp"

#include "backends/openmp/conv_tiles_kernels.hpp"
#include "backends/openmp/gemm.hpp"

#include <cnnlab/core/error.hpp>

#include <string>

namespace cnnlab::omp {

namespace {

[[noreturn]] void no_tiles(const char* what) {
  throw Error(std::string(what) +
              ": no convolution tile for this CPU or kernel choice (needs AVX-512 or AVX2 + FMA, "
              "see omp::conv_tiles_isa)");
}

/// no_tiles, taking (and ignoring) the tile's arguments: what a call becomes where there are no
/// tiles (not x86-64).
template <class... Args>
[[maybe_unused]] [[noreturn]] void no_tiles_for(const char* what, const Args&...) {
  no_tiles(what);
}

}  // namespace

const char* conv_tiles_isa() {
#if defined(__x86_64__)
  if (sgemm_avx512_active()) return "avx512";
  if (sgemm_avx2_active()) return "avx2";
#endif
  return nullptr;
}

int conv_tile_rows(int64_t M) {
  const char* isa = conv_tiles_isa();
  if (isa == nullptr) return 0;
  // AVX-512: the filter rows of the AVX-512 GEMM tile and its shorter variants (6, 8, .., 14),
  // chosen as sgemm chooses them; each tile is one register block.
  if (std::string(isa) == "avx512") return sgemm_tile_rows("avx512", M);
  // AVX2 runs a tile of mr rows as register blocks of at most 6 rows × 2 ymm
  // (conv_tiles_generic.hpp). A block of 4 rows has only 8 accumulators: two FMA pipes of
  // latency 4 need all 8 in flight every cycle, and the tile ran at about 80% of peak (CIFAR
  // with mr = 8: 69 GFLOP/s of 110). So only the mr whose blocks have 5 or 6 rows (5, 6, 10,
  // 11, 12), and among them the one that pads M the least (ties: the taller, fewer tiles).
  int best = 0;
  int64_t best_rows = 0;
  for (const int mr : {12, 11, 10, 6, 5}) {
    const int64_t rows = (M + mr - 1) / mr * mr;
    if (best == 0 || rows < best_rows) {
      best = mr;
      best_rows = rows;
    }
  }
  return best;
}

bool conv_k16_available() { return conv_tiles_isa() != nullptr; }

#if defined(__x86_64__)
// Each entry point: the AVX-512 tile when that is the current choice, else the AVX2 one when
// that is, else an error (a caller that did not ask first).
#define CNNLAB_TILE_CALL(name, ...)       \
  do {                                    \
    if (sgemm_avx512_active()) {          \
      detail::name##_avx512(__VA_ARGS__); \
    } else if (sgemm_avx2_active()) {     \
      detail::name##_avx2(__VA_ARGS__);   \
    } else {                              \
      no_tiles(#name);                    \
    }                                     \
  } while (false)
#else
#define CNNLAB_TILE_CALL(name, ...) no_tiles_for(#name, __VA_ARGS__)
#endif

void conv_tile(int mr, int64_t ntaps, const int64_t* off, const float* x, const float* w,
               float* c) {
  CNNLAB_TILE_CALL(conv_tile, mr, ntaps, off, x, w, c);
}

void conv_k16(int nb, int rows, int cols, int64_t ntaps, const int64_t* off, const float* x,
              int64_t row, const float* w, int64_t wstride, float* c, int64_t ldc,
              int64_t cstride) {
  CNNLAB_TILE_CALL(conv_k16, nb, rows, cols, ntaps, off, x, row, w, wstride, c, ldc, cstride);
}

int conv_k16_blocks() {
  // AVX-512: two blocks per call, so that each broadcast input value feeds two FMAs. On the
  // development machine (two 512-bit FMA pipes: 220 GFLOP/s per core) the forward passes of
  // VGG mid / VGG deep went from 153–165 / 177 to 186–200 / 203 GFLOP/s on one thread. AVX2:
  // one, since two blocks leave room for only 2 pixels per register block (vgg_mid 99–101 with
  // one block, 87–91 with two).
  return sgemm_avx512_active() ? 2 : 1;
}

void transpose16_bias(const float* src, int npix, const float* bias, float* dst, int64_t ldd) {
  CNNLAB_TILE_CALL(transpose16_bias, src, npix, bias, dst, ldd);
}

void conv_dw_tile(int64_t nq, const float* dy, int64_t ldy, const int64_t* off, const float* x,
                  float* acc) {
  CNNLAB_TILE_CALL(conv_dw_tile, nq, dy, ldy, off, x, acc);
}

void conv_dw3_k16(int nb, int rows, const float* const* x, int64_t wp, int64_t h2, int64_t w2,
                  const float* dyt, int64_t dstride, float* acc, int64_t astride) {
  CNNLAB_TILE_CALL(conv_dw3_k16, nb, rows, x, wp, h2, w2, dyt, dstride, acc, astride);
}

void conv_dx16(int64_t u0, int64_t u1, int64_t v0, int64_t v1, int64_t fw, int64_t rowstep,
               int64_t colstep, const float* dyt, const float* w, float* out) {
  CNNLAB_TILE_CALL(conv_dx16, u0, u1, v0, v1, fw, rowstep, colstep, dyt, w, out);
}

#undef CNNLAB_TILE_CALL

}  // namespace cnnlab::omp
