// ops.cpp — the public ops API: check every argument, allocate outputs, call the backend.
//
// Contract: this file is where bad input is caught, once for all backends. Each function
//   1. checks that its tensors are defined, live on one backend and have the right shapes,
//   2. computes output shapes (geometry.cpp for conv and pooling),
//   3. allocates the outputs on the inputs' backend and calls that backend's virtual.
// Messages name the op, the argument, the shapes and the rule, e.g.
//   "linear_forward: x [2, 5] has D_in=5 but W [4, 3] expects D_in=4".
// Checks of *values* (the labels of a loss, finite logits) read tensor data. On a backend whose
// data lives on a device, each such read would be a submit-and-wait in the middle of a training
// step, so a backend that says checks_data_on_device() gets only the shape checks here and makes
// the value checks in its own kernels (same rules and words: data_checks.hpp), reporting them
// at the next read or synchronize().
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/data_checks.hpp>
#include <cnnlab/ops/ops.hpp>

#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>

namespace cnnlab {

namespace {

// ---- argument checks shared by the ops -----------------------------------------------------
void require_defined(const char* op, const char* name, const Tensor& t) {
  if (!t.defined()) throw Error(std::string(op) + ": " + name + " is an undefined tensor");
}

/// All tensors of one call must live on the same backend: data never moves implicitly.
Backend& common_backend(const char* op, std::initializer_list<const Tensor*> tensors) {
  Backend* b = nullptr;
  for (const Tensor* t : tensors) {
    if (!t->defined()) continue;
    if (b && &t->backend() != b)
      throw Error(std::string(op) + ": tensors live on different backends (" + b->name() + " and " +
                  t->backend().name() + "); move them explicitly with Tensor::to() first");
    b = &t->backend();
  }
  return *b;
}

void require_shape(const char* op, const char* name, const Tensor& t, const Shape& expected,
                   const char* why) {
  require_defined(op, name, t);
  if (t.shape() != expected)
    throw Error(std::string(op) + ": " + name + " has shape " + to_string(t.shape()) +
                ", expected " + to_string(expected) + " (" + why + ")");
}

void require_rank(const char* op, const char* name, const Tensor& t, int rank, const char* layout) {
  require_defined(op, name, t);
  if (t.ndim() != rank)
    throw Error(std::string(op) + ": " + name + " must be " + std::to_string(rank) + "-D " +
                layout + ", got shape " + to_string(t.shape()));
}

/// An output tensor of @p shape on the same backend as @p like.
Tensor output_like(const Tensor& like, const Shape& shape) {
  return Tensor::empty(shape, like.backend());
}

/// Throws if any value is NaN or infinite, naming the first bad index (reads @p t on the host).
void require_finite(const char* op, const char* name, const Tensor& t) {
  const std::vector<float> v = t.to_vector();
  for (size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) throw Error(non_finite_message(op, name, t.shape(), i, v[i]));
}

}  // namespace

// ---- convolution ---------------------------------------------------------------------------
Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dParams& p) {
  const char* op = "conv2d_forward";
  require_defined(op, "x", x);
  require_defined(op, "w", w);
  Backend& be = common_backend(op, {&x, &w, &b});
  const Conv2dGeometry g = conv2d_geometry(x.shape(), w.shape(), p);
  if (b.defined()) require_shape(op, "bias b", b, {g.K}, "one bias per filter");
  Tensor y = output_like(x, g.output_shape());
  be.conv2d_forward(x, w, b, y, g);
  return y;
}

Tensor conv2d_backward_data(const Tensor& dy, const Tensor& w, const Shape& x_shape,
                            const Conv2dParams& p) {
  const char* op = "conv2d_backward_data";
  require_defined(op, "dy", dy);
  require_defined(op, "w", w);
  Backend& be = common_backend(op, {&dy, &w});
  const Conv2dGeometry g = conv2d_geometry(x_shape, w.shape(), p);
  require_shape(op, "dy", dy, g.output_shape(), "the shape of the forward output");
  Tensor dx = output_like(dy, g.input_shape());
  be.conv2d_backward_data(dy, w, dx, g);
  return dx;
}

ParamGrads conv2d_backward_weight(const Tensor& x, const Tensor& dy, const Shape& w_shape,
                                  bool with_bias, const Conv2dParams& p) {
  const char* op = "conv2d_backward_weight";
  require_defined(op, "x", x);
  require_defined(op, "dy", dy);
  Backend& be = common_backend(op, {&x, &dy});
  const Conv2dGeometry g = conv2d_geometry(x.shape(), w_shape, p);
  require_shape(op, "dy", dy, g.output_shape(), "the shape of the forward output");
  ParamGrads grads{output_like(x, g.weight_shape()), with_bias ? output_like(x, {g.K}) : Tensor()};
  be.conv2d_backward_weight(x, dy, grads.dw, grads.db, g);
  return grads;
}

// ---- transposed convolution ----------------------------------------------------------------
Tensor conv_transpose2d_forward(const Tensor& x, const Tensor& w, const Tensor& b,
                                const ConvTranspose2dParams& p) {
  const char* op = "conv_transpose2d_forward";
  require_defined(op, "x", x);
  require_defined(op, "w", w);
  Backend& be = common_backend(op, {&x, &w, &b});
  const ConvTranspose2dGeometry g = conv_transpose2d_geometry(x.shape(), w.shape(), p);
  if (b.defined()) require_shape(op, "bias b", b, {g.K}, "one bias per output channel");
  Tensor y = output_like(x, g.output_shape());
  be.conv_transpose2d_forward(x, w, b, y, g);
  return y;
}

Tensor conv_transpose2d_backward_data(const Tensor& dy, const Tensor& w, const Shape& x_shape,
                                      const ConvTranspose2dParams& p) {
  const char* op = "conv_transpose2d_backward_data";
  require_defined(op, "dy", dy);
  require_defined(op, "w", w);
  Backend& be = common_backend(op, {&dy, &w});
  const ConvTranspose2dGeometry g = conv_transpose2d_geometry(x_shape, w.shape(), p);
  require_shape(op, "dy", dy, g.output_shape(), "the shape of the forward output");
  Tensor dx = output_like(dy, g.input_shape());
  be.conv_transpose2d_backward_data(dy, w, dx, g);
  return dx;
}

ParamGrads conv_transpose2d_backward_weight(const Tensor& x, const Tensor& dy, const Shape& w_shape,
                                            bool with_bias, const ConvTranspose2dParams& p) {
  const char* op = "conv_transpose2d_backward_weight";
  require_defined(op, "x", x);
  require_defined(op, "dy", dy);
  Backend& be = common_backend(op, {&x, &dy});
  const ConvTranspose2dGeometry g = conv_transpose2d_geometry(x.shape(), w_shape, p);
  require_shape(op, "dy", dy, g.output_shape(), "the shape of the forward output");
  ParamGrads grads{output_like(x, g.weight_shape()), with_bias ? output_like(x, {g.K}) : Tensor()};
  be.conv_transpose2d_backward_weight(x, dy, grads.dw, grads.db, g);
  return grads;
}

// ---- pooling -------------------------------------------------------------------------------
namespace {
/// y[N,C,H2,W2] from x by the window rule of @p p: checks x and the geometry, allocates y, calls
/// the backend's @p kernel (&Backend::maxpool2d_forward or &Backend::avgpool2d_forward).
Tensor pool_forward(const char* op, const Tensor& x, const Pool2dParams& p,
                    void (Backend::*kernel)(const Tensor&, Tensor&, const Pool2dGeometry&)) {
  require_defined(op, "x", x);
  const Pool2dGeometry g = pool2d_geometry(op, x.shape(), p);
  Tensor y = output_like(x, g.output_shape());
  (x.backend().*kernel)(x, y, g);
  return y;
}
}  // namespace

Tensor maxpool2d_forward(const Tensor& x, const Pool2dParams& p) {
  return pool_forward("maxpool2d_forward", x, p, &Backend::maxpool2d_forward);
}

Tensor maxpool2d_backward(const Tensor& x, const Tensor& dy, const Pool2dParams& p) {
  const char* op = "maxpool2d_backward";
  require_defined(op, "x", x);
  Backend& be = common_backend(op, {&x, &dy});
  const Pool2dGeometry g = pool2d_geometry(op, x.shape(), p);
  require_shape(op, "dy", dy, g.output_shape(), "the shape of the forward output");
  Tensor dx = output_like(x, g.input_shape());
  be.maxpool2d_backward(x, dy, dx, g);
  return dx;
}

Tensor avgpool2d_forward(const Tensor& x, const Pool2dParams& p) {
  return pool_forward("avgpool2d_forward", x, p, &Backend::avgpool2d_forward);
}

Tensor avgpool2d_backward(const Tensor& dy, const Shape& x_shape, const Pool2dParams& p) {
  const char* op = "avgpool2d_backward";
  require_defined(op, "dy", dy);
  const Pool2dGeometry g = pool2d_geometry(op, x_shape, p);
  require_shape(op, "dy", dy, g.output_shape(), "the shape of the forward output");
  Tensor dx = output_like(dy, g.input_shape());
  dy.backend().avgpool2d_backward(dy, dx, g);
  return dx;
}

// Global average pooling has no window: the shape [N, C, H, W] is all it needs.
Tensor global_avgpool2d_forward(const Tensor& x) {
  const char* op = "global_avgpool2d_forward";
  require_rank(op, "x", x, 4, "[N, C, H, W]");
  require_positive(x.shape(), std::string(op) + ": x");
  Tensor y = output_like(x, {x.dim(0), x.dim(1), 1, 1});
  x.backend().global_avgpool2d_forward(x, y);
  return y;
}

// [add_an_op_ops]
Tensor global_avgpool2d_backward(const Tensor& dy, const Shape& x_shape) {
  const char* op = "global_avgpool2d_backward";
  require_defined(op, "dy", dy);
  if (x_shape.size() != 4)
    throw Error(std::string(op) + ": x must be 4-D [N, C, H, W], got shape " + to_string(x_shape));
  require_positive(x_shape, std::string(op) + ": x");
  require_shape(op, "dy", dy, {x_shape[0], x_shape[1], 1, 1}, "the shape of the forward output");
  Tensor dx = output_like(dy, x_shape);
  dy.backend().global_avgpool2d_backward(dy, dx);
  return dx;
}
// [add_an_op_ops]

Tensor l2pool2d_forward(const Tensor& x, const Pool2dParams& p) {
  return pool_forward("l2pool2d_forward", x, p, &Backend::l2pool2d_forward);
}

Tensor l2pool2d_backward(const Tensor& x, const Tensor& y, const Tensor& dy,
                         const Pool2dParams& p) {
  const char* op = "l2pool2d_backward";
  require_defined(op, "x", x);
  Backend& be = common_backend(op, {&x, &y, &dy});
  const Pool2dGeometry g = pool2d_geometry(op, x.shape(), p);
  require_shape(op, "y", y, g.output_shape(), "the forward output");
  require_shape(op, "dy", dy, g.output_shape(), "the shape of the forward output");
  Tensor dx = output_like(x, g.input_shape());
  be.l2pool2d_backward(x, y, dy, dx, g);
  return dx;
}

// ---- local response normalisation ----------------------------------------------------------
Tensor lrn_forward(const Tensor& x, const LrnParams& p) {
  const char* op = "lrn_forward";
  require_defined(op, "x", x);
  const LrnGeometry g = lrn_geometry(op, x.shape(), p);
  Tensor y = output_like(x, g.shape());
  x.backend().lrn_forward(x, y, g);
  return y;
}

Tensor lrn_backward(const Tensor& x, const Tensor& dy, const LrnParams& p) {
  const char* op = "lrn_backward";
  require_defined(op, "x", x);
  Backend& be = common_backend(op, {&x, &dy});
  const LrnGeometry g = lrn_geometry(op, x.shape(), p);
  require_shape(op, "dy", dy, g.shape(), "the shape of the forward output, which is x's");
  Tensor dx = output_like(x, g.shape());
  be.lrn_backward(x, dy, dx, g);
  return dx;
}

// ---- fully connected and matmul ------------------------------------------------------------
Tensor linear_forward(const Tensor& x, const Tensor& w, const Tensor& b) {
  const char* op = "linear_forward";
  require_rank(op, "x", x, 2, "[N, D_in]");
  require_rank(op, "W", w, 2, "[D_in, D_out]");
  Backend& be = common_backend(op, {&x, &w, &b});
  if (x.dim(1) != w.dim(0))
    throw Error(std::string(op) + ": x " + to_string(x.shape()) +
                " has D_in=" + std::to_string(x.dim(1)) + " but W " + to_string(w.shape()) +
                " expects D_in=" + std::to_string(w.dim(0)) +
                " (y = xW needs x's columns = W's rows)");
  if (b.defined()) require_shape(op, "bias b", b, {w.dim(1)}, "one bias per output, D_out");
  Tensor y = output_like(x, {x.dim(0), w.dim(1)});
  be.linear_forward(x, w, b, y);
  return y;
}

Tensor linear_backward_data(const Tensor& dy, const Tensor& w) {
  const char* op = "linear_backward_data";
  require_rank(op, "dy", dy, 2, "[N, D_out]");
  require_rank(op, "W", w, 2, "[D_in, D_out]");
  Backend& be = common_backend(op, {&dy, &w});
  if (dy.dim(1) != w.dim(1))
    throw Error(std::string(op) + ": dy " + to_string(dy.shape()) +
                " has D_out=" + std::to_string(dy.dim(1)) + " but W " + to_string(w.shape()) +
                " has D_out=" + std::to_string(w.dim(1)) + " (dx = dy·Wᵀ)");
  Tensor dx = output_like(dy, {dy.dim(0), w.dim(0)});
  be.linear_backward_data(dy, w, dx);
  return dx;
}

ParamGrads linear_backward_weight(const Tensor& x, const Tensor& dy, bool with_bias) {
  const char* op = "linear_backward_weight";
  require_rank(op, "x", x, 2, "[N, D_in]");
  require_rank(op, "dy", dy, 2, "[N, D_out]");
  Backend& be = common_backend(op, {&x, &dy});
  if (x.dim(0) != dy.dim(0))
    throw Error(std::string(op) + ": x " + to_string(x.shape()) + " and dy " +
                to_string(dy.shape()) + " must have the same batch size N (dW = xᵀ·dy)");
  ParamGrads grads{output_like(x, {x.dim(1), dy.dim(1)}),
                   with_bias ? output_like(x, {dy.dim(1)}) : Tensor()};
  be.linear_backward_weight(x, dy, grads.dw, grads.db);
  return grads;
}

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  const char* op = "matmul";
  require_rank(op, "A", a, 2, "matrix");
  require_rank(op, "B", b, 2, "matrix");
  Backend& be = common_backend(op, {&a, &b});
  const int64_t m = trans_a ? a.dim(1) : a.dim(0), ka = trans_a ? a.dim(0) : a.dim(1);
  const int64_t kb = trans_b ? b.dim(1) : b.dim(0), n = trans_b ? b.dim(0) : b.dim(1);
  if (ka != kb)
    throw Error(std::string(op) + ": op(A) is " + std::to_string(m) + "x" + std::to_string(ka) +
                " and op(B) is " + std::to_string(kb) + "x" + std::to_string(n) +
                "; the inner sizes must agree (A " + to_string(a.shape()) + ", B " +
                to_string(b.shape()) + ")");
  Tensor c = output_like(a, {m, n});
  be.gemm(trans_a, trans_b, 1.0f, a, b, 0.0f, c);
  return c;
}

MatmulGrads matmul_backward(const Tensor& a, const Tensor& b, const Tensor& dy, bool trans_a,
                            bool trans_b) {
  const char* op = "matmul_backward";
  require_rank(op, "A", a, 2, "matrix");
  require_rank(op, "B", b, 2, "matrix");
  require_rank(op, "dy", dy, 2, "matrix");
  common_backend(op, {&a, &b, &dy});
  const int64_t m = trans_a ? a.dim(1) : a.dim(0), ka = trans_a ? a.dim(0) : a.dim(1);
  const int64_t kb = trans_b ? b.dim(1) : b.dim(0), n = trans_b ? b.dim(0) : b.dim(1);
  if (ka != kb)
    throw Error(std::string(op) + ": op(A) is " + std::to_string(m) + "x" + std::to_string(ka) +
                " and op(B) is " + std::to_string(kb) + "x" + std::to_string(n) +
                "; the inner sizes must agree (A " + to_string(a.shape()) + ", B " +
                to_string(b.shape()) + ")");
  require_shape(op, "dy", dy, {m, n}, "the shape of the forward output op(A)·op(B)");
  // Each gradient is again a matrix product (ops.hpp lists the four cases).
  if (!trans_a && !trans_b) return {matmul(dy, b, false, true), matmul(a, dy, true, false)};
  if (trans_a && !trans_b) return {matmul(b, dy, false, true), matmul(a, dy, false, false)};
  if (!trans_a && trans_b) return {matmul(dy, b, false, false), matmul(dy, a, true, false)};
  return {matmul(b, dy, true, true), matmul(dy, a, true, true)};
}

// ---- activations ---------------------------------------------------------------------------
namespace {
/// Shared checks of a backward elementwise op: both tensors defined, same backend, same shape.
Backend& elementwise_pair(const char* op, const char* first, const Tensor& t, const Tensor& dy) {
  require_defined(op, first, t);
  require_defined(op, "dy", dy);
  Backend& be = common_backend(op, {&t, &dy});
  if (t.shape() != dy.shape())
    throw Error(std::string(op) + ": " + first + " " + to_string(t.shape()) + " and dy " +
                to_string(dy.shape()) + " must have the same shape");
  return be;
}

/// y = f(x) elementwise: checks x, allocates y shaped like x, calls the backend's @p kernel
/// (a pointer to one of Backend's virtuals, e.g. &Backend::relu_forward).
Tensor elementwise(const char* op, const Tensor& x,
                   void (Backend::*kernel)(const Tensor&, Tensor&)) {
  require_defined(op, "x", x);
  Tensor y = output_like(x, x.shape());
  (x.backend().*kernel)(x, y);
  return y;
}

/// dx from @p t (the forward input x or output y, named @p first) and dy, by @p kernel.
Tensor elementwise_backward(const char* op, const char* first, const Tensor& t, const Tensor& dy,
                            void (Backend::*kernel)(const Tensor&, const Tensor&, Tensor&)) {
  Backend& be = elementwise_pair(op, first, t, dy);
  Tensor dx = output_like(t, t.shape());
  (be.*kernel)(t, dy, dx);
  return dx;
}
}  // namespace

Tensor relu_forward(const Tensor& x) {
  return elementwise("relu_forward", x, &Backend::relu_forward);
}
Tensor relu_backward(const Tensor& x, const Tensor& dy) {
  return elementwise_backward("relu_backward", "x", x, dy, &Backend::relu_backward);
}
Tensor sigmoid_forward(const Tensor& x) {
  return elementwise("sigmoid_forward", x, &Backend::sigmoid_forward);
}
Tensor sigmoid_backward(const Tensor& y, const Tensor& dy) {
  return elementwise_backward("sigmoid_backward", "y", y, dy, &Backend::sigmoid_backward);
}
Tensor tanh_forward(const Tensor& x) {
  return elementwise("tanh_forward", x, &Backend::tanh_forward);
}
Tensor tanh_backward(const Tensor& y, const Tensor& dy) {
  return elementwise_backward("tanh_backward", "y", y, dy, &Backend::tanh_backward);
}

// ---- softmax and loss ----------------------------------------------------------------------
Tensor softmax_forward(const Tensor& x) {
  require_rank("softmax_forward", "x", x, 2, "[N, D]");
  Tensor y = output_like(x, x.shape());
  x.backend().softmax_forward(x, y);
  return y;
}
Tensor softmax_backward(const Tensor& y, const Tensor& dy) {
  require_rank("softmax_backward", "y", y, 2, "[N, D]");
  Backend& be = elementwise_pair("softmax_backward", "y", y, dy);
  Tensor dx = output_like(y, y.shape());
  be.softmax_backward(y, dy, dx);
  return dx;
}

namespace {
/// Checks logits [N, D] and labels [N]; unless the backend checks values on the device, also
/// that every label is an integer in [0, D) (the first bad one is named).
Backend& check_cross_entropy_args(const char* op, const Tensor& logits, const Tensor& labels) {
  require_rank(op, "logits", logits, 2, "[N, D]");
  Backend& be = common_backend(op, {&logits, &labels});
  require_shape(op, "labels", labels, {logits.dim(0)}, "one class index per row of logits");
  if (be.checks_data_on_device()) return be;
  const std::vector<float> t = labels.to_vector();
  for (size_t n = 0; n < t.size(); ++n)
    if (!is_class_index(t[n], logits.dim(1)))
      throw Error(bad_label_message(op, n, t[n], logits.shape()));
  return be;
}
}  // namespace

namespace {
/// Called when the loss came back infinite although every logit is finite: the loss itself
/// does not fit in float32. Throws naming the first row whose loss (computed in double) is too
/// large, or, failing that, the row with the largest loss.
[[noreturn]] void throw_loss_overflow(const char* op, const Tensor& logits, const Tensor& labels) {
  const std::vector<float> x = logits.to_vector(), t = labels.to_vector();
  const auto D = static_cast<size_t>(logits.dim(1));
  size_t worst = 0;
  double worst_loss = -1.0, worst_lo = 0.0, worst_hi = 0.0;
  for (size_t n = 0; n < t.size(); ++n) {
    const float* row = x.data() + n * D;
    // The extremes in float (exact either way): GCC 12 for aarch64 crashes (an internal
    // compiler error) vectorising an fmin/fmax reduction of floats converted to double.
    float lo = row[0], hi = row[0];
    for (size_t j = 1; j < D; ++j) {
      lo = std::fmin(lo, row[j]);
      hi = std::fmax(hi, row[j]);
    }
    double total = 0.0;
    for (size_t j = 0; j < D; ++j) total += std::exp(static_cast<double>(row[j]) - hi);
    const double loss = hi + std::log(total) - static_cast<double>(row[static_cast<size_t>(t[n])]);
    if (loss > worst_loss) {
      worst = n;
      worst_loss = loss;
      worst_lo = lo;
      worst_hi = hi;
    }
    if (loss > std::numeric_limits<float>::max()) break;  // the first row that overflows
  }
  throw Error(loss_overflow_message(op, logits.shape(), worst, static_cast<int64_t>(t[worst]),
                                    worst_lo, worst_hi, worst_loss));
}
}  // namespace

Tensor softmax_cross_entropy_forward(const Tensor& logits, const Tensor& labels) {
  const char* op = "softmax_cross_entropy_forward";
  Backend& be = check_cross_entropy_args(op, logits, labels);
  Tensor loss = output_like(logits, {1});
  be.softmax_cross_entropy_forward(logits, labels, loss);
  if (be.checks_data_on_device()) return loss;
  // Reading one number is cheap; only when it is bad do we scan for the culprit: a NaN or
  // infinite logit, or else finite logits whose loss does not fit in float32.
  if (!std::isfinite(loss.at(0))) {
    require_finite(op, "logits", logits);
    throw_loss_overflow(op, logits, labels);
  }
  return loss;
}

Tensor softmax_cross_entropy_backward(const Tensor& logits, const Tensor& labels, float dloss) {
  const char* op = "softmax_cross_entropy_backward";
  Backend& be = check_cross_entropy_args(op, logits, labels);
  if (!std::isfinite(dloss))
    throw Error(std::string(op) + ": dloss must be finite, got " + std::to_string(dloss));
  if (!be.checks_data_on_device()) require_finite(op, "logits", logits);
  Tensor dlogits = output_like(logits, logits.shape());
  be.softmax_cross_entropy_backward(logits, labels, dloss, dlogits);
  return dlogits;
}

// ---- shape and elementwise -----------------------------------------------------------------
Tensor flatten_forward(const Tensor& x) {
  require_defined("flatten_forward", "x", x);
  if (x.ndim() < 2)
    throw Error("flatten_forward: x must have at least 2 dimensions [N, ...], got shape " +
                to_string(x.shape()));
  return x.reshape({x.dim(0), x.numel() / x.dim(0)});
}

Tensor flatten_backward(const Tensor& dy, const Shape& x_shape) {
  require_defined("flatten_backward", "dy", dy);
  require_positive(x_shape, "flatten_backward: x");  // before dividing by x_shape[0]
  if (x_shape.size() < 2 || dy.shape() != Shape{x_shape[0], numel(x_shape) / x_shape[0]})
    throw Error("flatten_backward: dy " + to_string(dy.shape()) +
                " is not the flattened form of x " + to_string(x_shape));
  return dy.reshape(x_shape);
}

Tensor add_forward(const Tensor& a, const Tensor& b) {
  const char* op = "add_forward";
  require_defined(op, "a", a);
  require_defined(op, "b", b);
  Backend& be = common_backend(op, {&a, &b});
  if (a.shape() != b.shape())
    throw Error(std::string(op) + ": a " + to_string(a.shape()) + " and b " + to_string(b.shape()) +
                " must have the same shape (no broadcasting)");
  Tensor y = output_like(a, a.shape());
  be.add_forward(a, b, y);
  return y;
}

AddGrads add_backward(const Tensor& dy) {
  require_defined("add_backward", "dy", dy);
  return {dy.clone(), dy.clone()};
}

// ---- concat: channel blocks ------------------------------------------------------------------
Tensor concat_forward(const std::vector<Tensor>& xs) {
  const char* op = "concat_forward";
  if (xs.empty()) throw Error("concat_forward: needs at least one piece, got none");
  int64_t channels = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    std::string name = std::to_string(i);
    name.insert(name.begin(), 'x');
    require_rank(op, name.c_str(), xs[i], 4, "[N, C, H, W]");
    require_positive(xs[i].shape(), std::string(op) + ": " + name);
    if (&xs[i].backend() != &xs[0].backend())
      throw Error(std::string(op) + ": tensors live on different backends (" +
                  xs[0].backend().name() + " and " + xs[i].backend().name() +
                  "); move them explicitly with Tensor::to() first");
    const Shape& s = xs[i].shape();
    const Shape& s0 = xs[0].shape();
    if (s[0] != s0[0] || s[2] != s0[2] || s[3] != s0[3])
      throw Error(std::string(op) + ": " + name + " " + to_string(s) + " and x0 " + to_string(s0) +
                  " must have the same N, H and W (concatenation joins the channels only)");
    channels += s[1];
  }
  if (channels > kMaxElements)
    throw Error(std::string(op) + ": " + std::to_string(channels) + " channels in all, too many");
  const Shape& s0 = xs[0].shape();
  Tensor y = output_like(xs[0], {s0[0], channels, s0[2], s0[3]});
  int64_t c0 = 0;
  for (const Tensor& x : xs) {
    y.backend().copy_channels(x, 0, y, c0, x.dim(1));
    c0 += x.dim(1);
  }
  return y;
}

std::vector<Tensor> concat_backward(const Tensor& dy, const std::vector<int64_t>& channels) {
  const char* op = "concat_backward";
  require_rank(op, "dy", dy, 4, "[N, C, H, W]");
  if (channels.empty()) throw Error("concat_backward: needs at least one piece, got none");
  int64_t total = 0;
  std::string list;
  for (size_t i = 0; i < channels.size(); ++i) {
    if (channels[i] < 1)
      throw Error(std::string(op) + ": piece " + std::to_string(i) + " has " +
                  std::to_string(channels[i]) + " channels; every piece needs at least 1");
    total += channels[i];
    if (i > 0) list += " + ";
    list += std::to_string(channels[i]);
  }
  if (total != dy.dim(1))
    throw Error(std::string(op) + ": the pieces' channels " + list + " = " + std::to_string(total) +
                " do not add up to dy's " + std::to_string(dy.dim(1)) + " (dy " +
                to_string(dy.shape()) + ")");
  std::vector<Tensor> dxs;
  int64_t c0 = 0;
  for (int64_t c : channels) {
    Tensor dx = output_like(dy, {dy.dim(0), c, dy.dim(2), dy.dim(3)});
    dy.backend().copy_channels(dy, c0, dx, 0, c);
    dxs.push_back(std::move(dx));
    c0 += c;
  }
  return dxs;
}

// ---- optimiser -----------------------------------------------------------------------------
void sgd_update(Tensor& param, const Tensor& grad, Tensor& velocity, const SgdParams& p) {
  const char* op = "sgd_update";
  require_defined(op, "param", param);
  Backend& be = common_backend(op, {&param, &grad, &velocity});
  require_shape(op, "grad", grad, param.shape(), "same shape as param");
  require_shape(op, "velocity", velocity, param.shape(), "same shape as param");
  validate(p);
  be.sgd_update(param, grad, velocity, p);
}

void adam_update(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamParams& p) {
  const char* op = "adam_update";
  require_defined(op, "param", param);
  Backend& be = common_backend(op, {&param, &grad, &m, &v});
  require_shape(op, "grad", grad, param.shape(), "same shape as param");
  require_shape(op, "m", m, param.shape(), "same shape as param");
  require_shape(op, "v", v, param.shape(), "same shape as param");
  validate(p);
  be.adam_update(param, grad, m, v, p);
}

}  // namespace cnnlab
