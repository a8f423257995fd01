// cmd_summary.cpp — `cnnlab summary MODEL`: a model's layers with their settings, output
// shapes, parameters and activations, and the totals (values and float32 bytes), like the
// lecture's tables of AlexNet and VGG-16. `cnnlab summary --list` prints the built-in models.
//
// MODEL is a built-in name (lenet5, vgg16, ...) or the path of a .json model file
// (models/README.md). The summary is computed from the file alone (cnnlab::summarize_spec):
// no parameter is allocated, so VGG-16's 138 M parameters cost nothing here. What this is not:
// a run of the model or a timing.
#include "cli11.hpp"
#include "cli_common.hpp"

#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/nn/summary.hpp>

#include <iostream>
#include <memory>

namespace cnnlab::cli {
namespace {

// @p text broken into lines of at most 90 characters, each starting with @p indent.
std::string wrap(const std::string& text, const std::string& indent = "") {
  std::string out, line = indent;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(start, end - start);
    if (line.size() > indent.size() && line.size() + 1 + word.size() > 90) {
      out += line + "\n";
      line = indent;
    }
    line += (line.size() > indent.size() ? " " : "") + word;
    start = end + 1;
  }
  return out + line + "\n";
}

// @p s padded with spaces to @p width characters.
std::string pad(const std::string& s, size_t width) {
  return s + std::string(s.size() < width ? width - s.size() : 1, ' ');
}

// The footer of `cnnlab summary --help`: what MODEL may be, the built-in models, the layer
// types of model files, and the activation rule.
std::string summary_footer() {
  std::string s = "\n" +
                  wrap(
                      "MODEL is the name of a built-in model or the path of a .json model "
                      "file (a path if it names a file, contains '/' or ends in .json). "
                      "models/README.md describes the format; the built-in files are "
                      "installed in share/cnnlab/models for you to copy.") +
                  "\nBuilt-in models:\n";
  for (const std::string& name : builtin_model_names()) {
    try {
      const ModelSpec spec = parse_model_spec(builtin_model_json(name), "built-in " + name);
      s += "  " + pad(name, 14) + pad(to_string(spec.input), 14) + "-> " +
           std::to_string(spec.classes) + " classes, " + with_thousands(spec.parameter_count()) +
           " parameters\n";
    } catch (const NotImplemented& e) {  // the student kit: the sizes are an exercise
      s += "  " + pad(name, 14) + "(its sizes need exercise " + std::to_string(e.exercise()) +
           ", not implemented yet)\n";
    }
  }
  std::vector<std::string> types;
  for (const LayerTypeInfo& t : model_layer_types()) types.push_back(t.type);
  s += "\n" + wrap("Layer types in model files: " + join(types) + ".");
  s += "\n" + wrap(
                  "Output sizes: conv2d and the pools take \"size_rule\": \"exact\" (the "
                  "default: a stride that does not tile the input is refused, the lecture's "
                  "\"doesn't fit!\" rule, so a miscounted stride is an error rather than a lost "
                  "border), \"floor\" (PyTorch's rule, which ResNet-18 and GoogLeNet need; shown "
                  "as \"floor\" in the layer column) or, for pools, \"ceil\" (PyTorch's "
                  "ceil_mode).");
  s += "\n" + wrap(
                  "Activations are the values one image keeps in a forward pass: the input and "
                  "every layer output, except outputs made in place (relu, sigmoid, tanh) or as "
                  "a view (flatten). Bytes are values x 4 (float32).");
  return s;
}

}  // namespace

Command add_summary_command(CLI::App& parent) {
  struct SummaryArgs {
    std::string model;
    bool list = false;
  };
  auto a = std::make_shared<SummaryArgs>();
  CLI::App* app = parent.add_subcommand(
      "summary", "Print a model's layers, output shapes, parameters and activations");
  app->footer(summary_footer());
  app->add_option("MODEL", a->model, "Built-in model name or .json model file")->type_name("");
  app->add_flag("--list", a->list, "Print the names of the built-in models, one per line");

  return {app, [a]() {
            if (a->list) {
              if (!a->model.empty())
                throw UsageError("summary: give either --list or a MODEL, not both");
              for (const std::string& name : builtin_model_names()) std::cout << name << "\n";
              return 0;
            }
            if (a->model.empty())
              throw UsageError("summary: which model? give a built-in name (" +
                               join(builtin_model_names()) + ") or a .json file");
            const ModelSpec spec = load_model_spec(a->model);
            // The heading: name, source and description, wrapped like the help text.
            std::string heading = spec.name + " (" + spec.source + ")";
            if (!spec.description.empty()) heading += ": " + spec.description;
            std::cout << wrap(heading) << "\n" << format_summary(summarize_spec(spec));
            return 0;
          }};
}

}  // namespace cnnlab::cli
