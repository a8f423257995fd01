// cifar.cpp — the CIFAR-10 binary version (see cnnlab/data/cifar.hpp for the contract).
//
// Each file is a plain sequence of 3073-byte records:
//
//   byte 0          the label, 0..9 (airplane .. truck)
//   bytes 1-1024    the red plane, 32 rows of 32 pixels
//   bytes 1025-2048 the green plane
//   bytes 2049-3072 the blue plane
//
// There is no header, so the only checks possible are the ones made here: the size is a
// positive multiple of 3073 and every label is at most 9.
// What this file is not: a reader of the Python (pickle) version or of CIFAR-100.
#include <cnnlab/core/error.hpp>
#include <cnnlab/data/cifar.hpp>
#include <cnnlab/data/read_file.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cnnlab {

std::vector<std::string> cifar10_class_names() {
  return {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
}

Dataset parse_cifar10(std::span<const uint8_t> bytes, const std::string& source) {
  const std::string where = "parse_cifar10: " + source + ": ";
  const auto record = static_cast<size_t>(kCifarRecordBytes);
  if (bytes.empty() || bytes.size() % record != 0)
    throw Error(where + "size " + std::to_string(bytes.size()) +
                " bytes is not a positive multiple of the 3073-byte record (1 label + 3x32x32 "
                "pixels): " +
                (bytes.empty() ? "empty file"
                               : std::to_string(bytes.size() / record) + " records and " +
                                     std::to_string(bytes.size() % record) + " bytes left over"));
  const size_t n = bytes.size() / record;
  Dataset d;
  d.name = "cifar-10 " + source;
  d.channels = 3;
  d.height = 32;
  d.width = 32;
  d.class_names = cifar10_class_names();
  d.labels.resize(n);
  d.images.resize(n * (record - 1));
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* r = bytes.data() + i * record;
    if (r[0] > 9)
      throw Error(where + "record " + std::to_string(i) + " (byte " + std::to_string(i * record) +
                  ") has label " + std::to_string(r[0]) + "; CIFAR-10 labels are 0..9");
    d.labels[i] = r[0];
    std::copy(r + 1, r + record, d.images.begin() + static_cast<std::ptrdiff_t>(i * (record - 1)));
  }
  return d;
}

Dataset load_cifar10(const std::string& dir, bool train) {
  namespace fs = std::filesystem;
  const std::string hint =
      "the binary version: extract cifar-10-binary.tar.gz from "
      "https://www.cs.toronto.edu/~kriz/cifar.html and pass its cifar-10-batches-bin folder";
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error("load_cifar10: " + dir + ": not a directory (" + hint + ")");
  std::vector<std::string> names;
  if (train)
    for (int b = 1; b <= 5; ++b) names.push_back("data_batch_" + std::to_string(b) + ".bin");
  else
    names.push_back("test_batch.bin");
  std::string missing;
  for (const std::string& name : names)
    if (!fs::exists(fs::path(dir) / name, ec)) missing += (missing.empty() ? "" : ", ") + name;
  if (!missing.empty())
    throw Error("load_cifar10: " + dir + ": missing " + missing + " (" + hint + ")");

  Dataset all;
  for (const std::string& name : names) {
    const std::string path = (fs::path(dir) / name).string();
    const Dataset part = parse_cifar10(read_data_file(path, "load_cifar10"), path);
    if (all.labels.empty()) {
      all = part;
    } else {
      all.images.insert(all.images.end(), part.images.begin(), part.images.end());
      all.labels.insert(all.labels.end(), part.labels.begin(), part.labels.end());
    }
  }
  all.name = std::string("cifar-10 ") + (train ? "train" : "test");
  return all;
}

}  // namespace cnnlab
