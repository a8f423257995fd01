// cli_common.hpp — what the `cnnlab` subcommands share: the Command record, the usage-error
// exception, validators and the writer of output files.
//
// The tool's error policy lives here and in main.cpp: a bad command line is a UsageError
// (exit code 2), a failure inside the library is a cnnlab::Error (exit code 1), and both end
// as one line on stderr starting with "cnnlab: error:". Nothing here computes anything.
#pragma once

#include <cnnlab/core/shape.hpp>
#include <cnnlab/core/tensor.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace CLI {
class App;
class Option;
class Validator;
}  // namespace CLI

namespace cnnlab::cli {

/// A subcommand: its CLI11 parser (owned by the parent App) and what to do once it parsed.
/// run() returns the process exit code and may throw UsageError or cnnlab::Error.
struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

/// Registers `cnnlab op` (tools/cmd_op.cpp).
Command add_op_command(CLI::App& parent);
/// Registers `cnnlab gradcheck` (tools/cmd_gradcheck.cpp).
Command add_gradcheck_command(CLI::App& parent);
/// Registers `cnnlab demo` (tools/cmd_demo.cpp).
Command add_demo_command(CLI::App& parent);
/// Registers `cnnlab devices` (tools/cmd_devices.cpp).
Command add_devices_command(CLI::App& parent);
/// Registers `cnnlab train` (tools/cmd_train.cpp).
Command add_train_command(CLI::App& parent);
/// Registers `cnnlab summary` (tools/cmd_summary.cpp).
Command add_summary_command(CLI::App& parent);
/// Registers `cnnlab eval` (tools/cmd_eval.cpp).
Command add_eval_command(CLI::App& parent);
/// Registers `cnnlab predict` (tools/cmd_predict.cpp).
Command add_predict_command(CLI::App& parent);
/// Registers `cnnlab visualize` (tools/cmd_visualize.cpp).
Command add_visualize_command(CLI::App& parent);

/// A mistake on the command line that CLI11 itself cannot see (e.g. a flag that does not
/// apply to the chosen op). main() prints it as "cnnlab: error: ..." and exits with code 2.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& message) : std::runtime_error(message) {}
};

/// "a, b, c"
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");

/// A CLI11 check accepting only one of @p names; the failure message lists them all.
CLI::Validator one_of(const std::vector<std::string>& names, const std::string& what);

/// CLI11 checks for integer flags: "must be a positive integer" / "a non-negative integer".
CLI::Validator positive();
CLI::Validator non_negative();
/// A CLI11 check for real-valued flags: "must be a positive, finite number".
CLI::Validator positive_real();

/// A CLI11 check that the value names an existing regular file: not a directory, and not a
/// FIFO, socket or device (reading a FIFO would block until someone writes to it).
CLI::Validator existing_file();

/// True for a command-line word that looks like a flag rather than a value: "--out", "--",
/// "-h". Negative numbers ("-1", "-0.5", "-1e3") and "-" are values.
bool looks_like_flag(const std::string& word);

/// Makes every option of @p app and of its subcommands that takes a value refuse a value that
/// looks like a flag, so `--x --out d` is the usage error "--x needs a value (got the flag
/// --out)" instead of reading a file named "--out". Call once, after all options are added.
void reject_flags_as_values(CLI::App& app);

/// Adds `--backend NAME` (default "reference"), listing cnnlab::backend_names() in its help.
CLI::Option* add_backend_option(CLI::App& app, std::string& backend);

/// Adds `--device INDEX|NAME`: the Vulkan device, like CNNLAB_DEVICE (tools/cmd_devices.cpp).
CLI::Option* add_device_option(CLI::App& app, std::string& device);
/// Makes a given --device take effect before any backend is used; a UsageError when it cannot
/// apply (another backend than vulkan, or a build without Vulkan).
void apply_device_option(const std::string& device, const std::string& backend);

/// Parses "1,2,5,5" into a shape of positive sizes; throws UsageError naming @p flag.
Shape parse_shape(const std::string& text, const std::string& flag);

/// One output file: its base name without ".npy" ("y", "dx", ...) and the tensor to save.
using Output = std::pair<std::string, Tensor>;

/// Saves every output as DIR/NAME.npy (creating DIR if needed) and prints one line per file
/// with its shape. All or nothing, without losing old data: every output is first saved to a
/// temporary file in DIR, and only when all were saved are they renamed into place. If
/// anything fails, only this call's temporary files (and the directories it created) are
/// removed: files already in DIR, e.g. from an earlier run, stay untouched. Throws
/// cnnlab::Error on failure.
void write_outputs(const std::string& dir, const std::vector<Output>& outputs);

}  // namespace cnnlab::cli
