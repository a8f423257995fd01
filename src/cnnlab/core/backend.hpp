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
///   the backend (the default implementation of every op below). There is no silent fallback.
/// - Not here: argument checking (ops.cpp), shape arithmetic (geometry.cpp).
#pragma once

#include <cnnlab/ops/geometry.hpp>
#include <cnnlab/core/tensor.hpp>
#include <cnnlab/optim/sgd.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cnnlab {

/// @brief Abstract compute backend. Ops are named `<op>_forward` / `<op>_backward_*`.
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

  /// @name Convolution (cross-correlation), weights [K, C/G, FH, FW]
  /// @{

  /// @brief y[N,K,H2,W2] = conv(x[N,C,H,W], w) + b[K]; @p b may be undefined (no bias).
  virtual void conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y,
                              const Conv2dGeometry& g);
  /// @brief dx[N,C,H,W] from dy[N,K,H2,W2] and w (dx is overwritten, not accumulated).
  virtual void conv2d_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx,
                                    const Conv2dGeometry& g);
  /// @brief dw[K,C/G,FH,FW] and db[K] from x and dy; skips db when it is undefined.
  virtual void conv2d_backward_weight(const Tensor& x, const Tensor& dy, Tensor& dw, Tensor& db,
                                      const Conv2dGeometry& g);
  /// @}

  /// @name Pooling
  /// @{

  /// @brief y[N,C,H2,W2] = max over each window of x (padding never wins).
  virtual void maxpool2d_forward(const Tensor& x, Tensor& y, const Pool2dGeometry& g);
  /// @brief dx = dy routed to the first maximum of each window (row-major scan order).
  virtual void maxpool2d_backward(const Tensor& x, const Tensor& dy, Tensor& dx,
                                  const Pool2dGeometry& g);
  /// @brief y = mean over each window; the divisor counts padding but not ceil-mode overhang.
  virtual void avgpool2d_forward(const Tensor& x, Tensor& y, const Pool2dGeometry& g);
  /// @brief dx = dy spread evenly over each window (same divisor as the forward pass).
  virtual void avgpool2d_backward(const Tensor& dy, Tensor& dx, const Pool2dGeometry& g);
  /// @}

  /// @name Fully connected layer y = xW + b, W is [D_in, D_out]
  /// @{

  /// @brief y[N,D_out] = x[N,D_in] · W[D_in,D_out] + b[D_out]; @p b may be undefined.
  virtual void linear_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y);
  /// @brief dx[N,D_in] = dy[N,D_out] · Wᵀ.
  virtual void linear_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx);
  /// @brief dW[D_in,D_out] = xᵀ · dy and db[D_out] = Σ_n dy (db skipped when undefined).
  virtual void linear_backward_weight(const Tensor& x, const Tensor& dy, Tensor& dw, Tensor& db);
  /// @brief General matrix multiply C[M,N] = alpha·op(A)·op(B) + beta·C, op = transpose or not.
  virtual void gemm(bool trans_a, bool trans_b, float alpha, const Tensor& a, const Tensor& b,
                    float beta, Tensor& c);
  /// @}

  /// @name Activations (elementwise, any shape)
  /// @{

  /// @brief y = max(0, x).
  virtual void relu_forward(const Tensor& x, Tensor& y);
  /// @brief dx = dy where x > 0, else 0 (the derivative at exactly 0 is taken as 0).
  virtual void relu_backward(const Tensor& x, const Tensor& dy, Tensor& dx);
  /// @brief y = 1 / (1 + e^-x), computed without overflow for large |x|.
  virtual void sigmoid_forward(const Tensor& x, Tensor& y);
  /// @brief dx = dy · y · (1 − y), from the forward output y.
  virtual void sigmoid_backward(const Tensor& y, const Tensor& dy, Tensor& dx);
  /// @brief y = tanh(x).
  virtual void tanh_forward(const Tensor& x, Tensor& y);
  /// @brief dx = dy · (1 − y²), from the forward output y.
  virtual void tanh_backward(const Tensor& y, const Tensor& dy, Tensor& dx);
  /// @}

  /// @name Softmax and loss, rows of a [N, D] matrix
  /// @{

  /// @brief y[n,:] = softmax(x[n,:]) (max subtracted first, so large logits are safe).
  virtual void softmax_forward(const Tensor& x, Tensor& y);
  /// @brief dx[n,:] = y[n,:] ⊙ (dy[n,:] − Σ_j dy[n,j] y[n,j]).
  virtual void softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx);
  /// @brief loss[1] = mean_n ( logsumexp(logits[n,:]) − logits[n, labels[n]] ).
  virtual void softmax_cross_entropy_forward(const Tensor& logits, const Tensor& labels,
                                             Tensor& loss);
  /// @brief dlogits = dloss · (softmax(logits) − onehot(labels)) / N.
  virtual void softmax_cross_entropy_backward(const Tensor& logits, const Tensor& labels,
                                              float dloss, Tensor& dlogits);
  /// @}

  /// @name Elementwise and optimiser
  /// @{

  /// @brief y = a + b (same shapes).
  virtual void add_forward(const Tensor& a, const Tensor& b, Tensor& y);
  /// @brief In place: g = grad + wd·param; velocity = momentum·velocity + g; param -= lr·velocity.
  virtual void sgd_update(Tensor& param, const Tensor& grad, Tensor& velocity,
                          const SgdParams& p);
  /// @}
};

/// @brief The reference backend (plain C++ loops), always available; one per process.
Backend& reference_backend();

/// @brief Looks a backend up by name ("reference", and later "openmp", "vulkan").
/// @throws Error listing the available names if @p name is unknown or not built in.
Backend& backend_by_name(std::string_view name);

/// @brief Names of the backends built into this copy of the library.
std::vector<std::string> backend_names();

}  // namespace cnnlab
