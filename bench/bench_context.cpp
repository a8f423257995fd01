// bench_context.cpp — report() and random_tensor() of bench_context.hpp.
#include "bench_context.hpp"

#include <cstdio>
#include <vector>

namespace cnnlab::bench {

void report(const Context& ctx, const std::string& name, const std::string& dir, double value,
            const std::string& unit, const Timing& t) {
  const std::string be = ctx.backend.name();
  if (ctx.csv) {
    std::printf("%s,%s,%s,%d,%.4f,%s,%.6f,%.6f,%.6f,%lld,%d,%.3f\n", name.c_str(), dir.c_str(),
                be.c_str(), ctx.threads, value, unit.c_str(), t.median * 1e3, t.fastest * 1e3,
                t.slowest * 1e3, static_cast<long long>(t.repeats), t.trials, t.first * 1e3);
  } else {
    std::printf(
        "%-17s %-13s %-9s %2d thr %10.2f %-8s %9.3f ms/call [%.3f-%.3f] R=%lld x%d, first %.1f "
        "ms\n",
        name.c_str(), dir.c_str(), be.c_str(), ctx.threads, value, unit.c_str(), t.median * 1e3,
        t.fastest * 1e3, t.slowest * 1e3, static_cast<long long>(t.repeats), t.trials,
        t.first * 1e3);
  }
  std::fflush(stdout);
}

Tensor random_tensor(const Shape& shape, Backend& backend, uint64_t seed) {
  std::vector<float> v(static_cast<size_t>(numel(shape)));
  uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  for (float& e : v) {
    // splitmix64: one multiply-xorshift round per value; the top 24 bits make a float in [0, 1).
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    e = static_cast<float>(z >> 40) * (2.0f / 16777216.0f) - 1.0f;
  }
  return Tensor::from_vector(shape, v, backend);
}

}  // namespace cnnlab::bench
