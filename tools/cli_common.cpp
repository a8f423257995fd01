// cli_common.cpp — helpers shared by the `cnnlab` subcommands (see cli_common.hpp).
#include "cli_common.hpp"

#include "cli11.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/io/npy.hpp>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <system_error>

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

CLI::Validator existing_file() {
  return CLI::Validator(
      [](std::string& path) -> std::string {
        std::error_code ec;
        const auto status = std::filesystem::status(path, ec);
        if (!std::filesystem::exists(status)) return "no such file: " + path;
        if (std::filesystem::is_directory(status)) return path + " is a directory, not a file";
        return {};
      },
      "", "existing file");
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

void write_outputs(const std::string& dir, const std::vector<Output>& outputs) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw Error("cannot use output directory " + dir + (ec ? " (" + ec.message() + ")" : ""));
  std::vector<std::string> written;
  try {
    for (const auto& [name, tensor] : outputs) {
      const std::string path = (fs::path(dir) / (name + ".npy")).lexically_normal().string();
      save_npy(path, tensor);
      written.push_back(path);
    }
  } catch (...) {
    for (const std::string& path : written) fs::remove(path, ec);  // all or nothing
    throw;
  }
  for (size_t i = 0; i < outputs.size(); ++i)
    std::cout << "wrote " << written[i] << " " << to_string(outputs[i].second.shape()) << "\n";
}

}  // namespace cnnlab::cli
