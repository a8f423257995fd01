// file_io.hpp — the file handling shared by the readers and writers in src/io (private header:
// not installed, not part of the public API).
//
// Contract:
// - ByteSource is what a format parser reads from: a size and "read exactly n bytes". Two
//   kinds exist, so one parser serves both a file on disk and bytes in memory (the fuzzers):
//   InputFile and MemorySource.
// - InputFile opens only regular files. A directory, FIFO, socket or device is refused before
//   it is opened (a FIFO would block until something writes to it) and again on the opened
//   descriptor, so one swapped in between cannot block either.
// - write_file_atomically() never leaves a half-written file at the destination, even if the
//   process is killed (SIGKILL) halfway: it writes a temporary file in the same directory,
//   flushes and fsyncs it, renames it over the destination and fsyncs the directory. The
//   destination therefore holds either its old contents or the complete new ones. A process
//   killed before the rename leaves its temporary file behind; its name is always
//   `.<name>.tmp.<pid>.<random>` (hidden, next to `<name>`), so nothing mistakes it for the
//   real file and it is safe to delete.
// - file_kind() names what a non-regular file is ("a directory", "a FIFO", ...) for error
//   messages; src/data/read_file.cpp uses it too, so both say the same.
// What it is not: a locking scheme. Two processes saving the same path at once each write
// their own temporary file; the last rename wins, and the file is still complete.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>  // mode_t

namespace cnnlab::io_detail {

// What kind of thing a file that is not a regular file is, from its stat() mode, for error
// messages: "a directory", "a FIFO", "a socket", "a character device", "a block device", or
// "not a plain file" for anything else.
std::string file_kind(mode_t mode);

// Something a parser reads bytes from, front to back.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Total number of bytes (of the file, or of the buffer).
  virtual uint64_t size() const = 0;
  // Reads exactly @p n bytes into @p dst; false at the end or on a read error.
  virtual bool read(void* dst, size_t n) = 0;
};

// A regular file opened for reading. @p error_prefix starts every error message, e.g.
// "load_npy: data/x.npy: ".
class InputFile final : public ByteSource {
 public:
  InputFile(const std::string& path, const std::string& error_prefix);
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile() override;
  uint64_t size() const override { return size_; }
  bool read(void* dst, size_t n) override;

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

// Bytes already in memory (not copied: they must outlive the source).
class MemorySource final : public ByteSource {
 public:
  MemorySource(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint64_t size() const override { return size_; }
  bool read(void* dst, size_t n) override;

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// The temporary file write_file_atomically() uses for @p path: `.<name>.tmp.<pid>.<random>`
// in the directory of @p path.
std::string temp_path_for(const std::string& path);

// Writes the concatenation of @p parts to @p path atomically (see the contract above).
// @throws Error starting with @p error_prefix if anything fails; the temporary file is removed
//         again and the destination is untouched.
void write_file_atomically(const std::string& path, const std::string& error_prefix,
                           const std::vector<std::string_view>& parts);

// The CRC-32 (zlib's polynomial) of @p data[0 .. n-1] continued from @p crc (0 to start), for
// any n: the checkpoint files and the Vulkan pipeline cache file check their bytes with it.
uint32_t crc32_update(uint32_t crc, const void* data, size_t n);

// Little-endian views of float arrays, for write_file_atomically(): on a little-endian machine
// the arrays' own bytes, on a big-endian one byte-swapped copies kept alive by this object.
class LittleEndianFloats {
 public:
  std::string_view add(const std::vector<float>& values);

 private:
  std::vector<std::vector<float>> copies_;
};

// Turns @p n floats just read from a little-endian file into this machine's order (a no-op on
// little-endian machines).
void floats_from_little_endian(float* values, size_t n);

}  // namespace cnnlab::io_detail
