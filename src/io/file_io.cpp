// file_io.cpp — reading regular files, atomic writes (see file_io.hpp for the contract).
//
// The atomic write, step by step (each step is what makes the next one safe):
//   1. create `.<name>.tmp.<pid>.<random>` next to the destination, exclusively (O_EXCL: never
//      reuse a file someone else is writing), so the rename below stays on one file system;
//   2. write everything, fflush (C library buffer -> kernel) and fsync (kernel -> disk);
//   3. rename() it over the destination: POSIX makes this atomic, a reader sees the old file
//      or the new one, never a mix;
//   4. fsync the directory, so the rename itself survives a power cut.
// A process killed during 1-2 leaves only its temporary file; the destination is untouched.
#include "file_io.hpp"

#include <cnnlab/core/error.hpp>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>
#include <string>

#include <fcntl.h>     // open, O_NONBLOCK, O_DIRECTORY
#include <sys/stat.h>  // stat, S_ISREG
#include <unistd.h>    // read, close, fsync, getpid
#include <zlib.h>      // crc32

namespace cnnlab::io_detail {
namespace {

std::string errno_text(int err) { return std::string(" (") + std::strerror(err) + ")"; }

std::string random_suffix() {
  // One generator per thread: threads saving at once must not share (and race on) one state.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::ostringstream s;
  s << std::hex << rng();
  return s.str();
}

// Closes the FILE and deletes the temporary file unless release() was called.
class TempFile {
 public:
  TempFile(std::FILE* f, std::string path) : file_(f), path_(std::move(path)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (file_ != nullptr) std::fclose(file_);
    if (!path_.empty()) std::remove(path_.c_str());
  }
  std::FILE* get() const { return file_; }
  bool close() {
    const bool ok = std::fclose(file_) == 0;
    file_ = nullptr;
    return ok;
  }
  void release() { path_.clear(); }  // the file was renamed into place: keep it

 private:
  std::FILE* file_;
  std::string path_;
};

// The directory part of @p path ("." when it has none), for the directory fsync.
std::string directory_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

// ---- reading -------------------------------------------------------------------------------

std::string file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a plain file";
}

InputFile::InputFile(const std::string& path, const std::string& error_prefix) {
  const auto fail = [&error_prefix](const std::string& problem) {
    throw Error(error_prefix + problem);
  };
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail("cannot open file" + errno_text(errno));
  if (!S_ISREG(st.st_mode)) fail("not a regular file (" + file_kind(st.st_mode) + ")");
  fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) fail("cannot open file" + errno_text(errno));
  const bool stat_ok = ::fstat(fd_, &st) == 0;
  const int stat_errno = errno;
  if (!stat_ok || !S_ISREG(st.st_mode)) {
    ::close(fd_);  // the destructor does not run when the constructor throws
    if (!stat_ok) fail("cannot read the file size" + errno_text(stat_errno));
    fail("not a regular file (" + file_kind(st.st_mode) + ")");
  }
  size_ = static_cast<uint64_t>(st.st_size);
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool InputFile::read(void* dst, size_t n) {
  auto* p = static_cast<unsigned char*>(dst);
  while (n > 0) {
    const ssize_t got = ::read(fd_, p, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    p += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

bool MemorySource::read(void* dst, size_t n) {
  if (n > size_ - pos_) return false;
  if (n > 0) std::memcpy(dst, data_ + pos_, n);
  pos_ += n;
  return true;
}

// ---- writing -------------------------------------------------------------------------------

std::string temp_path_for(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  return dir + "." + name + ".tmp." + std::to_string(::getpid()) + "." + random_suffix();
}

void write_file_atomically(const std::string& path, const std::string& error_prefix,
                           const std::vector<std::string_view>& parts) {
  const auto fail = [&error_prefix](const std::string& problem) {
    throw Error(error_prefix + problem);
  };
  const std::string tmp_path = temp_path_for(path);
  std::FILE* f = std::fopen(tmp_path.c_str(), "wbx");  // "x": O_EXCL, fail if it exists
  if (f == nullptr) fail("cannot create temporary file " + tmp_path + errno_text(errno));
  TempFile tmp(f, tmp_path);

  bool ok = true;
  for (const std::string_view part : parts)  // (an empty part may have data() == nullptr)
    ok = ok && (part.empty() || std::fwrite(part.data(), 1, part.size(), f) == part.size());
  ok = ok && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const int write_errno = errno;
  ok = tmp.close() && ok;
  if (!ok) fail("write error" + errno_text(write_errno));
  if (std::rename(tmp_path.c_str(), path.c_str()) != 0)
    fail("cannot rename the temporary file into place" + errno_text(errno));
  tmp.release();

  // Make the rename durable. Some file systems cannot fsync a directory (EINVAL); the file is
  // in place all the same, so only real I/O errors are reported.
  const int dir_fd = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) fail("cannot open the directory to sync it" + errno_text(errno));
  const bool synced = ::fsync(dir_fd) == 0 || errno == EINVAL || errno == EROFS;
  const int sync_errno = errno;
  ::close(dir_fd);
  if (!synced) fail("cannot sync the directory after the rename" + errno_text(sync_errno));
}

uint32_t crc32_update(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const Bytef*>(data);
  uLong c = crc;
  while (n > 0) {  // zlib's crc32() takes a 32-bit length: feed it in chunks
    const auto chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    c = ::crc32(c, p, chunk);
    p += chunk;
    n -= chunk;
  }
  return static_cast<uint32_t>(c);
}

std::string_view LittleEndianFloats::add(const std::vector<float>& values) {
  const std::vector<float>* source = &values;
  if constexpr (std::endian::native == std::endian::big) {
    copies_.push_back(values);
    floats_from_little_endian(copies_.back().data(), copies_.back().size());  // a swap: its own
    source = &copies_.back();                                                 // inverse
  }
  return {reinterpret_cast<const char*>(source->data()), source->size() * sizeof(float)};
}

void floats_from_little_endian(float* values, size_t n) {
  if constexpr (std::endian::native == std::endian::big) {
    for (size_t i = 0; i < n; ++i) {
      const auto b = std::bit_cast<uint32_t>(values[i]);
      values[i] = std::bit_cast<float>((b >> 24) | ((b >> 8) & 0xFF00u) | ((b << 8) & 0xFF0000u) |
                                       (b << 24));
    }
  } else {
    (void)values;
    (void)n;
  }
}

}  // namespace cnnlab::io_detail
