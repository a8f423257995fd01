// png_tool.cpp — a test-only helper of the CLI tests: makes picture files from a picture, so
// the tests of `cnnlab predict` can check the resampling and the colour rule.
//
//   png_tool upscale IN OUT FACTOR   OUT = IN scaled up FACTOR times (nearest neighbour) as an
//                                    RGB PNG: area resampling back to IN's size must give IN
//                                    exactly, and grey averaged from R = G = B is the grey
//
// It reads and writes through tools/image_io.cpp, the code `cnnlab` itself uses. Exit status
// 0, or 1 with a message on stderr. What it is not: part of the installed tool.
#include "image_io.hpp"

#include <cnnlab/core/error.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  try {
    if (argc != 5 || std::string(argv[1]) != "upscale") {
      std::cerr << "usage: png_tool upscale IN OUT FACTOR\n";
      return 1;
    }
    const cnnlab::cli::Image in = cnnlab::cli::read_image(argv[2]);
    const int64_t f = std::atoll(argv[4]);
    if (f < 1) throw cnnlab::Error("png_tool: FACTOR must be a positive integer");
    const int64_t w = in.width * f, h = in.height * f;
    std::vector<uint8_t> rgb(size_t(w * h * 3));
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        for (int64_t c = 0; c < 3; ++c)
          rgb[size_t((y * w + x) * 3 + c)] = in.pixels[size_t(
              ((y / f) * in.width + x / f) * in.channels + (in.channels >= 3 ? c : 0))];
    cnnlab::cli::write_png(argv[3], w, h, 3, rgb);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "png_tool: " << e.what() << "\n";
    return 1;
  }
}
