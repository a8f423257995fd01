// dispatch_overhead.cpp — the host cost of one op (issue 11, deliverable 2): bench_dispatch() of
// measure.hpp.
//
// Contract: a trial records `ops` ReLUs on `numel` floats (256 by default: the device work is
// negligible) back to back, then calls synchronize() once. Two timings per trial:
//   *_rec   the recording loop alone, divided by ops: what the host spends per op;
//   (plain) the loop plus the synchronize(), divided by ops.
// On the CPU backends both are the op itself (they compute as they are called) and give the
// floor; on Vulkan the difference is the device catching up — while the backend has a free
// batch slot: once all are in flight the recording loop waits for the oldest, and *_rec then
// measures the device's pace (lavapipe with 10,000 ops; --dispatch-ops 250 stays in one batch).
// "prealloc" calls Backend::relu_forward into one preallocated output; "ops" calls the ops API's
// relu_forward, which allocates a new output each call (the cost a user's code pays). The figure
// of each is the median of the trials after one untimed warm-up trial; units are host µs per op.
#include "measure.hpp"

#include <cnnlab/ops/ops.hpp>

#ifdef CNNLAB_HAVE_VULKAN
#include "backends/vulkan/vulkan_backend.hpp"
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>

namespace cnnlab::bench {

namespace {

/// vkAllocateMemory calls so far on the Vulkan backend (VulkanBackend::stats()); 0 elsewhere.
uint64_t device_allocations(Backend& be) {
#ifdef CNNLAB_HAVE_VULKAN
  if (auto* vk = dynamic_cast<VulkanBackend*>(&be)) return vk->stats().allocations;
#endif
  (void)be;
  return 0;
}

using Clock = std::chrono::steady_clock;

struct Split {
  Timing record, total;
};

/// Times @p ops calls of @p call then one synchronize, per the file comment.
Split time_dispatches(const Context& ctx, int64_t ops, const std::function<void()>& call) {
  auto one_trial = [&](double& record, double& total) {
    const auto t0 = Clock::now();
    for (int64_t i = 0; i < ops; ++i) call();
    const auto t1 = Clock::now();
    ctx.backend.synchronize();
    const auto t2 = Clock::now();
    record = std::chrono::duration<double>(t1 - t0).count() / static_cast<double>(ops);
    total = std::chrono::duration<double>(t2 - t0).count() / static_cast<double>(ops);
  };
  Split s;
  double warm_record = 0, warm_total = 0;
  one_trial(warm_record, warm_total);  // warm-up: pipelines, first allocations
  const int trials = ctx.rule.quick ? 1 : std::max(1, ctx.rule.trials);
  std::vector<double> record(static_cast<size_t>(trials)), total(record.size());
  for (size_t i = 0; i < record.size(); ++i) one_trial(record[i], total[i]);
  auto fill = [&](Timing& t, std::vector<double>& v, double first) {
    t.repeats = ops;
    t.trials = trials;
    t.first = first;
    t.fastest = *std::min_element(v.begin(), v.end());
    t.slowest = *std::max_element(v.begin(), v.end());
    t.median = median_of(v);
  };
  fill(s.record, record, warm_record);
  fill(s.total, total, warm_total);
  return s;
}

}  // namespace

void bench_dispatch(const Context& ctx, int64_t ops, int64_t numel) {
  Backend& be = ctx.backend;
  const Tensor x = random_tensor({numel}, be, 10);
  Tensor y = Tensor::empty({numel}, be);
  auto us = [](const Timing& t) { return t.median * 1e6; };
  const Split pre = time_dispatches(ctx, ops, [&] { be.relu_forward(x, y); });
  report(ctx, "dispatch_overhead", "prealloc", us(pre.total), "us/op", pre.total);
  report(ctx, "dispatch_overhead", "prealloc_rec", us(pre.record), "us/op", pre.record);
  const uint64_t allocations_before = device_allocations(be);
  const Split api = time_dispatches(ctx, ops, [&] { relu_forward(x); });
  report(ctx, "dispatch_overhead", "ops", us(api.total), "us/op", api.total);
  report(ctx, "dispatch_overhead", "ops_rec", us(api.record), "us/op", api.record);
  // Device memory allocations the "ops" trials made (a fresh output per call): zero once the
  // first trial's range is reused (the Vulkan backend's Stats::allocations; 0 elsewhere).
  if (!ctx.csv)
    std::printf("%-12s %-8s %-10s device memory allocations during the ops trials: %llu\n",
                "dispatch_overhead", "ops", be.name().c_str(),
                static_cast<unsigned long long>(device_allocations(be) - allocations_before));
}

}  // namespace cnnlab::bench
