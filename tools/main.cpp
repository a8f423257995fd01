// main.cpp — the `cnnlab` command-line tool: parses the command line with CLI11 and runs one
// subcommand (op, gradcheck, demo, devices, train, summary, eval, predict, visualize; each in
// its own cmd_*.cpp file).
//
// Exit codes: 0 success; 1 the work failed (a cnnlab::Error from the library, a failed
// gradient check, an unreadable file); 2 a usage error (bad flag, missing input, no
// subcommand). Every error is one line on stderr starting with "cnnlab: error:"; no exception
// escapes main. What this file is not: the place for any computation.
#include "cli11.hpp"
#include "cli_common.hpp"

#include <cnnlab/core/error.hpp>

#include <exception>
#include <iostream>
#include <new>

#ifndef CNNLAB_VERSION
#define CNNLAB_VERSION "unknown"
#endif

namespace {

int report(const std::string& message, int code) {
  std::cerr << "cnnlab: error: " << message << "\n";
  return code;
}

// Runs @p body, turning every exception into the one-line error and its exit code.
template <class Body>
int guarded(Body&& body) {
  try {
    return body();
  } catch (const cnnlab::cli::UsageError& e) {
    return report(e.what(), 2);
  } catch (const cnnlab::Error& e) {
    return report(e.what(), 1);
  } catch (const std::bad_alloc&) {
    return report("out of memory", 1);
  } catch (const std::exception& e) {
    return report(e.what(), 1);
  } catch (...) {
    return report("unknown failure", 1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  return guarded([&]() {
    CLI::App app{"cnnlab " CNNLAB_VERSION
                 " - train, run, check and demonstrate a from-scratch CNN library",
                 "cnnlab"};
    app.set_version_flag("--version", "cnnlab " CNNLAB_VERSION);
    app.footer("\nRun 'cnnlab COMMAND --help' for the options of one command.");
    app.require_subcommand(0, 1);
    // The commands, in the order of `cnnlab --help`.
    // clang-format off
    const std::vector<cnnlab::cli::Command> commands = {
        cnnlab::cli::add_op_command(app),
        cnnlab::cli::add_gradcheck_command(app),
        cnnlab::cli::add_demo_command(app),
        cnnlab::cli::add_devices_command(app),
        cnnlab::cli::add_train_command(app),
        cnnlab::cli::add_summary_command(app),
        cnnlab::cli::add_eval_command(app),
        cnnlab::cli::add_predict_command(app),
        cnnlab::cli::add_visualize_command(app),
    };
    // clang-format on
    std::string command_list;  // "op, gradcheck, ...", from the list above
    for (const cnnlab::cli::Command& command : commands)
      command_list += (command_list.empty() ? "" : ", ") + command.app->get_name();
    cnnlab::cli::reject_flags_as_values(app);  // `--x --out d`: --x lacks its value

    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
      const auto chosen = app.get_subcommands();
      if (chosen.empty())
        return report(
            std::string(e.what()) + " (commands: " + command_list + "; see 'cnnlab --help')", 2);
      return report(
          std::string(e.what()) + " (see 'cnnlab " + chosen.front()->get_name() + " --help')", 2);
    }

    for (const cnnlab::cli::Command& command : commands)
      if (command.app->parsed()) return guarded(command.run);

    std::cerr << app.help();
    return report("no command given (choose one of: " + command_list + ")", 2);
  });
}
