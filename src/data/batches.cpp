// batches.cpp — shuffling, normalisation and mini-batches (see cnnlab/data/batches.hpp).
//
// What this file is: a portable Fisher–Yates shuffle (std::shuffle is not: each standard
// library may draw differently), the dataset statistics behind a Normalization, and
// make_batch(), the loop that runs once per mini-batch of every epoch. It turns bytes into
// floats through a lookup table, table[c][v] = (v/255 − mean[c]) / std[c], computed once per
// call: 256 values per channel instead of a subtraction and a division per pixel.
// What it is not: data augmentation (see make_xo_dataset() for drawn variations) or a
// background loader thread.
#include <cnnlab/core/error.hpp>
#include <cnnlab/data/batches.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace cnnlab {
namespace {

// splitmix64: spreads (seed, epoch) over the generator's seed so that neighbouring epochs or
// seeds start far apart.
uint64_t mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A uniform integer in [0, bound), bound ≥ 1, without the bias of a plain `r % bound`: draws
// below 2^64 mod bound are rejected, so the accepted range is a whole number of bounds.
uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t threshold = (0 - bound) % bound;  // = 2^64 mod bound
  while (true) {
    const uint64_t r = rng();
    if (r >= threshold) return r % bound;
  }
}

// The value, for channel c, of norm.mean / norm.std (1 value for all or 1 per channel).
float pick(const std::vector<float>& v, int64_t c) {
  return v.size() == 1 ? v[0] : v[static_cast<size_t>(c)];
}

}  // namespace

std::vector<int64_t> shuffled_indices(int64_t n, uint64_t seed, int64_t epoch) {
  if (n < 0 || epoch < 0)
    throw Error("shuffled_indices: n and epoch must be >= 0, got n " + std::to_string(n) +
                ", epoch " + std::to_string(epoch));
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  std::mt19937_64 rng(mix(mix(seed) ^ static_cast<uint64_t>(epoch)));
  // Fisher–Yates: for i = n−1 down to 1, swap element i with a uniformly chosen j in [0, i].
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = uniform_below(rng, static_cast<uint64_t>(i) + 1);
    std::swap(order[static_cast<size_t>(i)], order[j]);
  }
  return order;
}

int64_t num_batches(int64_t n, int64_t batch_size, bool drop_last) {
  if (n < 0 || batch_size < 1)
    throw Error("num_batches: need n >= 0 and batch_size >= 1, got n " + std::to_string(n) +
                ", batch_size " + std::to_string(batch_size));
  return drop_last ? n / batch_size : (n + batch_size - 1) / batch_size;
}

std::span<const int64_t> batch_indices(std::span<const int64_t> order, int64_t batch_size,
                                       int64_t b) {
  const auto n = static_cast<int64_t>(order.size());
  const int64_t count = num_batches(n, batch_size);
  if (b < 0 || b >= count)
    throw Error("batch_indices: batch " + std::to_string(b) + " is outside [0, " +
                std::to_string(count) + ") (" + std::to_string(n) + " indices in batches of " +
                std::to_string(batch_size) + ")");
  const int64_t first = b * batch_size;
  return order.subspan(static_cast<size_t>(first),
                       static_cast<size_t>(std::min(batch_size, n - first)));
}

Normalization fashion_mnist_normalization() { return {.mean = {0.2860f}, .std = {0.3530f}}; }
Normalization mnist_normalization() { return {.mean = {0.1307f}, .std = {0.3081f}}; }
Normalization cifar10_normalization() {
  return {.mean = {0.4914f, 0.4822f, 0.4465f}, .std = {0.2470f, 0.2435f, 0.2616f}};
}

Normalization compute_normalization(const Dataset& d, bool per_channel) {
  check_dataset(d);
  if (d.size() == 0) throw Error("compute_normalization: " + d.name + ": the dataset is empty");
  // A histogram per channel: the statistics then cost 256 steps, exactly, in double.
  std::vector<std::array<uint64_t, 256>> histogram(static_cast<size_t>(d.channels));
  for (auto& h : histogram) h.fill(0);
  const int64_t plane = d.height * d.width;
  for (int64_t i = 0; i < d.size(); ++i)
    for (int64_t c = 0; c < d.channels; ++c) {
      const uint8_t* p = d.images.data() + (i * d.channels + c) * plane;
      auto& h = histogram[static_cast<size_t>(c)];
      for (int64_t k = 0; k < plane; ++k) ++h[p[k]];
    }
  auto stats = [](const std::array<uint64_t, 256>& h, float& mean, float& std) {
    double count = 0, sum = 0;
    for (int v = 0; v < 256; ++v) {
      count += static_cast<double>(h[static_cast<size_t>(v)]);
      sum += static_cast<double>(h[static_cast<size_t>(v)]) * v / 255.0;
    }
    const double m = sum / count;
    double var = 0;
    for (int v = 0; v < 256; ++v) {
      const double x = v / 255.0 - m;
      var += static_cast<double>(h[static_cast<size_t>(v)]) * x * x;
    }
    const double s = std::sqrt(var / count);
    mean = static_cast<float>(m);
    std = s > 0 ? static_cast<float>(s) : 1.0f;  // constant images: nothing to divide by
  };
  Normalization out;
  if (per_channel) {
    out.mean.resize(histogram.size());
    out.std.resize(histogram.size());
    for (size_t c = 0; c < histogram.size(); ++c) stats(histogram[c], out.mean[c], out.std[c]);
  } else {
    std::array<uint64_t, 256> all{};
    for (const auto& h : histogram)
      for (size_t v = 0; v < 256; ++v) all[v] += h[v];
    stats(all, out.mean[0], out.std[0]);
  }
  return out;
}

void make_batch(const Dataset& d, std::span<const int64_t> indices, const Normalization& norm,
                std::span<float> images_out, std::span<float> labels_out) {
  const std::string where = "make_batch: " + d.name + ": ";
  // A cheap consistency check (check_dataset() also reads every label: too slow per batch).
  constexpr int64_t kMaxSide = int64_t{1} << 20;
  if (d.channels < 1 || d.height < 1 || d.width < 1 || d.channels > kMaxSide ||
      d.height > kMaxSide || d.width > kMaxSide ||
      d.images.size() / static_cast<size_t>(d.image_size()) != d.labels.size() ||
      d.images.size() % static_cast<size_t>(d.image_size()) != 0)
    throw Error(where + "inconsistent dataset (check_dataset() says why)");
  const auto batch = indices.size();
  const auto image_size = static_cast<size_t>(d.image_size());
  for (const auto* v : {&norm.mean, &norm.std})
    if (v->size() != 1 && v->size() != static_cast<size_t>(d.channels))
      throw Error(where + "the normalisation has " + std::to_string(v->size()) +
                  " values; it needs 1 (all channels) or " + std::to_string(d.channels) +
                  " (one per channel)");
  for (float s : norm.std)
    if (!(s > 0) || !std::isfinite(s))
      throw Error(where + "the normalisation std " + std::to_string(s) + " must be finite and > 0");
  if (images_out.size() != batch * image_size || labels_out.size() != batch)
    throw Error(where + std::to_string(batch) + " indices need " +
                std::to_string(batch * image_size) + " image floats and " + std::to_string(batch) +
                " label floats, got " + std::to_string(images_out.size()) + " and " +
                std::to_string(labels_out.size()));
  for (size_t b = 0; b < batch; ++b)
    if (indices[b] < 0 || indices[b] >= d.size())
      throw Error(where + "index " + std::to_string(indices[b]) + " (batch row " +
                  std::to_string(b) + ") is outside [0, " + std::to_string(d.size()) + ")");

  // The lookup table: table[c * 256 + v] = (v/255 − mean[c]) / std[c].
  std::vector<float> table(static_cast<size_t>(d.channels) * 256);
  for (int64_t c = 0; c < d.channels; ++c)
    for (int v = 0; v < 256; ++v)
      table[static_cast<size_t>(c * 256 + v)] = static_cast<float>(
          (v / 255.0 - static_cast<double>(pick(norm.mean, c))) / pick(norm.std, c));

  const auto plane = static_cast<size_t>(d.height * d.width);
  for (size_t b = 0; b < batch; ++b) {
    const uint8_t* src = d.images.data() + static_cast<size_t>(indices[b]) * image_size;
    float* dst = images_out.data() + b * image_size;
    for (size_t c = 0; c < static_cast<size_t>(d.channels); ++c) {
      const float* t = table.data() + c * 256;
      for (size_t k = 0; k < plane; ++k) dst[c * plane + k] = t[src[c * plane + k]];
    }
    labels_out[b] = static_cast<float>(d.labels[static_cast<size_t>(indices[b])]);
  }
}

}  // namespace cnnlab
