// idx.cpp — IDX files, the format of MNIST and Fashion-MNIST (see cnnlab/data/idx.hpp).
//
// An IDX file is a 4-byte magic number, one 32-bit big-endian size per dimension, then the
// data in C order:
//
//   byte 0-1   always 00 00
//   byte 2     type code: 08 unsigned byte (also defined, not read here: 09 signed byte,
//              0B short, 0C int, 0D float, 0E double)
//   byte 3     number of dimensions: 03 for images (count, rows, cols), 01 for labels
//   then       the dimensions, 4 bytes each, most significant byte first
//   then       the data: product-of-dimensions bytes
//
// What this file is: a strict parser of exactly the two files MNIST-style datasets use, and
// the loaders that find them. What it is not: a reader of the other type codes or of
// arbitrary dimensions. The dimensions in the header are compared with the bytes that are
// really there before anything is allocated from them, so a corrupt header cannot ask for
// terabytes of memory.
#include <cnnlab/core/error.hpp>
#include <cnnlab/data/idx.hpp>
#include <cnnlab/data/read_file.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace cnnlab {
namespace {

constexpr uint8_t kUnsignedByte = 0x08;

std::string hex_byte(uint8_t b) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", static_cast<unsigned>(b));
  return text;
}

uint32_t big_endian_u32(std::span<const uint8_t> bytes, size_t at) {
  return (uint32_t{bytes[at]} << 24) | (uint32_t{bytes[at + 1]} << 16) |
         (uint32_t{bytes[at + 2]} << 8) | uint32_t{bytes[at + 3]};
}

const char* type_name(uint8_t code) {
  switch (code) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "int16";
    case 0x0C:
      return "int32";
    case 0x0D:
      return "float32";
    case 0x0E:
      return "float64";
    default:
      return "not an IDX type code";
  }
}

// Checks the magic number and reads the dimensions; returns them and leaves the data at byte
// 4 + 4 * dims.size(). `what` is "images" or "labels", `want_dims` 3 or 1.
std::vector<uint32_t> read_header(std::span<const uint8_t> bytes, const std::string& where,
                                  const char* what, uint8_t want_dims) {
  if (bytes.size() < 4)
    throw Error(where + "truncated: " + std::to_string(bytes.size()) +
                " bytes, too short for the 4-byte IDX magic number");
  if (bytes[0] != 0 || bytes[1] != 0)
    throw Error(where + "not an IDX file: the magic number must start with 00 00, got " +
                hex_byte(bytes[0]) + " " + hex_byte(bytes[1]) +
                (bytes[0] == 0x1f && bytes[1] == 0x8b ? " (gzip data: decompress it first)" : ""));
  if (bytes[2] != kUnsignedByte)
    throw Error(where + "type code (byte 2) is " + hex_byte(bytes[2]) + " (" + type_name(bytes[2]) +
                "); only 0x08 (unsigned byte) is supported");
  if (bytes[3] != want_dims)
    throw Error(where + "an IDX " + what + " file has " + std::to_string(want_dims) +
                (want_dims == 1 ? " dimension" : " dimensions") + " (magic 00 00 08 0" +
                std::to_string(want_dims) + "), this one has " + std::to_string(bytes[3]));
  const size_t header = 4 + 4 * size_t{want_dims};
  if (bytes.size() < header)
    throw Error(where + "truncated: " + std::to_string(bytes.size()) + " bytes, the header of " +
                std::to_string(want_dims) + " dimensions needs " + std::to_string(header));
  std::vector<uint32_t> dims;
  for (size_t d = 0; d < want_dims; ++d) {
    dims.push_back(big_endian_u32(bytes, 4 + 4 * d));
    if (dims.back() == 0)
      throw Error(where + "dimension " + std::to_string(d) + " is 0: the file holds no " + what);
  }
  return dims;
}

// Checks that exactly `count` items of `item_bytes` follow the header (no more, no less).
// Division instead of multiplication: count * item_bytes could overflow for a corrupt header.
void check_data_size(std::span<const uint8_t> bytes, size_t header, uint64_t count,
                     uint64_t item_bytes, const std::string& where, const std::string& claim) {
  const uint64_t have = bytes.size() - header;
  if (have / item_bytes == count && have % item_bytes == 0) return;
  const uint64_t max_count = UINT64_MAX / item_bytes;
  const std::string need =
      count <= max_count ? std::to_string(count * item_bytes) + " bytes" : "more than 2^64 bytes";
  throw Error(
      where + "the header says " + claim + " = " + need + " of data, but " + std::to_string(have) +
      " bytes follow the " + std::to_string(header) + "-byte header (" +
      (count <= max_count && have < count * item_bytes ? "truncated file or corrupt header"
                                                       : "trailing bytes or corrupt header") +
      ")");
}

// Checks an images file and returns its sizes (pixels left empty).
IdxImages check_images(std::span<const uint8_t> bytes, const std::string& source) {
  const std::string where = "parse_idx_images: " + source + ": ";
  const std::vector<uint32_t> dims = read_header(bytes, where, "images", 3);
  const uint64_t pixels_per_image = uint64_t{dims[1]} * dims[2];  // < 2^64: two 32-bit factors
  check_data_size(bytes, 16, dims[0], pixels_per_image, where,
                  std::to_string(dims[0]) + " images of " + std::to_string(dims[1]) + "x" +
                      std::to_string(dims[2]));
  IdxImages out;
  out.count = dims[0];
  out.rows = dims[1];
  out.cols = dims[2];
  return out;
}

void check_class_names(const std::string& name, const std::vector<std::string>& class_names) {
  if (class_names.empty() || class_names.size() > 256)
    throw Error("parse_idx: " + name + ": needs 1 to 256 class names (labels are bytes), got " +
                std::to_string(class_names.size()));
}

// Puts checked images and labels together after the checks between the two files.
Dataset assemble(IdxImages images, std::vector<uint8_t> labels, const std::string& name,
                 const std::vector<std::string>& class_names, const std::string& image_source,
                 const std::string& label_source) {
  if (static_cast<int64_t>(labels.size()) != images.count)
    throw Error("parse_idx: " + label_source + " holds " + std::to_string(labels.size()) +
                " labels but " + image_source + " holds " + std::to_string(images.count) +
                " images; they must be equal");
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= class_names.size())
      throw Error("parse_idx: " + label_source + ": label " + std::to_string(i) + " is " +
                  std::to_string(labels[i]) + ", not smaller than the number of classes (" +
                  std::to_string(class_names.size()) + ")");
  Dataset d;
  d.name = name;
  d.channels = 1;
  d.height = images.rows;
  d.width = images.cols;
  d.images = std::move(images.pixels);
  d.labels = std::move(labels);
  d.class_names = class_names;
  return d;
}

// The standard file names of MNIST and Fashion-MNIST, with or without ".gz".
std::string find_file(const std::string& dir, const std::string& base,
                      std::vector<std::string>& missing) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const std::string& name : {base, base + ".gz"}) {
    const fs::path p = fs::path(dir) / name;
    if (fs::exists(p, ec)) return p.string();
  }
  missing.push_back(base + "[.gz]");
  return {};
}

Dataset load_mnist_style(const std::string& who, const std::string& dataset, const std::string& dir,
                         bool train, const std::vector<std::string>& class_names,
                         const std::string& hint) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw Error(who + ": " + dir + ": not a directory (" + hint + ")");
  const std::string prefix = train ? "train" : "t10k";
  std::vector<std::string> missing;
  const std::string images = find_file(dir, prefix + "-images-idx3-ubyte", missing);
  const std::string labels = find_file(dir, prefix + "-labels-idx1-ubyte", missing);
  if (!missing.empty()) {
    std::string list;
    for (const std::string& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw Error(who + ": " + dir + ": missing " + list + " (" + hint + ")");
  }
  return load_idx(images, labels, dataset + (train ? " train" : " test"), class_names);
}

}  // namespace

IdxImages parse_idx_images(std::span<const uint8_t> bytes, const std::string& source) {
  IdxImages out = check_images(bytes, source);
  out.pixels.assign(bytes.begin() + 16, bytes.end());
  return out;
}

std::vector<uint8_t> parse_idx_labels(std::span<const uint8_t> bytes, const std::string& source) {
  const std::string where = "parse_idx_labels: " + source + ": ";
  const std::vector<uint32_t> dims = read_header(bytes, where, "labels", 1);
  check_data_size(bytes, 8, dims[0], 1, where, std::to_string(dims[0]) + " labels of 1 byte");
  return std::vector<uint8_t>(bytes.begin() + 8, bytes.end());
}

Dataset parse_idx(std::span<const uint8_t> image_bytes, std::span<const uint8_t> label_bytes,
                  const std::string& name, const std::vector<std::string>& class_names,
                  const std::string& image_source, const std::string& label_source) {
  check_class_names(name, class_names);
  IdxImages images = parse_idx_images(image_bytes, image_source);
  return assemble(std::move(images), parse_idx_labels(label_bytes, label_source), name, class_names,
                  image_source, label_source);
}

Dataset load_idx(const std::string& images_path, const std::string& labels_path,
                 const std::string& name, const std::vector<std::string>& class_names) {
  check_class_names(name, class_names);
  // The images file is tens of megabytes: check it, then drop its 16-byte header in place
  // instead of copying the pixels out.
  std::vector<uint8_t> image_bytes = read_data_file(images_path, "load_idx");
  IdxImages images = check_images(image_bytes, images_path);
  image_bytes.erase(image_bytes.begin(), image_bytes.begin() + 16);
  images.pixels = std::move(image_bytes);
  const std::vector<uint8_t> label_bytes = read_data_file(labels_path, "load_idx");
  return assemble(std::move(images), parse_idx_labels(label_bytes, labels_path), name, class_names,
                  images_path, labels_path);
}

Dataset load_mnist(const std::string& dir, bool train) {
  return load_mnist_style("load_mnist", "mnist", dir, train, mnist_class_names(),
                          "MNIST: the four files of http://yann.lecun.com/exdb/mnist/");
}

Dataset load_fashion_mnist(const std::string& dir, bool train) {
  return load_mnist_style("load_fashion_mnist", "fashion-mnist", dir, train,
                          fashion_mnist_class_names(),
                          "Debian: apt-get install dataset-fashion-mnist, which installs "
                          "/usr/share/datasets/fashion-mnist");
}

std::vector<std::string> fashion_mnist_class_names() {
  return {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
}

std::vector<std::string> mnist_class_names() {
  return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
}

}  // namespace cnnlab
