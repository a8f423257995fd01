// op_flags.hpp — the op-specific flags of `cnnlab op` and `cnnlab gradcheck`, and their help.
//
// Both commands take their list of ops, and which flags each op reads, from the op registry
// (cnnlab/ops/op_registry.hpp). They remember every op-specific flag they register (flag name
// -> CLI11 option), so that after parsing they can tell which flags were given and reject the
// ones that do not apply to the chosen op. FlagRegistry does the registering and the
// remembering in one place; the helpers below turn registry rows into flags and help text.
// What it is not: the list of ops (the registry) or the meaning of a setting (the library).
#pragma once

#include "cli11.hpp"
#include "cli_common.hpp"

#include <cnnlab/ops/op_registry.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace cnnlab::cli {

/// Adds options to one subcommand and records each in @p options under its flag name.
struct FlagRegistry {
  CLI::App* app;                                 ///< the subcommand the flags belong to
  std::map<std::string, CLI::Option*>& options;  ///< flag name -> option, filled here

  /// A flag taking a number, checked by @p check (e.g. positive()).
  template <class T>
  void number(const std::string& flag, T& value, const std::string& help,
              const CLI::Validator& check) {
    options[flag] = app->add_option(flag, value, help)->check(check);
  }
  /// A flag taking one of the words @p words.
  void word(const std::string& flag, std::string& value, const std::string& help,
            const std::vector<std::string>& words) {
    options[flag] = app->add_option(flag, value, help)->check(CLI::IsMember(words));
  }
  /// A switch without a value.
  void flag(const std::string& name, bool& value, const std::string& help) {
    options[name] = app->add_flag(name, value, help);
  }
};

/// The paragraph of `cnnlab op --help` and `cnnlab gradcheck --help` on --size-rule: which rule
/// is the default and why.
inline constexpr const char* kSizeRuleHelp =
    "\n--size-rule (conv2d and the pools): exact, the default, refuses a stride that does not\n"
    "tile the input, as the lecture's \"doesn't fit!\" slide does (7x7 input, 3x3 filter,\n"
    "stride 3): a miscounted stride is an error, never a silently lost border. floor is\n"
    "PyTorch's rule (round down; input rows/columns no window reaches are ignored, their\n"
    "gradient is 0), which ResNet-18's stem needs (224, 7x7, stride 2, padding 3 -> 112);\n"
    "ceil (pools only) is PyTorch's ceil_mode.\n";

/// The flag of a registry setting: "size_rule" -> "--size-rule".
inline std::string flag_of(const std::string& setting) {
  std::string flag = "--" + setting;
  std::replace(flag.begin(), flag.end(), '_', '-');
  return flag;
}

/// "s" padded with spaces to at least @p width characters, plus one space.
inline std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s + " ";
}

/// The help of a setting flag shared by several ops: each distinct meaning once, followed by
/// the ops it applies to, e.g. "S: step ... (conv2d); S: step between windows ... (maxpool2d,
/// avgpool2d)". @p settings_of picks the row's list (OpInfo::settings or its gradcheck's).
inline std::string setting_help(
    const std::string& name,
    const std::function<const std::vector<OpSetting>&(const OpInfo&)>& settings_of) {
  std::vector<std::pair<std::string, std::vector<std::string>>> meanings;  // about -> ops
  for (const OpInfo& info : op_registry())
    for (const OpSetting& s : settings_of(info)) {
      if (s.name != name) continue;
      auto found = std::find_if(meanings.begin(), meanings.end(),
                                [&](const auto& m) { return m.first == s.about; });
      if (found == meanings.end()) found = meanings.insert(meanings.end(), {s.about, {}});
      found->second.push_back(info.name);
    }
  std::vector<std::string> parts;
  for (const auto& [about, ops] : meanings) parts.push_back(about + " (" + join(ops) + ")");
  return join(parts, "; ");
}

/// The setting names of all rows, each once, in the registry's order.
inline std::vector<std::string> all_settings(
    const std::function<const std::vector<OpSetting>&(const OpInfo&)>& settings_of) {
  std::vector<std::string> names;
  for (const OpInfo& info : op_registry())
    for (const OpSetting& s : settings_of(info))
      if (std::find(names.begin(), names.end(), s.name) == names.end()) names.push_back(s.name);
  return names;
}

/// A CLI11 check for the real-valued settings that may be 0 (lrn's alpha and beta): "must be a
/// finite number >= 0".
inline CLI::Validator non_negative_real() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        char* end = nullptr;
        errno = 0;
        const double v = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v) || v < 0)
          return "must be a finite number >= 0, got '" + value + "'";
        return {};
      },
      "", "a number >= 0");
}

/// The values of every setting flag, as parsed; each op reads only those its row lists.
/// `cnnlab op` and `cnnlab gradcheck` both keep one, so a setting is parsed the same way in both.
struct SettingFlags {
  int stride = 1, padding = 0, dilation = 1, groups = 1;
  int output_padding = 0;  ///< conv_transpose2d
  int kernel = 3;          ///< conv2d's F (gradcheck); the pools' F only when --kernel is given
  int64_t filters = 4;     ///< gradcheck: conv2d's K, linear's D_out, matmul's columns
  bool trans_a = false, trans_b = false, no_bias = false;
  bool eval = false;            ///< batchnorm2d: evaluation mode (running statistics)
  double p = 0.5;               ///< dropout: the drop probability
  int size = LrnParams{}.size;  ///< lrn: channels per window
  double alpha = LrnParams{}.alpha, beta = LrnParams{}.beta, k = LrnParams{}.k;  ///< lrn
  /// conv2d and the pools: exact (the default, the lecture's rule), floor or ceil (pools only).
  std::string size_rule = "exact";

  /// Registers the flag of the registry setting @p name (help: @p help) on @p reg.
  void add(FlagRegistry& reg, const std::string& name, const std::string& help) {
    const std::string flag = flag_of(name);
    // Integers are checked as non-negative here, then against each op's own lowest value
    // (check_lowest): the pools take --stride 0, conv2d does not.
    if (name == "stride")
      reg.number(flag, stride, help, non_negative());
    else if (name == "padding")
      reg.number(flag, padding, help, non_negative());
    else if (name == "output_padding")
      reg.number(flag, output_padding, help, non_negative());
    else if (name == "dilation")
      reg.number(flag, dilation, help, non_negative());
    else if (name == "groups")
      reg.number(flag, groups, help, non_negative());
    else if (name == "kernel")
      reg.number(flag, kernel, help, non_negative());
    else if (name == "filters")
      reg.number(flag, filters, help, non_negative());
    else if (name == "size")
      reg.number(flag, size, help, non_negative());
    else if (name == "alpha")
      reg.number(flag, alpha, help, non_negative_real());
    else if (name == "beta")
      reg.number(flag, beta, help, non_negative_real());
    else if (name == "k")
      reg.number(flag, k, help, positive_real());
    else if (name == "size_rule")
      reg.word(flag, size_rule, help, {"exact", "floor", "ceil"});
    else if (name == "trans_a")
      reg.flag(flag, trans_a, help);
    else if (name == "trans_b")
      reg.flag(flag, trans_b, help);
    else if (name == "no_bias")
      reg.flag(flag, no_bias, help);
    else if (name == "eval")
      reg.flag(flag, eval, help);
    else if (name == "p")
      reg.number(flag, p, help, CLI::Range(0.0, 1.0));
    else
      throw std::logic_error("cnnlab: the registry's setting '" + name + "' has no flag");
  }

  /// The library's OpSettings. @p given tells which flags were on the command line: a pool's
  /// stride that was not given is 0 (the window's own size), its kernel the library's default.
  OpSettings to_op_settings(const std::function<bool(const std::string&)>& given) const {
    OpSettings s;
    const SizeRule rule = parse_size_rule(size_rule, "--size-rule");
    s.conv = {.stride = stride,
              .padding = padding,
              .dilation = dilation,
              .groups = groups,
              .size_rule = rule};
    s.output_padding = output_padding;
    if (given("--kernel")) s.pool.kernel = kernel;
    s.pool.stride = given("--stride") ? stride : 0;
    s.pool.padding = padding;
    s.pool.size_rule = rule;
    s.trans_a = trans_a;
    s.trans_b = trans_b;
    s.eval = eval;
    s.p = static_cast<float>(p);
    s.lrn = {.size = size,
             .alpha = static_cast<float>(alpha),
             .beta = static_cast<float>(beta),
             .k = static_cast<float>(k)};
    return s;
  }
};

/// Rejects an integer setting below the op's lowest value (e.g. conv2d's --stride 0, which
/// the pools accept as "the window's size"), with the words CLI11's own checks use.
inline void check_lowest(const std::string& op, const std::vector<OpSetting>& settings,
                         const std::map<std::string, CLI::Option*>& options) {
  for (const OpSetting& s : settings) {
    const CLI::Option* option = options.at(flag_of(s.name));
    if (s.lowest <= 0 || option->count() == 0) continue;
    if (option->as<int64_t>() >= s.lowest) continue;
    throw UsageError(flag_of(s.name) + ": must be " +
                     (s.lowest == 1 ? std::string("a positive integer")
                                    : "an integer >= " + std::to_string(s.lowest)) +
                     ", got '" + option->results().front() + "' (" + op + " " + flag_of(s.name) +
                     " is " + s.about + ")");
  }
}

/// One line of per-op help: "  --stride INT     S: step ...".
inline std::string help_line(const std::string& left, const std::string& right) {
  return "  " + pad(left, 18) + right + "\n";
}

/// The help line of a setting flag, with its value's type name when it takes one.
inline std::string setting_line(const OpSetting& s,
                                const std::map<std::string, CLI::Option*>& options) {
  const CLI::Option* option = options.at(flag_of(s.name));
  const std::string type = option->get_type_name();
  return help_line(flag_of(s.name) + (type.empty() ? "" : " " + type), s.about);
}

/// A CLI11 formatter that prints @p per_op() instead of the usual help when it is not empty
/// (`cnnlab op conv2d --help`: that op's own help), and the usual help otherwise.
class PerOpHelp : public CLI::Formatter {
 public:
  explicit PerOpHelp(std::function<std::string()> per_op) : per_op_(std::move(per_op)) {}
  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override {
    const std::string text = per_op_();
    return text.empty() ? CLI::Formatter::make_help(app, std::move(name), mode) : text;
  }

 private:
  std::function<std::string()> per_op_;
};

}  // namespace cnnlab::cli
