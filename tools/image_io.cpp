// image_io.cpp — reading and writing image files, and pictures made into model inputs (see
// image_io.hpp). The one place that compiles stb_image and stb_image_write (Debian:
// libstb-dev); their code is not -Wconversion clean, so those warnings are off for them only.
#include "image_io.hpp"

#include <cnnlab/core/error.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <system_error>

#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wpedantic"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_NO_HDR  // 8-bit pictures only
#define STBI_NO_LINEAR
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace cnnlab::cli {
namespace {

// The input pixels each output pixel covers along one axis, with how much of each: output o of
// @p out covers [o*s, (o+1)*s) of @p in (s = in/out); the weights of one output add up to 1.
struct Tap {
  int64_t first = 0;
  std::vector<double> weights;
};

std::vector<Tap> area_taps(int64_t in, int64_t out) {
  const double s = double(in) / double(out);
  std::vector<Tap> taps(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    const double begin = double(o) * s, end = double(o + 1) * s;
    Tap& t = taps[size_t(o)];
    t.first = int64_t(std::floor(begin));
    const int64_t last = std::min(in - 1, int64_t(std::ceil(end)) - 1);
    for (int64_t i = t.first; i <= last; ++i)
      t.weights.push_back((std::min(end, double(i + 1)) - std::max(begin, double(i))) / s);
  }
  return taps;
}

}  // namespace

Image read_image(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw Error(path + ": no such image file" +
                (std::filesystem::exists(path, ec) ? " (not a regular file)" : ""));
  int w = 0, h = 0, n = 0;
  stbi_uc* data = stbi_load(path.c_str(), &w, &h, &n, 0);
  if (data == nullptr)
    throw Error(path + ": cannot read the image (" + stbi_failure_reason() +
                "); PNG, JPEG, PGM/PPM, BMP, GIF and TGA files can be read");
  Image img;
  img.width = w;
  img.height = h;
  img.channels = n;
  img.pixels.assign(data, data + size_t(w) * size_t(h) * size_t(n));
  stbi_image_free(data);
  return img;
}

ModelPixels to_model_pixels(const Image& image, int64_t channels, int64_t height, int64_t width,
                            bool invert) {
  if (channels != 1 && channels != 3)
    throw Error("a picture can only become an input of 1 or 3 channels, the model takes " +
                std::to_string(channels));
  const int64_t h = image.height, w = image.width, n = image.channels;
  const bool colour = n >= 3;
  ModelPixels out;
  out.greyed = colour && channels == 1;
  out.resized = h != height || w != width;
  // The picture as `channels` float planes of h x w (alpha dropped).
  std::vector<double> planes(size_t(channels * h * w));
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const uint8_t* p = &image.pixels[size_t((y * w + x) * n)];
      for (int64_t c = 0; c < channels; ++c) {
        double v;
        if (!colour)
          v = p[0];
        else if (channels == 1)
          v = (double(p[0]) + double(p[1]) + double(p[2])) / 3.0;
        else
          v = p[c];
        planes[size_t((c * h + y) * w + x)] = v;
      }
    }
  // Area resampling, rows and columns at once (the weights are separable).
  const std::vector<Tap> ty = area_taps(h, height), tx = area_taps(w, width);
  out.chw.resize(size_t(channels * height * width));
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t oy = 0; oy < height; ++oy)
      for (int64_t ox = 0; ox < width; ++ox) {
        const Tap &a = ty[size_t(oy)], &b = tx[size_t(ox)];
        double sum = 0;
        for (size_t i = 0; i < a.weights.size(); ++i)
          for (size_t j = 0; j < b.weights.size(); ++j)
            sum += a.weights[i] * b.weights[j] *
                   planes[size_t((c * h + a.first + int64_t(i)) * w + b.first + int64_t(j))];
        double v = std::clamp(std::round(sum), 0.0, 255.0);
        if (invert) v = 255.0 - v;
        out.chw[size_t((c * height + oy) * width + ox)] = static_cast<uint8_t>(v);
      }
  return out;
}

Tensor normalize_pixels(std::span<const uint8_t> chw, int64_t channels, int64_t height,
                        int64_t width, const Normalization& norm, Backend& backend) {
  const auto per_channel = [&](const std::vector<float>& v, int64_t c) {
    return v.size() == 1 ? v[0] : v.at(size_t(c));
  };
  if ((norm.mean.size() != 1 && int64_t(norm.mean.size()) != channels) ||
      norm.mean.size() != norm.std.size())
    throw Error("the checkpoint's normalisation has " + std::to_string(norm.mean.size()) +
                " values, the model takes " + std::to_string(channels) + " channels");
  std::vector<float> x(chw.size());
  const int64_t plane = height * width;
  for (int64_t c = 0; c < channels; ++c) {
    const float mean = per_channel(norm.mean, c), std = per_channel(norm.std, c);
    for (int64_t i = 0; i < plane; ++i)
      x[size_t(c * plane + i)] = (float(chw[size_t(c * plane + i)]) / 255.0f - mean) / std;
  }
  return Tensor::from_vector({1, channels, height, width}, x, backend);
}

void write_png(const std::string& path, int64_t width, int64_t height, int64_t channels,
               const std::vector<uint8_t>& pixels) {
  namespace fs = std::filesystem;
  if (int64_t(pixels.size()) != width * height * channels)
    throw Error("write_png: " + path + ": got " + std::to_string(pixels.size()) + " bytes for " +
                std::to_string(width) + "x" + std::to_string(height) + "x" +
                std::to_string(channels));
  const fs::path target(path);
  std::string tmp_name = ".";  // built step by step: GCC 12 warns (-Wrestrict) on "." + s
  tmp_name += target.filename().string();
  tmp_name += ".tmp.";
  tmp_name += std::to_string(getpid());
  const fs::path tmp = target.parent_path() / tmp_name;
  if (stbi_write_png(tmp.c_str(), int(width), int(height), int(channels), pixels.data(),
                     int(width * channels)) == 0) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw Error("write_png: cannot write " + tmp.string() + " (is the folder writable?)");
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw Error("write_png: cannot rename " + tmp.string() + " to " + path + ": " + ec.message());
  }
}

}  // namespace cnnlab::cli
