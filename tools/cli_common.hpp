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

/// A CLI11 check that the value names an existing regular file (not a directory).
CLI::Validator existing_file();

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
/// with its shape. If any save fails, the files this call already wrote are removed again,
/// so a failed run leaves no outputs behind. Throws cnnlab::Error on failure.
void write_outputs(const std::string& dir, const std::vector<Output>& outputs);

}  // namespace cnnlab::cli
