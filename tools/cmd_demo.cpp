// cmd_demo.cpp — `cnnlab demo xo`: the lecture's X/O toy ConvNet, table by table.
//
// What it is: the 9x9 picture of an X run through cnnlab::xo (filter, ReLU, pool) on the
// chosen backend, printed like the lecture's slides. What it is not: a trained network; the
// three features are the lecture's hand-made ones (see cnnlab/demo/xo.hpp).
#include "cli11.hpp"
#include "cli_common.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/demo/xo.hpp>

#include <iostream>
#include <memory>

namespace cnnlab::cli {

Command add_demo_command(CLI::App& parent) {
  struct DemoArgs {
    std::string name;
    std::string backend = "reference";
    std::string device;
  };
  auto a = std::make_shared<DemoArgs>();
  const std::vector<std::string> demos = {"xo"};
  CLI::App* app = parent.add_subcommand("demo", "Run a worked example from the lecture notes");
  app->footer(
      "\nDemos:\n  xo    the X/O toy ConvNet: a 9x9 X, three 3x3 features, "
      "filter -> ReLU -> 2x2 max pool\n");
  app->add_option("NAME", a->name, "Which demo: " + join(demos))
      ->type_name("")
      ->check(one_of(demos, "demo"));
  add_backend_option(*app, a->backend);
  add_device_option(*app, a->device);

  return {app, [a, demos]() {
            if (a->name.empty())
              throw UsageError("demo: which demo? choose one of: " + join(demos));
            apply_device_option(a->device, a->backend);
            Backend& be = backend_by_name(a->backend);
            const Tensor image = Tensor::from_vector({1, 1, 9, 9}, xo::x_image(), be);
            const xo::Tables tables = xo::run(image);
            std::cout << "The lecture's X (9x9, +1 ink, -1 background) through three 3x3 "
                         "features on the "
                      << be.name()
                      << " backend:\n  1. filter: at each position multiply the feature "
                         "with the patch, add up, divide by 9 (9x9 -> 7x7)\n  2. ReLU: "
                         "negative matches become 0\n  3. pool: 2x2 max pooling, stride 2 "
                         "(7x7 -> 4x4, the last row and column in a window of their own)\n\n";
            xo::print(std::cout, tables);
            return 0;
          }};
}

}  // namespace cnnlab::cli
