// timing.hpp — the benchmark's timing rule, the same for every backend and every case.
//
// Contract: measure() times one "call" (one op recorded, or one training step) like this:
//   1. warm-up: one untimed call, then synchronize() (on a GPU the first call compiles the
//      pipelines and allocates memory; it is reported as `first`, never as the figure);
//   2. calibration: R, the number of calls per trial, is chosen from a second (warm) call and
//      checked with up to 3 calibration trials, so that one trial lasts at least min_time / 5;
//   3. trials: a trial is R calls made back to back, then ONE synchronize(); the time per call is
//      the trial's time / R. The figure is the median of the trials (5 by default), and the
//      fastest and slowest trial are kept as the spread.
// A call that alone lasts min_time / 5 (the reference backend) gets R = 1 and counts as the first
// trial, and the trials stop early, after at least one, once they have used 3 × min_time;
// `quick` makes one trial and skips the calibration trials.
// bench/gpu_compare.py applies the same rule to PyTorch (torch.cuda.synchronize() once a trial).
// What this is not: a statistics package; no outlier rejection, no confidence intervals.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace cnnlab::bench {

/// @brief How long and how often to time a case (the command line's --min-time, --trials,
///        --quick).
struct TimingRule {
  double min_time = 1.0;  ///< seconds of timed calls per case, about (a trial is a fifth of it)
  int trials = 5;         ///< timed trials; the figure is their median
  bool quick = false;     ///< one trial, no calibration trial (for the slow reference backend)
};

/// @brief What measure() found; every time is seconds per call.
struct Timing {
  double median = 0;    ///< the figure: median over the trials of (trial time / repeats)
  double fastest = 0;   ///< the fastest trial, per call
  double slowest = 0;   ///< the slowest trial, per call
  double first = 0;     ///< the warm-up call with its synchronize (pipeline compilation...)
  int64_t repeats = 1;  ///< R: calls per trial
  int trials = 0;       ///< trials made
};

/// @brief Times @p call by the rule above; @p sync waits for the backend (Backend::synchronize).
Timing measure(const std::function<void()>& call, const std::function<void()>& sync,
               const TimingRule& rule);

/// @brief The median of @p v (the mean of the middle two for an even count); v is reordered.
double median_of(std::vector<double>& v);

}  // namespace cnnlab::bench
