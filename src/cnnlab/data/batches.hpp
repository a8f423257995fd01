/// @file batches.hpp
/// @brief Seeded shuffling, normalisation and mini-batches: from a uint8 Dataset to the float
/// tensors a network trains on.
///
/// Contract:
/// - shuffled_indices() is a Fisher–Yates shuffle driven by std::mt19937_64 with this
///   library's own mapping to a range (not std::shuffle or std::uniform_int_distribution,
///   whose results differ between standard libraries): the same (n, seed, epoch) gives the
///   same permutation on every platform, and each epoch gets a different one.
/// - make_batch() writes images [B, C, H, W] as x = (pixel/255 − mean[c]) / std[c] and labels
///   [B] as float class indices (what softmax_cross_entropy_forward() takes), through a
///   256-entry lookup table per channel, so it costs one table read per pixel.
/// - Every bad argument (index out of range, output of the wrong size, std ≤ 0, a
///   Normalization with neither 1 nor C values) throws Error naming the function and the rule.
#pragma once

#include <cnnlab/data/dataset.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace cnnlab {

/// @brief The permutation of 0 .. n−1 used for epoch @p epoch of a run seeded with @p seed.
/// @throws Error if n < 0 or epoch < 0.
std::vector<int64_t> shuffled_indices(int64_t n, uint64_t seed, int64_t epoch);

/// @brief The number of mini-batches of @p batch_size in @p n images; with @p drop_last the
/// last, smaller batch is left out.
/// @throws Error if n < 0 or batch_size < 1.
int64_t num_batches(int64_t n, int64_t batch_size, bool drop_last = false);

/// @brief The indices of batch @p b (0-based) of @p batch_size taken from @p order; the last
/// batch may be shorter.
/// @throws Error if b is not in [0, num_batches(order.size(), batch_size)).
std::span<const int64_t> batch_indices(std::span<const int64_t> order, int64_t batch_size,
                                       int64_t b);

/// @brief x = (pixel/255 − mean[c]) / std[c]: one value for all channels, or one per channel.
struct Normalization {
  std::vector<float> mean{0.0f};  ///< the mean of pixel/255, 1 value or 1 per channel
  std::vector<float> std{1.0f};   ///< the standard deviation of pixel/255, each > 0
};

/// @brief Fashion-MNIST's training-set statistics: mean 0.2860, std 0.3530.
Normalization fashion_mnist_normalization();
/// @brief MNIST's training-set statistics: mean 0.1307, std 0.3081.
Normalization mnist_normalization();
/// @brief CIFAR-10's per-channel training-set statistics (R, G, B): mean 0.4914, 0.4822,
/// 0.4465 and std 0.2470, 0.2435, 0.2616.
Normalization cifar10_normalization();

/// @brief The mean and (population) standard deviation of pixel/255 over all of @p d: one
/// value for all channels, or one per channel if @p per_channel. A constant image set gets
/// std 1 (nothing to divide by).
/// @throws Error if the dataset is empty or inconsistent.
Normalization compute_normalization(const Dataset& d, bool per_channel = false);

/// @brief Writes the images and labels of @p indices as one normalised mini-batch.
/// @param d the dataset
/// @param indices the images to take, B of them, each in [0, d.size())
/// @param norm the normalisation (1 value or d.channels values each)
/// @param images_out B·C·H·W floats, [B, C, H, W]
/// @param labels_out B floats, the class indices
/// @throws Error naming the bad index, size or normalisation value.
void make_batch(const Dataset& d, std::span<const int64_t> indices, const Normalization& norm,
                std::span<float> images_out, std::span<float> labels_out);

}  // namespace cnnlab
