// bench.cpp — the cnnlab benchmark program (a program, never a test).
//
// Contract: measures, for each backend and thread count asked for,
//   - six convolution layers of the course (LeNet c1 and c2, a CIFAR first layer, a middle and
//     a deep VGG layer, AlexNet c1), forward and forward+backward, in GFLOP/s
//     (2·N·K·H2·W2·C·F² per forward pass; forward+backward counts 3× that);
//   - SGEMM 2048³ in GFLOP/s; max pooling 2×2/2 on 64×64×56×56 in GB/s (bytes read + written);
//   - one LeNet-5 training step on a batch of 64 in images/s.
// Each figure is the best of several timed runs after a warm-up (a slow first run that already
// exceeds --min-time is reported as it is). With --csv it prints machine-readable lines that
// bench/compare.py puts side by side with PyTorch measured in the same run.
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include <cnnlab/demo/lenet5_step.hpp>

#include "tools/cli11.hpp"

#include <omp.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <random>
#include <regex>
#include <string>
#include <vector>

using namespace cnnlab;

namespace {

struct Options {
  std::vector<std::string> backends;
  std::vector<int> threads = {1, 2};
  double min_time = 1.0;
  std::string only;
  bool csv = false;
  bool passes = false;
};

/// Seconds of the fastest of several runs of @p fn (after one warm-up run).
double best_time(const std::function<void()>& fn, double min_time) {
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  fn();
  double first = std::chrono::duration<double>(clock::now() - t0).count();
  if (first > min_time) return first;  // slow (reference backend): one run is enough
  double best = 1e300, total = 0;
  for (int rep = 0; rep < 3 || total < min_time; ++rep) {
    t0 = clock::now();
    fn();
    const double t = std::chrono::duration<double>(clock::now() - t0).count();
    best = std::min(best, t);
    total += t;
  }
  return best;
}

Tensor random_tensor(const Shape& s, Backend& be, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> v(static_cast<size_t>(numel(s)));
  for (float& e : v) e = dist(rng);
  return Tensor::from_vector(s, v, be);
}

void report(const Options& o, const std::string& name, const std::string& dir, const Backend& be,
            int threads, double value, const char* unit, double seconds) {
  if (o.csv) {
    std::printf("%s,%s,%s,%d,%.4f,%s,%.4f\n", name.c_str(), dir.c_str(), be.name().c_str(), threads,
                value, unit, seconds * 1e3);
  } else {
    std::printf("%-12s %-8s %-10s %2d thr  %10.2f %-8s (%.3f ms)\n", name.c_str(), dir.c_str(),
                be.name().c_str(), threads, value, unit, seconds * 1e3);
  }
  std::fflush(stdout);
}

struct ConvLayer {
  const char* name;
  int64_t N, C, H, W, K, F;
  int S, P;
};

const std::vector<ConvLayer> kLayers = {
    {"lenet_c1", 64, 1, 28, 28, 6, 5, 1, 2},    {"lenet_c2", 64, 6, 14, 14, 16, 5, 1, 0},
    {"cifar", 64, 3, 32, 32, 32, 3, 1, 1},      {"vgg_mid", 8, 64, 56, 56, 64, 3, 1, 1},
    {"vgg_deep", 8, 256, 28, 28, 256, 3, 1, 1}, {"alexnet_c1", 4, 3, 227, 227, 96, 11, 4, 0},
};

void bench_conv(const Options& o, Backend& be, int threads, const ConvLayer& l) {
  const Conv2dParams p{l.S, l.P, 1, 1};
  const Tensor x = random_tensor({l.N, l.C, l.H, l.W}, be, 1),
               w = random_tensor({l.K, l.C, l.F, l.F}, be, 2);
  const Tensor b = random_tensor({l.K}, be, 3);
  const Conv2dGeometry g = conv2d_geometry(x.shape(), w.shape(), p);
  const Tensor dy = random_tensor(g.output_shape(), be, 4);
  const double flops = 2.0 * static_cast<double>(g.N * g.K * g.H2 * g.W2 * g.C * g.FH * g.FW);

  const double tf = best_time(
      [&] {
        conv2d_forward(x, w, b, p);
        be.synchronize();
      },
      o.min_time);
  report(o, l.name, "fwd", be, threads, flops / tf * 1e-9, "GFLOP/s", tf);
  const double tb = best_time(
      [&] {
        conv2d_forward(x, w, b, p);
        conv2d_backward_data(dy, w, x.shape(), p);
        conv2d_backward_weight(x, dy, w.shape(), true, p);
        be.synchronize();
      },
      o.min_time);
  report(o, l.name, "fwd+bwd", be, threads, 3 * flops / tb * 1e-9, "GFLOP/s", tb);
  if (!o.passes) return;
  // Each backward pass alone (same FLOPs as the forward pass), to see which one limits fwd+bwd.
  const double td = best_time(
      [&] {
        conv2d_backward_data(dy, w, x.shape(), p);
        be.synchronize();
      },
      o.min_time);
  report(o, l.name, "bwd_data", be, threads, flops / td * 1e-9, "GFLOP/s", td);
  const double tw = best_time(
      [&] {
        conv2d_backward_weight(x, dy, w.shape(), true, p);
        be.synchronize();
      },
      o.min_time);
  report(o, l.name, "bwd_wgt", be, threads, flops / tw * 1e-9, "GFLOP/s", tw);
}

void bench_gemm(const Options& o, Backend& be, int threads) {
  const int64_t n = 2048;
  const Tensor a = random_tensor({n, n}, be, 5), b = random_tensor({n, n}, be, 6);
  Tensor c = Tensor::empty({n, n}, be);
  const double t = best_time(
      [&] {
        be.gemm(false, false, 1.0f, a, b, 0.0f, c);
        be.synchronize();
      },
      o.min_time);
  report(o, "sgemm2048", "fwd", be, threads, 2.0 * n * n * n / t * 1e-9, "GFLOP/s", t);
}

void bench_maxpool(const Options& o, Backend& be, int threads) {
  const Tensor x = random_tensor({64, 64, 56, 56}, be, 7);
  const Pool2dParams p{2, 2, 0, false};
  const double bytes = static_cast<double>(x.numel() + x.numel() / 4) * sizeof(float);
  const double t = best_time(
      [&] {
        maxpool2d_forward(x, p);
        be.synchronize();
      },
      o.min_time);
  report(o, "maxpool", "fwd", be, threads, bytes / t * 1e-9, "GB/s", t);
}

void bench_lenet(const Options& o, Backend& be, int threads) {
  demo::LeNet5 net(be, 42);
  const int64_t batch = 64;
  const Tensor x = random_tensor({batch, 1, 28, 28}, be, 8);
  std::vector<float> lab(batch);
  for (int64_t i = 0; i < batch; ++i) lab[static_cast<size_t>(i)] = static_cast<float>(i % 10);
  const Tensor labels = Tensor::from_vector({batch}, lab, be);
  const SgdParams sgd{0.01f, 0.9f, 0.0f};
  const double t = best_time([&] { net.step(x, labels, sgd); }, o.min_time);
  report(o, "lenet5_step", "train", be, threads, static_cast<double>(batch) / t, "img/s", t);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "cnnlab benchmarks: convolution layers, SGEMM, max pooling and a LeNet-5 "
      "training step, per backend and thread count. Compare with PyTorch using "
      "bench/compare.py."};
  app.add_option("--backend", o.backends,
                 "Backends to measure (repeatable); default: all in this build");
  app.add_option("--threads", o.threads, "OpenMP thread counts to measure (default: 1 2)")
      ->delimiter(',');
  app.add_option("--min-time", o.min_time, "Seconds of timed runs per figure, at least (default 1)")
      ->check(CLI::PositiveNumber);
  app.add_option("--only", o.only,
                 "Only cases whose name matches this regular expression (e.g. 'vgg|sgemm')");
  app.add_flag("--passes", o.passes,
               "Also time backward-data and backward-weight of each layer on their own");
  app.add_flag("--csv", o.csv, "Print name,direction,backend,threads,value,unit,ms lines");
  CLI11_PARSE(app, argc, argv);
  try {
    if (o.backends.empty()) o.backends = backend_names();
    const std::regex only(o.only.empty() ? ".*" : o.only);
    auto wanted = [&](const std::string& name) { return std::regex_search(name, only); };
    for (const std::string& name : o.backends) {
      Backend& be = backend_by_name(name);
      // The reference backend is single-threaded and the Vulkan one does not use OpenMP threads:
      // measure them once.
      const bool threaded = name != "reference" && name != "vulkan";
      const std::vector<int> counts = threaded ? o.threads : std::vector<int>{1};
      for (int t : counts) {
        omp_set_num_threads(t);
        if (!o.csv) std::printf("# %s\n", be.description().c_str());
        for (const ConvLayer& l : kLayers)
          if (wanted(l.name)) bench_conv(o, be, t, l);
        if (wanted("sgemm2048")) bench_gemm(o, be, t);
        if (wanted("maxpool")) bench_maxpool(o, be, t);
        if (wanted("lenet5_step")) bench_lenet(o, be, t);
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "cnnlab_bench: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
