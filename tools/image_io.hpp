// image_io.hpp — image files for `cnnlab predict` and `cnnlab visualize`: reading PNG, JPEG,
// PGM/PPM, BMP, GIF, TGA (stb_image), turning a picture into a model's input, and writing PNG
// files atomically (stb_image_write).
//
// The model's input is C x H x W bytes (NCHW, one image): a colour picture becomes grey as the
// average of R, G and B when C = 1, a grey one is repeated into every channel when C = 3, and a
// picture of another size is resized by area resampling (each output pixel is the average of
// the input pixels it covers, weighted by how much of each it covers). What this is not: a
// general image library (no EXIF orientation, no colour management, no 16-bit output).
#pragma once

#include <cnnlab/core/tensor.hpp>
#include <cnnlab/data/batches.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cnnlab::cli {

/// A picture as read from a file: height x width pixels of @c channels bytes each (1 grey,
/// 2 grey + alpha, 3 RGB, 4 RGBA), interleaved row by row (HWC).
struct Image {
  int64_t width = 0;
  int64_t height = 0;
  int64_t channels = 0;
  std::vector<uint8_t> pixels;
};

/// Reads @p path. Throws cnnlab::Error naming the file and stb_image's reason ("unknown image
/// type", "bad png sig", ...) if it is missing or not an image stb_image can decode.
Image read_image(const std::string& path);

/// A picture made into a model input: C x H x W bytes (CHW) and what was done to it.
struct ModelPixels {
  std::vector<uint8_t> chw;
  bool resized = false;  ///< the picture had another size than the model's input
  bool greyed = false;   ///< colour averaged to grey (C = 1)
};

/// Converts @p image to @p channels x @p height x @p width bytes: the colour rule and the area
/// resampling of the file comment; alpha is dropped; @p invert maps v to 255 - v (for dark
/// objects on a light background when the model was trained on light-on-dark images).
ModelPixels to_model_pixels(const Image& image, int64_t channels, int64_t height, int64_t width,
                            bool invert);

/// The tensor [1, C, H, W] of x = (pixel/255 - mean[c]) / std[c] for @p chw, on @p backend.
Tensor normalize_pixels(std::span<const uint8_t> chw, int64_t channels, int64_t height,
                        int64_t width, const Normalization& norm, Backend& backend);

/// Writes @p pixels (HWC, @p channels 1 or 3) as the PNG file @p path, atomically: to
/// ".NAME.tmp.PID" in the same folder first, then renamed, so @p path is either the old file or
/// the whole new one. Throws cnnlab::Error naming @p path on failure.
void write_png(const std::string& path, int64_t width, int64_t height, int64_t channels,
               const std::vector<uint8_t>& pixels);

}  // namespace cnnlab::cli
