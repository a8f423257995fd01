// cmd_op.cpp — `cnnlab op OP`: run one op of the public ops API (cnnlab/ops/ops.hpp) on .npy
// files, forward and, given an upstream gradient, backward.
//
// What it is: a thin shell around the ops API, so a student can feed numbers from NumPy (or
// from the lecture) through one layer and look at y, dL/dx, dL/dw, dL/db. Every op has a row
// in op_table() saying which flags it reads; a flag that does not apply to the chosen op, or a
// missing input, is a usage error naming the flag. Outputs are written only after everything
// was computed, so a failed run leaves no files behind.
// What it is not: a network runner or a trainer; shapes and values are checked by the library
// (its error messages name the rule), not re-checked here.
#include "cli_common.hpp"
#include "cli11.hpp"
#include "op_flags.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/io/npy.hpp>
#include <cnnlab/ops/ops.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <sstream>

namespace cnnlab::cli {
namespace {

// One row of the op table: the flags an op reads and what it writes.
struct OpInfo {
  std::string name;
  std::vector<std::string> required;  // input files it cannot run without
  std::vector<std::string> optional;  // other flags it accepts (optional inputs, settings)
  std::string inputs;                 // help: the inputs with their shapes
  std::string outputs;                // help: forward outputs | backward outputs
};

const std::vector<OpInfo>& op_table() {
  static const std::vector<OpInfo> table = {
      {"conv2d", {"--x", "--w"}, {"--b", "--dy", "--stride", "--padding", "--dilation", "--groups"},
       "--x [N,C,H,W] --w [K,C/G,F,F] [--b [K]]", "y [N,K,H2,W2] | dx dw [db]"},
      {"maxpool2d", {"--x"}, {"--dy", "--kernel", "--stride", "--padding", "--ceil-mode"},
       "--x [N,C,H,W]", "y [N,C,H2,W2] | dx"},
      {"avgpool2d", {"--x"}, {"--dy", "--kernel", "--stride", "--padding", "--ceil-mode"},
       "--x [N,C,H,W]", "y [N,C,H2,W2] | dx"},
      {"linear", {"--x", "--w"}, {"--b", "--dy"}, "--x [N,D_in] --w [D_in,D_out] [--b [D_out]]",
       "y [N,D_out] | dx dw [db]"},
      {"matmul", {"--a", "--b"}, {"--dy", "--trans-a", "--trans-b"}, "--a [M,K] --b [K,N]",
       "y [M,N] | da db"},
      {"relu", {"--x"}, {"--dy"}, "--x (any shape)", "y | dx"},
      {"sigmoid", {"--x"}, {"--dy"}, "--x (any shape)", "y | dx"},
      {"tanh", {"--x"}, {"--dy"}, "--x (any shape)", "y | dx"},
      {"softmax", {"--x"}, {"--dy"}, "--x [N,D]", "y [N,D] | dx"},
      {"softmax_cross_entropy", {"--logits", "--labels"}, {"--backward", "--dloss"},
       "--logits [N,D] --labels [N]", "y [1] = loss | dlogits"},
      {"flatten", {"--x"}, {"--dy"}, "--x [N,C,H,W]", "y [N,C*H*W] | dx"},
      {"add", {"--a", "--b"}, {"--dy"}, "--a --b (equal shapes)", "y | da db"},
  };
  return table;
}

std::vector<std::string> op_names() {
  std::vector<std::string> names;
  for (const OpInfo& info : op_table()) names.push_back(info.name);
  return names;
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s + " ";
}

// The footer of `cnnlab op --help`: every op with its inputs and outputs.
std::string op_help_table() {
  std::ostringstream out;
  out << "\nOps ([..] = optional input; shapes in the lecture's notation):\n"
      << "  " << pad("OP", 22) << pad("INPUTS", 44) << "OUTPUTS: forward | backward\n";
  for (const OpInfo& info : op_table()) {
    out << "  " << pad(info.name, 22) << pad(info.inputs, 44) << info.outputs << "\n";
    std::vector<std::string> settings;
    for (const std::string& flag : info.optional)
      if (flag != "--b" && flag != "--dy") settings.push_back(flag);
    if (!settings.empty())
      out << "  " << pad("", 22) << "  settings: " << join(settings, " ") << "\n";
  }
  out << "\nThe forward pass always runs and writes y.npy into --out. Given --dy FILE (dL/dy, "
         "shaped like y),\nthe backward pass also runs and writes one file per gradient, named "
         "after it: dx.npy, dw.npy,\ndb.npy, da.npy, dlogits.npy. softmax_cross_entropy takes "
         "--backward [--dloss L] instead of --dy.\nmatmul computes y = op(a) op(b), op transposing "
         "when --trans-a / --trans-b is set. Labels are\nclass indices stored as numbers (any "
         "integer or float dtype). Inputs may be any numeric .npy\ndtype; outputs are float32.\n"
         "\nExample:\n  cnnlab op conv2d --x x.npy --w w.npy --b b.npy --stride 2 --padding 1 "
         "--dy dy.npy --out grads/\n";
  return out.str();
}

// Everything `cnnlab op` parses.
struct OpArgs {
  std::string op;
  std::string out = ".";
  std::string backend = "reference";
  std::string device;                            // --device: the Vulkan device
  std::map<std::string, std::string> files;      // "--x" -> path, for every file flag
  std::map<std::string, CLI::Option*> options;   // every op-specific flag, to see what was given
  int stride = 1, padding = 0, dilation = 1, groups = 1, kernel = 2;
  bool ceil_mode = false, trans_a = false, trans_b = false, backward = false;
  float dloss = 1.0f;

  bool given(const std::string& flag) const { return options.at(flag)->count() > 0; }
};

// Usage errors CLI11 cannot see: flags that do not apply to the op, missing inputs.
void check_flags(const OpArgs& a, const OpInfo& info) {
  const auto accepts = [&](const std::string& flag) {
    return std::count(info.required.begin(), info.required.end(), flag) > 0 ||
           std::count(info.optional.begin(), info.optional.end(), flag) > 0;
  };
  for (const auto& [flag, option] : a.options) {
    if (option->count() == 0 || accepts(flag)) continue;
    std::vector<std::string> takes = info.required;
    takes.insert(takes.end(), info.optional.begin(), info.optional.end());
    throw UsageError(flag + " does not apply to op " + info.name + " (it takes " +
                     join(takes, " ") + ")");
  }
  for (const std::string& flag : info.required)
    if (!a.given(flag))
      throw UsageError("op " + info.name + " needs " + flag + " FILE (inputs: " + info.inputs +
                       ")");
  if (a.given("--dloss") && !a.backward)
    throw UsageError("--dloss only makes sense with --backward");
  if (!std::isfinite(a.dloss)) throw UsageError("--dloss must be a finite number");
}

// Gradients of y = op(a)·op(b), each again a product of the operands and dy:
//   y = a b:    da = dy bᵀ,     db = aᵀ dy
//   y = aᵀ b:   da = b dyᵀ,     db = a dy
//   y = a bᵀ:   da = dy b,      db = dyᵀ a
//   y = aᵀ bᵀ:  da = bᵀ dyᵀ,    db = dyᵀ aᵀ
AddGrads matmul_backward(const Tensor& a, const Tensor& b, const Tensor& dy, bool ta, bool tb) {
  if (!ta && !tb) return {matmul(dy, b, false, true), matmul(a, dy, true, false)};
  if (ta && !tb) return {matmul(b, dy, false, true), matmul(a, dy, false, false)};
  if (!ta && tb) return {matmul(dy, b, false, false), matmul(dy, a, true, false)};
  return {matmul(b, dy, true, true), matmul(dy, a, true, true)};
}

// Runs the op forward (and backward when asked) and returns the tensors to save.
std::vector<Output> compute(const OpArgs& a, Backend& be) {
  const auto load = [&](const std::string& flag) { return load_npy(a.files.at(flag), be); };
  const auto load_if = [&](const std::string& flag) {
    return a.given(flag) ? load(flag) : Tensor();
  };
  const std::string& op = a.op;
  const bool backward = a.given("--dy");
  std::vector<Output> out;

  if (op == "conv2d") {
    const Conv2dParams p{a.stride, a.padding, a.dilation, a.groups};
    const Tensor x = load("--x"), w = load("--w"), b = load_if("--b"), dy = load_if("--dy");
    out.push_back({"y", conv2d_forward(x, w, b, p)});
    if (backward) {
      out.push_back({"dx", conv2d_backward_data(dy, w, x.shape(), p)});
      const ParamGrads g = conv2d_backward_weight(x, dy, w.shape(), b.defined(), p);
      out.push_back({"dw", g.dw});
      if (b.defined()) out.push_back({"db", g.db});
    }
  } else if (op == "maxpool2d" || op == "avgpool2d") {
    Pool2dParams p;
    p.kernel = a.kernel;
    p.stride = a.given("--stride") ? a.stride : 0;  // 0: the window's own size
    p.padding = a.padding;
    p.ceil_mode = a.ceil_mode;
    const Tensor x = load("--x"), dy = load_if("--dy");
    const bool max = op == "maxpool2d";
    out.push_back({"y", max ? maxpool2d_forward(x, p) : avgpool2d_forward(x, p)});
    if (backward)
      out.push_back({"dx", max ? maxpool2d_backward(x, dy, p)
                               : avgpool2d_backward(dy, x.shape(), p)});
  } else if (op == "linear") {
    const Tensor x = load("--x"), w = load("--w"), b = load_if("--b"), dy = load_if("--dy");
    out.push_back({"y", linear_forward(x, w, b)});
    if (backward) {
      out.push_back({"dx", linear_backward_data(dy, w)});
      const ParamGrads g = linear_backward_weight(x, dy, b.defined());
      out.push_back({"dw", g.dw});
      if (b.defined()) out.push_back({"db", g.db});
    }
  } else if (op == "matmul") {
    const Tensor ma = load("--a"), mb = load("--b"), dy = load_if("--dy");
    out.push_back({"y", matmul(ma, mb, a.trans_a, a.trans_b)});
    if (backward) {
      const AddGrads g = matmul_backward(ma, mb, dy, a.trans_a, a.trans_b);
      out.push_back({"da", g.da});
      out.push_back({"db", g.db});
    }
  } else if (op == "relu") {
    const Tensor x = load("--x"), dy = load_if("--dy");
    out.push_back({"y", relu_forward(x)});
    if (backward) out.push_back({"dx", relu_backward(x, dy)});
  } else if (op == "sigmoid" || op == "tanh" || op == "softmax") {
    // These backward passes use the forward *output* y, as in the lecture.
    const Tensor x = load("--x"), dy = load_if("--dy");
    const Tensor y = op == "sigmoid" ? sigmoid_forward(x)
                     : op == "tanh"  ? tanh_forward(x)
                                     : softmax_forward(x);
    out.push_back({"y", y});
    if (backward)
      out.push_back({"dx", op == "sigmoid" ? sigmoid_backward(y, dy)
                           : op == "tanh"  ? tanh_backward(y, dy)
                                           : softmax_backward(y, dy)});
  } else if (op == "softmax_cross_entropy") {
    const Tensor logits = load("--logits"), labels = load("--labels");
    out.push_back({"y", softmax_cross_entropy_forward(logits, labels)});
    if (a.backward)
      out.push_back({"dlogits", softmax_cross_entropy_backward(logits, labels, a.dloss)});
  } else if (op == "flatten") {
    const Tensor x = load("--x"), dy = load_if("--dy");
    out.push_back({"y", flatten_forward(x)});
    if (backward) out.push_back({"dx", flatten_backward(dy, x.shape())});
  } else if (op == "add") {
    const Tensor ta = load("--a"), tb = load("--b"), dy = load_if("--dy");
    out.push_back({"y", add_forward(ta, tb)});
    if (backward) {
      const AddGrads g = add_backward(dy);
      out.push_back({"da", g.da});
      out.push_back({"db", g.db});
    }
  } else {
    throw UsageError("op " + op + " has a help row but no implementation");  // a bug here
  }
  return out;
}

}  // namespace

Command add_op_command(CLI::App& parent) {
  auto a = std::make_shared<OpArgs>();
  CLI::App* app = parent.add_subcommand(
      "op", "Run one op forward (and backward, given --dy) on .npy files; write .npy files");
  app->footer(op_help_table());

  app->add_option("OP", a->op, "The op to run (see the table below)")
      ->type_name("")
      ->check(one_of(op_names(), "op"));

  // Input files, named as in the ops API.
  const auto file = [&](const std::string& flag, const std::string& help) {
    a->options[flag] = app->add_option(flag, a->files[flag], help)
                           ->type_name("FILE")
                           ->check(existing_file());
  };
  file("--x", "Input x (conv2d, pools, linear, activations, softmax, flatten)");
  file("--w", "Weights w: [K,C/G,F,F] (conv2d) or [D_in,D_out] (linear)");
  file("--b", "Bias b (conv2d, linear; optional) or second operand b (add, matmul)");
  file("--a", "First operand a (add, matmul)");
  file("--logits", "Scores [N,D] (softmax_cross_entropy)");
  file("--labels", "Class indices [N] (softmax_cross_entropy)");
  file("--dy", "Upstream gradient dL/dy, shaped like y: runs the backward pass too");

  // Hyperparameters; each applies only to the ops whose table row lists it.
  FlagRegistry reg{app, a->options};
  reg.number("--stride", a->stride, "Stride S (conv2d: default 1; pools: default = --kernel)",
         positive());
  reg.number("--padding", a->padding, "Zero padding P (default 0)", non_negative());
  reg.number("--dilation", a->dilation, "Dilation D of conv2d (default 1)", positive());
  reg.number("--groups", a->groups, "Groups G of conv2d (default 1)", positive());
  reg.number("--kernel", a->kernel, "Pooling window F (default 2)", positive());
  reg.flag("--ceil-mode", a->ceil_mode, "Pools: round the output size up, not down");
  reg.flag("--trans-a", a->trans_a, "matmul: transpose a (y = a^T b)");
  reg.flag("--trans-b", a->trans_b, "matmul: transpose b (y = a b^T)");
  reg.flag("--backward", a->backward, "softmax_cross_entropy: also write dlogits.npy");
  a->options["--dloss"] = app->add_option(
      "--dloss", a->dloss,
      "softmax_cross_entropy: upstream gradient dL/dloss (default 1; needs --backward)");

  app->add_option("--out", a->out, "Directory for the output .npy files (created if missing)")
      ->type_name("DIR")
      ->capture_default_str();
  add_backend_option(*app, a->backend);
  add_device_option(*app, a->device);

  return {app, [a]() {
            if (a->op.empty())
              throw UsageError("op: which op? choose one of: " + join(op_names()));
            const auto& table = op_table();
            const auto info = std::find_if(table.begin(), table.end(),
                                           [&](const OpInfo& i) { return i.name == a->op; });
            check_flags(*a, *info);
            apply_device_option(a->device, a->backend);
            Backend& be = backend_by_name(a->backend);
            const std::vector<Output> outputs = compute(*a, be);
            write_outputs(a->out, outputs);  // only now: a failed run writes nothing
            return 0;
          }};
}

}  // namespace cnnlab::cli
