/// @file read_file.hpp
/// @brief Reading a whole data file into memory, plain or gzip-compressed.
///
/// Contract:
/// - read_data_file() returns the bytes of a regular file, decompressed if the file starts
///   with the gzip magic bytes 1f 8b (the name does not matter: `x.gz` holding plain bytes and
///   `x` holding gzip data both read correctly).
/// - It reads in chunks into a growing buffer, so the memory used follows the bytes that are
///   really there, never a size written inside the file; more than @p max_bytes (after
///   decompression) is an error, which stops a "gzip bomb" from filling memory.
/// - Missing files, directories, FIFOs and devices, unreadable files and corrupt or truncated
///   gzip data throw Error naming the caller, the file and the problem.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief The default limit of read_data_file(): 2 GiB after decompression.
inline constexpr uint64_t kMaxDataFileBytes = uint64_t{2} << 30;

/// @brief Reads the whole of @p path, gunzipping it if it starts with the bytes 1f 8b.
/// @param path the file to read
/// @param who the caller's name, first in error messages (e.g. "load_idx")
/// @param max_bytes the most bytes accepted after decompression
/// @throws Error "<who>: <path>: <problem>" if the file cannot be read or is too large.
std::vector<uint8_t> read_data_file(const std::string& path, const std::string& who,
                                    uint64_t max_bytes = kMaxDataFileBytes);

}  // namespace cnnlab
