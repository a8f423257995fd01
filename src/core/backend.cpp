// backend.cpp — default (unsupported) op implementations and the backend registry.
//
// Contract: every op virtual of Backend throws UnsupportedOp unless a backend overrides it,
// and backend_by_name() is the one place that maps `--backend NAME` to a backend instance.
// A new backend adds one line to the table in registry().
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>

#include "backends/reference/reference_backend.hpp"
#ifdef CNNLAB_HAVE_OPENMP
#include "backends/openmp/openmp_backend.hpp"
#endif
#ifdef CNNLAB_HAVE_VULKAN
#include "backends/vulkan/vulkan_backend.hpp"
#endif

#include <functional>
#include <utility>

namespace cnnlab {

// ---- defaults: "not supported", naming op and backend --------------------------------------
// One definition per line of backend_ops.inc. The parameters are named there (for the reader)
// but unused here, hence the warning switched off for these few lines.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#define CNNLAB_BACKEND_OP(op, params) \
  void Backend::op params { throw UnsupportedOp(#op, name()); }
#include <cnnlab/core/backend_ops.inc>
#undef CNNLAB_BACKEND_OP
#pragma GCC diagnostic pop

// ---- registry ------------------------------------------------------------------------------
Backend& reference_backend() {
  static ReferenceBackend instance;
  return instance;
}

namespace {
/// The backends built into this library: name and accessor of the process-wide instance.
const std::vector<std::pair<std::string, std::function<Backend&()>>>& registry() {
  static const std::vector<std::pair<std::string, std::function<Backend&()>>> table = {
      {"reference", []() -> Backend& { return reference_backend(); }},
#ifdef CNNLAB_HAVE_OPENMP
      {"openmp", []() -> Backend& { return openmp_backend(); }},
#endif
#ifdef CNNLAB_HAVE_VULKAN
      // Created on first use; throws an Error saying how to get a device when there is none.
      {"vulkan", []() -> Backend& { return vulkan_backend(); }},
#endif
  };
  return table;
}
}  // namespace

std::vector<std::string> backend_names() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

Backend& backend_by_name(std::string_view name) {
  for (const auto& entry : registry())
    if (entry.first == name) return entry.second();
  std::string known;
  for (const auto& n : backend_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown backend '" + std::string(name) + "'; this build has: " + known);
}

}  // namespace cnnlab
