// cmd_predict.cpp — `cnnlab predict CHECKPOINT IMAGE...`: what a trained network sees in
// pictures: for each image file, the K most likely classes with their probabilities.
//
// Each picture is made into the model's input (tools/image_io.hpp: grey or colour as the model
// takes it, resized by area resampling when its size differs, optionally inverted), normalised
// as the training images were, and run through the network in evaluation mode; softmax turns
// the outputs into probabilities. What this file is not: image decoding (stb_image) or the
// network (cnnlab::Sequential).
#include "cli11.hpp"
#include "cli_common.hpp"
#include "training_common.hpp"
#include "image_io.hpp"

#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>
#include <cnnlab/train/checkpoint.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <numeric>

namespace cnnlab::cli {

Command add_predict_command(CLI::App& parent) {
  struct PredictArgs {
    std::string checkpoint;
    std::vector<std::string> images;
    int64_t top = 3;
    bool invert = false;
    std::string backend = "reference";
  };
  auto a = std::make_shared<PredictArgs>();
  CLI::App* app = parent.add_subcommand("predict", "Classify image files with a trained network");
  app->footer(
      "\nIMAGE files may be PNG, JPEG, PGM/PPM, BMP, GIF or TGA. Each is made into the model's "
      "input: averaged to grey for a 1-channel model, resized (area resampling) to the model's "
      "input size if it differs, and normalised like the training images. Fashion-MNIST and "
      "MNIST images are light objects on a black background: use --invert for photos of dark "
      "objects on a light background.\nExample: cnnlab predict runs/lenet5-fashion-mnist/"
      "best.safetensors shoe.png shirt.jpg --top 3");
  add_checkpoint_argument(*app, a->checkpoint, "A checkpoint written by `cnnlab train`");
  app->add_option("IMAGE", a->images, "Image files to classify")
      ->type_name("")
      ->check(existing_file());
  app->add_option("--top", a->top, "How many of the most likely classes to print")
      ->capture_default_str()
      ->check(positive());
  app->add_flag("--invert", a->invert,
                "Invert the pictures (v -> 255 - v): dark objects on a light background");
  add_backend_option(*app, a->backend);

  return {app, [a]() {
            if (a->checkpoint.empty())
              throw UsageError(
                  "predict: which checkpoint? e.g. cnnlab predict "
                  "runs/X/best.safetensors picture.png");
            if (a->images.empty())
              throw UsageError(
                  "predict: no IMAGE given (after the checkpoint, name one or "
                  "more image files)");
            Backend& backend = backend_by_name(a->backend);
            TrainedModel tm = load_trained_model(a->checkpoint);
            const Shape& in = tm.model.spec.input;
            if (in.size() != 3)
              throw Error("predict: the model " + tm.model.spec.name + " takes " + to_string(in) +
                          ", not an image [C, H, W]");
            Sequential& model = tm.model.model;
            model.to(backend);
            model.eval();
            std::vector<std::string> names = tm.class_names;
            for (int64_t k = int64_t(names.size()); k < tm.model.spec.classes; ++k)
              names.push_back("class " + std::to_string(k));
            const int64_t top = std::min<int64_t>(a->top, tm.model.spec.classes);
            for (const std::string& path : a->images) {
              const Image img = read_image(path);
              const ModelPixels px = to_model_pixels(img, in[0], in[1], in[2], a->invert);
              std::cout << path << " (" << img.width << "x" << img.height;
              if (px.resized) std::cout << ", resized to " << in[2] << "x" << in[1];
              if (px.greyed) std::cout << ", averaged to grey";
              if (a->invert) std::cout << ", inverted";
              std::cout << "):\n";
              const Tensor x = normalize_pixels(px.chw, in[0], in[1], in[2], tm.norm, backend);
              const std::vector<float> p = softmax_forward(model.forward(x)).to_vector();
              std::vector<size_t> order(p.size());
              std::iota(order.begin(), order.end(), size_t{0});
              std::stable_sort(order.begin(), order.end(),
                               [&](size_t i, size_t j) { return p[i] > p[j]; });
              size_t width = 0;
              for (int64_t i = 0; i < top; ++i)
                width = std::max(width, names.at(order[size_t(i)]).size());
              for (int64_t i = 0; i < top; ++i) {
                const size_t k = order[size_t(i)];
                char buf[64];
                std::snprintf(buf, sizeof buf, "%6.2f %%", 100.0 * double(p[k]));
                const std::string rank = std::to_string(i + 1) + ".";
                std::cout << "  " << rank
                          << std::string(std::to_string(top).size() + 2 - rank.size(), ' ')
                          << names.at(k) << std::string(width - names.at(k).size(), ' ') << "  "
                          << buf << "  (class " << k << ")\n";
              }
            }
            return 0;
          }};
}

}  // namespace cnnlab::cli
