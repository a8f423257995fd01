// fuzz_idx.cpp — a libFuzzer target for the dataset parsers that read untrusted bytes: the IDX
// images and labels parsers (MNIST, Fashion-MNIST) and the CIFAR-10 batch parser.
//
// Contract being tested: whatever the bytes, each parser either returns a consistent result or
// throws cnnlab::Error — never crashes, reads out of bounds, overflows, or allocates memory
// because a corrupt header asked for it (sanitizers and libFuzzer's -rss_limit_mb catch those).
//
// Each input is fed
//   1. whole, to parse_idx_images(), parse_idx_labels() and parse_cifar10();
//   2. split in two at the last IDX labels magic 00 00 08 01 (if any) to parse_idx(), so an
//      images file followed by a labels file (fuzz/corpus/idx/pair.idx) exercises the
//      pair checks; a dataset that parses is then normalised and batched.
//
// Build (the fuzz/CMakeLists.txt of the fuzz build does the same), e.g.:
//   clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I src fuzz/fuzz_idx.cpp \
//     src/data/*.cpp src/core/error.cpp -lz -o /tmp/fuzz_idx
//   /tmp/fuzz_idx -max_total_time=30 fuzz/corpus/idx
#include <cnnlab/core/error.hpp>
#include <cnnlab/data/batches.hpp>
#include <cnnlab/data/cifar.hpp>
#include <cnnlab/data/dataset.hpp>
#include <cnnlab/data/idx.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

namespace {

// Stops the fuzzer with a crash report when a parser returns something inconsistent.
void require(bool ok) {
  if (!ok) std::abort();
}

void fuzz_pair(std::span<const uint8_t> bytes) {
  // The split point: the start of the last labels magic number 00 00 08 01.
  const uint8_t magic[] = {0x00, 0x00, 0x08, 0x01};
  const auto it = std::find_end(bytes.begin(), bytes.end(), std::begin(magic), std::end(magic));
  if (it == bytes.end()) return;
  const auto split = static_cast<size_t>(it - bytes.begin());
  static const std::vector<std::string> classes = cnnlab::fashion_mnist_class_names();
  const cnnlab::Dataset d =
      cnnlab::parse_idx(bytes.first(split), bytes.subspan(split), "fuzz", classes);
  cnnlab::check_dataset(d);  // must not throw for a dataset parse_idx() returned
  const cnnlab::Normalization norm = cnnlab::compute_normalization(d);
  require(norm.std[0] > 0);
  // One batch of up to 4 images, the last ones first.
  std::vector<int64_t> indices;
  for (int64_t i = d.size() - 1; i >= 0 && indices.size() < 4; --i) indices.push_back(i);
  std::vector<float> images(indices.size() * static_cast<size_t>(d.image_size()));
  std::vector<float> labels(indices.size());
  cnnlab::make_batch(d, indices, norm, images, labels);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  try {
    const cnnlab::IdxImages images = cnnlab::parse_idx_images(bytes, "fuzz");
    require(images.count > 0 && images.rows > 0 && images.cols > 0);
    require(images.pixels.size() ==
            static_cast<size_t>(images.count) * static_cast<size_t>(images.rows * images.cols));
  } catch (const cnnlab::Error&) {
  }
  try {
    const std::vector<uint8_t> labels = cnnlab::parse_idx_labels(bytes, "fuzz");
    require(!labels.empty() && labels.size() + 8 == size);
  } catch (const cnnlab::Error&) {
  }
  try {
    const cnnlab::Dataset cifar = cnnlab::parse_cifar10(bytes, "fuzz");
    require(static_cast<size_t>(cifar.size()) * 3073 == size);
    cnnlab::check_dataset(cifar);
  } catch (const cnnlab::Error&) {
  }
  try {
    fuzz_pair(bytes);
  } catch (const cnnlab::Error&) {
  }
  return 0;
}
