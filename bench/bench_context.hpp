// bench_context.hpp — what every measuring function of the benchmark shares: the backend under
// test, the timing rule, the output format (report()) and random inputs.
//
// Contract: report() prints one figure either as a readable line or, with --csv, as
//   name,dir,backend,threads,value,unit,ms,min_ms,max_ms,repeats,trials,first_ms
// (ms = the median time per call, min/max_ms = the fastest and slowest trial per call, repeats =
// R calls per trial, first_ms = the warm-up call). bench/compare.py and bench/gpu_compare.py read
// the first six columns by position, so new columns go at the end. Lines starting with '#' are
// comments (the backend's description) and readers skip them.
#pragma once

#include "timing.hpp"

#include <cnnlab/core/backend.hpp>

#include <string>

namespace cnnlab::bench {

/// @brief The backend under test and how to time and print its figures.
struct Context {
  Backend& backend;
  int threads = 1;   ///< OpenMP threads (1 for the reference and Vulkan backends)
  TimingRule rule;   ///< --min-time, --trials, --quick
  bool csv = false;  ///< --csv: machine-readable lines
};

/// @brief Prints one figure of case @p name, direction @p dir: @p value in @p unit, and its
///        timing (median, spread, R, trials, warm-up call).
void report(const Context& ctx, const std::string& name, const std::string& dir, double value,
            const std::string& unit, const Timing& t);

/// @brief A tensor of @p shape on @p backend, values uniform in [-1, 1) from @p seed (a cheap
///        generator: the GPU cases fill hundreds of millions of floats).
Tensor random_tensor(const Shape& shape, Backend& backend, uint64_t seed);

}  // namespace cnnlab::bench
