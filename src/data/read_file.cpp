// read_file.cpp — whole data files into memory, plain or gzipped (see cnnlab/data/read_file.hpp).
//
// The file is checked to be a regular file before it is opened (a FIFO would block, a device
// might never end), opened non-blocking, and checked again on the open descriptor. Its first
// two bytes decide the format: 1f 8b is gzip (zlib's gzdopen/gzread), anything else is read
// as it is. Both paths read straight into one buffer reserved for the size the file states
// (capped, so a lying gzip trailer cannot reserve gigabytes), and a corrupt header inside the
// data can never make us allocate more than the bytes that really arrive.
#include <cnnlab/core/error.hpp>
#include <cnnlab/data/read_file.hpp>

#include "src/io/file_io.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>     // open
#include <sys/stat.h>  // stat, S_ISREG
#include <unistd.h>    // read, lseek, close
#include <zlib.h>      // gzdopen, gzread, gzclose

namespace cnnlab {
namespace {

constexpr size_t kChunk = size_t{4} << 20;  // read 4 MiB at a time

// Reads everything read_some(dst, n) delivers (bytes read, 0 at the end, < 0 on error) into
// @p out, which first reserves @p hint bytes: the size the file says it has (its length, or
// the uncompressed size in a gzip trailer). With a right hint every byte lands in its place
// once and memory is the data's size; a wrong hint costs at most copies, never a wrong result,
// and it is capped by the caller so a lying trailer cannot reserve gigabytes.
// Stops at the end or at the first error (the caller asks its source which it was).
template <class ReadSome>
void read_all(std::vector<uint8_t>& out, uint64_t max_bytes, size_t hint, const std::string& where,
              ReadSome read_some) {
  out.reserve(hint);
  size_t total = 0;
  while (true) {
    uint8_t probe[1 << 16];  // once the reserved space is full: is there more at all?
    const bool room = out.capacity() > total;
    const size_t want = room ? std::min(kChunk, out.capacity() - total) : sizeof probe;
    if (room) out.resize(total + want);
    const long got = read_some(room ? out.data() + total : probe, want);
    if (got <= 0) break;
    if (!room) out.insert(out.end(), probe, probe + got);
    total += static_cast<size_t>(got);
    if (total > max_bytes)
      throw Error(where + "holds more than " + std::to_string(max_bytes) +
                  " bytes (after decompression), the most accepted");
  }
  out.resize(total);
}

// The uncompressed size a gzip file's trailer states (its last 4 bytes, little-endian, modulo
// 2^32), or 0 if it cannot be read.
size_t gzip_size_hint(int fd, off_t file_size) {
  unsigned char t[4];
  if (file_size < 18 || ::pread(fd, t, 4, file_size - 4) != 4) return 0;
  return size_t{t[0]} | size_t{t[1]} << 8 | size_t{t[2]} << 16 | size_t{t[3]} << 24;
}

}  // namespace

std::vector<uint8_t> read_data_file(const std::string& path, const std::string& who,
                                    uint64_t max_bytes) {
  const std::string where = who + ": " + path + ": ";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    throw Error(where + "cannot open file (" + std::strerror(errno) + ")");
  if (!S_ISREG(st.st_mode))
    throw Error(where + "is " + io_detail::file_kind(st.st_mode) + ", not a file");
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw Error(where + "cannot open file (" + std::strerror(errno) + ")");
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(where + "is not a regular file");
  }
  // The first two bytes decide the format; then back to the start.
  unsigned char magic[2] = {0, 0};
  const ssize_t got_magic = ::read(fd, magic, 2);
  if (got_magic < 0 || ::lseek(fd, 0, SEEK_SET) != 0) {
    const int err = errno;
    ::close(fd);
    throw Error(where + "cannot read the file (" + std::strerror(err) + ")");
  }
  std::vector<uint8_t> out;
  if (got_magic == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    gzFile gz = ::gzdopen(fd, "rb");  // owns fd from here on: gzclose closes it
    if (gz == nullptr) {
      ::close(fd);
      throw Error(where + "cannot open the gzip stream (out of memory)");
    }
    ::gzbuffer(gz, 1u << 17);
    // gzip cannot shrink data below about 1/1032 of its size: a trailer claiming more is a lie.
    const uint64_t most = std::min<uint64_t>(max_bytes, uint64_t(st.st_size) * 1032 + 4096);
    const size_t hint = size_t(std::min<uint64_t>(gzip_size_hint(fd, st.st_size), most));
    try {
      read_all(out, max_bytes, hint, where, [&](uint8_t* dst, size_t n) -> long {
        return ::gzread(gz, dst, static_cast<unsigned>(n));
      });
      int code = Z_OK;
      const char* message = ::gzerror(gz, &code);
      if (code != Z_OK && code != Z_STREAM_END)
        throw Error(where + "corrupt or truncated gzip data (zlib: " +
                    std::string(message != nullptr ? message : "unknown error") + ")");
    } catch (...) {
      ::gzclose(gz);
      throw;
    }
    ::gzclose(gz);
    return out;
  }
  int read_errno = 0;
  try {
    const size_t hint = size_t(std::min<uint64_t>(uint64_t(st.st_size), max_bytes));
    read_all(out, max_bytes, hint, where, [&](uint8_t* dst, size_t n) -> long {
      ssize_t r;
      do r = ::read(fd, dst, n);
      while (r < 0 && errno == EINTR);
      if (r < 0) read_errno = errno;
      return static_cast<long>(r);
    });
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  if (read_errno != 0)
    throw Error(where + "cannot read the file (" + std::strerror(read_errno) + ")");
  return out;
}

}  // namespace cnnlab
