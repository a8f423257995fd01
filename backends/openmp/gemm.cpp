// gemm.cpp — the SGEMM driver: cache blocking, packing, threads, and the choice of micro-kernel.
//
// Contract: implements cnnlab::omp::sgemm (see gemm.hpp) on top of one of the register-blocked
// micro-kernels declared in gemm_kernels.hpp. Everything that is not arithmetic lives here:
// argument checks, the blocking loops, packing (including transposes and zero padding of edge
// tiles), edge tiles of C, OpenMP threads and the run-time kernel choice.
// What it deliberately is not: tuned for tiny or skinny problems, or for CPUs other than the
// ones the blocking sizes below were measured on; the constants are plain and easy to change.
//
// The algorithm, in the loop order of GotoBLAS / BLIS (names as in the BLIS papers):
//
//   for jc in N, step NC:                  5th loop: a block of NC columns of C and op(B)
//     for pc in K, step KC:                4th loop: a KC-deep slice of the product
//       pack op(B)[pc:pc+KC, jc:jc+NC] into B̃   (KC × NC, as NR-wide micro-panels)
//       for ic in M, step MC:              3rd loop: a block of MC rows
//         pack op(A)[ic:ic+MC, pc:pc+KC] into Ã (MC × KC, as MR-tall micro-panels)
//         for jr in NC, step NR:           2nd loop: one micro-panel of B̃ ...
//           for ir in MC, step MR:         1st loop: ... against each micro-panel of Ã
//             C[ir:ir+MR, jr:jr+NR] (+)= Ã micro-panel · B̃ micro-panel      (the micro-kernel)
//
// Why this order: each level reuses a block while it still sits in a cache level.
//   - B̃ (KC×NC floats, a few MB) is packed once per (jc, pc) and then read by every MC block
//     of A, so it is sized for the shared L3 cache (and shared by all threads).
//   - Ã (MC×KC floats, a few hundred KB) is read once per NR-wide column of B̃, so it is sized
//     to stay in the per-core L2 cache.
//   - One B̃ micro-panel (KC×NR floats) is reused against all MC/MR micro-panels of Ã in the
//     innermost loop, so it is sized to stay in L1 while the Ã micro-panels stream from L2.
//   - The micro-kernel keeps an MR×NR tile of C in registers for all KC steps, so C itself is
//     read and written only once per KC-deep slice.
// Packing copies the blocks into exactly the order the micro-kernel reads them (unit stride,
// aligned), which also makes transposed inputs cost the same as plain ones: the transpose
// happens during the copy. Slivers at the matrix edges are zero-padded to a full MR or NR, so
// the micro-kernel always computes a full tile; partial tiles of C go through a scratch tile.
//
// Threads: one OpenMP team runs the whole loop nest. For each KC slice the team shares the
// 3rd loop (row blocks of A, each packed into the thread's own Ã) and, when M is too short to
// go around, part of the 2nd loop (chunks of B̃'s columns), together with packing the next
// slice's B̃ into a second buffer. These tasks are handed out dynamically, so a thread that
// loses its core to another program for a while simply does fewer of them, and the team meets
// at one barrier per slice. Problems too small to pay for waking threads run on the calling
// thread (the `if` clause on the parallel region).
#include "backends/openmp/gemm.hpp"

#include "backends/openmp/gemm_kernels.hpp"

#include <cnnlab/core/error.hpp>

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cctype>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

namespace cnnlab::omp {
namespace {

using detail::MicroKernel;

// ---- packing -----------------------------------------------------------------------------------

/// Packs `lines` lines (rows of op(A), or columns of op(B)) of length kc into slivers of W
/// lines each, the layout the micro-kernel reads:
///     sliver s, step k, line j  ->  dst[s*sliver_stride + k*W + j]
/// where line l = s*W + j, step k is src[l*line_stride + k*k_stride]. Lines past `lines` in the
/// last sliver are zero, so the micro-kernel can always work on a full tile.
///
/// The loops follow whichever stride is 1, so the source is read in long sequential runs:
///   - line_stride == 1 (rows of plain B, columns of transposed A): the W values of one k are
///     adjacent, so each stored row is copied front to back across all slivers.
///   - k_stride == 1 (rows of plain A, columns of transposed B): this is a transpose, done in
///     chunks of 8 steps: 8 consecutive floats of one line, then the same 8 of the next line.
/// W is a template parameter so that the inner loops have a fixed length the compiler unrolls.
template <int W>
void pack(const float* src, int64_t line_stride, int64_t k_stride, int64_t lines, int64_t kc,
          int64_t sliver_stride, float* dst) {
  if (line_stride == 1) {
    for (int64_t k = 0; k < kc; ++k) {
      const float* s = src + k * k_stride;
      float* d = dst + k * W;
      int64_t l = 0;
      for (; l + W <= lines; l += W, d += sliver_stride)  // full slivers
        for (int j = 0; j < W; ++j) d[j] = s[l + j];
      if (l < lines)  // the last, partial sliver: copy what exists, zero the rest
        for (int j = 0; j < W; ++j) d[j] = l + j < lines ? s[l + j] : 0.0f;
    }
  } else {
    for (int64_t l = 0; l < lines; l += W, dst += sliver_stride) {
      const float* s = src + l * line_stride;
      const int64_t n = std::min<int64_t>(W, lines - l);  // lines in this sliver
      // Steps k0 .. k0+7 of one line are 32 contiguous bytes: copy them, then the next line.
      // (Reading one k from all W lines at a time would need W cache lines alive at once; with
      // a power-of-two row stride they all fall into the same L1 set and evict each other.)
      int64_t k0 = 0;
      for (; k0 + 8 <= kc; k0 += 8)
        for (int64_t j = 0; j < n; ++j)
          for (int k = 0; k < 8; ++k)
            dst[(k0 + k) * W + j] = s[j * line_stride + (k0 + k) * k_stride];
      for (; k0 < kc; ++k0)
        for (int64_t j = 0; j < n; ++j) dst[k0 * W + j] = s[j * line_stride + k0 * k_stride];
      if (n < W)  // the last, partial sliver: zero the missing lines
        for (int64_t k = 0; k < kc; ++k)
          for (int64_t j = n; j < W; ++j) dst[k * W + j] = 0.0f;
    }
  }
}

using PackFn = void (*)(const float*, int64_t, int64_t, int64_t, int64_t, int64_t, float*);

// ---- the micro-kernels and their blocking sizes -----------------------------------------------

/// A shorter variant of a kernel (same NR, fewer rows), for matrices with few rows.
struct RowVariant {
  int mr;
  MicroKernel kernel;
  PackFn pack_a;  ///< pack<mr>
};

/// One micro-kernel with the cache-block sizes that suit it.
struct KernelSpec {
  const char* name;       ///< short name for sgemm_force_kernel: "avx512", "avx2", "neon", ...
  const char* label;      ///< what sgemm_kernel_name() reports, e.g. "avx512 14x32"
  MicroKernel kernel;     ///< computes one MR×NR tile
  int mr, nr;             ///< tile size of the micro-kernel
  PackFn pack_a, pack_b;  ///< pack<MR> and pack<NR>
  int64_t mc, kc, nc;     ///< cache blocks: Ã is MC×KC (L2), B̃ is KC×NC (L3)
  const RowVariant* variants = nullptr;  ///< shorter tiles with the same NR (may be none)
  int n_variants = 0;
};

// The x86 SIMD kernels exist only in x86-64 builds and the NEON kernel only in aarch64 builds
// (see CMakeLists.txt); elsewhere their entries hold no function and cpu_supports() says no.
#if defined(__x86_64__)
constexpr MicroKernel kAvx512Fn = detail::sgemm_micro_avx512;
constexpr MicroKernel kAvx2Fn = detail::sgemm_micro_avx2;
#else
constexpr MicroKernel kAvx512Fn = nullptr;
constexpr MicroKernel kAvx2Fn = nullptr;
#endif
#if defined(__aarch64__)
constexpr MicroKernel kNeonFn = detail::sgemm_micro_neon;
#else
constexpr MicroKernel kNeonFn = nullptr;
#endif

// Blocking sizes, chosen for an AMD EPYC (Zen 4: L1d 32 KB, L2 1 MB per core, L3 32 MB) and
// checked by measurement:
//   KC = 256: one B̃ micro-panel is KC×NR×4 bytes (32 KB for NR = 32) — L1-sized; a deeper KC
//             also means C is read and written fewer times.
//   MC: Ã = MC×KC×4 bytes (a few hundred KB) stays well inside L2 next to the streaming B̃;
//       it is the largest row block — with several threads, blocks are often smaller so that
//       there are enough of them to share out (plan_tasks).
//   NC: B̃ = KC×NC×4 bytes is a few MB, well inside L3.
// MC is a multiple of MR and NC of NR, so only the matrix edges produce partial tiles.
#if defined(__x86_64__)
constexpr RowVariant kAvx512Short[] = {{6, detail::sgemm_micro_avx512_m6, pack<6>},
                                       {8, detail::sgemm_micro_avx512_m8, pack<8>},
                                       {10, detail::sgemm_micro_avx512_m10, pack<10>},
                                       {12, detail::sgemm_micro_avx512_m12, pack<12>}};
constexpr int kAvx512ShortCount = 4;
#else
constexpr const RowVariant* kAvx512Short = nullptr;
constexpr int kAvx512ShortCount = 0;
#endif
constexpr KernelSpec kAvx512{"avx512",
                             "avx512 14x32",
                             kAvx512Fn,
                             detail::kAvx512MR,
                             detail::kAvx512NR,
                             pack<detail::kAvx512MR>,
                             pack<detail::kAvx512NR>,
                             /*mc=*/14 * 24,
                             /*kc=*/256,
                             /*nc=*/32 * 128,
                             kAvx512Short,
                             kAvx512ShortCount};
constexpr KernelSpec kAvx2{"avx2",
                           "avx2 6x16",
                           kAvx2Fn,
                           detail::kAvx2MR,
                           detail::kAvx2NR,
                           pack<detail::kAvx2MR>,
                           pack<detail::kAvx2NR>,
                           /*mc=*/6 * 32,
                           /*kc=*/256,
                           /*nc=*/16 * 256};
// NEON's blocks are not measured (no arm64 machine here): KC as on x86 (a 12-wide B̃
// micro-panel is 12 KB, inside any arm64 L1d); MC and NC smaller than the x86 ones, so that Ã
// (128 KB) and B̃ (1.5 MB) suit cores with a 512 KB–1 MB L2 and a small or no L3 (Raspberry Pi
// class) as well as server cores.
constexpr KernelSpec kNeon{"neon",
                           "neon 8x12",
                           kNeonFn,
                           detail::kNeonMR,
                           detail::kNeonNR,
                           pack<detail::kNeonMR>,
                           pack<detail::kNeonNR>,
                           /*mc=*/8 * 16,
                           /*kc=*/256,
                           /*nc=*/12 * 128};
constexpr KernelSpec kPortable{"portable",
                               "portable 6x8",
                               detail::sgemm_micro_portable,
                               detail::kPortableMR,
                               detail::kPortableNR,
                               pack<detail::kPortableMR>,
                               pack<detail::kPortableNR>,
                               /*mc=*/detail::kPortableMR * 32,
                               /*kc=*/256,
                               /*nc=*/detail::kPortableNR * 256};

static_assert(kAvx512.mc % kAvx512.mr == 0 && kAvx512.nc % kAvx512.nr == 0 &&
                  kAvx2.mc % kAvx2.mr == 0 && kAvx2.nc % kAvx2.nr == 0 &&
                  kNeon.mc % kNeon.mr == 0 && kNeon.nc % kNeon.nr == 0 &&
                  kPortable.mc % kPortable.mr == 0 && kPortable.nc % kPortable.nr == 0,
              "MC must be a multiple of MR and NC of NR");

// The largest tile of any kernel, for the stack scratch tile used on edges of C.
constexpr int kMaxTile = 14 * 32;
static_assert(detail::kAvx512MR * detail::kAvx512NR <= kMaxTile &&
              detail::kAvx2MR * detail::kAvx2NR <= kMaxTile &&
              detail::kNeonMR * detail::kNeonNR <= kMaxTile &&
              detail::kPortableMR * detail::kPortableNR <= kMaxTile);

bool cpu_supports(const KernelSpec& k) {
#if defined(__x86_64__)
  if (&k == &kAvx512) return __builtin_cpu_supports("avx512f");
  if (&k == &kAvx2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  if (&k == &kAvx512 || &k == &kAvx2) return false;
#endif
#if defined(__aarch64__)
  if (&k == &kNeon) return true;  // NEON (ASIMD) is in the base aarch64 ISA: every arm64 CPU
#else
  if (&k == &kNeon) return false;
#endif
  return true;  // portable
}

/// Every kernel cnnlab knows, widest SIMD first (the automatic choice is the first one the CPU
/// supports; a build for another CPU family has the names but not the code, and cpu_supports
/// says no).
constexpr const KernelSpec* kKernels[] = {&kAvx512, &kAvx2, &kNeon, &kPortable};

const KernelSpec* find_kernel(const char* name) {
  for (const KernelSpec* k : kKernels)
    if (std::strcmp(k->name, name) == 0) return k;
  return nullptr;
}

/// The kernel CNNLAB_ISA names, else the widest this CPU can run. Decided once, at the first
/// call that gets past sgemm_parse_isa: a bad CNNLAB_ISA throws here at every call instead
/// (a static whose initialiser throws is initialised again on the next call).
const KernelSpec& auto_kernel() {
  static const KernelSpec& chosen = []() -> const KernelSpec& {
    if (const char* name = sgemm_parse_isa(std::getenv(kIsaVariable))) return *find_kernel(name);
    for (const KernelSpec* k : kKernels)
      if (cpu_supports(*k)) return *k;
    return kPortable;  // not reached: the portable kernel runs everywhere
  }();
  return chosen;
}

std::atomic<const KernelSpec*> g_forced{nullptr};  // set by sgemm_force_kernel, else auto

const KernelSpec& current_kernel() {
  const KernelSpec* forced = g_forced.load(std::memory_order_relaxed);
  return forced ? *forced : auto_kernel();
}

/// The row count of the tile that sgemm uses for an M-row product, with its kernel and packing.
struct Rows {
  int mr;
  MicroKernel kernel;
  PackFn pack_a;
  int64_t mc;  ///< the Ã cache block, a multiple of mr
};

/// Picks, among the kernel's full tile and its shorter variants, the one that pads M the least
/// (the fewest rows computed in total, ceil(M/MR)·MR); ties go to the taller tile, which loads
/// B less often. E.g. with AVX-512, M = 6 → 6×32, 16 or 64 → 8×32, 96 → 12×32, 300 → 10×32.
Rows choose_rows(const KernelSpec& ks, int64_t M) {
  Rows best{ks.mr, ks.kernel, ks.pack_a, ks.mc};
  int64_t best_rows = (M + ks.mr - 1) / ks.mr * ks.mr;
  for (int v = 0; v < ks.n_variants; ++v) {
    const RowVariant& rv = ks.variants[v];
    const int64_t rows = (M + rv.mr - 1) / rv.mr * rv.mr;
    if (rows < best_rows || (rows == best_rows && rv.mr > best.mr)) {
      best = {rv.mr, rv.kernel, rv.pack_a, ks.mc / rv.mr * rv.mr};
      best_rows = rows;
    }
  }
  return best;
}

// ---- packing buffers ---------------------------------------------------------------------------

/// A 64-byte-aligned float buffer that only grows. Each thread that calls sgemm keeps one
/// (thread_local below) between calls, so that repeated GEMMs do not pay for fresh pages every
/// time; it holds two B̃ and one Ã per thread of the team (at most about 9 MB for AVX-512:
/// 2 × KC×NC + threads × MC×KC floats).
class Workspace {
 public:
  ~Workspace() { release(); }
  float* get(size_t n) {
    if (n > capacity_) {
      release();
      data_ = static_cast<float*>(::operator new (n * sizeof(float), std::align_val_t{64}));
      capacity_ = n;
    }
    return data_;
  }

 private:
  void release() {
    if (data_) ::operator delete (data_, std::align_val_t{64});
    data_ = nullptr;
    capacity_ = 0;
  }
  float* data_ = nullptr;
  size_t capacity_ = 0;
};

thread_local Workspace t_workspace;

/// n rounded up to a multiple of m.
constexpr int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

/// The block size that cuts n into the fewest blocks of at most max_block, all about the same
/// size and a multiple of unit (max_block must be one). E.g. K = 300 with KC = 256 gives two
/// slices of 150 rather than 256 + 44 (a thin slice does little work per load of C).
constexpr int64_t even_block(int64_t n, int64_t max_block, int64_t unit) {
  if (n <= 0) return unit;  // e.g. a thread with no rows
  const int64_t blocks = (n + max_block - 1) / max_block;
  return round_up((n + blocks - 1) / blocks, unit);
}

// ---- C = beta·C, for alpha == 0 or K == 0 ------------------------------------------------------

void scale_c(int64_t M, int64_t N, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    if (beta == 0.0f)
      std::fill(c, c + N, 0.0f);  // overwrite, never read: C may hold NaN
    else
      for (int64_t j = 0; j < N; ++j) c[j] *= beta;
  }
}

// ---- threads -----------------------------------------------------------------------------------

/// Below this many multiply-adds per thread, extra threads cost more to wake than they save
/// (2^20 multiply-adds take about 20 µs on one core; waking a thread costs a few µs).
constexpr int64_t kMinWorkPerThread = int64_t{1} << 20;

/// The tasks that threads take turns on, per KC-deep slice: each task is one MC block of rows
/// times one chunk of the NC columns. Threads grab tasks dynamically (whoever is free takes
/// the next), so a thread slowed down by another program on its core simply does fewer tasks.
/// We want about kTasksPerThread tasks per thread for that balancing to work, preferably as
/// many row blocks at full width: a column chunk makes its task repack its rows of A, and
/// packing is cheap only when amortised over many columns.
constexpr int64_t kTasksPerThread = 4;

struct TaskPlan {
  int64_t m_blocks;  ///< row blocks: the M/MR tiles of rows are split evenly into this many
  int64_t n_chunks;  ///< column chunks: the NR-wide slivers of an NC block, split evenly
};

TaskPlan plan_tasks(int64_t m_tiles, int64_t n_slivers, int MR, int64_t MC_max, int nthreads) {
  const int64_t want = kTasksPerThread * nthreads;
  TaskPlan p;
  // Enough row blocks that none is taller than MC (the Ã cache block), and `want` of them if
  // M is tall enough for each to keep at least 4 tiles (so that each B̃ micro-panel loaded
  // into L1 still serves several Ã micro-panels).
  p.m_blocks = std::max((m_tiles * MR + MC_max - 1) / MC_max, std::min(want, m_tiles / 4));
  p.m_blocks = std::clamp<int64_t>(p.m_blocks, 1, m_tiles);
  // Too few row blocks to go around: cut the columns too.
  p.n_chunks =
      nthreads == 1 ? 1 : std::clamp<int64_t>((want + p.m_blocks - 1) / p.m_blocks, 1, n_slivers);
  // A whole number of tasks per thread where M allows: the tasks of a slice are of equal size,
  // and 11 of them on 2 threads (AVX2, M = 2048: 342 tiles in blocks of at most 32) leave one
  // thread idle for the last of every slice, 8% of the time. 12 smaller blocks do not.
  if (nthreads > 1) {
    const int64_t tasks = (p.m_blocks * p.n_chunks + nthreads - 1) / nthreads * nthreads;
    const int64_t m_blocks = (tasks + p.n_chunks - 1) / p.n_chunks;
    if (m_blocks <= m_tiles) p.m_blocks = m_blocks;
  }
  return p;
}

/// The part [begin, end) of `count` items that part `index` of `parts` gets (contiguous,
/// sizes differ by at most one).
void split_range(int64_t count, int64_t parts, int64_t index, int64_t& begin, int64_t& end) {
  const int64_t base = count / parts, extra = count % parts;
  begin = index * base + std::min<int64_t>(index, extra);
  end = begin + base + (index < extra ? 1 : 0);
}

// ---- argument checks ---------------------------------------------------------------------------

void check_args(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                const float* A, int64_t lda, const float* B, int64_t ldb, float* C, int64_t ldc) {
  auto fail = [](const std::string& what) { throw Error("sgemm: " + what); };
  if (M < 0 || N < 0 || K < 0)
    fail("sizes must not be negative, got M = " + std::to_string(M) + ", N = " + std::to_string(N) +
         ", K = " + std::to_string(K));
  // A leading dimension must cover one stored row; it is only irrelevant for an empty matrix.
  auto check_ld = [&](const char* name, int64_t ld, int64_t width, int64_t rows, bool trans) {
    if (rows > 0 && ld < std::max<int64_t>(width, 1))
      fail(std::string("ld") + name + " = " + std::to_string(ld) + " is smaller than the width " +
           std::to_string(width) + " of a stored row of " + name +
           (trans ? " (stored transposed)" : ""));
  };
  // Stored shapes: A is (M, K) or (K, M) when transposed; B is (K, N) or (N, K); C is (M, N).
  check_ld("a", lda, trans_a ? M : K, trans_a ? K : M, trans_a);
  check_ld("b", ldb, trans_b ? K : N, trans_b ? N : K, trans_b);
  check_ld("c", ldc, N, M, false);
  if (M > 0 && N > 0 && C == nullptr) fail("C is null");
  if (M > 0 && N > 0 && K > 0 && alpha != 0.0f && (A == nullptr || B == nullptr))
    fail(std::string(A == nullptr ? "A" : "B") + " is null");
}

}  // namespace

// ---- the public entry points -------------------------------------------------------------------

const char* sgemm_kernel_name() { return current_kernel().label; }

bool sgemm_kernel_supported(const char* name) {
  const KernelSpec* k = name ? find_kernel(name) : nullptr;
  return k != nullptr && cpu_supports(*k);
}

std::vector<const char*> sgemm_kernels() {
  std::vector<const char*> names;
  for (const KernelSpec* k : kKernels) names.push_back(k->name);
  return names;
}

std::vector<const char*> sgemm_supported_kernels() {
  std::vector<const char*> names;
  for (const KernelSpec* k : kKernels)
    if (cpu_supports(*k)) names.push_back(k->name);
  return names;
}

const char* detail::parse_isa(const char* value, const char* source,
                              const std::vector<const char*>& supported) {
  if (value == nullptr || *value == '\0') return nullptr;
  std::string lower(value);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const KernelSpec* k = find_kernel(lower.c_str());
  for (const char* name : supported)
    if (k != nullptr && std::strcmp(name, k->name) == 0) return k->name;
  auto join = [](auto&& names) {
    std::string s;
    for (const char* name : names) {
      if (!s.empty()) s += ", ";
      s += name;
    }
    return s;
  };
  const std::string what = std::string(source) + "=" + value + ": ";
  if (k == nullptr)
    throw Error(what + "not an instruction set cnnlab knows (it knows " + join(sgemm_kernels()) +
                "); this CPU can run " + join(supported));
  throw Error(what + "this CPU cannot run the " + k->name + " kernels; it can run " +
              join(supported) + " (or leave " + source + " unset for the widest" +
              (supported.empty() ? std::string() : std::string(", ") + supported.front()) + ")");
}

const char* sgemm_parse_isa(const char* value, const char* source) {
  return detail::parse_isa(value, source, sgemm_supported_kernels());
}

const char* sgemm_auto_kernel() { return auto_kernel().name; }

void sgemm_force_kernel(const char* name) {
  if (name == nullptr) {
    g_forced.store(nullptr);
    return;
  }
  const KernelSpec* k = find_kernel(name);
  if (k == nullptr)
    throw Error(std::string("sgemm_force_kernel: unknown kernel \"") + name +
                "\"; the kernels are \"avx512\", \"avx2\", \"neon\" and \"portable\" (or nullptr "
                "for the automatic choice)");
  if (!cpu_supports(*k))
    throw Error(std::string("sgemm_force_kernel: this CPU cannot run the \"") + name +
                "\" kernel; sgemm_kernel_supported() tells which ones it can");
  g_forced.store(k);
}

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  check_args(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, C, ldc);
  if (M == 0 || N == 0) return;
  if (K == 0 || alpha == 0.0f) {  // the product is zero: A and B are not read
    scale_c(M, N, beta, C, ldc);
    return;
  }

  const KernelSpec& ks = current_kernel();
  const Rows rows = choose_rows(ks, M);
  const int MR = rows.mr, NR = ks.nr;

  // Element (i, k) of op(A) is A[i*a_rs + k*a_cs]; element (k, j) of op(B) is B[k*b_rs + j*b_cs].
  const int64_t a_rs = trans_a ? 1 : lda, a_cs = trans_a ? lda : 1;
  const int64_t b_rs = trans_b ? 1 : ldb, b_cs = trans_b ? ldb : 1;

  // Block sizes for this problem: as many blocks as the cache sizes need, all of about the
  // same size. (Row blocks are planned per NC block by plan_tasks.)
  const int64_t KC = even_block(K, ks.kc, 1);
  const int64_t NC = even_block(N, ks.nc, NR);

  // How many threads: at most one per kMinWorkPerThread multiply-adds. Inside someone else's
  // parallel region we stay on the calling thread rather than oversubscribe the cores.
  const double work = static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  const int max_threads = omp_in_parallel() ? 1 : std::max(omp_get_max_threads(), 1);
  const double by_work = work / static_cast<double>(kMinWorkPerThread);
  const int nthreads = static_cast<int>(std::clamp(by_work, 1.0, static_cast<double>(max_threads)));

  // Packing buffers: two B̃ (KC × NC) shared by the team (see "double buffering" below), then
  // one Ã (MC × KC) per thread. Slivers start on 64-byte boundaries (16 floats), as the
  // kernels' aligned loads require.
  const int64_t a_sliver = round_up(MR * KC, 16), b_sliver = round_up(NR * KC, 16);
  const int64_t b_size = NC / NR * b_sliver, a_size = rows.mc / MR * a_sliver;
  float* const workspace = t_workspace.get(static_cast<size_t>(2 * b_size + nthreads * a_size));
  const int64_t m_tiles = (M + MR - 1) / MR;
  const int64_t k_slices = (K + KC - 1) / KC;

  // Packs B̃ sliver group `group` (kSliversPerPack NR-wide slivers) of op(B)[pc:pc+KC, jc:jc+nc].
  constexpr int64_t kSliversPerPack = 4;
  auto pack_b_group = [&](int64_t jc, int64_t nc, int64_t pc, int64_t group, float* packed_b) {
    const int64_t s0 = group * kSliversPerPack;
    const int64_t j0 = jc + s0 * NR, j1 = std::min(jc + nc, j0 + kSliversPerPack * NR);
    assert(j1 > j0);  // B̃ stays inside its buffer
    ks.pack_b(B + pc * b_rs + j0 * b_cs, b_cs, b_rs, j1 - j0, std::min(KC, K - pc), b_sliver,
              packed_b + s0 * b_sliver);
  };

#pragma omp parallel num_threads(nthreads) if (nthreads > 1)
  {
    float* const packed_a = workspace + 2 * b_size + omp_get_thread_num() * a_size;
    alignas(64) float edge[kMaxTile];  // scratch tile for partial tiles of C

    for (int64_t jc = 0; jc < N; jc += NC) {  // 5th loop: NC columns
      const int64_t nc = std::min(NC, N - jc);
      const int64_t n_slivers = (nc + NR - 1) / NR;
      const int64_t pack_groups = (n_slivers + kSliversPerPack - 1) / kSliversPerPack;
      const TaskPlan plan = plan_tasks(m_tiles, n_slivers, MR, rows.mc, omp_get_num_threads());
      const int64_t compute_tasks = plan.m_blocks * plan.n_chunks;

      // Pack B̃ for the first KC slice, all threads together, a few slivers at a time.
#pragma omp for schedule(dynamic)
      for (int64_t g = 0; g < pack_groups; ++g) pack_b_group(jc, nc, 0, g, workspace);

      for (int64_t slice = 0; slice < k_slices; ++slice) {  // 4th loop: KC-deep slices
        const int64_t pc = slice * KC, kc = std::min(KC, K - pc);
        const float beta_here = pc == 0 ? beta : 1.0f;  // later slices accumulate
        // Double buffering: this slice reads one B̃ while the team packs the next slice's
        // B̃ into the other, in the same work-sharing loop. So the team meets at one barrier
        // per slice (the end of the loop below) instead of two, which matters when threads
        // share their cores with other programs and every barrier waits for the slowest.
        const float* packed_b = workspace + (slice % 2) * b_size;
        float* next_b = workspace + ((slice + 1) % 2) * b_size;
        const int64_t pack_tasks = slice + 1 < k_slices ? pack_groups : 0;

        // The tasks: first the packing of the next B̃, then the 3rd loop (row blocks of Ã)
        // and part of the 2nd (column chunks of B̃), handed out dynamically. At the implied
        // barrier at the end, this slice's C updates and the next slice's B̃ are complete.
        int64_t packed_block = -1;  // which row block this thread's Ã holds now
#pragma omp for schedule(dynamic)
        for (int64_t task = 0; task < pack_tasks + compute_tasks; ++task) {
          if (task < pack_tasks) {
            pack_b_group(jc, nc, pc + KC, task, next_b);
            continue;
          }
          const int64_t block = (task - pack_tasks) / plan.n_chunks;
          const int64_t chunk = (task - pack_tasks) % plan.n_chunks;
          int64_t si0, si1;  // this task's MR-tall tiles of rows
          split_range(m_tiles, plan.m_blocks, block, si0, si1);
          const int64_t ic = si0 * MR;
          const int64_t mc = std::min(si1 * MR, M) - ic;
          const int64_t m_slivers = si1 - si0;
          assert(m_slivers * MR <= rows.mc);  // Ã fits its buffer (see plan_tasks)
          if (block != packed_block) {        // pack Ã = op(A)[ic:ic+mc, pc:pc+kc] for this thread
            rows.pack_a(A + ic * a_rs + pc * a_cs, a_rs, a_cs, mc, kc, a_sliver, packed_a);
            packed_block = block;
          }
          int64_t sj0, sj1;  // this task's NR-wide slivers of B̃
          split_range(n_slivers, plan.n_chunks, chunk, sj0, sj1);

          for (int64_t sj = sj0; sj < sj1; ++sj) {  // 2nd loop: one B̃ micro-panel
            const int64_t j = jc + sj * NR;
            const int64_t n = std::min<int64_t>(NR, jc + nc - j);
            const float* bp = packed_b + sj * b_sliver;
            for (int64_t si = 0; si < m_slivers; ++si) {  // 1st loop: each Ã micro-panel
              const int64_t i = ic + si * MR;
              const int64_t m = std::min<int64_t>(MR, M - i);
              const float* ap = packed_a + si * a_sliver;
              float* c = C + i * ldc + j;
              if (m == MR && n == NR) {
                rows.kernel(kc, ap, bp, c, ldc, alpha, beta_here);
              } else {
                // Partial tile: compute the full tile into `edge`, copy out the part that exists.
                rows.kernel(kc, ap, bp, edge, NR, alpha, 0.0f);
                for (int64_t r = 0; r < m; ++r)
                  for (int64_t q = 0; q < n; ++q)
                    c[r * ldc + q] =
                        edge[r * NR + q] + (beta_here == 0.0f ? 0.0f : beta_here * c[r * ldc + q]);
              }
            }
          }
        }
      }
    }
  }
}

// ---- pre-packed B: PackedA and sgemm_prepacked -----------------------------------------------
//
// The same blocking as sgemm, minus the B packing and the threads. Ã holds all of op(A), cut
// into KC-deep slices (each slice: ceil(M/MR) slivers of MR×kc floats). The loops:
//   for pc in K, step KC:               a KC-deep slice: Ã slice (M×KC) stays in L2
//     for ic in M, step MC:             a block of rows (only for tall A, e.g. Wᵀ of a deep layer)
//       for s in N, step NR:            one B̃ sliver slice (KC×NR, ≤ 32 KB) stays in L1 ...
//         for i in the block, step MR:  ... against every Ã sliver of the block
// The caller keeps N small enough (a block of columns) that B̃ itself stays in L2.

PackedA::PackedA(bool trans_a, int64_t M, int64_t K, const float* A, int64_t lda) : M_(M), K_(K) {
  if (M < 0 || K < 0) throw Error("PackedA: sizes must not be negative");
  if ((M > 0 && K > 0) && (A == nullptr || lda < (trans_a ? M : K)))
    throw Error("PackedA: A is null or lda is smaller than a stored row");
  const KernelSpec& ks = current_kernel();
  const Rows r = choose_rows(ks, M);
  mr_ = r.mr;
  nr_ = ks.nr;
  kernel_ = r.kernel;
  kc_ = even_block(std::max<int64_t>(K, 1), ks.kc, 1);
  const int64_t m_tiles = (M + mr_ - 1) / mr_;
  sliver_stride_ = round_up(mr_ * kc_, 16);
  slice_stride_ = m_tiles * sliver_stride_;
  const int64_t slices = (K + kc_ - 1) / kc_;
  buf_.resize(static_cast<size_t>(slices * slice_stride_ + 16));
  const auto addr = reinterpret_cast<uintptr_t>(buf_.data());
  offset_ = static_cast<int64_t>((64 - addr % 64) % 64 / sizeof(float));
  const int64_t a_rs = trans_a ? 1 : lda, a_cs = trans_a ? lda : 1;
  for (int64_t sl = 0; sl < slices; ++sl) {
    const int64_t pc = sl * kc_, kc = std::min(kc_, K - pc);
    r.pack_a(A + pc * a_cs, a_rs, a_cs, M, kc, sliver_stride_,
             buf_.data() + offset_ + sl * slice_stride_);
  }
}

void sgemm_prepacked(const PackedA& a, int64_t N, const float* packed_b, float beta, float* C,
                     int64_t ldc) {
  const int64_t M = a.M_, K = a.K_;
  if (M == 0 || N == 0) return;
  if (K == 0) {
    scale_c(M, N, beta, C, ldc);
    return;
  }
  const int MR = a.mr_, NR = a.nr_;
  const int64_t m_tiles = (M + MR - 1) / MR;
  const int64_t n_slivers = (N + NR - 1) / NR;
  // Row blocks of at most ~MC rows so that one block of the Ã slice stays in L2.
  constexpr int64_t kMaxBlockRows = 336;
  const int64_t tiles_per_block = std::max<int64_t>(1, kMaxBlockRows / MR);
  alignas(64) float edge[kMaxTile];  // scratch tile for partial tiles of C

  for (int64_t pc = 0, sl = 0; pc < K; pc += a.kc_, ++sl) {
    const int64_t kc = std::min(a.kc_, K - pc);
    const float beta_here = pc == 0 ? beta : 1.0f;
    const float* a_slice = a.data() + sl * a.slice_stride_;
    for (int64_t t0 = 0; t0 < m_tiles; t0 += tiles_per_block) {
      const int64_t t1 = std::min(m_tiles, t0 + tiles_per_block);
      for (int64_t s = 0; s < n_slivers; ++s) {
        const int64_t j = s * NR;
        const int64_t n = std::min<int64_t>(NR, N - j);
        const float* bp = packed_b + s * K * NR + pc * NR;
        for (int64_t t = t0; t < t1; ++t) {
          const int64_t i = t * MR;
          const int64_t m = std::min<int64_t>(MR, M - i);
          const float* ap = a_slice + t * a.sliver_stride_;
          float* c = C + i * ldc + j;
          if (m == MR && n == NR) {
            a.kernel_(kc, ap, bp, c, ldc, 1.0f, beta_here);
          } else {
            a.kernel_(kc, ap, bp, edge, NR, 1.0f, 0.0f);
            for (int64_t r = 0; r < m; ++r)
              for (int64_t q = 0; q < n; ++q)
                c[r * ldc + q] =
                    edge[r * NR + q] + (beta_here == 0.0f ? 0.0f : beta_here * c[r * ldc + q]);
          }
        }
      }
    }
  }
}

// ---- queries for the convolution tiles (conv_tiles.cpp) ----------------------------------------

bool sgemm_avx512_active() { return &current_kernel() == &kAvx512; }

bool sgemm_avx2_active() { return &current_kernel() == &kAvx2; }

int sgemm_tile_rows(int64_t M) { return choose_rows(current_kernel(), M).mr; }

int sgemm_tile_rows(const char* kernel, int64_t M) {
  const KernelSpec* k = find_kernel(kernel);
  return k ? choose_rows(*k, M).mr : 0;
}

}  // namespace cnnlab::omp
