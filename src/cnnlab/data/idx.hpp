/// @file idx.hpp
/// @brief Reading IDX files, the format of MNIST and Fashion-MNIST.
///
/// The format (Yann LeCun's MNIST page) is a 4-byte magic number, big-endian dimensions, then
/// the data in C order:
///
///     images: 00 00 08 03 | count | rows | cols | count·rows·cols pixels (uint8)
///     labels: 00 00 08 01 | count | count labels (uint8)
///
/// where 08 is the type code of unsigned bytes and 03 / 01 the number of dimensions, and every
/// dimension is a 32-bit big-endian integer.
///
/// Contract:
/// - Only unsigned-byte files are read: 3-dimensional images and 1-dimensional labels.
///   Files may be plain or gzip-compressed (detected from the bytes 1f 8b, not the name).
/// - Each broken rule throws Error naming the file and the rule: a magic number not starting
///   00 00, a type code other than 08, the wrong number of dimensions, a zero dimension, data
///   shorter or longer than the header says (truncated file, trailing bytes, or a corrupt
///   header claiming absurd sizes: the header is compared with the bytes actually read and
///   never used to allocate memory), a label count that differs from the image count, a label
///   not smaller than the number of classes, a missing file, a directory.
/// - parse_idx_images(), parse_idx_labels() and parse_idx() read bytes already in memory, so a
///   test or a fuzzer can feed them directly.
#pragma once

#include <cnnlab/data/dataset.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief The images of an IDX images file: count × rows × cols uint8 pixels.
struct IdxImages {
  int64_t count = 0;            ///< number of images
  int64_t rows = 0;             ///< pixels per column (image height)
  int64_t cols = 0;             ///< pixels per row (image width)
  std::vector<uint8_t> pixels;  ///< count·rows·cols pixels, image after image, row-major
};

/// @brief Parses the bytes of an IDX images file (magic 00 00 08 03).
/// @param bytes the whole (decompressed) file
/// @param source the file name for error messages
/// @throws Error "parse_idx_images: <source>: <rule broken>".
IdxImages parse_idx_images(std::span<const uint8_t> bytes, const std::string& source);

/// @brief Parses the bytes of an IDX labels file (magic 00 00 08 01) into one byte per label.
/// @param bytes the whole (decompressed) file
/// @param source the file name for error messages
/// @throws Error "parse_idx_labels: <source>: <rule broken>".
std::vector<uint8_t> parse_idx_labels(std::span<const uint8_t> bytes, const std::string& source);

/// @brief Parses an images file and a labels file into a one-channel Dataset.
/// @param image_bytes the whole (decompressed) images file
/// @param label_bytes the whole (decompressed) labels file
/// @param name the dataset's name
/// @param class_names the name of each label value (1 to 256 names)
/// @param image_source the images file's name for error messages
/// @param label_source the labels file's name for error messages
/// @throws Error if either file breaks a rule, the counts differ or a label ≥ the class count.
Dataset parse_idx(std::span<const uint8_t> image_bytes, std::span<const uint8_t> label_bytes,
                  const std::string& name, const std::vector<std::string>& class_names,
                  const std::string& image_source = "images",
                  const std::string& label_source = "labels");

/// @brief Loads an IDX images file and its labels file (each plain or gzipped) as a Dataset.
/// @throws Error naming the file and the problem (see the contract above).
Dataset load_idx(const std::string& images_path, const std::string& labels_path,
                 const std::string& name, const std::vector<std::string>& class_names);

/// @brief Loads MNIST's training (60,000) or test (10,000) set from @p dir.
///
/// Looks for `train-images-idx3-ubyte` + `train-labels-idx1-ubyte` (or `t10k-...` when
/// @p train is false), each with or without `.gz`. Classes "0" .. "9".
/// @throws Error naming the directory and the missing files, or the file and its problem.
Dataset load_mnist(const std::string& dir, bool train);

/// @brief Loads Fashion-MNIST's training (60,000) or test (10,000) set from @p dir.
///
/// Same file names as MNIST; classes fashion_mnist_class_names(). Debian's
/// dataset-fashion-mnist package installs it in `/usr/share/datasets/fashion-mnist`.
/// @throws Error naming the directory and the missing files, or the file and its problem.
Dataset load_fashion_mnist(const std::string& dir, bool train);

/// @brief The 10 Fashion-MNIST classes: "T-shirt/top", "Trouser", ..., "Ankle boot".
std::vector<std::string> fashion_mnist_class_names();

/// @brief The 10 MNIST classes: the digits "0" .. "9".
std::vector<std::string> mnist_class_names();

}  // namespace cnnlab
