// bench.cpp — the cnnlab benchmark program (a program, never a test): options and the loop over
// backends, thread counts and cases.
//
// Contract: for each backend and OpenMP thread count asked for, measures the cases of one case
// set (--size cpu | gpu | tiny; cases.hpp lists them) with one timing rule for every backend
// (timing.hpp: an untimed warm-up call, then trials of R calls and one synchronize(); the figure
// is the median of the trials). Prints a readable line per figure, or with --csv the lines that
// bench/compare.py (CPU, against PyTorch on the CPU) and bench/gpu_compare.py (Vulkan, against
// PyTorch on CUDA) read. --list prints the chosen set's cases and shapes instead of measuring.
// A case that fails (e.g. a buffer larger than the device allows) is reported on stderr and the
// others still run; the exit status is then 1. --isa (or the environment variable CNNLAB_ISA)
// limits the OpenMP backend to one instruction set; the "# openmp: ..." line before each thread
// count (a comment in --csv output) names the sgemm kernel that ran, e.g. "sgemm kernel avx2 6x16",
// which bench/compare.py reads back.
#include "bench_context.hpp"
#include "cases.hpp"
#include "measure.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>

#include "backends/openmp/gemm.hpp"
#include "tools/cli11.hpp"

#include <omp.h>

#include <cstdio>
#include <functional>
#include <iostream>
#include <regex>
#include <string>
#include <vector>

using namespace cnnlab;
using namespace cnnlab::bench;

namespace {

struct Options {
  std::vector<std::string> backends;
  std::vector<int> threads = {1, 2};
  std::string size = "cpu";
  TimingRule rule;
  std::string only;
  std::string isa;  ///< --isa: "avx512", "avx2", "portable"; empty = CNNLAB_ISA or the widest
  int64_t dispatch_ops = 0;
  bool csv = false;
  bool passes = false;
  bool list = false;
};

/// Runs one case; a failure is reported and counted, and the next case still runs.
void run_case(const std::string& what, int& failures, const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    ++failures;
    std::fflush(stdout);
    std::cerr << "cnnlab_bench: " << what << " failed: " << e.what() << "\n";
  }
}

/// Every case of @p set whose name matches @p only, on the backend of @p ctx.
int run_set(const Context& ctx, const CaseSet& set, const std::regex& only) {
  int failures = 0;
  const std::string be = ctx.backend.name() + ": ";
  auto wanted = [&](const std::string& name) { return std::regex_search(name, only); };
  for (const ConvCase& c : set.convs)
    if (wanted(c.name))
      run_case(be + c.name, failures, [&] { bench_conv(ctx, c, set.conv_dirs, set.flop_unit); });
  for (const ConvTransposeCase& c : set.conv_transposes)
    if (wanted(c.name))
      run_case(be + c.name, failures,
               [&] { bench_conv_transpose(ctx, c, set.conv_dirs, set.flop_unit); });
  for (const GemmCase& g : set.gemms)
    if (wanted(g.name)) run_case(be + g.name, failures, [&] { bench_gemm(ctx, g, set.flop_unit); });
  for (const PoolCase& p : set.pools)
    if (wanted(p.name)) run_case(be + p.name, failures, [&] { bench_maxpool(ctx, p); });
  for (const MemBoundCase& m : set.membound)
    if (wanted(m.name)) run_case(be + m.name, failures, [&] { bench_membound(ctx, m); });
  if (set.relu_numel > 0 && wanted("relu"))
    run_case(be + "relu", failures, [&] { bench_relu(ctx, set.relu_numel); });
  for (const NormCase& n : set.batchnorms)
    if (wanted(n.name)) run_case(be + n.name, failures, [&] { bench_batchnorm(ctx, n); });
  if (set.dropout_numel > 0 && wanted("dropout"))
    run_case(be + "dropout", failures, [&] { bench_dropout(ctx, set.dropout_numel); });
  if (set.concat_batch > 0 && wanted("concat_inception3a"))
    run_case(be + "concat_inception3a", failures, [&] { bench_concat(ctx, set.concat_batch); });
  if (wanted("lenet5_step"))
    run_case(be + "lenet5_step", failures, [&] { bench_lenet(ctx, set.lenet_batch); });
  if (set.dispatch_ops > 0 && wanted("dispatch_overhead"))
    run_case(be + "dispatch_overhead", failures,
             [&] { bench_dispatch(ctx, set.dispatch_ops, set.dispatch_numel); });
  return failures;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "cnnlab benchmarks: convolution layers, SGEMM, max pooling, ReLU, concat, a LeNet-5 training "
      "step "
      "and the host cost per dispatch, per backend and thread count. Every case is warmed up, "
      "then timed as the median of trials of R calls and one synchronize. Compare with PyTorch "
      "using bench/compare.py (CPU) or bench/gpu_compare.py (CUDA)."};
  app.add_option("--backend", o.backends,
                 "Backends to measure (repeatable); default: all in this build");
  app.add_option("--threads", o.threads, "OpenMP thread counts to measure (default: 1 2)")
      ->delimiter(',');
  app.add_option("--size", o.size,
                 "Case set: cpu (course layers, short on a laptop), gpu (issue 11's cases at "
                 "batch 32, SGEMM 4096³/8192³, 64 M-float ReLU) or tiny (the gpu kinds, small: "
                 "to test scripts) (default cpu)")
      ->check(CLI::IsMember({"cpu", "gpu", "tiny"}));
  app.add_option("--min-time", o.rule.min_time,
                 "Seconds of timed calls per case, about: each of the trials lasts a fifth of it "
                 "(default 1)")
      ->check(CLI::PositiveNumber);
  app.add_option("--trials", o.rule.trials,
                 "Timed trials per case; the figure is their median "
                 "(default 5)")
      ->check(CLI::Range(1, 1000));
  app.add_flag("--quick", o.rule.quick,
               "One timed trial per case after the warm-up (for the slow reference backend)");
  app.add_option("--only", o.only,
                 "Only cases whose name matches this regular expression (e.g. 'vgg|sgemm')");
  app.add_option("--isa", o.isa,
                 "OpenMP backend: the instruction set to use, avx512, avx2 or portable (default: "
                 "$CNNLAB_ISA, else the widest this CPU runs); the '# openmp:' line names the "
                 "kernel")
      ->type_name("ISA");
  app.add_flag("--passes", o.passes,
               "cpu set: also time backward-data and backward-weight of each layer on their own");
  app.add_option("--dispatch-ops", o.dispatch_ops,
                 "Tiny ops per trial of dispatch_overhead (default 10000; tiny set 500)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--csv", o.csv,
               "Print name,dir,backend,threads,value,unit,ms,min_ms,max_ms,repeats,trials,"
               "first_ms lines ('#' lines are comments)");
  app.add_flag("--list", o.list,
               "Print the set's cases (kind,name,dirs,params,label) and exit without measuring");
  CLI11_PARSE(app, argc, argv);
  try {
    const CaseSet set = case_set(o.size, o.passes, o.dispatch_ops);
    if (o.list) {
      print_case_list(set);
      return 0;
    }
    if (!o.isa.empty()) omp::sgemm_force_kernel(omp::sgemm_parse_isa(o.isa.c_str(), "--isa"));
    if (o.backends.empty()) o.backends = backend_names();
    // Every backend first, so that a bad name or CNNLAB_ISA fails before anything is measured.
    std::vector<Backend*> chosen;
    for (const std::string& name : o.backends) chosen.push_back(&backend_by_name(name));
    const std::regex only(o.only.empty() ? ".*" : o.only);
    int failures = 0;
    for (size_t i = 0; i < o.backends.size(); ++i) {
      const std::string& name = o.backends[i];
      Backend& be = *chosen[i];
      // The reference backend is single-threaded and the Vulkan one does not use OpenMP threads:
      // measure them once.
      const bool threaded = name != "reference" && name != "vulkan";
      const std::vector<int> counts = threaded ? o.threads : std::vector<int>{1};
      for (int t : counts) {
        omp_set_num_threads(t);
        std::printf("# %s: %s\n", be.name().c_str(), be.description().c_str());
        failures += run_set(Context{be, t, o.rule, o.csv}, set, only);
      }
    }
    return failures == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "cnnlab_bench: error: " << e.what() << "\n";
    return 1;
  }
}
