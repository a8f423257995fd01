// test_data.cpp — the data area: IDX and CIFAR-10 readers, the X/O generator, shuffling,
// normalisation and mini-batches.
//
// The IDX and CIFAR-10 files here are built byte by byte from the format descriptions (see
// cnnlab/data/idx.hpp and cnnlab/data/cifar.hpp), plain and gzipped (with zlib's own gzopen),
// so each test says exactly which bytes are read and which rule a bad file breaks. The real
// Fashion-MNIST comes from Debian's dataset-fashion-mnist package, which scripts/quickstart.sh
// installs; without it that test fails and says so.
#include <catch2/catch.hpp>

#include <cnnlab/core/error.hpp>
#include <cnnlab/data/batches.hpp>
#include <cnnlab/data/cifar.hpp>
#include <cnnlab/data/dataset.hpp>
#include <cnnlab/data/idx.hpp>
#include <cnnlab/data/read_file.hpp>
#include <cnnlab/data/xo_dataset.hpp>
#include <cnnlab/demo/xo.hpp>

#include "temp_dir.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <zlib.h>

using namespace cnnlab;
using Catch::Contains;
namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

namespace {

const std::string kFashionDir = "/usr/share/datasets/fashion-mnist";

using cnnlab::testing::TempDir;

// Writes @p bytes gzip-compressed (zlib's gzopen) to DIR/name and returns the path.
std::string write_gz(const TempDir& dir, const std::string& name, const Bytes& bytes) {
  const std::string p = dir.file(name);
  gzFile gz = gzopen(p.c_str(), "wb");
  REQUIRE(gz != nullptr);
  REQUIRE(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())) ==
          static_cast<int>(bytes.size()));
  REQUIRE(gzclose(gz) == Z_OK);
  return p;
}

// A 32-bit big-endian integer, as IDX writes its dimensions.
void put_be32(Bytes& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

// An IDX images file: 00 00 08 03 | count | rows | cols | pixels.
Bytes idx_images(uint32_t count, uint32_t rows, uint32_t cols, const Bytes& pixels) {
  Bytes out = {0x00, 0x00, 0x08, 0x03};
  put_be32(out, count);
  put_be32(out, rows);
  put_be32(out, cols);
  out.insert(out.end(), pixels.begin(), pixels.end());
  return out;
}

// An IDX labels file: 00 00 08 01 | count | labels.
Bytes idx_labels(const Bytes& labels) {
  Bytes out = {0x00, 0x00, 0x08, 0x01};
  put_be32(out, static_cast<uint32_t>(labels.size()));
  out.insert(out.end(), labels.begin(), labels.end());
  return out;
}

// The small example used throughout: 3 images of 2 rows x 4 columns, labels 2, 0, 1.
const Bytes kPixels = {0,   1,   2,   3,   4,   5,   6,  7,     // image 0
                       10,  11,  12,  13,  14,  15,  16, 17,    // image 1
                       250, 251, 252, 253, 254, 255, 0,  128};  // image 2
const Bytes kLabels = {2, 0, 1};
const std::vector<std::string> kThree = {"zero", "one", "two"};

// The parse error for an images file (with the small example's good labels file).
std::string images_error(const Bytes& images_file) {
  try {
    parse_idx(images_file, idx_labels(kLabels), "t", kThree, "img.idx", "lbl.idx");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// A CIFAR-10 record: label, then 3072 pixels, pixel k of it = (seed + k) mod 256.
Bytes cifar_record(uint8_t label, uint8_t seed) {
  Bytes r = {label};
  for (int k = 0; k < 3072; ++k) r.push_back(static_cast<uint8_t>((seed + k) % 256));
  return r;
}

}  // namespace

// ---- IDX: good files -------------------------------------------------------------------

TEST_CASE("data: a hand-made plain IDX pair loads byte for byte", "[data]") {
  TempDir dir("data");
  const std::string images = dir.write("images.idx", idx_images(3, 2, 4, kPixels));
  const std::string labels = dir.write("labels.idx", idx_labels(kLabels));
  const Dataset d = load_idx(images, labels, "tiny", kThree);
  CHECK(d.name == "tiny");
  CHECK(d.size() == 3);
  CHECK(d.channels == 1);
  CHECK(d.height == 2);  // rows
  CHECK(d.width == 4);   // columns
  CHECK(d.images == kPixels);
  CHECK(d.labels == kLabels);
  CHECK(d.class_names == kThree);
  CHECK_NOTHROW(check_dataset(d));
  // Image 2 starts at byte 2 * 1*2*4 = 16 of images.
  CHECK(d.image(2)[0] == 250);
  CHECK(d.image(2)[7] == 128);
}

TEST_CASE("data: gzipped IDX files load the same, detected by their bytes, not their names",
          "[data]") {
  TempDir dir("data");
  // Gzip data under a plain name, plain data under a .gz name: both must read correctly.
  const std::string images = write_gz(dir, "images.idx", idx_images(3, 2, 4, kPixels));
  const std::string labels = dir.write("labels.idx.gz", idx_labels(kLabels));
  const Dataset d = load_idx(images, labels, "tiny", kThree);
  CHECK(d.images == kPixels);
  CHECK(d.labels == kLabels);
  CHECK(read_data_file(images, "test") == idx_images(3, 2, 4, kPixels));
}

TEST_CASE("data: parse_idx reads files already in memory", "[data]") {
  const IdxImages im = parse_idx_images(idx_images(3, 2, 4, kPixels), "mem");
  CHECK(im.count == 3);
  CHECK(im.rows == 2);
  CHECK(im.cols == 4);
  CHECK(im.pixels == kPixels);
  CHECK(parse_idx_labels(idx_labels(kLabels), "mem") == kLabels);
  const Dataset d = parse_idx(idx_images(3, 2, 4, kPixels), idx_labels(kLabels), "m", kThree);
  CHECK(d.labels == kLabels);
}

// ---- IDX: one test per rule a bad file can break ----------------------------------------

TEST_CASE("data: IDX magic number, type code and dimension count are checked", "[data]") {
  Bytes bad_magic = idx_images(3, 2, 4, kPixels);
  bad_magic[0] = 0x12;
  CHECK_THAT(images_error(bad_magic), Contains("img.idx") && Contains("must start with 00 00"));

  Bytes float_type = idx_images(3, 2, 4, kPixels);
  float_type[2] = 0x0D;  // float32
  CHECK_THAT(images_error(float_type), Contains("img.idx: type code (byte 2) is 0x0D (float32)") &&
                                           Contains("only 0x08 (unsigned byte)"));

  // A labels file (1 dimension) given as the images file.
  CHECK_THAT(images_error(idx_labels(kLabels)),
             Contains("img.idx: an IDX images file has 3 dimensions") && Contains("has 1"));

  // The same in a labels file.
  Bytes labels_as_images = idx_images(3, 2, 4, kPixels);
  CHECK_THROWS_WITH(parse_idx_labels(labels_as_images, "lbl.idx"),
                    Contains("lbl.idx: an IDX labels file has 1 dimension"));

  // Too short for the magic, and for the dimensions.
  CHECK_THAT(images_error({0, 0}), Contains("too short for the 4-byte IDX magic"));
  CHECK_THAT(images_error({0, 0, 8, 3, 0, 0, 0, 3}),
             Contains("the header of 3 dimensions needs 16"));
}

TEST_CASE("data: IDX data must be exactly as long as the header says", "[data]") {
  // Truncated: one pixel missing.
  Bytes truncated = idx_images(3, 2, 4, kPixels);
  truncated.pop_back();
  CHECK_THAT(
      images_error(truncated),
      Contains("img.idx: the header says 3 images of 2x4 = 24 bytes of data, but 23 bytes") &&
          Contains("truncated"));
  // Trailing bytes: one pixel too many.
  Bytes trailing = idx_images(3, 2, 4, kPixels);
  trailing.push_back(0);
  CHECK_THAT(images_error(trailing), Contains("but 25 bytes") && Contains("trailing bytes"));
  // A zero dimension holds nothing.
  CHECK_THAT(images_error(idx_images(3, 0, 4, {})), Contains("dimension 1 is 0"));
  // Labels: truncated and trailing.
  Bytes short_labels = idx_labels(kLabels);
  short_labels.pop_back();
  CHECK_THROWS_WITH(
      parse_idx_labels(short_labels, "lbl.idx"),
      Contains("lbl.idx: the header says 3 labels of 1 byte = 3 bytes of data, but 2"));
}

TEST_CASE("data: a corrupt IDX header claiming absurd sizes is rejected without allocating",
          "[data]") {
  // 4294967295 images of 65535 x 65535 pixels: ~1.8e19 bytes, beyond 2^64 even. The header is
  // compared with the 24 bytes really there; nothing is allocated from it.
  CHECK_THAT(images_error(idx_images(0xFFFFFFFF, 0xFFFF, 0xFFFF, kPixels)),
             Contains("4294967295 images of 65535x65535") && Contains("but 24 bytes"));
  CHECK_THAT(images_error(idx_images(0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, kPixels)),
             Contains("more than 2^64 bytes"));
  CHECK_THROWS_WITH(parse_idx_labels(Bytes{0, 0, 8, 1, 0xFF, 0xFF, 0xFF, 0xFF, 1}, "lbl.idx"),
                    Contains("4294967295 labels"));
}

TEST_CASE("data: IDX labels must match the images in count and fit the classes", "[data]") {
  CHECK_THROWS_WITH(
      parse_idx(idx_images(3, 2, 4, kPixels), idx_labels({0, 1}), "t", kThree, "img", "lbl"),
      Contains("lbl holds 2 labels but img holds 3 images"));
  CHECK_THROWS_WITH(
      parse_idx(idx_images(3, 2, 4, kPixels), idx_labels({0, 3, 1}), "t", kThree, "img", "lbl"),
      Contains("lbl: label 1 is 3, not smaller than the number of classes (3)"));
  CHECK_THROWS_WITH(parse_idx(idx_images(3, 2, 4, kPixels), idx_labels(kLabels), "t", {}),
                    Contains("needs 1 to 256 class names"));
}

TEST_CASE("data: missing IDX files, directories and corrupt gzip data name the file", "[data]") {
  TempDir dir("data");
  const std::string labels = dir.write("labels.idx", idx_labels(kLabels));
  const std::string missing = (dir.path / "nope.idx").string();
  CHECK_THROWS_WITH(load_idx(missing, labels, "t", kThree),
                    Contains("load_idx: " + missing + ": cannot open file"));
  fs::create_directory(dir.path / "folder");
  const std::string folder = (dir.path / "folder").string();
  CHECK_THROWS_WITH(load_idx(folder, labels, "t", kThree),
                    Contains("load_idx: " + folder + ": is a directory"));
  // A gzip file cut in half.
  const std::string gz = write_gz(dir, "full.gz", idx_images(3, 2, 4, kPixels));
  CHECK(read_data_file(gz, "test") == idx_images(3, 2, 4, kPixels));
  std::ifstream in(gz, std::ios::binary);
  Bytes compressed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  compressed.resize(compressed.size() / 2);
  const std::string cut = dir.write("cut.gz", compressed);
  CHECK_THROWS_WITH(load_idx(cut, labels, "t", kThree),
                    Contains("load_idx: " + cut + ": corrupt or truncated gzip data"));
  // More than the caller's limit.
  CHECK_THROWS_WITH(read_data_file(gz, "test", 10), Contains("holds more than 10 bytes"));
}

TEST_CASE("data: load_fashion_mnist names the missing directory or files", "[data]") {
  TempDir dir("data");
  CHECK_THROWS_WITH(
      load_fashion_mnist((dir.path / "none").string(), true),
      Contains("not a directory") && Contains("apt-get install dataset-fashion-mnist"));
  dir.write("train-images-idx3-ubyte", idx_images(3, 2, 4, kPixels));
  CHECK_THROWS_WITH(load_fashion_mnist(dir.path.string(), true),
                    Contains("missing train-labels-idx1-ubyte[.gz]"));
  CHECK_THROWS_WITH(load_mnist(dir.path.string(), false),
                    Contains("missing t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]"));
  // With both files (the labels gzipped) the standard names load, with MNIST's classes.
  write_gz(dir, "train-labels-idx1-ubyte.gz", idx_labels(kLabels));
  const Dataset d = load_mnist(dir.path.string(), true);
  CHECK(d.name == "mnist train");
  CHECK(d.class_names.size() == 10);
  CHECK(d.labels == kLabels);
}

// ---- the real Fashion-MNIST ---------------------------------------------------------------

TEST_CASE("data: Fashion-MNIST (Debian's dataset-fashion-mnist) loads 60000 + 10000 images",
          "[data]") {
  if (!fs::is_directory(kFashionDir))
    FAIL(kFashionDir +
         " is missing: install it with `apt-get install dataset-fashion-mnist` "
         "(scripts/quickstart.sh does)");
  const auto start = std::chrono::steady_clock::now();
  const Dataset train = load_fashion_mnist(kFashionDir, true);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "load_fashion_mnist(train): 60000 images in " << seconds << " s\n";

  CHECK(train.size() == 60000);
  CHECK(train.channels == 1);
  CHECK(train.height == 28);
  CHECK(train.width == 28);
  CHECK(train.images.size() == 60000u * 28 * 28);
  CHECK(train.class_names == fashion_mnist_class_names());
  CHECK(train.class_names[9] == "Ankle boot");
  CHECK(class_counts(train) == std::vector<int64_t>(10, 6000));  // exactly balanced
  CHECK(train.labels[0] == 9);                                   // the first image: Ankle boot

  const Dataset test = load_fashion_mnist(kFashionDir, false);
  CHECK(test.size() == 10000);
  CHECK(class_counts(test) == std::vector<int64_t>(10, 1000));
  CHECK(test.labels[0] == 9);

  // The published normalisation constants are this training set's statistics.
  const Normalization n = compute_normalization(train);
  CHECK(n.mean[0] == Approx(fashion_mnist_normalization().mean[0]).margin(1e-3));
  CHECK(n.std[0] == Approx(fashion_mnist_normalization().std[0]).margin(1e-3));

  // One epoch of mini-batches of 64 (printed, not asserted: machines differ).
  const std::vector<int64_t> order = shuffled_indices(train.size(), 1, 0);
  std::vector<float> images(64 * 28 * 28), labels(64);
  const auto epoch_start = std::chrono::steady_clock::now();
  const int64_t batches = num_batches(train.size(), 64, true);
  for (int64_t b = 0; b < batches; ++b)
    make_batch(train, batch_indices(order, 64, b), fashion_mnist_normalization(), images, labels);
  std::cout << "make_batch: one epoch of " << batches << " batches of 64 in "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_start).count()
            << " s\n";
}

// ---- CIFAR-10 ---------------------------------------------------------------------------

TEST_CASE("data: CIFAR-10 binary batches load from synthetic files", "[data]") {
  TempDir dir("data");
  // Five training files of two records each; record r of file f has label (2f + r) % 10.
  for (int f = 1; f <= 5; ++f) {
    Bytes file;
    for (int r = 0; r < 2; ++r) {
      const Bytes rec =
          cifar_record(static_cast<uint8_t>((2 * f + r) % 10), static_cast<uint8_t>(10 * f + r));
      file.insert(file.end(), rec.begin(), rec.end());
    }
    dir.write("data_batch_" + std::to_string(f) + ".bin", file);
  }
  write_gz(dir, "test_batch.bin", cifar_record(7, 3));  // gzipped: read all the same

  const Dataset train = load_cifar10(dir.path.string(), true);
  CHECK(train.name == "cifar-10 train");
  CHECK(train.size() == 10);
  CHECK(train.channels == 3);
  CHECK(train.height == 32);
  CHECK(train.width == 32);
  CHECK(train.class_names == cifar10_class_names());
  CHECK(train.labels == Bytes{2, 3, 4, 5, 6, 7, 8, 9, 0, 1});
  // Image 3 is file 2, record 1: pixel k = (21 + k) mod 256, red plane first.
  const auto img = train.image(3);
  CHECK(img[0] == 21);                    // red (0, 0)
  CHECK(img[1024] == (21 + 1024) % 256);  // green (0, 0)
  CHECK(img[3071] == (21 + 3071) % 256);  // blue (31, 31)

  const Dataset test = load_cifar10(dir.path.string(), false);
  CHECK(test.size() == 1);
  CHECK(test.labels[0] == 7);
}

TEST_CASE("data: bad CIFAR-10 files and missing batches are named", "[data]") {
  const Bytes good = cifar_record(1, 0);
  Bytes short_file(good.begin(), good.end() - 1);
  CHECK_THROWS_WITH(parse_cifar10(short_file, "b.bin"),
                    Contains("b.bin: size 3072 bytes is not a positive multiple of the 3073-byte"));
  CHECK_THROWS_WITH(parse_cifar10(Bytes{}, "b.bin"), Contains("empty file"));
  Bytes two = good;
  const Bytes bad_label = cifar_record(10, 0);
  two.insert(two.end(), bad_label.begin(), bad_label.end());
  CHECK_THROWS_WITH(parse_cifar10(two, "b.bin"),
                    Contains("b.bin: record 1 (byte 3073) has label 10; CIFAR-10 labels are 0..9"));

  TempDir dir("data");
  dir.write("data_batch_1.bin", good);
  dir.write("data_batch_4.bin", good);
  CHECK_THROWS_WITH(load_cifar10(dir.path.string(), true),
                    Contains("missing data_batch_2.bin, data_batch_3.bin, data_batch_5.bin"));
  CHECK_THROWS_WITH(load_cifar10(dir.path.string(), false), Contains("missing test_batch.bin"));
  CHECK_THROWS_WITH(load_cifar10((dir.path / "no").string(), false), Contains("not a directory"));
}

// ---- the X/O generator --------------------------------------------------------------------

TEST_CASE("data: an un-augmented 9x9 X is the lecture's X, and the O is a ring", "[data]") {
  const Dataset d = make_xo_dataset({.count = 2});
  CHECK(d.class_names == std::vector<std::string>{"X", "O"});
  CHECK(d.labels == Bytes{0, 1});
  CHECK(d.height == 9);
  CHECK(d.width == 9);
  // The lecture's table is +1 (ink) / −1 (background); ours is 255 / 0.
  const std::vector<float> lecture = xo::x_image();
  const auto x = d.image(0);
  for (size_t k = 0; k < 81; ++k) {
    INFO("pixel row " << k / 9 << ", column " << k % 9);
    CHECK(x[k] == (lecture[k] > 0 ? 255 : 0));
  }
  // The O: ink 3 pixels from the centre (4, 4) on the axes, background at the centre and corners.
  const auto o = d.image(1);
  auto at = [&](int row, int col) { return o[static_cast<size_t>(row * 9 + col)]; };
  CHECK(at(1, 4) == 255);
  CHECK(at(7, 4) == 255);
  CHECK(at(4, 1) == 255);
  CHECK(at(4, 7) == 255);
  CHECK(at(4, 4) == 0);
  CHECK(at(0, 0) == 0);
  CHECK(at(1, 1) == 0);
}

TEST_CASE("data: the X/O generator is deterministic, balanced and its augmentations work",
          "[data]") {
  const XoOptions tricky{.count = 200,
                         .size = 16,
                         .seed = 42,
                         .max_shift = 2,
                         .min_scale = 0.6,
                         .max_scale = 1.0,
                         .max_rotation_degrees = 30,
                         .min_stroke = 0.8,
                         .max_stroke = 2.5};
  const Dataset a = make_xo_dataset(tricky);
  CHECK(a.images == make_xo_dataset(tricky).images);  // same seed, same bytes
  XoOptions other = tricky;
  other.seed = 43;
  CHECK(a.images != make_xo_dataset(other).images);  // another seed, other images
  CHECK(class_counts(a) == std::vector<int64_t>{100, 100});
  CHECK_NOTHROW(check_dataset(a));
  for (uint8_t p : a.images) REQUIRE((p == 0 || p == 255));

  // Every image has some ink, and the augmented Xs are not all the same picture.
  const Dataset plain = make_xo_dataset({.count = 200, .size = 16});
  int differs_from_plain = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    const auto img = a.image(i);
    CHECK(std::count(img.begin(), img.end(), uint8_t{255}) > 0);
    const auto ref = plain.image(i % 2);
    if (!std::equal(img.begin(), img.end(), ref.begin())) ++differs_from_plain;
  }
  CHECK(differs_from_plain > 190);
  // Un-augmented images of one class are all identical.
  CHECK(std::equal(plain.image(0).begin(), plain.image(0).end(), plain.image(198).begin()));

  // Each augmentation alone changes the picture; a thicker stroke means more ink.
  auto ink = [](const Dataset& d, int64_t i) {
    const auto img = d.image(i);
    return std::count(img.begin(), img.end(), uint8_t{255});
  };
  const Dataset thick = make_xo_dataset({.count = 2, .size = 16, .min_stroke = 3, .max_stroke = 3});
  CHECK(ink(thick, 0) > ink(plain, 0));
  CHECK(ink(thick, 1) > ink(plain, 1));
  const Dataset small =
      make_xo_dataset({.count = 2, .size = 16, .min_scale = 0.5, .max_scale = 0.5});
  CHECK(ink(small, 0) < ink(plain, 0));
  const Dataset rotated =
      make_xo_dataset({.count = 20, .size = 16, .seed = 5, .max_rotation_degrees = 45});
  CHECK_FALSE(std::equal(rotated.image(0).begin(), rotated.image(0).end(), plain.image(0).begin()));
  const Dataset shifted = make_xo_dataset({.count = 20, .size = 16, .seed = 5, .max_shift = 3});
  CHECK_FALSE(std::equal(shifted.image(0).begin(), shifted.image(0).end(), plain.image(0).begin()));
}

TEST_CASE("data: bad X/O options are rejected with the rule", "[data]") {
  CHECK_THROWS_WITH(make_xo_dataset({.count = 0}), Contains("count must be in [1, 100000000]"));
  CHECK_THROWS_WITH(make_xo_dataset({.size = 3}), Contains("size must be in [5, 1024]"));
  CHECK_THROWS_WITH(make_xo_dataset({.min_scale = 2, .max_scale = 1}),
                    Contains("need 0 < min_scale <= max_scale"));
  CHECK_THROWS_WITH(make_xo_dataset({.min_stroke = 0}), Contains("need 0 < min_stroke"));
  CHECK_THROWS_WITH(make_xo_dataset({.max_shift = -1}), Contains("max_shift must be finite"));
  CHECK_THROWS_WITH(make_xo_dataset({.max_rotation_degrees = std::nan("")}),
                    Contains("max_rotation_degrees"));
}

// ---- shuffling and batches ---------------------------------------------------------------

TEST_CASE("data: shuffled_indices is a seeded, per-epoch permutation", "[data]") {
  const std::vector<int64_t> p = shuffled_indices(1000, 7, 0);
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i) REQUIRE(sorted[static_cast<size_t>(i)] == i);  // permutation
  CHECK(p == shuffled_indices(1000, 7, 0));                                         // deterministic
  CHECK(p != shuffled_indices(1000, 7, 1));                                         // another epoch
  CHECK(p != shuffled_indices(1000, 8, 0));                                         // another seed
  int in_place = 0;
  for (int64_t i = 0; i < 1000; ++i) in_place += p[static_cast<size_t>(i)] == i;
  CHECK(in_place < 10);  // a random permutation leaves about 1 element in place
  // Portable: these are the numbers on every platform (std::mt19937_64 is specified exactly by
  // the standard, and the mapping to [0, i] is ours), so a run can be repeated anywhere.
  CHECK(shuffled_indices(10, 1, 0) == std::vector<int64_t>{5, 0, 8, 7, 3, 1, 9, 6, 4, 2});
  CHECK(shuffled_indices(0, 1, 0).empty());
  CHECK(shuffled_indices(1, 1, 0) == std::vector<int64_t>{0});
  CHECK_THROWS_WITH(shuffled_indices(-1, 1, 0), Contains("n and epoch must be >= 0"));
}

TEST_CASE("data: num_batches and batch_indices cut an order into mini-batches", "[data]") {
  const std::vector<int64_t> order = {9, 8, 7, 6, 5, 4, 3};
  CHECK(num_batches(7, 3) == 3);
  CHECK(num_batches(7, 3, true) == 2);
  CHECK(num_batches(6, 3) == 2);
  const auto last = batch_indices(order, 3, 2);
  CHECK(std::vector<int64_t>(last.begin(), last.end()) == std::vector<int64_t>{3});
  const auto first = batch_indices(order, 3, 0);
  CHECK(std::vector<int64_t>(first.begin(), first.end()) == std::vector<int64_t>{9, 8, 7});
  CHECK_THROWS_WITH(batch_indices(order, 3, 3), Contains("batch 3 is outside [0, 3)"));
  CHECK_THROWS_WITH(num_batches(7, 0), Contains("batch_size >= 1"));
}

TEST_CASE("data: make_batch normalises pixels and writes float labels", "[data]") {
  const Dataset d = parse_idx(idx_images(3, 2, 4, kPixels), idx_labels(kLabels), "tiny", kThree);
  const Normalization norm{.mean = {0.5f}, .std = {0.25f}};
  const std::vector<int64_t> pick = {2, 0};
  std::vector<float> images(2 * 8), labels(2);
  make_batch(d, pick, norm, images, labels);
  CHECK(labels == std::vector<float>{1.0f, 2.0f});
  // Row 0 is image 2: 250, 251, ..., 255, 0, 128; x = (p/255 − 0.5) / 0.25.
  for (size_t k = 0; k < 8; ++k) {
    INFO("batch row 0, pixel " << k);
    CHECK(images[k] == Approx((kPixels[16 + k] / 255.0 - 0.5) / 0.25).epsilon(1e-6));
  }
  CHECK(images[5] == Approx(2.0));   // 255 -> (1 − 0.5) / 0.25
  CHECK(images[6] == Approx(-2.0));  // 0 -> (0 − 0.5) / 0.25
  CHECK(images[8] == Approx(-2.0));  // row 1 is image 0, whose first pixel is 0

  // Bad arguments.
  std::vector<float> small(3);
  CHECK_THROWS_WITH(make_batch(d, pick, norm, small, labels), Contains("2 indices need 16 image"));
  const std::vector<int64_t> out_of_range = {0, 3};
  CHECK_THROWS_WITH(make_batch(d, out_of_range, norm, images, labels),
                    Contains("index 3 (batch row 1) is outside [0, 3)"));
  CHECK_THROWS_WITH(make_batch(d, pick, {.mean = {0}, .std = {0}}, images, labels),
                    Contains("std 0.000000 must be finite and > 0"));
  CHECK_THROWS_WITH(make_batch(d, pick, {.mean = {0, 0}, .std = {1}}, images, labels),
                    Contains("needs 1 (all channels) or 1 (one per channel)"));
}

TEST_CASE("data: per-channel normalisation and compute_normalization", "[data]") {
  // Two 1x1 RGB images: (0, 255, 51) and (255, 255, 153).
  Dataset d;
  d.name = "rgb";
  d.channels = 3;
  d.height = d.width = 1;
  d.images = {0, 255, 51, 255, 255, 153};
  d.labels = {0, 1};
  d.class_names = {"a", "b"};
  const Normalization per = compute_normalization(d, true);
  REQUIRE(per.mean.size() == 3);
  CHECK(per.mean[0] == Approx(0.5));
  CHECK(per.std[0] == Approx(0.5));
  CHECK(per.mean[1] == Approx(1.0));
  CHECK(per.std[1] == 1.0f);  // constant channel: std 1, nothing to divide by
  CHECK(per.mean[2] == Approx(0.4));
  CHECK(per.std[2] == Approx(0.2));
  const Normalization all = compute_normalization(d);
  REQUIRE(all.mean.size() == 1);
  CHECK(all.mean[0] == Approx((0 + 255 + 51 + 255 + 255 + 153) / 255.0 / 6));

  // With its own statistics each channel of the batch has mean 0 (std 1 where not constant).
  std::vector<float> images(6), labels(2);
  const std::vector<int64_t> both = {0, 1};
  make_batch(d, both, per, images, labels);
  CHECK(images[0] == Approx(-1.0));
  CHECK(images[3] == Approx(1.0));
  CHECK(images[2] == Approx(-1.0));
  CHECK(images[5] == Approx(1.0));
  CHECK(cifar10_normalization().mean.size() == 3);
}

TEST_CASE("data: subset, class_counts and check_dataset", "[data]") {
  const Dataset d = parse_idx(idx_images(3, 2, 4, kPixels), idx_labels(kLabels), "tiny", kThree);
  const Dataset s = subset(d, 1, 2);
  CHECK(s.name == "tiny [1, 3)");
  CHECK(s.labels == Bytes{0, 1});
  CHECK(s.images == Bytes(kPixels.begin() + 8, kPixels.end()));
  CHECK(class_counts(d) == std::vector<int64_t>{1, 1, 1});
  CHECK(subset(d, 3, 0).size() == 0);
  CHECK_THROWS_WITH(subset(d, 2, 2), Contains("is not inside the 3 images"));
  CHECK_THROWS_WITH(d.image(3), Contains("index 3 is outside [0, 3)"));
  Dataset broken = d;
  broken.images.pop_back();
  CHECK_THROWS_WITH(check_dataset(broken), Contains("3 labels need 3 x 8 image bytes"));
  broken = d;
  broken.labels[0] = 5;
  CHECK_THROWS_WITH(check_dataset(broken), Contains("label 5 of image 0"));
  broken = d;
  broken.channels = int64_t{1} << 40;  // C*H*W would overflow: rejected before multiplying
  CHECK_THROWS_WITH(check_dataset(broken), Contains("at most 2^20"));
  std::vector<float> x(8), y(1);
  const std::vector<int64_t> one = {0};
  CHECK_THROWS_WITH(make_batch(broken, one, Normalization{}, x, y),
                    Contains("inconsistent dataset"));
}
