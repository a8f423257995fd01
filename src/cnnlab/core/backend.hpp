/// @file backend.hpp
/// @brief The Backend interface: memory plus one virtual function per operation and direction.
///
/// Contract:
/// - A Backend allocates Storage and computes on it. cnnlab has three implementations of this
///   one interface: "reference" (plain C++ loops, the canonical answer), "openmp" (fast CPU)
///   and "vulkan" (compute shaders).
/// - The public ops API (ops.hpp) validates every argument, computes output shapes with
///   geometry.hpp, allocates outputs on the inputs' backend and only then calls these
///   virtuals. A backend may therefore assume its arguments are valid and its outputs are
///   allocated with the right shape; it must write every output element.
/// - Checks of tensor *values* (labels in range, finite logits) need the data on the host. A
///   backend whose memory is a device's says checks_data_on_device(), and then makes those checks
///   in its own kernels and reports them at the next read or synchronize(), so that a training
///   step is not cut into submit-and-wait pieces by the checks (see checks_data_on_device()).
/// - An operation a backend does not implement throws UnsupportedOp naming the operation and
///   the backend (the default implementation of every op of backend_ops.inc). There is no
///   silent fallback.
/// - Not here: argument checking (ops.cpp), shape arithmetic (geometry.cpp).
#pragma once

#include <cnnlab/core/tensor.hpp>
#include <cnnlab/ops/batchnorm_params.hpp>
#include <cnnlab/ops/dropout_mask.hpp>
#include <cnnlab/ops/geometry.hpp>
#include <cnnlab/ops/lrn_geometry.hpp>
#include <cnnlab/optim/adam.hpp>
#include <cnnlab/optim/sgd.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cnnlab {

/// @brief Abstract compute backend. Ops are named `<op>_forward` / `<op>_backward_*`.
///
/// Besides memory, a Backend has one virtual function per operation and direction,
/// `virtual void op(parameters);`. They are not written out in this header but generated
/// from the list in cnnlab/core/backend_ops.inc, which gives each op's contract and shapes; by
/// default each throws UnsupportedOp naming the op and the backend. The list:
///
/// @include cnnlab/core/backend_ops.inc
class Backend {
 public:
  virtual ~Backend() = default;

  /// @brief Short lower-case name used by `--backend` and in error messages ("reference").
  virtual std::string name() const = 0;
  /// @brief One line saying what this backend runs on, e.g. the GPU's name for Vulkan, the
  ///        thread count for OpenMP; benchmarks print it next to their figures.
  virtual std::string description() const { return name(); }

  /// @name Memory
  /// @{

  /// @brief Allocates room for @p n float32 values (contents unspecified).
  virtual std::shared_ptr<Storage> allocate(size_t n) = 0;
  /// @brief Copies @p n floats from host memory into @p dst.
  virtual void write(Storage& dst, const float* src, size_t n) = 0;
  /// @brief Copies @p n floats from @p src to host memory, after pending work has finished.
  virtual void read(const Storage& src, float* dst, size_t n) = 0;
  /// @brief Copies @p n floats between two storages of this backend.
  virtual void copy(const Storage& src, Storage& dst, size_t n) = 0;
  /// @brief Waits until all work submitted to this backend has finished.
  virtual void synchronize() {}
  /// @}

  /// @brief Whether this backend checks the *values* of op arguments itself, on its device.
  ///
  /// false (the default; reference, OpenMP): the ops API reads the data on the host and throws
  /// before the op runs — a bad label or a non-finite logit of softmax_cross_entropy_forward /
  /// _backward (data_checks.hpp has the rules and the messages).
  ///
  /// true (Vulkan): the ops API makes only the shape and hyperparameter checks, which need no
  /// data, and the backend promises to detect those same bad values in its own kernels, without
  /// writing out of bounds, and to throw cnnlab::Error with the *same* message as the host check
  /// (the first bad index, built by data_checks.hpp) no later than the next read() or
  /// synchronize() — the way a GPU reports a failed device assertion at the next synchronization.
  /// The op's outputs are then meaningless; the error is reported once, and the backend works
  /// normally afterwards. Shape errors still throw at the call.
  virtual bool checks_data_on_device() const { return false; }

  // ---- The ops: one virtual per op and direction, generated from backend_ops.inc ----
  //
  // How it works: backend_ops.inc is a list of lines CNNLAB_BACKEND_OP(op, (parameters)).
  // Here the macro turns each line into the declaration `virtual void op(parameters);`; the
  // default body of each (in backend.cpp, from the same list) throws UnsupportedOp naming the op
  // and this backend. A backend overrides the ops it implements: one that implements every op
  // includes the list again with the macro defined as `void op(parameters) override;`.
  // So the list of ops, their parameters and their contracts are written once, in that file.

/// @brief Expands one line of backend_ops.inc into the declaration of a Backend op virtual.
#define CNNLAB_BACKEND_OP(op, params) virtual void op params;
#include <cnnlab/core/backend_ops.inc>
#undef CNNLAB_BACKEND_OP
};

/// @brief The reference backend (plain C++ loops), always available; one per process.
Backend& reference_backend();

/// @brief Looks a backend up by name ("reference", and later "openmp", "vulkan").
/// @throws Error listing the available names if @p name is unknown or not built in.
Backend& backend_by_name(std::string_view name);

/// @brief Names of the backends built into this copy of the library.
std::vector<std::string> backend_names();

}  // namespace cnnlab
