// test_openmp_gemm.cpp — the OpenMP backend's SGEMM against a naive double-precision triple loop.
//
// Every micro-kernel this CPU can run (omp::sgemm_supported_kernels(): AVX-512 and AVX2 on
// x86-64, NEON on aarch64, and the portable one everywhere; the others are skipped with a WARN
// naming them) is checked on all four transpose combinations, several alpha/beta pairs, odd sizes
// that are not multiples of the tile (MR×NR) or cache-block (MC, KC, NC) sizes, leading
// dimensions wider than the rows, and 1, 2 and 3 threads. Two traps catch reads and writes
// outside the matrices: the padding between rows (lda > width) holds NaN, so reading it poisons
// the result, and C's padding must come back bit-for-bit unchanged. With beta == 0, C starts as
// NaN and must be overwritten without being read.
//
// Tolerance: a float dot product of length K is off by at most about K·eps·Σ|a·b|, so we allow
//     |c − ref| <= 1e-6 · (K·max|a|·max|b|·|alpha| + |beta|·max|c0|) + 1e-6
// (1e-6 ≈ 8·float epsilon). A failure prints the worst error as a fraction of its tolerance;
// the main test prints, per kernel, the largest error and error/tolerance over all its products.
//
// Also here: CNNLAB_ISA's parsing and its errors (omp::sgemm_parse_isa, a pure function of the
// string, so no test changes the environment).
#include <catch2/catch.hpp>

#include "backends/openmp/gemm.hpp"

#include "openmp_kernels.hpp"

#include <cnnlab/core/error.hpp>

#include <omp.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

using cnnlab::omp::sgemm;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

/// A stored row-major matrix of `rows` rows of which the first `cols` columns are data and the
/// rest (up to ld) is padding, filled with `pad`.
struct Stored {
  int64_t rows, cols, ld;
  std::vector<float> v;
  Stored(int64_t r, int64_t c, int64_t l, std::mt19937& rng, float pad)
      : rows(r), cols(c), ld(l), v(static_cast<size_t>(std::max<int64_t>(r * l, 1)), pad) {
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (int64_t i = 0; i < r; ++i)
      for (int64_t j = 0; j < c; ++j) v[i * l + j] = u(rng);
  }
  float at(int64_t i, int64_t j) const { return v[i * ld + j]; }
  float max_abs() const {
    float m = 0.0f;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) m = std::max(m, std::fabs(at(i, j)));
    return m;
  }
};

struct Case {
  int64_t M, N, K;
};

/// The largest errors seen over a series of products.
struct Worst {
  double abs_err = 0.0;    ///< max |c − ref|
  double tol_ratio = 0.0;  ///< max |c − ref| / tolerance
  int products = 0;
  void add(double err, double ratio) {
    abs_err = std::max(abs_err, err);
    tol_ratio = std::max(tol_ratio, ratio);
  }
};

/// Runs one sgemm and compares it with the double-precision triple loop.
/// `pad` extra columns are added to every leading dimension.
/// Returns the largest |c − ref| and |c − ref| / tolerance, for the summary line.
Worst check_one(bool ta, bool tb, Case s, float alpha, float beta, int64_t pad, int threads,
                uint32_t seed) {
  std::mt19937 rng(seed);
  const int64_t M = s.M, N = s.N, K = s.K;
  // A is stored (M, K), or (K, M) transposed; B is stored (K, N), or (N, K) transposed.
  const Stored A = ta ? Stored(K, M, M + pad, rng, kNaN) : Stored(M, K, K + pad, rng, kNaN);
  const Stored B = tb ? Stored(N, K, K + pad, rng, kNaN) : Stored(K, N, N + pad, rng, kNaN);
  Stored C(M, N, N + pad, rng, 12345.0f);  // padding: a sentinel that must survive
  if (beta == 0.0f)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) C.v[i * C.ld + j] = kNaN;  // must never be read
  const Stored C0 = C;

  omp_set_num_threads(threads);
  sgemm(ta, tb, M, N, K, alpha, A.v.data(), A.ld, B.v.data(), B.ld, beta, C.v.data(), C.ld);

  const double tol_scale =
      1e-6 * (static_cast<double>(K) * A.max_abs() * B.max_abs() * std::fabs(alpha) +
              (beta == 0.0f ? 0.0 : std::fabs(beta) * C0.max_abs())) +
      1e-6;
  double worst = 0.0;  // max |c - ref| / tol
  double worst_abs = 0.0;
  int64_t bad_padding = 0;
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      double ref = 0.0;
      for (int64_t k = 0; k < K; ++k)
        ref += static_cast<double>(ta ? A.at(k, i) : A.at(i, k)) *
               static_cast<double>(tb ? B.at(j, k) : B.at(k, j));
      ref = alpha * ref + (beta == 0.0f ? 0.0 : beta * static_cast<double>(C0.at(i, j)));
      const double err = std::fabs(static_cast<double>(C.at(i, j)) - ref);
      const double e = std::isnan(err) ? std::numeric_limits<double>::infinity() : err;
      worst = std::max(worst, e / tol_scale);
      worst_abs = std::max(worst_abs, e);
    }
    for (int64_t j = N; j < C.ld; ++j)
      bad_padding += std::memcmp(&C.v[i * C.ld + j], &C0.v[i * C.ld + j], sizeof(float)) != 0;
  }
  INFO(cnnlab::omp::sgemm_kernel_name()
       << ": trans_a=" << ta << " trans_b=" << tb << " M=" << M << " N=" << N << " K=" << K
       << " alpha=" << alpha << " beta=" << beta << " pad=" << pad << " threads=" << threads
       << ": max error / tolerance = " << worst << " (tolerance " << tol_scale << ")");
  CHECK(worst <= 1.0);
  CHECK(bad_padding == 0);
  Worst w;
  w.add(worst_abs, worst);
  w.products = 1;
  return w;
}

/// Folds one product's errors into a running summary.
void fold(Worst& total, const Worst& one) {
  total.add(one.abs_err, one.tol_ratio);
  total.products += one.products;
}

/// Resets the thread count even when a check throws.
struct RestoreThreads {
  int threads = omp_get_max_threads();
  ~RestoreThreads() { omp_set_num_threads(threads); }
};

/// Warns about every kernel of this build that this CPU cannot run (so it is not tested here).
void warn_untested() {
  for (const char* name : cnnlab::omp::sgemm_kernels())
    if (!cnnlab::omp::sgemm_kernel_supported(name))
      WARN("sgemm kernel \"" << name << "\" is not supported by this CPU: skipped, not tested");
}

}  // namespace

TEST_CASE("omp sgemm matches a double-precision triple loop on every kernel", "[openmp][gemm]") {
  RestoreThreads restore;
  // Small and odd sizes, each tried with every transpose and alpha/beta pair.
  const Case small[] = {{1, 1, 1},   {7, 13, 5},   {33, 65, 17}, {100, 1, 300},
                        {1, 100, 3}, {14, 32, 64}, {15, 33, 7},  {6, 16, 2}};
  const float alpha_beta[][2] = {{1.0f, 0.0f}, {-0.5f, 0.0f}, {1.0f, 1.0f}, {0.75f, -2.0f}};
  // Sizes that cross the cache blocks (KC = 256, MC = 336 and NC = 4096 for AVX-512; smaller
  // for the others) and are big enough to be split over threads.
  const Case big[] = {{29, 95, 513},   {337, 70, 20},  {50, 4100, 11},
                      {150, 170, 130}, {5, 3000, 300}, {700, 45, 260}};

  warn_untested();
  const std::vector<const char*> kernels = cnnlab::omp::sgemm_supported_kernels();
  for (const char* name : kernels) {
    DYNAMIC_SECTION("kernel " << name) {
      const cnnlab::testing::ForcedKernel forced(name);
      uint32_t seed = 1;
      Worst total;
      for (const bool ta : {false, true})
        for (const bool tb : {false, true}) {
          for (const Case& s : small)
            for (const auto& ab : alpha_beta)
              fold(total, check_one(ta, tb, s, ab[0], ab[1], 0, 1, seed++));
          for (const Case& s : big)
            for (const int threads : {1, 2, 3})
              fold(total,
                   check_one(ta, tb, s, 1.5f, threads == 2 ? 1.0f : 0.0f, 0, threads, seed++));
        }
      std::cout << (total.tol_ratio <= 1.0 ? "OK " : "FAIL ") << "sgemm "
                << cnnlab::omp::sgemm_kernel_name() << ": " << total.products
                << " products, max |error| = " << total.abs_err
                << ", max error/tolerance = " << total.tol_ratio << "\n";
    }
  }
  CHECK(kernels.size() >= 1);  // the portable kernel runs everywhere
}

TEST_CASE("omp sgemm honours leading dimensions wider than the rows", "[openmp][gemm]") {
  RestoreThreads restore;
  for (const char* name : cnnlab::omp::sgemm_supported_kernels()) {
    DYNAMIC_SECTION("kernel " << name) {
      const cnnlab::testing::ForcedKernel forced(name);
      uint32_t seed = 100;
      for (const bool ta : {false, true})
        for (const bool tb : {false, true})
          for (const Case s : {Case{7, 13, 5}, Case{33, 65, 17}, Case{40, 50, 300}})
            for (const int64_t pad : {1, 3, 17}) {
              check_one(ta, tb, s, 1.0f, 0.0f, pad, 1, seed++);
              check_one(ta, tb, s, -2.0f, 0.5f, pad, 2, seed++);
            }
    }
  }
}

TEST_CASE("omp sgemm with alpha == 0 or K == 0 only scales C", "[openmp][gemm]") {
  float C[6] = {1, 2, 3, 4, 5, 6};
  const float A[1] = {kNaN}, B[1] = {kNaN};  // must not be read
  sgemm(false, false, 2, 3, 1, 0.0f, A, 1, B, 3, 2.0f, C, 3);
  CHECK(std::vector<float>(C, C + 6) == std::vector<float>{2, 4, 6, 8, 10, 12});
  sgemm(false, false, 2, 3, 0, 1.0f, nullptr, 1, nullptr, 3, 0.5f, C, 3);
  CHECK(std::vector<float>(C, C + 6) == std::vector<float>{1, 2, 3, 4, 5, 6});
  float D[4] = {kNaN, kNaN, kNaN, kNaN};
  sgemm(true, true, 2, 2, 0, 1.0f, nullptr, 2, nullptr, 1, 0.0f, D, 2);  // beta 0: overwrite
  CHECK(std::vector<float>(D, D + 4) == std::vector<float>{0, 0, 0, 0});
  sgemm(false, false, 0, 5, 7, 1.0f, nullptr, 7, nullptr, 5, 0.0f, nullptr, 5);  // empty C
}

TEST_CASE("omp sgemm works when called from inside a parallel region", "[openmp][gemm]") {
  // Each thread multiplies its own matrices; sgemm must not start nested threads or share
  // packing buffers between callers.
  constexpr int kCallers = 4;
  constexpr int64_t n = 70;
  std::vector<std::vector<float>> a(kCallers), c(kCallers);
  for (int t = 0; t < kCallers; ++t) {
    a[t].assign(n * n, 0.0f);
    for (int64_t i = 0; i < n; ++i) a[t][i * n + i] = static_cast<float>(t + 1);  // (t+1)·I
    c[t].assign(n * n, kNaN);
  }
  std::vector<float> b(n * n);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i % 17) - 8.0f;
#pragma omp parallel for num_threads(kCallers)
  for (int t = 0; t < kCallers; ++t)
    sgemm(false, false, n, n, n, 1.0f, a[t].data(), n, b.data(), n, 0.0f, c[t].data(), n);
  for (int t = 0; t < kCallers; ++t) {
    INFO("caller " << t);
    bool same = true;
    for (size_t i = 0; i < b.size(); ++i)
      same = same && c[t][i] == static_cast<float>(t + 1) * b[i];
    CHECK(same);
  }
}

TEST_CASE("omp sgemm rejects bad arguments and unknown kernels", "[openmp][gemm]") {
  using Catch::Contains;
  float x[64] = {};
  CHECK_THROWS_AS(sgemm(false, false, -1, 2, 2, 1.0f, x, 2, x, 2, 0.0f, x, 2), cnnlab::Error);
  CHECK_THROWS_WITH(sgemm(false, false, 4, 4, 4, 1.0f, x, 3, x, 4, 0.0f, x, 4),
                    Contains("lda = 3") && Contains("width 4"));
  CHECK_THROWS_WITH(sgemm(true, false, 5, 4, 2, 1.0f, x, 4, x, 4, 0.0f, x, 4),
                    Contains("lda = 4") && Contains("transposed"));
  CHECK_THROWS_WITH(sgemm(false, true, 4, 4, 6, 1.0f, x, 6, x, 4, 0.0f, x, 4), Contains("ldb = 4"));
  CHECK_THROWS_WITH(sgemm(false, false, 4, 5, 4, 1.0f, x, 4, x, 5, 0.0f, x, 4),
                    Contains("ldc = 4"));
  CHECK_THROWS_WITH(sgemm(false, false, 2, 2, 2, 1.0f, nullptr, 2, x, 2, 0.0f, x, 2),
                    Contains("A is null"));

  CHECK_THROWS_WITH(cnnlab::omp::sgemm_force_kernel("sse9"), Contains("unknown kernel \"sse9\""));
  {
    const cnnlab::testing::ForcedKernel portable("portable");
    CHECK(std::string(cnnlab::omp::sgemm_kernel_name()).rfind("portable", 0) == 0);
  }
  // Back to the automatic choice.
  CHECK(std::string(cnnlab::omp::sgemm_kernel_name()).rfind(cnnlab::omp::sgemm_auto_kernel(), 0) ==
        0);
  for (const char* name : cnnlab::omp::sgemm_kernels())
    if (!cnnlab::omp::sgemm_kernel_supported(name))
      CHECK_THROWS_WITH(cnnlab::omp::sgemm_force_kernel(name), Contains("cannot run"));
  CHECK_FALSE(cnnlab::omp::sgemm_kernel_supported("sse9"));
}

TEST_CASE("omp sgemm kernel lists: all known, and those this CPU runs, widest first",
          "[openmp][gemm][isa]") {
  using cnnlab::omp::sgemm_kernel_supported;
  const std::vector<const char*> all = cnnlab::omp::sgemm_kernels();
  const std::vector<const char*> supported = cnnlab::omp::sgemm_supported_kernels();
  REQUIRE(!supported.empty());
  CHECK(std::string(supported.back()) == "portable");  // the fallback, last and everywhere
  // supported is all minus what the CPU cannot run, in the same order.
  std::vector<std::string> expected;
  for (const char* name : all)
    if (sgemm_kernel_supported(name)) expected.emplace_back(name);
  CHECK(std::vector<std::string>(supported.begin(), supported.end()) == expected);
  // Without CNNLAB_ISA the automatic choice is the widest; with it, the one it names.
  const char* env = std::getenv("CNNLAB_ISA");
  const char* expected_auto =
      env != nullptr && *env != '\0' ? cnnlab::omp::sgemm_parse_isa(env) : supported.front();
  CHECK(std::string(cnnlab::omp::sgemm_auto_kernel()) == expected_auto);
}

TEST_CASE("CNNLAB_ISA: names a kernel, case-insensitively; unset or empty: no cap",
          "[openmp][gemm][isa]") {
  using cnnlab::omp::sgemm_parse_isa;
  CHECK(sgemm_parse_isa(nullptr) == nullptr);
  CHECK(sgemm_parse_isa("") == nullptr);
  for (const char* name : cnnlab::omp::sgemm_supported_kernels()) {
    INFO("kernel " << name);
    std::string upper = name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    REQUIRE(sgemm_parse_isa(name) != nullptr);
    CHECK(std::string(sgemm_parse_isa(name)) == name);
    REQUIRE(sgemm_parse_isa(upper.c_str()) != nullptr);
    CHECK(std::string(sgemm_parse_isa(upper.c_str())) == name);
  }
}

TEST_CASE("CNNLAB_ISA: an unknown value or one the CPU cannot run is an error naming both",
          "[openmp][gemm][isa]") {
  using Catch::Contains;
  using Catch::StartsWith;
  using cnnlab::omp::sgemm_parse_isa;
  // Unknown: the variable, the value, the instruction sets cnnlab knows and what this CPU runs.
  std::string runs;
  for (const char* name : cnnlab::omp::sgemm_supported_kernels()) {
    if (!runs.empty()) runs += ", ";
    runs += name;
  }
  CHECK_THROWS_AS(sgemm_parse_isa("sse9"), cnnlab::Error);
  CHECK_THROWS_WITH(sgemm_parse_isa("sse9"),
                    StartsWith("CNNLAB_ISA=sse9: not an instruction set cnnlab knows (it knows ") &&
                        Contains("portable") && Contains("; this CPU can run " + runs));
  CHECK_THROWS_WITH(sgemm_parse_isa("avx-512", "--isa"), StartsWith("--isa=avx-512: not an"));
  CHECK_THROWS_WITH(sgemm_parse_isa(" avx2"), Contains("not an instruction set"));  // no trimming

  // Known but not runnable, on a CPU that pretends to run avx2 and portable only (so this is
  // checked on every machine, whatever it runs).
  const std::vector<const char*> avx2_cpu = {"avx2", "portable"};
  CHECK(std::string(cnnlab::omp::detail::parse_isa("AVX2", "CNNLAB_ISA", avx2_cpu)) == "avx2");
  CHECK_THROWS_WITH(cnnlab::omp::detail::parse_isa("avx512", "CNNLAB_ISA", avx2_cpu),
                    Catch::Equals("CNNLAB_ISA=avx512: this CPU cannot run the avx512 kernels; it "
                                  "can run avx2, portable (or leave CNNLAB_ISA unset for the "
                                  "widest, avx2)"));
  CHECK_THROWS_WITH(cnnlab::omp::detail::parse_isa("AVX2", "--isa", {"portable"}),
                    StartsWith("--isa=AVX2: this CPU cannot run the avx2 kernels; it can run "
                               "portable (or leave --isa unset"));
  // And on this CPU: every kernel of the build that it cannot run.
  for (const char* name : cnnlab::omp::sgemm_kernels())
    if (!cnnlab::omp::sgemm_kernel_supported(name))
      CHECK_THROWS_WITH(sgemm_parse_isa(name), Contains("this CPU cannot run the"));
}
