// cli_common.cpp — helpers shared by the `cnnlab` subcommands (see cli_common.hpp).
#include "cli_common.hpp"

#include "cli11.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/io/npy.hpp>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>
#include <sstream>
#include <system_error>

#include <unistd.h>  // access, getpid

namespace cnnlab::cli {

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i > 0 ? sep : "") + items[i];
  return out;
}

CLI::Validator one_of(const std::vector<std::string>& names, const std::string& what) {
  return CLI::Validator(
      [names, what](std::string& value) -> std::string {
        for (const std::string& n : names)
          if (value == n) return {};
        return "unknown " + what + " '" + value + "' (choose one of: " + join(names) + ")";
      },
      "", what);
}

namespace {
CLI::Validator at_least(int64_t lowest, const std::string& what) {
  return CLI::Validator(
      [lowest, what](std::string& value) -> std::string {
        int64_t v = 0;
        const char* end = value.data() + value.size();
        const auto [next, ec] = std::from_chars(value.data(), end, v);
        if (ec != std::errc() || next != end || v < lowest)
          return "must be " + what + ", got '" + value + "'";
        return {};
      },
      "", what);
}
}  // namespace

CLI::Validator positive() { return at_least(1, "a positive integer"); }
CLI::Validator non_negative() { return at_least(0, "a non-negative integer"); }

CLI::Validator positive_real() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        char* end = nullptr;
        errno = 0;
        const double v = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v) || v <= 0)
          return "must be a positive, finite number, got '" + value + "'";
        return {};
      },
      "", "a positive number");
}

namespace {
// "a FIFO", "a socket", ... for a file that is not a regular file.
std::string file_kind(const std::filesystem::file_status& status) {
  switch (status.type()) {
    case std::filesystem::file_type::fifo:
      return "a FIFO";
    case std::filesystem::file_type::socket:
      return "a socket";
    case std::filesystem::file_type::character:
      return "a character device";
    case std::filesystem::file_type::block:
      return "a block device";
    default:
      return "not a plain file";
  }
}
}  // namespace

CLI::Validator existing_file() {
  return CLI::Validator(
      [](std::string& path) -> std::string {
        std::error_code ec;
        const auto status = std::filesystem::status(path, ec);
        if (!std::filesystem::exists(status)) return "no such file: " + path;
        if (std::filesystem::is_directory(status)) return path + " is a directory, not a file";
        // Opening a FIFO for reading would wait, maybe forever, for a writer.
        if (!std::filesystem::is_regular_file(status))
          return path + " is not a regular file (" + file_kind(status) + ")";
        return {};
      },
      "", "existing file");
}

bool looks_like_flag(const std::string& word) {
  if (word.size() < 2 || word[0] != '-') return false;  // "", "x", "-"
  if (word[1] == '-') return true;                      // "--", "--out", "--x=1"
  return std::isalpha(static_cast<unsigned char>(word[1])) && word.size() == 2;  // "-h"
}

void reject_flags_as_values(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    // Positionals (OP) and switches (--ceil-mode, --help) take no "--name VALUE".
    if (!option->nonpositional() || option->get_items_expected_max() == 0) continue;
    const std::string name = option->get_name();
    // CLI11 gives an option the next word as its value whatever it looks like. transform()
    // puts this check before the option's own checks (which would say "no such file: --out").
    // It throws instead of returning a message so the message is ours, not "--x: ...";
    // main() reports every CLI::ParseError as a usage error (exit code 2).
    option->transform(CLI::Validator(
        [name](std::string& value) -> std::string {
          if (looks_like_flag(value))
            throw CLI::ArgumentMismatch(name + " needs a value (got the flag " + value + ")");
          return {};
        },
        "", "not a flag"));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    reject_flags_as_values(*sub);
}

CLI::Option* add_backend_option(CLI::App& app, std::string& backend) {
  const std::vector<std::string> names = backend_names();
  return app.add_option("--backend", backend, "Backend that computes: " + join(names))
      ->type_name("NAME")
      ->capture_default_str()
      ->check(one_of(names, "backend"));
}

Shape parse_shape(const std::string& text, const std::string& flag) {
  const auto bad = [&]() {
    return UsageError(flag + ": '" + text +
                      "' is not a comma-separated list of positive integers, e.g. 1,2,5,5");
  };
  Shape shape;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  while (true) {
    int64_t d = 0;
    const auto [next, ec] = std::from_chars(p, end, d);
    if (ec != std::errc() || d <= 0) throw bad();
    shape.push_back(d);
    if (next == end) break;
    if (*next != ',') throw bad();
    p = next + 1;
  }
  return shape;
}

namespace {
// A suffix for temporary file names that no other run picks at the same time.
std::string unique_suffix() {
  static std::mt19937_64 rng{std::random_device{}() ^ (static_cast<uint64_t>(::getpid()) << 32)};
  std::ostringstream s;
  s << std::hex << rng();
  return s.str();
}
}  // namespace

void write_outputs(const std::string& dir, const std::vector<Output>& outputs) {
  namespace fs = std::filesystem;
  std::error_code ec;

  // The directories this call creates, innermost first, so that a failed run removes them again.
  std::vector<fs::path> created;
  fs::path missing = fs::path(dir);
  if (!missing.has_filename()) missing = missing.parent_path();  // "out/" -> "out"
  while (!missing.empty() && !fs::exists(fs::symlink_status(missing, ec))) {
    created.push_back(missing);
    if (missing == missing.parent_path()) break;
    missing = missing.parent_path();
  }
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw Error("cannot use output directory " + dir + (ec ? " (" + ec.message() + ")" : ""));

  // Each output is first saved under a temporary name in the same directory (so the renames
  // below stay on one file system); only when all are saved are they renamed into place.
  struct Pending {
    std::string tmp, path;
  };
  std::vector<Pending> pending;
  size_t renamed = 0;
  try {
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
      throw Error("cannot write into output directory " + dir + " (" + std::strerror(errno) + ")");
    const std::string suffix = unique_suffix();
    for (const auto& [name, tensor] : outputs) {
      const fs::path base = fs::path(dir) / (name + ".npy");
      const fs::path tmp = fs::path(dir) / ("." + name + ".npy.tmp-" + suffix);
      pending.push_back({tmp.lexically_normal().string(), base.lexically_normal().string()});
      save_npy(pending.back().tmp, tensor);
    }
    // A directory where an output belongs would make its rename fail after others were done.
    for (const Pending& p : pending)
      if (fs::is_directory(fs::symlink_status(p.path, ec)))
        throw Error("cannot write " + p.path + ": a directory of that name is in the way");
    for (const Pending& p : pending) {
      fs::rename(p.tmp, p.path, ec);
      if (ec)  // only if the directory changed under us since the check above
        throw Error("cannot rename " + p.tmp + " to " + p.path + " (" + ec.message() + "); " +
                    std::to_string(renamed) + " of " + std::to_string(pending.size()) +
                    " outputs were already replaced");
      ++renamed;
    }
  } catch (...) {
    // Remove only what this call made: its temporary files and the directories it created
    // (fs::remove leaves a directory that is not empty). Files of earlier runs stay untouched.
    for (size_t i = renamed; i < pending.size(); ++i) fs::remove(pending[i].tmp, ec);
    if (renamed == 0)
      for (const fs::path& d : created) fs::remove(d, ec);
    throw;
  }
  for (size_t i = 0; i < outputs.size(); ++i)
    std::cout << "wrote " << pending[i].path << " " << to_string(outputs[i].second.shape()) << "\n";
}

}  // namespace cnnlab::cli
