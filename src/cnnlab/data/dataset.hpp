/// @file dataset.hpp
/// @brief A labelled image dataset held in memory as bytes, and helpers to slice and count it.
///
/// Contract:
/// - A Dataset holds N images of channels × height × width uint8 pixels in NCHW order (image i
///   starts at byte i·C·H·W, channel c of it at i·C·H·W + c·H·W) and N labels, one byte each,
///   every label smaller than the number of class names. Images stay uint8 in memory (60,000
///   Fashion-MNIST images are 47 MB as bytes, 188 MB as floats); make_batch()
///   (cnnlab/data/batches.hpp) turns the images of one mini-batch into normalised floats.
/// - The readers (load_idx(), load_cifar10()) and the X/O generator (make_xo_dataset()) only
///   return datasets that pass check_dataset(); the helpers here check their arguments and
///   throw Error naming the dataset and the rule broken.
/// - What it is not: a lazy or streaming loader, or a container of float images.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cnnlab {

/// @brief N labelled images of channels × height × width uint8 pixels (NCHW), in memory.
struct Dataset {
  std::string name;                      ///< e.g. "fashion-mnist train"; used in error messages
  int64_t channels = 0;                  ///< C: 1 for grey images, 3 for RGB
  int64_t height = 0;                    ///< H: rows of pixels per image
  int64_t width = 0;                     ///< W: columns of pixels per image
  std::vector<uint8_t> images;           ///< N·C·H·W pixels, 0 (black) .. 255 (white), NCHW
  std::vector<uint8_t> labels;           ///< N class indices, each < class_names.size()
  std::vector<std::string> class_names;  ///< the name of each class index, e.g. "Ankle boot"

  /// @brief The number of images N (= labels.size()).
  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  /// @brief The number of pixels of one image, C·H·W.
  int64_t image_size() const { return channels * height * width; }
  /// @brief The number of classes (= class_names.size()).
  int64_t num_classes() const { return static_cast<int64_t>(class_names.size()); }
  /// @brief The C·H·W pixels of image @p i (NCHW), without copying.
  /// @throws Error if @p i is not in [0, size()).
  std::span<const uint8_t> image(int64_t i) const;
};

/// @brief Checks that @p d is consistent: C, H, W in [1, 2^20]; images.size() = N·C·H·W; at least
/// one class name and at most 256; every label < num_classes().
/// @throws Error naming the dataset and the first rule broken.
void check_dataset(const Dataset& d);

/// @brief A copy of images [first, first + count) of @p d, with the same classes; the name
/// gets " [first, first+count)" appended.
/// @throws Error if the range does not lie inside [0, d.size()].
Dataset subset(const Dataset& d, int64_t first, int64_t count);

/// @brief How many images of each class @p d holds: element k counts label k.
std::vector<int64_t> class_counts(const Dataset& d);

}  // namespace cnnlab
