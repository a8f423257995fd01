// cmd_gradcheck.cpp — `cnnlab gradcheck OP`: check an op's backward pass against centered
// finite differences with cnnlab::gradcheck_op (cnnlab/check/gradcheck.hpp).
//
// What it is: flags → GradcheckSpec, then the library's report and one verdict line,
// "OK max_rel_error=..." (exit 0) or "FAIL max_rel_error=... > tol=..." (exit 1), so scripts
// and ctest can use it directly. Flags that do not apply to the chosen op are usage errors.
// What it is not: the checker itself (src/gradcheck.cpp), which picks the random inputs and
// works in float64 on the reference kernels.
#include "cli_common.hpp"
#include "cli11.hpp"
#include "op_flags.hpp"

#include <cnnlab/check/gradcheck.hpp>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

namespace cnnlab::cli {
namespace {

// Which shape-and-hyperparameter flags each op reads (--shape, --seed, --tol apply to all).
const std::map<std::string, std::vector<std::string>>& settings_by_op() {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"conv2d",
       {"--filters", "--kernel", "--stride", "--padding", "--dilation", "--groups", "--no-bias"}},
      {"maxpool2d", {"--kernel", "--stride", "--padding", "--ceil-mode"}},
      {"avgpool2d", {"--kernel", "--stride", "--padding", "--ceil-mode"}},
      {"linear", {"--filters", "--no-bias"}},
  };
  return table;
}

// Ops whose input is a [N, D] matrix rather than an [N, C, H, W] image.
bool takes_matrix(const std::string& op) {
  return op == "linear" || op == "softmax" || op == "softmax_cross_entropy";
}

struct GradcheckArgs {
  std::string op;
  bool list = false;
  std::string shape;
  int64_t filters = 4;
  int kernel = 3, stride = 1, padding = 0, dilation = 1, groups = 1;
  bool ceil_mode = false, no_bias = false;
  uint64_t seed = 1;
  double tol = 1e-7;
  std::map<std::string, CLI::Option*> options;  // the op-specific flags, to see what was given

  bool given(const std::string& flag) const { return options.at(flag)->count() > 0; }
};

// Builds the spec from the flags, rejecting flags the op does not read.
GradcheckSpec make_spec(const GradcheckArgs& a) {
  const auto found = settings_by_op().find(a.op);
  const std::vector<std::string> none;
  const std::vector<std::string>& allowed = found != settings_by_op().end() ? found->second : none;
  for (const auto& [flag, option] : a.options)
    if (option->count() > 0 && std::count(allowed.begin(), allowed.end(), flag) == 0)
      throw UsageError(flag + " does not apply to gradcheck " + a.op +
                       (allowed.empty() ? " (it takes only --shape, --seed, --tol)"
                                        : " (it takes " + join(allowed, " ") +
                                              " and --shape, --seed, --tol)"));

  GradcheckSpec spec;
  if (!a.shape.empty())
    spec.input = parse_shape(a.shape, "--shape");
  else if (takes_matrix(a.op))
    spec.input = {3, 5};  // [N, D]; the library's default [2, 3, 7, 7] is an image
  spec.filters = a.filters;
  spec.bias = !a.no_bias;
  spec.seed = a.seed;
  if (a.op == "conv2d") {
    spec.kernel = a.kernel;
    spec.conv = {a.stride, a.padding, a.dilation, a.groups};
  } else if (a.op == "maxpool2d" || a.op == "avgpool2d") {
    if (a.given("--kernel")) spec.pool.kernel = a.kernel;
    spec.pool.stride = a.given("--stride") ? a.stride : 0;  // 0: the window's own size
    spec.pool.padding = a.padding;
    spec.pool.ceil_mode = a.ceil_mode;
  }
  return spec;
}

std::string format_error(double e) {
  std::ostringstream s;
  s << std::setprecision(3) << e;
  return s.str();
}

}  // namespace

Command add_gradcheck_command(CLI::App& parent) {
  auto a = std::make_shared<GradcheckArgs>();
  const std::vector<std::string> ops = gradcheck_ops();
  CLI::App* app = parent.add_subcommand(
      "gradcheck", "Check an op's backward pass against centered finite differences (float64)");
  app->footer("\nOps: " + join(ops) +
              "\n\nThe default input is [2,3,7,7] ([3,5] for linear, softmax and "
              "softmax_cross_entropy).\nPrints one line per gradient, then 'OK max_rel_error=E' "
              "(exit 0) or\n'FAIL max_rel_error=E > tol=T' (exit 1).\n\nExample:\n  cnnlab "
              "gradcheck conv2d --shape 1,2,5,5 --filters 3 --stride 2 --padding 1\n");

  app->add_option("OP", a->op, "The op to check")->type_name("")->check(one_of(ops, "op"));
  app->add_flag("--list", a->list, "List the ops that can be checked and exit");
  app->add_option("--shape", a->shape, "Input shape, e.g. N,C,H,W or N,D")->type_name("LIST");
  // Shape and hyperparameters; each applies only to the ops settings_by_op() lists it for.
  FlagRegistry reg{app, a->options};
  reg.number("--filters", a->filters, "conv2d: number of filters K; linear: D_out (default 4)",
         positive());
  reg.number("--kernel", a->kernel, "Filter / window size F (conv2d 3, pools 2)", positive());
  reg.number("--stride", a->stride, "Stride S (conv2d: default 1; pools: default = --kernel)",
         positive());
  reg.number("--padding", a->padding, "Zero padding P (default 0)", non_negative());
  reg.number("--dilation", a->dilation, "conv2d: dilation D (default 1)", positive());
  reg.number("--groups", a->groups, "conv2d: groups G (default 1)", positive());
  reg.flag("--ceil-mode", a->ceil_mode, "Pools: round the output size up, not down");
  reg.flag("--no-bias", a->no_bias, "conv2d, linear: no bias");
  app->add_option("--seed", a->seed, "Seed of the random inputs")->capture_default_str();
  app->add_option("--tol", a->tol, "Largest relative error that passes")
      ->capture_default_str()
      ->check(positive_real());

  return {app, [a, ops]() {
            if (a->list) {
              for (const std::string& op : ops) std::cout << op << "\n";
              return 0;
            }
            if (a->op.empty())
              throw UsageError("gradcheck: which op? choose one of: " + join(ops) +
                               " (or --list)");
            const GradcheckResult result = gradcheck_op(a->op, make_spec(*a));
            std::cout << result.to_string();
            const double err = result.max_rel_error();
            if (result.passed(a->tol)) {
              std::cout << "OK max_rel_error=" << format_error(err) << "\n";
              return 0;
            }
            std::cout << "FAIL max_rel_error=" << format_error(err)
                      << " > tol=" << format_error(a->tol) << "\n";
            return 1;
          }};
}

}  // namespace cnnlab::cli
