// temp_dir.hpp — a scratch directory for tests that read and write files (test-only header).
//
// Contract:
// - TempDir("npy") creates a fresh, empty directory `cnnlab-test-npy-<random>` under the system
//   temp dir (std::filesystem::temp_directory_path()); the prefix names the test file that made
//   it, so one left behind by a crashed run says where it came from.
// - The destructor removes the directory and everything in it; errors are ignored (a test's
//   failure is what matters, not a leftover file).
// - write(name, bytes) writes the bytes as they are (std::string or std::vector<uint8_t>) to
//   DIR/name, replacing any file there, and returns the path; file(name) is that path without
//   writing; entries() lists the names in the directory, sorted.
// - read_bytes(path) is the whole contents of a file, "" when it cannot be read.
// What it is not: a guard against other processes. The random name only keeps concurrent test
// runs apart.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <system_error>
#include <vector>

namespace cnnlab::testing {

class TempDir {
 public:
  std::filesystem::path path;

  explicit TempDir(const std::string& prefix) {
    std::random_device rd;
    std::string name = "cnnlab-test-" + prefix + "-";
    name += std::to_string(rd());
    name += std::to_string(rd());
    path = std::filesystem::temp_directory_path() / name;
    std::filesystem::create_directories(path);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }

  // The path of DIR/name (nothing is created).
  std::string file(const std::string& name) const { return (path / name).string(); }

  // Writes @p bytes to DIR/name and returns the path.
  std::string write(const std::string& name, const std::string& bytes) const {
    return write_raw(name, bytes.data(), bytes.size());
  }
  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) const {
    return write_raw(name, reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }

  // The names of the directory's entries, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::string write_raw(const std::string& name, const char* data, size_t size) const {
    const std::string p = file(name);
    std::ofstream out(p, std::ios::binary);
    out.write(data, static_cast<std::streamsize>(size));
    return p;
  }
};

// The whole contents of the file at @p path.
inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace cnnlab::testing
