// dataset.cpp — the Dataset checks and helpers (see cnnlab/data/dataset.hpp for the contract).
//
// What this file is: the one place that says when a Dataset is consistent, plus slicing and
// counting. What it is not: a reader (idx.cpp, cifar.cpp) or a batch maker (batches.cpp).
#include <cnnlab/core/error.hpp>
#include <cnnlab/data/dataset.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cnnlab {

std::span<const uint8_t> Dataset::image(int64_t i) const {
  if (i < 0 || i >= size())
    throw Error("Dataset::image: " + name + ": index " + std::to_string(i) + " is outside [0, " +
                std::to_string(size()) + ")");
  const auto n = static_cast<size_t>(image_size());
  return std::span<const uint8_t>(images).subspan(static_cast<size_t>(i) * n, n);
}

void check_dataset(const Dataset& d) {
  const std::string where = "check_dataset: " + d.name + ": ";
  if (d.channels < 1 || d.height < 1 || d.width < 1)
    throw Error(where + "channels, height and width must be positive, got " +
                std::to_string(d.channels) + "x" + std::to_string(d.height) + "x" +
                std::to_string(d.width));
  constexpr int64_t kMaxSide = int64_t{1} << 20;  // keeps C*H*W far from overflowing
  if (d.channels > kMaxSide || d.height > kMaxSide || d.width > kMaxSide)
    throw Error(where + "channels, height and width must each be at most 2^20, got " +
                std::to_string(d.channels) + "x" + std::to_string(d.height) + "x" +
                std::to_string(d.width));
  if (d.class_names.empty() || d.class_names.size() > 256)
    throw Error(where + "needs 1 to 256 class names (labels are bytes), got " +
                std::to_string(d.class_names.size()));
  const auto per_image = static_cast<uint64_t>(d.channels) * static_cast<uint64_t>(d.height) *
                         static_cast<uint64_t>(d.width);
  if (d.images.size() / per_image != d.labels.size() || d.images.size() % per_image != 0)
    throw Error(where + std::to_string(d.labels.size()) + " labels need " +
                std::to_string(d.labels.size()) + " x " + std::to_string(per_image) +
                " image bytes, but images holds " + std::to_string(d.images.size()));
  for (size_t i = 0; i < d.labels.size(); ++i)
    if (d.labels[i] >= d.class_names.size())
      throw Error(where + "label " + std::to_string(d.labels[i]) + " of image " +
                  std::to_string(i) + " is not smaller than the number of classes (" +
                  std::to_string(d.class_names.size()) + ")");
}

Dataset subset(const Dataset& d, int64_t first, int64_t count) {
  if (first < 0 || count < 0 || first > d.size() || count > d.size() - first)
    throw Error("subset: " + d.name + ": [" + std::to_string(first) + ", " + std::to_string(first) +
                "+" + std::to_string(count) + ") is not inside the " + std::to_string(d.size()) +
                " images");
  check_dataset(d);
  Dataset s;
  s.name = d.name + " [" + std::to_string(first) + ", " + std::to_string(first + count) + ")";
  s.channels = d.channels;
  s.height = d.height;
  s.width = d.width;
  s.class_names = d.class_names;
  const auto n = d.image_size();
  s.images.assign(d.images.begin() + first * n, d.images.begin() + (first + count) * n);
  s.labels.assign(d.labels.begin() + first, d.labels.begin() + first + count);
  return s;
}

std::vector<int64_t> class_counts(const Dataset& d) {
  std::vector<int64_t> counts(d.class_names.size(), 0);
  for (uint8_t label : d.labels)
    if (label < counts.size()) ++counts[label];
  return counts;
}

}  // namespace cnnlab
