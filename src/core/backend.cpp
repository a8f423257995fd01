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
#define CNNLAB_UNSUPPORTED(op) throw UnsupportedOp(op, name())
void Backend::conv2d_forward(const Tensor&, const Tensor&, const Tensor&, Tensor&,
                             const Conv2dGeometry&) { CNNLAB_UNSUPPORTED("conv2d_forward"); }
void Backend::conv2d_backward_data(const Tensor&, const Tensor&, Tensor&,
                                   const Conv2dGeometry&) {
  CNNLAB_UNSUPPORTED("conv2d_backward_data");
}
void Backend::conv2d_backward_weight(const Tensor&, const Tensor&, Tensor&, Tensor&,
                                     const Conv2dGeometry&) {
  CNNLAB_UNSUPPORTED("conv2d_backward_weight");
}
void Backend::maxpool2d_forward(const Tensor&, Tensor&, const Pool2dGeometry&) {
  CNNLAB_UNSUPPORTED("maxpool2d_forward");
}
void Backend::maxpool2d_backward(const Tensor&, const Tensor&, Tensor&, const Pool2dGeometry&) {
  CNNLAB_UNSUPPORTED("maxpool2d_backward");
}
void Backend::avgpool2d_forward(const Tensor&, Tensor&, const Pool2dGeometry&) {
  CNNLAB_UNSUPPORTED("avgpool2d_forward");
}
void Backend::avgpool2d_backward(const Tensor&, Tensor&, const Pool2dGeometry&) {
  CNNLAB_UNSUPPORTED("avgpool2d_backward");
}
void Backend::linear_forward(const Tensor&, const Tensor&, const Tensor&, Tensor&) {
  CNNLAB_UNSUPPORTED("linear_forward");
}
void Backend::linear_backward_data(const Tensor&, const Tensor&, Tensor&) {
  CNNLAB_UNSUPPORTED("linear_backward_data");
}
void Backend::linear_backward_weight(const Tensor&, const Tensor&, Tensor&, Tensor&) {
  CNNLAB_UNSUPPORTED("linear_backward_weight");
}
void Backend::gemm(bool, bool, float, const Tensor&, const Tensor&, float, Tensor&) {
  CNNLAB_UNSUPPORTED("gemm");
}
void Backend::relu_forward(const Tensor&, Tensor&) { CNNLAB_UNSUPPORTED("relu_forward"); }
void Backend::relu_backward(const Tensor&, const Tensor&, Tensor&) {
  CNNLAB_UNSUPPORTED("relu_backward");
}
void Backend::sigmoid_forward(const Tensor&, Tensor&) { CNNLAB_UNSUPPORTED("sigmoid_forward"); }
void Backend::sigmoid_backward(const Tensor&, const Tensor&, Tensor&) {
  CNNLAB_UNSUPPORTED("sigmoid_backward");
}
void Backend::tanh_forward(const Tensor&, Tensor&) { CNNLAB_UNSUPPORTED("tanh_forward"); }
void Backend::tanh_backward(const Tensor&, const Tensor&, Tensor&) {
  CNNLAB_UNSUPPORTED("tanh_backward");
}
void Backend::softmax_forward(const Tensor&, Tensor&) { CNNLAB_UNSUPPORTED("softmax_forward"); }
void Backend::softmax_backward(const Tensor&, const Tensor&, Tensor&) {
  CNNLAB_UNSUPPORTED("softmax_backward");
}
void Backend::softmax_cross_entropy_forward(const Tensor&, const Tensor&, Tensor&) {
  CNNLAB_UNSUPPORTED("softmax_cross_entropy_forward");
}
void Backend::softmax_cross_entropy_backward(const Tensor&, const Tensor&, float, Tensor&) {
  CNNLAB_UNSUPPORTED("softmax_cross_entropy_backward");
}
void Backend::add_forward(const Tensor&, const Tensor&, Tensor&) {
  CNNLAB_UNSUPPORTED("add_forward");
}
void Backend::sgd_update(Tensor&, const Tensor&, Tensor&, const SgdParams&) {
  CNNLAB_UNSUPPORTED("sgd_update");
}
#undef CNNLAB_UNSUPPORTED

// ---- registry ------------------------------------------------------------------------------
Backend& reference_backend() {
  static ReferenceBackend instance;
  return instance;
}

namespace {
/// The backends built into this library: name and accessor of the process-wide instance.
const std::vector<std::pair<std::string, std::function<Backend&()>>>& registry() {
  static const std::vector<std::pair<std::string, std::function<Backend&()>>> table = {
      {"reference", [] () -> Backend& { return reference_backend(); }},
#ifdef CNNLAB_HAVE_OPENMP
      {"openmp", [] () -> Backend& { return openmp_backend(); }},
#endif
#ifdef CNNLAB_HAVE_VULKAN
      // Created on first use; throws an Error saying how to get a device when there is none.
      {"vulkan", [] () -> Backend& { return vulkan_backend(); }},
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
