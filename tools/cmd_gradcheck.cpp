// cmd_gradcheck.cpp — `cnnlab gradcheck OP`: check an op's backward pass against centered
// finite differences with cnnlab::gradcheck_op (cnnlab/check/gradcheck.hpp).
//
// What it is: flags → GradcheckSpec, then the library's report and one verdict line,
// "OK max_rel_error=..." (exit 0) or "FAIL max_rel_error=... > tol=..." (exit 1), so scripts
// and ctest can use it directly. The ops, the settings each one reads and its default input
// shape come from the op registry (cnnlab/ops/op_registry.hpp); flags that do not apply to the
// chosen op are usage errors. `cnnlab gradcheck OP --help` explains one op.
// What it is not: the checker itself (src/check/), which picks the random inputs and works in
// float64 on the reference kernels.
#include "cli11.hpp"
#include "cli_common.hpp"
#include "op_flags.hpp"

#include <cnnlab/check/gradcheck.hpp>
#include <cnnlab/ops/op_registry.hpp>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

namespace cnnlab::cli {
namespace {

const std::vector<OpSetting>& gradcheck_settings(const OpInfo& info) {
  return info.gradcheck.settings;
}

// "2,3,7,7"
std::string shape_flag(const Shape& shape) {
  std::vector<std::string> sizes;
  for (int64_t d : shape) sizes.push_back(std::to_string(d));
  return join(sizes, ",");
}

struct GradcheckArgs {
  std::string op;
  bool list = false;
  std::string shape;
  SettingFlags settings;  // --filters, --kernel, --stride, ... (op_flags.hpp)
  uint64_t seed = 1;
  double tol = 1e-7;
  std::map<std::string, CLI::Option*> options;  // the op-specific flags, to see what was given

  bool given(const std::string& flag) const { return options.at(flag)->count() > 0; }
};

// Builds the spec from the flags, rejecting flags the op does not read.
GradcheckSpec make_spec(const GradcheckArgs& a) {
  const OpInfo& info = find_op(a.op);
  std::vector<std::string> allowed;
  for (const OpSetting& s : info.gradcheck.settings) allowed.push_back(flag_of(s.name));
  for (const auto& [flag, option] : a.options)
    if (option->count() > 0 && std::count(allowed.begin(), allowed.end(), flag) == 0)
      throw UsageError(flag + " does not apply to gradcheck " + a.op +
                       (allowed.empty()
                            ? " (it takes only --shape, --seed, --tol)"
                            : " (it takes " + join(allowed, " ") + " and --shape, --seed, --tol)"));
  check_lowest(a.op, info.gradcheck.settings, a.options);

  GradcheckSpec spec;  // an empty input shape: the op's default from the registry
  if (!a.shape.empty()) spec.input = parse_shape(a.shape, "--shape");
  const OpSettings s = a.settings.to_op_settings([&](const std::string& f) { return a.given(f); });
  spec.filters = a.settings.filters;
  spec.kernel = a.settings.kernel;
  spec.bias = !a.settings.no_bias;
  spec.seed = a.seed;
  spec.conv = s.conv;
  spec.output_padding = s.output_padding;
  spec.pool = s.pool;
  spec.lrn = s.lrn;
  spec.trans_a = s.trans_a;
  spec.trans_b = s.trans_b;
  spec.eval = s.eval;
  spec.p = s.p;
  return spec;
}

// The footer of `cnnlab gradcheck --help`: every op with its default shape and settings.
std::string gradcheck_help_table() {
  std::ostringstream out;
  out << "\nOps:\n  " << pad("OP", 22) << pad("DEFAULT --shape", 16) << "SETTINGS\n";
  for (const OpInfo& info : op_registry()) {
    if (!info.gradcheck.make_case) continue;
    std::vector<std::string> settings;
    for (const OpSetting& s : info.gradcheck.settings) settings.push_back(flag_of(s.name));
    out << "  " << pad(info.name, 22) << pad(shape_flag(info.gradcheck.input), 16)
        << join(settings, " ") << "\n";
  }
  out << "\nPrints one line per gradient, then 'OK max_rel_error=E' (exit 0) or\n'FAIL "
         "max_rel_error=E > tol=T' (exit 1). 'cnnlab gradcheck OP --help' explains one op.\n"
      << kSizeRuleHelp
      << "\nExample:\n  cnnlab gradcheck conv2d --shape 1,2,5,5 --filters 3 --stride 2 "
         "--padding 1\n";
  return out.str();
}

// `cnnlab gradcheck OP --help`: the op's registry row as help text.
std::string one_op_help(const GradcheckArgs& a) {
  const OpInfo& info = find_op(a.op);
  std::ostringstream out;
  out << "cnnlab gradcheck " << info.name << ": checks the backward pass of " << info.name << " ("
      << info.summary << ")\nagainst centered finite differences, in float64 on the "
      << "reference kernels.\n\nUsage: cnnlab gradcheck " << info.name << " [--shape LIST]"
      << (info.gradcheck.settings.empty() ? "" : " [SETTINGS]")
      << " [--seed N] [--tol T]\n\nInput:\n";
  const std::string first = info.inputs.empty() ? "x" : info.inputs.front().name;
  const std::string shape = info.inputs.empty() ? "" : info.inputs.front().shape;
  out << help_line("--shape LIST", first + "'s shape " + shape + " (default " +
                                       shape_flag(info.gradcheck.input) + ")");
  if (!info.gradcheck.settings.empty()) {
    out << "\nSettings:\n";
    for (const OpSetting& s : info.gradcheck.settings) out << setting_line(s, a.options);
  }
  std::vector<std::string> grads;
  for (const OpTensor& g : info.grads)
    grads.push_back(g.name + (g.optional ? " (with a bias)" : ""));
  out << "\nChecks the gradients " << join(grads) << ".\n\nOptions:\n"
      << help_line("--seed N", "seed of the random inputs (default 1)")
      << help_line("--tol T", "largest relative error that passes (default 1e-07)")
      << "\nExample:\n  cnnlab gradcheck " << info.name << " --shape "
      << shape_flag(info.gradcheck.input) << "\n";
  return out.str();
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
  app->footer(gradcheck_help_table());
  app->formatter(std::make_shared<PerOpHelp>(
      [a]() { return a->op.empty() ? std::string() : one_op_help(*a); }));

  app->add_option("OP", a->op, "The op to check")->type_name("")->check(one_of(ops, "op"));
  app->add_flag("--list", a->list, "List the ops that can be checked and exit");
  app->add_option("--shape", a->shape, "Input shape, e.g. N,C,H,W or N,D")->type_name("LIST");
  // Shape and hyperparameters; each applies only to the ops whose registry row lists it.
  FlagRegistry reg{app, a->options};
  for (const std::string& name : all_settings(gradcheck_settings))
    a->settings.add(reg, name, setting_help(name, gradcheck_settings));
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
              throw UsageError("gradcheck: which op? choose one of: " + join(ops) + " (or --list)");
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
