// vulkan_main.cpp — the Catch2 main of cnnlab_vulkan_tests: the Vulkan backend's tests, run with
// the Khronos validation layer on.
//
// Contract:
// - Before any test it turns validation on and creates the Vulkan backend, printing the device.
//   The pipeline cache file goes to the build tree (CNNLAB_CACHE_DIR, unless already set).
// - Vulkan genuinely absent (no loader, no driver, no device): prints why and exits 77, which
//   ctest reports as *skipped* (SKIP_RETURN_CODE) — unless the environment variable CI is set,
//   where Vulkan must be present (scripts/setup.sh installs lavapipe), so it exits 1: a failure.
//   Any other failure to create the backend (e.g. the validation layer missing) is a failure.
// - After every test case the count of validation messages must not have grown; if it did, the
//   messages are already on stderr and the run fails (exit code 1) even if every check passed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "backends/vulkan/vulkan_backend.hpp"

#include <cnnlab/core/error.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

namespace {

bool g_validation_failed = false;
uint64_t g_messages_seen = 0;

/// Fails the run when a test case caused validation messages.
struct ValidationListener : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    const uint64_t now = cnnlab::vulkan_validation_messages();
    if (now != g_messages_seen) {
      std::cerr << "FAIL: " << (now - g_messages_seen)
                << " Vulkan validation message(s) during test case '" << stats.testInfo.name
                << "' (printed above)\n";
      g_validation_failed = true;
      g_messages_seen = now;
    }
  }
};

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && *ci && std::string(ci) != "false" && std::string(ci) != "0";
}

/// 0 when a Vulkan device exists; else prints why and returns 77 (skip) or 1 (CI: fail).
int require_vulkan() {
  std::string why;
  try {
    if (!cnnlab::vulkan_devices().empty()) return 0;
    why = "the Vulkan loader reports no device";
  } catch (const cnnlab::Error& e) {
    why = e.what();
  }
  std::cerr << "cnnlab_vulkan_tests: no Vulkan device on this machine: " << why << "\n";
  if (in_ci()) {
    std::cerr << "cnnlab_vulkan_tests: CI is set, and CI must have Vulkan (scripts/setup.sh "
                 "installs mesa-vulkan-drivers): FAILED\n";
    return 1;
  }
  std::cerr << "cnnlab_vulkan_tests: SKIPPED (install mesa-vulkan-drivers to run these tests)\n";
  return 77;
}

}  // namespace

CATCH_REGISTER_LISTENER(ValidationListener)

int main(int argc, char** argv) {
  Catch::Session session;
  if (const int rc = session.applyCommandLine(argc, argv)) return rc;
  const Catch::ConfigData& cfg = session.configData();
  const bool listing =
      cfg.listTests || cfg.listTestNamesOnly || cfg.listTags || cfg.listReporters || cfg.showHelp;
  if (!listing) {  // catch_discover_tests lists the tests at build time: no Vulkan needed then
    if (const int rc = require_vulkan()) return rc;
    cnnlab::vulkan_enable_validation(true);
    // Run by hand too, the tests keep the pipeline cache file in the build tree, never in the
    // user's ~/.cache (ctest sets the same folder; an explicit CNNLAB_CACHE_DIR wins).
    setenv("CNNLAB_CACHE_DIR", CNNLAB_TEST_PIPELINE_CACHE_DIR, 0);
    try {
      const cnnlab::Backend& be = cnnlab::backend_by_name("vulkan");
      std::cout << "vulkan tests on: " << be.description() << "\n";
    } catch (const cnnlab::Error& e) {
      std::cerr << "cnnlab_vulkan_tests: cannot create the Vulkan backend: " << e.what() << "\n";
      return 1;
    }
  }
  int rc = session.run();
  if (g_validation_failed && rc == 0) rc = 1;
  return rc;
}
