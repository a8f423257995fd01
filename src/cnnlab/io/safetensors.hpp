/// @file safetensors.hpp
/// @brief Checkpoints: named float32 arrays plus string metadata in the safetensors format.
///
/// The file layout (huggingface safetensors, readable by its Python package and by
/// `tools/read_checkpoint.py`, which needs only NumPy):
///
///     8 bytes   N, the header length, unsigned 64-bit little-endian
///     N bytes   UTF-8 JSON, padded with spaces so that 8 + N is a multiple of 8:
///               {"__metadata__": {"crc32": "1c291ca3", "format": "cnnlab-checkpoint-1", ...},
///                "conv1.weight": {"dtype": "F32", "shape": [6, 1, 5, 5],
///                                 "data_offsets": [0, 600]}, ...}
///     the rest  the data section: every tensor's float32 values, little-endian, row-major;
///               data_offsets are [begin, end) byte offsets into this section
///
/// Contract:
/// - The arrays are plain host data (NamedArray), independent of any backend: the caller
///   copies tensors in and out (Tensor::to_vector(), Tensor::from_vector()).
/// - save_safetensors() writes the tensors in the order given, back to back, and always adds
///   two metadata keys (replacing any the caller set): "format" = "cnnlab-checkpoint-1" and
///   "crc32" = the zlib CRC-32 of the whole data section as 8 lowercase hex digits. The write
///   is atomic: a temporary file `.<name>.tmp.<pid>.<random>` in the same directory, fflush +
///   fsync, rename over @p path, fsync the directory. So @p path always holds either the
///   previous checkpoint or the complete new one, even if the process is killed (SIGKILL)
///   halfway; a killed save leaves its hidden temporary file behind, which is safe to delete
///   and is never read as the checkpoint.
/// - load_safetensors() and parse_safetensors() accept only F32 tensors whose data_offsets
///   tile the data section exactly (first at 0, each starting where the previous ends, the
///   last ending at the end of the file), and check the CRC-32 when the metadata has one
///   (files written by other tools may not). Tensors come back in file order. Anything else —
///   a file too short for the length, a header longer than the file or not a JSON object, an
///   entry missing dtype/shape/data_offsets, an unsupported dtype, offsets that disagree with
///   the shape, overlap, leave gaps or run past the end, trailing bytes, a wrong CRC — is an
///   Error naming the file and the rule broken. Nothing is allocated before it is checked
///   against the real size of the file, so a corrupt header cannot ask for gigabytes.
/// - Only regular files are read: a directory, FIFO, socket or device is refused before it is
///   opened.
/// What it is not: a reader of other dtypes (F16, BF16, I64, ...) or a memory-mapper.
#pragma once

#include <cnnlab/core/shape.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief One array of a checkpoint: its name, its shape and its values (row-major float32).
struct NamedArray {
  std::string name;           ///< e.g. "conv1.weight"; unique within a file, not "__metadata__"
  Shape shape;                ///< dimension sizes; `[]` is a scalar holding one value
  std::vector<float> values;  ///< numel(shape) values, row-major
};

/// @brief The contents of a checkpoint file: arrays in file order, plus string metadata.
struct SafetensorsFile {
  std::vector<NamedArray> tensors;              ///< in the order they are stored
  std::map<std::string, std::string> metadata;  ///< the "__metadata__" object of the header
};

/// @brief The value save_safetensors() stores under the metadata key "format".
inline constexpr const char* kCheckpointFormat = "cnnlab-checkpoint-1";

/// @brief Writes @p f to @p path as a safetensors file, atomically (see the contract above).
///
/// Adds the metadata keys "crc32" and "format" to what @p f holds.
/// @throws Error naming @p path if an array is malformed (values that do not match its shape,
///         an empty, duplicate or reserved name) or the file cannot be written; @p path is
///         then left as it was.
void save_safetensors(const std::string& path, const SafetensorsFile& f);

/// @brief Reads the safetensors file at @p path (F32 tensors only), checking every rule.
/// @throws Error naming @p path and the rule the file breaks.
SafetensorsFile load_safetensors(const std::string& path);

/// @brief Reads a safetensors file already in memory (the fuzzer's entry point).
/// @param bytes        the whole file
/// @param source_name  what error messages call it
/// @throws Error naming @p source_name and the rule the bytes break (same rules as
///         load_safetensors()).
SafetensorsFile parse_safetensors(const std::vector<uint8_t>& bytes,
                                  const std::string& source_name);

/// @brief Finds the tensor @p name in @p f and checks that its shape is @p expected.
///
/// For code that restores a model: the message says which tensor and both shapes, e.g.
/// `checkpoint run/ckpt.safetensors: tensor 'conv1.weight' has shape [6, 1, 5, 5] but the
/// model expects [6, 1, 3, 3]`.
/// @param f         a loaded checkpoint
/// @param name      the tensor the model needs
/// @param expected  the shape the model needs
/// @param path      the file @p f was loaded from, for the message
/// @return the tensor, which stays valid as long as @p f does
/// @throws Error if there is no such tensor or its shape differs.
const NamedArray& require_tensor(const SafetensorsFile& f, const std::string& name,
                                 const Shape& expected, const std::string& path);

}  // namespace cnnlab
