# cmake/cli11.cmake — finds CLI11 (Debian: libcli11-dev, header-only) for the command-line tool
# and the benchmark program, and provides the target CLI11::CLI11 to every directory.
if(TARGET CLI11::CLI11)
  return()
endif()
find_package(CLI11 2.1 CONFIG QUIET GLOBAL)
if(NOT CLI11_FOUND)
  find_path(CNNLAB_CLI11_INCLUDE_DIR CLI/CLI.hpp)
  if(NOT CNNLAB_CLI11_INCLUDE_DIR)
    message(FATAL_ERROR "CLI11 not found: install libcli11-dev, or configure with -DCNNLAB_CLI=OFF")
  endif()
  add_library(CLI11::CLI11 INTERFACE IMPORTED GLOBAL)
  target_include_directories(CLI11::CLI11 SYSTEM INTERFACE ${CNNLAB_CLI11_INCLUDE_DIR})
endif()
