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
// - error_loading_fifo(fifo, load) runs a reader on a FIFO in another thread and returns its
//   error message; a reader still blocked after 5 s is unblocked (by opening the FIFO's write
//   end until it returns) and the message then says it blocked.
// What it is not: a guard against other processes. The random name only keeps concurrent test
// runs apart.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>   // open
#include <unistd.h>  // close

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

// The error @p load throws on @p fifo (a path made with mkfifo), or what went wrong instead:
// "loaded without an error", or "BLOCKED on a FIFO: ..." when it waited for a writer.
template <class Error>
std::string error_loading_fifo(const std::string& fifo, const std::function<void()>& load) {
  auto loading = std::async(std::launch::async, [&]() -> std::string {
    try {
      load();
      return "loaded without an error";
    } catch (const Error& e) {
      return e.what();
    }
  });
  if (loading.wait_for(std::chrono::seconds(5)) == std::future_status::ready) return loading.get();
  while (loading.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);  // end-of-file for the reader
    if (fd >= 0) ::close(fd);
  }
  return "BLOCKED on a FIFO: " + loading.get();
}

}  // namespace cnnlab::testing
