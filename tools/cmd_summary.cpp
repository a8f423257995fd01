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

#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/nn/summary.hpp>

#include <iostream>
#include <memory>

namespace cnnlab::cli {
namespace {

// The footer of `cnnlab summary --help`: what MODEL may be, and the built-in models.
std::string summary_footer() {
  std::string s =
      "\nMODEL is the name of a built-in model or the path of a .json model file (a path if it "
      "names a file, contains '/' or ends in .json; models/README.md describes the format; the "
      "built-in files are installed in share/cnnlab/models).\n\nBuilt-in models:\n";
  for (const std::string& name : builtin_model_names()) {
    const ModelSpec spec = parse_model_spec(builtin_model_json(name), "built-in " + name);
    s += "  " + name + std::string(name.size() < 14 ? 14 - name.size() : 1, ' ') +
         to_string(spec.input) + " -> " + std::to_string(spec.classes) + " classes, " +
         with_thousands(spec.parameter_count()) + " parameters\n";
  }
  s += "\nActivations are the values one image keeps in a forward pass: the input and every "
       "layer output, except outputs made in place (relu, sigmoid, tanh) or as a view "
       "(flatten).\n";
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
            std::cout << spec.name << " (" << spec.source << ")";
            if (!spec.description.empty()) std::cout << ": " << spec.description;
            std::cout << "\n\n" << format_summary(summarize_spec(spec));
            return 0;
          }};
}

}  // namespace cnnlab::cli
