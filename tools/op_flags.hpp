// op_flags.hpp — registering the op-specific flags of `cnnlab op` and `cnnlab gradcheck`.
//
// Both commands remember every op-specific flag they register (flag name -> CLI11 option), so
// that after parsing they can tell which flags were given and reject the ones that do not apply
// to the chosen op. FlagRegistry does the registering and the remembering in one place.
#pragma once

#include "cli11.hpp"

#include <map>
#include <string>

namespace cnnlab::cli {

/// Adds options to one subcommand and records each in @p options under its flag name.
struct FlagRegistry {
  CLI::App* app;                                 ///< the subcommand the flags belong to
  std::map<std::string, CLI::Option*>& options;  ///< flag name -> option, filled here

  /// A flag taking a number, checked by @p check (e.g. positive()).
  template <class T>
  void number(const std::string& flag, T& value, const std::string& help,
              const CLI::Validator& check) {
    options[flag] = app->add_option(flag, value, help)->check(check);
  }
  /// A switch without a value.
  void flag(const std::string& name, bool& value, const std::string& help) {
    options[name] = app->add_flag(name, value, help);
  }
};

}  // namespace cnnlab::cli
