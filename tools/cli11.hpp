// cli11.hpp — includes CLI11 (Debian's libcli11-dev, header-only) with warnings silenced.
//
// The project builds with -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror; a
// third-party header must not break that, so every tool source includes CLI11 through here.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <CLI/CLI.hpp>
#pragma GCC diagnostic pop
