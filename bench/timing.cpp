// timing.cpp — the timing rule of timing.hpp: warm-up, calibration of R, median of trials.
#include "timing.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace cnnlab::bench {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// Seconds taken by @p repeats calls recorded back to back and one synchronize.
double trial(const std::function<void()>& call, const std::function<void()>& sync,
             int64_t repeats) {
  const auto t0 = Clock::now();
  for (int64_t i = 0; i < repeats; ++i) call();
  sync();
  return seconds_since(t0);
}

/// R such that @p repeats calls that took @p seconds would last @p target (1 <= R <= 1e6).
int64_t repeats_for(double target, double seconds, int64_t repeats) {
  const double per_call = seconds / static_cast<double>(repeats);
  const double r = per_call > 0 ? std::ceil(target / per_call) : 1e6;
  return static_cast<int64_t>(std::clamp(r, 1.0, 1e6));
}

}  // namespace

double median_of(std::vector<double>& v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

Timing measure(const std::function<void()>& call, const std::function<void()>& sync,
               const TimingRule& rule) {
  Timing t;
  const double target = rule.min_time / 5;  // one trial lasts at least this long
  t.first = trial(call, sync, 1);           // warm-up: never the figure
  // The warm-up may include compilation, so R is estimated from a second call (or a third or
  // fourth while each takes under half the time of the one before: caches still filling). A call
  // that alone lasts a trial is slow (the reference backend): R = 1 and it is the first trial.
  std::vector<double> per_call;
  double used = trial(call, sync, 1);
  for (double before = t.first, k = 0; k < 2 && used >= target && used < 0.5 * before; ++k) {
    before = used;
    used = trial(call, sync, 1);
  }
  if (used >= target) {
    per_call.push_back(used);
  } else {
    t.repeats = repeats_for(target, used, 1);
    used = 0;
    // Check the estimate with calibration trials (a small GPU op's single call is mostly one
    // submit-and-wait, so R calls in a row take less than R times as long).
    for (int attempt = 0; attempt < 3 && !rule.quick; ++attempt) {
      const double s = trial(call, sync, t.repeats);
      if (s >= 0.5 * target) break;
      t.repeats = std::max(t.repeats, repeats_for(target, s, t.repeats));  // R only grows
    }
  }
  const int wanted = rule.quick ? 1 : std::max(1, rule.trials);
  // Slow calls: fewer trials (at least one) once they have used 3 × min_time.
  while (static_cast<int>(per_call.size()) < wanted &&
         (per_call.empty() || used <= 3 * rule.min_time)) {
    const double s = trial(call, sync, t.repeats);
    per_call.push_back(s / static_cast<double>(t.repeats));
    used += s;
  }
  t.trials = static_cast<int>(per_call.size());
  t.fastest = *std::min_element(per_call.begin(), per_call.end());
  t.slowest = *std::max_element(per_call.begin(), per_call.end());
  t.median = median_of(per_call);
  return t;
}

}  // namespace cnnlab::bench
