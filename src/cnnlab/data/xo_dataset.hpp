/// @file xo_dataset.hpp
/// @brief A generator of X and O images with the lecture's "trickier cases": translation,
/// scaling, rotation and stroke weight.
///
/// The lecture (the toy ConvNet for X's and O's) draws an X as ink pixels on the two diagonals
/// of a 9×9 grid, then asks that a CNN also recognise Xs and Os that are shifted, shrunk or
/// enlarged, rotated, and drawn with thicker or thinner strokes. make_xo_dataset() draws such
/// images:
/// - geometry, in pixel-centre coordinates of a size × size canvas with centre c = (size−1)/2
///   and arm length a = (size−1)/2 − 1: the X is the two segments (c−a, c−a)–(c+a, c+a) and
///   (c−a, c+a)–(c+a, c−a), the O the circle of radius a around the centre; each image is
///   scaled by s, rotated by θ about the centre, then shifted by (dx, dy);
/// - rendering: a pixel is ink (255) when its centre lies within stroke/2 of the figure,
///   background (0) otherwise. With no augmentation, size 9 and stroke 1 the X is exactly the
///   lecture's X (ink on both diagonals from (1, 1) to (7, 7)); parts shifted off the canvas
///   are cut off;
/// - randomness: s, θ, dx, dy and stroke are drawn uniformly from the ranges of XoOptions, by
///   std::mt19937_64 seeded with XoOptions::seed and mapped to [0, 1) by this library's own
///   code (not std::uniform_real_distribution, whose numbers differ between standard
///   libraries), so the same options draw the same augmentations on every platform and the
///   same seed gives the same bytes;
/// - labels: image i is an X (label 0) when i is even and an O (label 1) when i is odd, so the
///   two classes are balanced; shuffle with shuffled_indices() (cnnlab/data/batches.hpp).
///
/// This is separate from cnnlab/demo/xo.hpp, which holds the lecture's fixed tables.
#pragma once

#include <cnnlab/data/dataset.hpp>

#include <cstdint>

namespace cnnlab {

/// @brief What make_xo_dataset() draws; every range is [min, max], drawn uniformly per image.
struct XoOptions {
  int64_t count = 1000;               ///< number of images (≥ 1); even i: X, odd i: O
  int64_t size = 9;                   ///< canvas height = width in pixels (5 .. 1024)
  uint64_t seed = 1;                  ///< seed of the std::mt19937_64 generator
  double max_shift = 0.0;             ///< dx, dy in [−max_shift, max_shift] pixels (≥ 0)
  double min_scale = 1.0;             ///< smallest scale factor s (> 0)
  double max_scale = 1.0;             ///< largest scale factor s (≥ min_scale)
  double max_rotation_degrees = 0.0;  ///< θ in [−max, max] degrees (≥ 0)
  double min_stroke = 1.0;            ///< thinnest stroke width in pixels (> 0)
  double max_stroke = 1.0;            ///< thickest stroke width in pixels (≥ min_stroke)
};

/// @brief Draws @p options.count X and O images (1 channel, 0 background / 255 ink) as a
/// Dataset named "xo" with classes {"X", "O"}.
/// @throws Error naming the option and the rule it breaks (e.g. min_scale > max_scale).
Dataset make_xo_dataset(const XoOptions& options);

}  // namespace cnnlab
