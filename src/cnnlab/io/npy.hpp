/// @file npy.hpp
/// @brief Reading and writing NumPy `.npy` files, so tensors travel to and from Python.
///
/// Contract:
/// - load_npy() reads format versions 1.0, 2.0 and 3.0, C order, little- or big-endian
///   float32, float64, int8/16/32/64, uint8/16/32/64 and bool, and converts to float32
///   (integers beyond 2^24 in magnitude are rejected rather than silently rounded).
///   Fortran-order arrays, object arrays, truncated files, files with trailing data, arrays
///   with a zero-sized dimension and float64 values beyond the float32 range are rejected with
///   an error naming the file and the problem. A 0-d array (a NumPy scalar) loads as shape [1].
///   Only regular files are read: a directory, FIFO, socket or device is rejected before it is
///   opened (a FIFO would otherwise block until something writes to it).
/// - parse_npy() does the same for bytes already in memory (the fuzzer's entry point); its
///   errors name @p source_name instead of a path.
/// - save_npy() writes float32 little-endian, version 1.0. It writes to a temporary file in the
///   same directory (`.<name>.tmp.<pid>.<random>`), fsyncs it and renames it into place, so
///   neither a failure nor a killed process ever leaves a half-written file at @p path.
#pragma once

#include <cnnlab/core/tensor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cnnlab {

class Backend;

/// @brief Loads an `.npy` file into a float32 tensor on @p backend.
/// @throws Error naming the file and what is wrong with it.
Tensor load_npy(const std::string& path, Backend& backend);

/// @brief Reads the bytes of an `.npy` file already in memory into a float32 tensor.
/// @param bytes        the whole file
/// @param source_name  what error messages call it (a file name, "fuzz input", ...)
/// @param backend      where the tensor is created
/// @throws Error naming @p source_name and what is wrong with the bytes (same rules as
///         load_npy()).
Tensor parse_npy(const std::vector<uint8_t>& bytes, const std::string& source_name,
                 Backend& backend);

/// @brief Saves @p t as a float32 `.npy` file (atomically: temporary file, then rename).
/// @throws Error naming the file if it cannot be written.
void save_npy(const std::string& path, const Tensor& t);

}  // namespace cnnlab
