// cmd_visualize.cpp — `cnnlab visualize CHECKPOINT`: pictures of what a trained network learned
// and of what it sees, as PNG files:
//   filters.png               the first conv layer's filters: one tile per filter and input
//                             channel, scaled up 8x, each filter stretched to black..white
//   input.png                 the image run through the network, at the model's input size
//   activations_<layer>.png   for each conv layer, its output maps for that image (after its
//                             ReLU when a ReLU follows), one tile per channel, each stretched
//                             to black..white
// Tiles sit in a grid with 1-pixel blue-grey gaps. The image is a test-set image (--index) or a
// picture file (--image, converted as `cnnlab predict` does). Every file is written atomically.
// What this file is not: a plotting library; the pictures are raw maps, not colour-mapped.
#include "cli11.hpp"
#include "cli_common.hpp"
#include "image_io.hpp"
#include "training_common.hpp"

#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/layers.hpp>
#include <cnnlab/ops/ops.hpp>
#include <cnnlab/train/checkpoint.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <span>

namespace cnnlab::cli {
namespace {

constexpr uint8_t kGap[3] = {70, 110, 170};  // the colour between tiles

// @p values stretched linearly to 0..255 (min → black, max → white); all equal → black.
std::vector<uint8_t> stretch(std::span<const float> values) {
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  std::vector<uint8_t> out(values.size(), 0);
  if (values.empty() || !(*hi > *lo)) return out;
  const float range = *hi - *lo;
  for (size_t i = 0; i < values.size(); ++i)
    out[i] = static_cast<uint8_t>(std::lround(255.0f * (values[i] - *lo) / range));
  return out;
}

// An RGB picture of grey tiles of th x tw, scaled up @p scale times (nearest neighbour), in
// @p cols columns, with 1-pixel gaps and border.
struct Grid {
  int64_t width = 0, height = 0;
  std::vector<uint8_t> rgb;
};

Grid make_grid(const std::vector<std::vector<uint8_t>>& tiles, int64_t th, int64_t tw, int64_t cols,
               int64_t scale) {
  const auto n = int64_t(tiles.size());
  cols = std::max<int64_t>(1, std::min(cols, n));
  const int64_t rows = (n + cols - 1) / cols;
  const int64_t sh = th * scale, sw = tw * scale;
  Grid g;
  g.width = cols * (sw + 1) + 1;
  g.height = rows * (sh + 1) + 1;
  g.rgb.resize(size_t(g.width * g.height * 3));
  for (size_t i = 0; i < g.rgb.size(); i += 3) std::copy(kGap, kGap + 3, g.rgb.begin() + long(i));
  for (int64_t t = 0; t < n; ++t) {
    const int64_t x0 = 1 + (t % cols) * (sw + 1), y0 = 1 + (t / cols) * (sh + 1);
    for (int64_t y = 0; y < sh; ++y)
      for (int64_t x = 0; x < sw; ++x) {
        const uint8_t v = tiles[size_t(t)][size_t((y / scale) * tw + x / scale)];
        uint8_t* p = &g.rgb[size_t(((y0 + y) * g.width + x0 + x) * 3)];
        p[0] = p[1] = p[2] = v;
      }
  }
  return g;
}

int64_t columns_for(int64_t n) { return int64_t(std::ceil(std::sqrt(double(n)))); }

}  // namespace

Command add_visualize_command(CLI::App& parent) {
  struct VisualizeArgs {
    std::string checkpoint;
    std::string image;
    int64_t index = 0;
    std::string data;
    std::string out = "visualize";
    bool invert = false;
    std::string backend = "reference";
  };
  auto a = std::make_shared<VisualizeArgs>();
  CLI::App* app = parent.add_subcommand(
      "visualize", "Draw a trained network's filters and activation maps as PNG files");
  app->footer(
      "\nFiles written to --out: filters.png (the first conv layer's filters, one tile per "
      "filter and input channel, 8x), input.png (the image, at the model's input size), and "
      "activations_LAYER.png for every conv layer (its output maps after ReLU for that image, "
      "one tile per channel). Each tile is stretched to black..white on its own (filters: per "
      "filter).\nExample: cnnlab visualize runs/lenet5-fashion-mnist/best.safetensors --index 3 "
      "--out vis");
  add_checkpoint_argument(*app, a->checkpoint, "A checkpoint written by `cnnlab train`");
  CLI::Option* image = app->add_option("--image", a->image,
                                       "Show the activations for this picture file (converted "
                                       "as `cnnlab predict` does)")
                           ->type_name("FILE")
                           ->check(existing_file());
  app->add_option("--index", a->index, "Show the activations for this test-set image")
      ->capture_default_str()
      ->check(non_negative())
      ->excludes(image);
  app->add_option(
         "--data", a->data,
         "Data of --index (default: the data the checkpoint was trained on). " + data_help())
      ->type_name("SPEC");
  app->add_option("--out", a->out, "Output folder (created if needed)")
      ->capture_default_str()
      ->type_name("DIR");
  app->add_flag("--invert", a->invert, "With --image: invert the picture (v -> 255 - v)");
  add_backend_option(*app, a->backend);

  return {app, [a, app]() {
            if (a->checkpoint.empty())
              throw UsageError(
                  "visualize: which checkpoint? e.g. cnnlab visualize "
                  "runs/X/best.safetensors");
            if (a->invert && a->image.empty())
              throw UsageError("--invert only applies to a picture given with --image");
            if (!a->image.empty() && app->count("--data") > 0)
              throw UsageError("--data only applies to --index (a test-set image), not --image");
            Backend& backend = backend_by_name(a->backend);
            TrainedModel tm = load_trained_model(a->checkpoint);
            const Shape& in = tm.model.spec.input;
            Sequential& model = tm.model.model;
            if (in.size() != 3)
              throw Error("visualize: the model " + tm.model.spec.name + " takes " + to_string(in) +
                          ", not an image [C, H, W]");

            // The image: its bytes at the model's input size, and where it came from.
            std::vector<uint8_t> pixels;
            std::string what;
            if (!a->image.empty()) {
              const Image img = read_image(a->image);
              ModelPixels px = to_model_pixels(img, in[0], in[1], in[2], a->invert);
              pixels = std::move(px.chw);
              what = a->image + (px.resized ? " (resized)" : "");
            } else {
              const std::string spec = data_spec_for(tm, a->data);
              const DataPair data = open_data(spec);
              const Dataset& test = data.test;
              if (a->index >= test.size())
                throw UsageError("--index " + std::to_string(a->index) + ": " + test.name +
                                 " has " + std::to_string(test.size()) + " images (0 to " +
                                 std::to_string(test.size() - 1) + ")");
              if (Shape{test.channels, test.height, test.width} != in)
                throw UsageError("--data " + spec + ": its images are " +
                                 std::to_string(test.channels) + "x" + std::to_string(test.height) +
                                 "x" + std::to_string(test.width) + ", the model takes " +
                                 to_string(in));
              const auto img = test.image(a->index);
              pixels.assign(img.begin(), img.end());
              const size_t label = test.labels[size_t(a->index)];
              what = "test image " + std::to_string(a->index) + " of " + test.name + " (" +
                     test.class_names.at(label) + ")";
            }

            std::filesystem::create_directories(a->out);
            const auto path = [&](const std::string& name) {
              return (std::filesystem::path(a->out) / name).string();
            };

            // (a) The first conv layer's filters: per filter, its C' channels side by side.
            const Conv2d* first = nullptr;
            std::string first_name;
            for (size_t i = 0; i < model.size() && first == nullptr; ++i)
              if (const auto* c = dynamic_cast<const Conv2d*>(&model.layer(i))) {
                first = c;
                first_name = model.layer_name(i);
              }
            if (first == nullptr)
              throw Error("visualize: the model " + tm.model.spec.name +
                          " has no conv2d layer to draw");
            {
              const Shape ws = first->weight.value.shape();  // [K, C', F, F]
              const int64_t k = ws[0], c = ws[1], f = ws[2];
              const std::vector<float> w = first->weight.value.to_vector();
              std::vector<std::vector<uint8_t>> tiles;
              for (int64_t i = 0; i < k; ++i) {
                const std::vector<uint8_t> filt = stretch(
                    std::span<const float>(w).subspan(size_t(i * c * f * f), size_t(c * f * f)));
                for (int64_t ch = 0; ch < c; ++ch)
                  tiles.emplace_back(filt.begin() + long(ch * f * f),
                                     filt.begin() + long((ch + 1) * f * f));
              }
              const Grid g = make_grid(tiles, f, f, c == 1 ? columns_for(k) : c, 8);
              write_png(path("filters.png"), g.width, g.height, 3, g.rgb);
              std::cout << "Wrote " << path("filters.png") << ": the " << k << " filters of "
                        << first_name << " (" << c << "x" << f << "x" << f << " each"
                        << (c > 1 ? ", one row per filter, one column per input channel" : "")
                        << ", scaled 8x)\n";
            }

            write_png(path("input.png"), in[2], in[1], in[0] == 3 ? 3 : 1,
                      [&] {  // CHW -> HWC
                        if (in[0] != 3) return pixels;
                        std::vector<uint8_t> hwc(pixels.size());
                        const int64_t plane = in[1] * in[2];
                        for (int64_t i = 0; i < plane; ++i)
                          for (int64_t ch = 0; ch < 3; ++ch)
                            hwc[size_t(i * 3 + ch)] = pixels[size_t(ch * plane + i)];
                        return hwc;
                      }());
            std::cout << "Wrote " << path("input.png") << ": " << what << ", " << in[2] << "x"
                      << in[1] << "\n";

            // (b) Layer by layer, in evaluation mode: every conv layer's maps (after its ReLU).
            model.to(backend);
            model.eval();
            Tensor x = normalize_pixels(pixels, in[0], in[1], in[2], tm.norm, backend);
            for (size_t i = 0; i < model.size(); ++i) {
              x = model.layer(i).forward(x);
              if (model.layer(i).kind() != "conv2d") continue;
              std::string label = model.layer_name(i);
              const std::string name = label;
              if (i + 1 < model.size() && model.layer(i + 1).kind() == "relu") {
                ++i;
                x = model.layer(i).forward(x);
                label += " + " + model.layer_name(i);
              }
              const Shape s = x.shape();  // [1, K, H, W]
              const int64_t k = s[1], h = s[2], w = s[3];
              const std::vector<float> v = x.to_vector();
              std::vector<std::vector<uint8_t>> tiles;
              for (int64_t ch = 0; ch < k; ++ch)
                tiles.push_back(
                    stretch(std::span<const float>(v).subspan(size_t(ch * h * w), size_t(h * w))));
              const int64_t scale = std::max<int64_t>(1, 64 / std::max(h, w));
              const Grid g = make_grid(tiles, h, w, columns_for(k), scale);
              const std::string file = path("activations_" + name + ".png");
              write_png(file, g.width, g.height, 3, g.rgb);
              std::cout << "Wrote " << file << ": " << label << ", " << k << " maps of " << w << "x"
                        << h << " (scaled " << scale << "x)\n";
            }
            const std::vector<float> p = softmax_forward(x.reshape({1, x.numel()})).to_vector();
            const auto best = size_t(std::max_element(p.begin(), p.end()) - p.begin());
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.1f %%", 100.0 * double(p[best]));
            std::cout << "The network says: "
                      << (best < tm.class_names.size() ? tm.class_names[best]
                                                       : "class " + std::to_string(best))
                      << " (" << buf << ")\n";
            return 0;
          }};
}

}  // namespace cnnlab::cli
