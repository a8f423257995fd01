// cmd_op.cpp — `cnnlab op OP`: run one op of the public ops API (cnnlab/ops/ops.hpp) on .npy
// files, forward and, given an upstream gradient, backward.
//
// What it is: a thin shell around the op registry (cnnlab/ops/op_registry.hpp), so a student
// can feed numbers from NumPy (or from the lecture) through one layer and look at y, dL/dx,
// dL/dw, dL/db. The registry row of the chosen op says which inputs it needs, which settings
// it reads, what it writes and how to run it; a flag that does not apply to the op, or a
// missing input, is a usage error naming the flag. `cnnlab op OP --help` prints the row as
// that op's help. Outputs are written only after everything was computed, so a failed run
// leaves no files behind.
// What it is not: a network runner or a trainer; shapes and values are checked by the library
// (its error messages name the rule), not re-checked here.
#include "cli11.hpp"
#include "cli_common.hpp"
#include "op_flags.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/io/npy.hpp>
#include <cnnlab/ops/op_registry.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

namespace cnnlab::cli {
namespace {

const std::vector<OpSetting>& op_settings(const OpInfo& info) { return info.settings; }

// Help: the inputs with their shapes, "--x [N,C,H,W] --w [K,C/G,F,F] [--b [K]]".
std::string inputs_text(const OpInfo& info) {
  std::vector<std::string> parts;
  for (const OpTensor& in : info.inputs) {
    const std::string part = "--" + in.name + " " + in.shape;
    parts.push_back(in.optional ? "[" + part + "]" : part);
  }
  return join(parts, " ");
}

// Help: the outputs, "y [N,K,H2,W2] | dx dw [db]".
std::string outputs_text(const OpInfo& info) {
  std::vector<std::string> y, grads;
  for (const OpTensor& out : info.outputs) y.push_back(out.name + " " + out.shape);
  for (const OpTensor& g : info.grads) grads.push_back(g.optional ? "[" + g.name + "]" : g.name);
  return join(y, " ") + " | " + join(grads, " ");
}

// The flags an op takes: its inputs, how its backward pass is asked for, its settings.
std::vector<std::string> accepted_flags(const OpInfo& info) {
  std::vector<std::string> flags;
  for (const OpTensor& in : info.inputs) flags.push_back("--" + in.name);
  if (info.is_loss) {
    flags.push_back("--backward");
    flags.push_back("--dloss");
  } else {
    flags.push_back("--dy");
  }
  for (const OpSetting& s : info.settings) flags.push_back(flag_of(s.name));
  return flags;
}

// The footer of `cnnlab op --help`: every op with its inputs and outputs.
std::string op_help_table() {
  std::ostringstream out;
  out << "\nOps ([..] = optional input; shapes in the lecture's notation):\n"
      << "  " << pad("OP", 22) << pad("INPUTS", 44) << "OUTPUTS: forward | backward\n";
  for (const OpInfo& info : op_registry()) {
    out << "  " << pad(info.name, 22) << pad(inputs_text(info), 44) << outputs_text(info) << "\n";
    std::vector<std::string> settings;
    for (const OpSetting& s : info.settings) settings.push_back(flag_of(s.name));
    if (!settings.empty())
      out << "  " << pad("", 22) << "  settings: " << join(settings, " ") << "\n";
  }
  out << "\nThe forward pass always runs and writes y.npy into --out. Given --dy FILE (dL/dy, "
         "shaped like y),\nthe backward pass also runs and writes one file per gradient, named "
         "after it: dx.npy, dw.npy,\ndb.npy, da.npy, dlogits.npy. A loss (softmax_cross_entropy) "
         "takes --backward [--dloss L] instead\nof --dy. Labels are class indices stored as "
         "numbers (any integer or float dtype). Inputs may\nbe any numeric .npy dtype; outputs "
         "are float32. 'cnnlab op OP --help' explains one op.\n"
      << kSizeRuleHelp
      << "\nExample:\n  cnnlab op conv2d --x x.npy --w w.npy --b b.npy --stride 2 --padding 1 "
         "--dy dy.npy --out grads/\n";
  return out.str();
}

// Everything `cnnlab op` parses.
struct OpArgs {
  std::string op;
  bool list = false;
  std::string out = ".";
  std::string backend = "reference";
  std::string device;                           // --device: the Vulkan device
  std::map<std::string, std::string> files;     // "--x" -> path, for every file flag
  std::map<std::string, CLI::Option*> options;  // every op-specific flag, to see what was given
  SettingFlags settings;                        // --stride, --padding, ... (op_flags.hpp)
  bool backward = false;
  float dloss = 1.0f;

  bool given(const std::string& flag) const { return options.at(flag)->count() > 0; }
};

// `cnnlab op OP --help`: the op's registry row as help text.
std::string one_op_help(const OpArgs& a) {
  const OpInfo& info = find_op(a.op);
  std::ostringstream out;
  out << "cnnlab op " << info.name << ": " << info.summary << "\n\nUsage: cnnlab op " << info.name;
  for (const OpTensor& in : info.inputs)
    out << " " << (in.optional ? "[--" + in.name + " FILE]" : "--" + in.name + " FILE");
  out << (info.is_loss ? " [--backward [--dloss L]]" : " [--dy FILE]")
      << (info.settings.empty() ? "" : " [SETTINGS]")
      << " [--out DIR] [--backend NAME] [--device INDEX|NAME]\n\nInputs (.npy files):\n";
  for (const OpTensor& in : info.inputs)
    out << help_line("--" + in.name + " FILE",
                     pad(in.shape, 14) + in.about + (in.optional ? " (optional)" : ""));
  const std::string y_shape = info.outputs.empty() ? "" : info.outputs.front().shape;
  if (info.is_loss) {
    out << help_line("--backward", "also run the backward pass")
        << help_line("--dloss L", "dL/dloss, the upstream gradient (default 1)");
  } else {
    out << help_line("--dy FILE",
                     pad(y_shape, 14) + "dL/dy, shaped like y: also runs the backward pass");
  }
  if (!info.settings.empty()) {
    out << "\nSettings:\n";
    for (const OpSetting& s : info.settings) out << setting_line(s, a.options);
  }
  out << "\nOutputs (written into --out as NAME.npy):\n  forward:\n";
  for (const OpTensor& y : info.outputs)
    out << "  " << help_line(y.name, pad(y.shape, 14) + y.about);
  out << "  backward (" << (info.is_loss ? "with --backward" : "with --dy") << "):\n";
  for (const OpTensor& g : info.grads) {
    std::string only;
    if (g.optional)  // an optional gradient comes with the optional input of the same role
      for (const OpTensor& in : info.inputs)
        if (in.optional) only = " (only with --" + in.name + ")";
    out << "  " << help_line(g.name, pad(g.shape, 14) + g.about + only);
  }
  out << "\nCommon options: --out DIR (default .), --backend NAME (" << join(backend_names())
      << "),\n--device INDEX|NAME (a Vulkan device). 'cnnlab op --help' lists every op.\n"
      << "\nExample:\n  cnnlab op " << info.name << " " << info.example << "\n";
  return out.str();
}

// Usage errors CLI11 cannot see: flags that do not apply to the op, missing inputs.
void check_flags(const OpArgs& a, const OpInfo& info) {
  const std::vector<std::string> takes = accepted_flags(info);
  for (const auto& [flag, option] : a.options) {
    if (option->count() == 0 || std::count(takes.begin(), takes.end(), flag) > 0) continue;
    throw UsageError(flag + " does not apply to op " + info.name + " (it takes " +
                     join(takes, " ") + ")");
  }
  for (const OpTensor& in : info.inputs)
    if (!in.optional && !a.given("--" + in.name))
      throw UsageError("op " + info.name + " needs --" + in.name +
                       " FILE (inputs: " + inputs_text(info) + ")");
  check_lowest(info.name, info.settings, a.options);
  if (a.given("--dloss") && !a.backward)
    throw UsageError("--dloss only makes sense with --backward");
  if (!std::isfinite(a.dloss)) throw UsageError("--dloss must be a finite number");
}

// Runs the op forward (and backward when asked) and returns the tensors to save.
std::vector<Output> compute(const OpArgs& a, const OpInfo& info, Backend& be) {
  OpCall call;
  for (const OpTensor& in : info.inputs)
    if (a.given("--" + in.name)) call.inputs[in.name] = load_npy(a.files.at("--" + in.name), be);
  if (info.is_loss && a.backward)
    call.dy = Tensor::from_vector({1}, {a.dloss}, be);  // dL/dloss
  else if (!info.is_loss && a.given("--dy"))
    call.dy = load_npy(a.files.at("--dy"), be);
  call.settings = a.settings.to_op_settings([&](const std::string& f) { return a.given(f); });
  std::vector<Output> out;
  for (NamedTensor& t : info.run(call)) out.emplace_back(t.name, t.tensor);
  return out;
}

}  // namespace

Command add_op_command(CLI::App& parent) {
  auto a = std::make_shared<OpArgs>();
  CLI::App* app = parent.add_subcommand(
      "op", "Run one op forward (and backward, given --dy) on .npy files; write .npy files");
  app->footer(op_help_table());
  app->formatter(std::make_shared<PerOpHelp>(
      [a]() { return a->op.empty() ? std::string() : one_op_help(*a); }));

  app->add_option("OP", a->op, "The op to run (see the table below)")
      ->type_name("")
      ->check(one_of(op_names(), "op"));
  app->add_flag("--list", a->list, "List the ops and exit");

  // Input files, named as in the registry: one flag per input name of any op.
  std::vector<std::string> inputs;
  for (const OpInfo& info : op_registry())
    for (const OpTensor& in : info.inputs)
      if (std::find(inputs.begin(), inputs.end(), in.name) == inputs.end())
        inputs.push_back(in.name);
  for (const std::string& name : inputs) {
    std::vector<std::string> users;
    for (const OpInfo& info : op_registry())
      for (const OpTensor& in : info.inputs)
        if (in.name == name) users.push_back(info.name + (in.optional ? " (optional)" : ""));
    const std::string flag = "--" + name;
    a->options[flag] = app->add_option(flag, a->files[flag], "Input " + name + " of " + join(users))
                           ->type_name("FILE")
                           ->check(existing_file());
  }
  a->options["--dy"] =
      app->add_option("--dy", a->files["--dy"],
                      "Upstream gradient dL/dy, shaped like y: runs the backward pass too")
          ->type_name("FILE")
          ->check(existing_file());

  // Hyperparameters; each applies only to the ops whose registry row lists it.
  FlagRegistry reg{app, a->options};
  for (const std::string& name : all_settings(op_settings))
    a->settings.add(reg, name, setting_help(name, op_settings));
  reg.flag("--backward", a->backward, "A loss (softmax_cross_entropy): also write the gradient");
  a->options["--dloss"] = app->add_option(
      "--dloss", a->dloss, "A loss: upstream gradient dL/dloss (default 1; needs --backward)");

  app->add_option("--out", a->out, "Directory for the output .npy files (created if missing)")
      ->type_name("DIR")
      ->capture_default_str();
  add_backend_option(*app, a->backend);
  add_device_option(*app, a->device);

  return {app, [a]() {
            if (a->list) {
              for (const std::string& name : op_names()) std::cout << name << "\n";
              return 0;
            }
            if (a->op.empty()) throw UsageError("op: which op? choose one of: " + join(op_names()));
            const OpInfo& info = find_op(a->op);
            check_flags(*a, info);
            apply_device_option(a->device, a->backend);
            Backend& be = backend_by_name(a->backend);
            const std::vector<Output> outputs = compute(*a, info, be);
            write_outputs(a->out, outputs);  // only now: a failed run writes nothing
            return 0;
          }};
}

}  // namespace cnnlab::cli
