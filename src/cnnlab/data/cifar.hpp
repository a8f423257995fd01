/// @file cifar.hpp
/// @brief Reading the CIFAR-10 binary version (cifar-10-batches-bin).
///
/// The format: each file is a sequence of 3073-byte records, one per image:
///
///     1 label byte (0..9) | 1024 red | 1024 green | 1024 blue   (each plane 32×32, row-major)
///
/// so a record's pixels are already in the C·H·W order of a Dataset. The training set is
/// data_batch_1.bin .. data_batch_5.bin (10,000 images each), the test set test_batch.bin.
///
/// Contract: a file whose size is not a positive multiple of 3073, a label above 9, and
/// missing files (all named at once) throw Error naming the file or directory and the rule.
/// Files may also be gzip-compressed (detected from the bytes 1f 8b).
#pragma once

#include <cnnlab/data/dataset.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief Bytes per CIFAR-10 record: 1 label + 3·32·32 pixels.
inline constexpr int64_t kCifarRecordBytes = 1 + 3 * 32 * 32;

/// @brief Parses the bytes of one CIFAR-10 batch file into a 3×32×32 Dataset.
/// @param bytes the whole (decompressed) file
/// @param source the file name for error messages
/// @throws Error "parse_cifar10: <source>: <rule broken>".
Dataset parse_cifar10(std::span<const uint8_t> bytes, const std::string& source);

/// @brief Loads CIFAR-10's training set (data_batch_1..5.bin, 50,000 images) or test set
/// (test_batch.bin, 10,000 images) from @p dir.
/// @throws Error naming every missing file, or the file and its problem.
Dataset load_cifar10(const std::string& dir, bool train);

/// @brief The 10 CIFAR-10 classes: "airplane", "automobile", ..., "truck".
std::vector<std::string> cifar10_class_names();

}  // namespace cnnlab
