// reference_backend.cpp — glue from the Backend interface to the templated reference kernels.
//
// Contract: each method unpacks tensor pointers and sizes and calls one kernel with T = float.
// Arguments were validated by src/ops/ops.cpp; nothing is checked twice here.
#include "backends/reference/reference_backend.hpp"

#include "backends/reference/activations.hpp"
#include "backends/reference/batchnorm.hpp"
#include "backends/reference/conv2d.hpp"
#include "backends/reference/conv_transpose2d.hpp"
#include "backends/reference/dropout.hpp"
#include "backends/reference/elementwise.hpp"
#include "backends/reference/linear.hpp"
#include "backends/reference/lrn.hpp"
#include "backends/reference/pool2d.hpp"
#include "backends/reference/softmax.hpp"

#include <algorithm>

namespace cnnlab {

namespace {
/// Pointer to an optional tensor's values, or nullptr when it is undefined (e.g. no bias).
float* optional_data(const Tensor& t) { return t.defined() ? t.data() : nullptr; }
}  // namespace

// ---- convolution ---------------------------------------------------------------------------
void ReferenceBackend::conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y,
                                      const Conv2dGeometry& g) {
  ref::conv2d_forward<float>(x.data(), w.data(), optional_data(b), y.data(), g);
}
void ReferenceBackend::conv2d_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx,
                                            const Conv2dGeometry& g) {
  ref::conv2d_backward_data<float>(dy.data(), w.data(), dx.data(), g);
}
void ReferenceBackend::conv2d_backward_weight(const Tensor& x, const Tensor& dy, Tensor& dw,
                                              Tensor& db, const Conv2dGeometry& g) {
  ref::conv2d_backward_weight<float>(x.data(), dy.data(), dw.data(), optional_data(db), g);
}

// ---- transposed convolution: the scatter loops --------------------------------------------
void ReferenceBackend::conv_transpose2d_forward(const Tensor& x, const Tensor& w, const Tensor& b,
                                                Tensor& y, const ConvTranspose2dGeometry& g) {
  ref::conv_transpose2d_forward<float>(x.data(), w.data(), optional_data(b), y.data(), g);
}
void ReferenceBackend::conv_transpose2d_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx,
                                                      const ConvTranspose2dGeometry& g) {
  ref::conv_transpose2d_backward_data<float>(dy.data(), w.data(), dx.data(), g);
}
void ReferenceBackend::conv_transpose2d_backward_weight(const Tensor& x, const Tensor& dy,
                                                        Tensor& dw, Tensor& db,
                                                        const ConvTranspose2dGeometry& g) {
  ref::conv_transpose2d_backward_weight<float>(x.data(), dy.data(), dw.data(), optional_data(db),
                                               g);
}

// ---- pooling -------------------------------------------------------------------------------
void ReferenceBackend::maxpool2d_forward(const Tensor& x, Tensor& y, const Pool2dGeometry& g) {
  ref::maxpool2d_forward<float>(x.data(), y.data(), g);
}
void ReferenceBackend::maxpool2d_backward(const Tensor& x, const Tensor& dy, Tensor& dx,
                                          const Pool2dGeometry& g) {
  ref::maxpool2d_backward<float>(x.data(), dy.data(), dx.data(), g);
}
void ReferenceBackend::avgpool2d_forward(const Tensor& x, Tensor& y, const Pool2dGeometry& g) {
  ref::avgpool2d_forward<float>(x.data(), y.data(), g);
}
void ReferenceBackend::avgpool2d_backward(const Tensor& dy, Tensor& dx, const Pool2dGeometry& g) {
  ref::avgpool2d_backward<float>(dy.data(), dx.data(), g);
}
// [add_an_op_reference]
void ReferenceBackend::global_avgpool2d_forward(const Tensor& x, Tensor& y) {
  ref::global_avgpool2d_forward<float>(x.data(), y.data(), x.dim(0) * x.dim(1),
                                       x.dim(2) * x.dim(3));
}
// [add_an_op_reference]
void ReferenceBackend::global_avgpool2d_backward(const Tensor& dy, Tensor& dx) {
  ref::global_avgpool2d_backward<float>(dy.data(), dx.data(), dx.dim(0) * dx.dim(1),
                                        dx.dim(2) * dx.dim(3));
}
void ReferenceBackend::l2pool2d_forward(const Tensor& x, Tensor& y, const Pool2dGeometry& g) {
  ref::l2pool2d_forward<float>(x.data(), y.data(), g);
}
void ReferenceBackend::l2pool2d_backward(const Tensor& x, const Tensor& y, const Tensor& dy,
                                         Tensor& dx, const Pool2dGeometry& g) {
  ref::l2pool2d_backward<float>(x.data(), y.data(), dy.data(), dx.data(), g);
}

// ---- local response normalisation ----------------------------------------------------------
void ReferenceBackend::lrn_forward(const Tensor& x, Tensor& y, const LrnGeometry& g) {
  ref::lrn_forward<float>(x.data(), y.data(), g);
}
void ReferenceBackend::lrn_backward(const Tensor& x, const Tensor& dy, Tensor& dx,
                                    const LrnGeometry& g) {
  ref::lrn_backward<float>(x.data(), dy.data(), dx.data(), g);
}

// ---- fully connected and matrix multiply ---------------------------------------------------
void ReferenceBackend::linear_forward(const Tensor& x, const Tensor& w, const Tensor& b,
                                      Tensor& y) {
  ref::linear_forward<float>(x.data(), w.data(), optional_data(b), y.data(), x.dim(0), w.dim(0),
                             w.dim(1));
}
void ReferenceBackend::linear_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx) {
  ref::linear_backward_data<float>(dy.data(), w.data(), dx.data(), dy.dim(0), w.dim(0), w.dim(1));
}
void ReferenceBackend::linear_backward_weight(const Tensor& x, const Tensor& dy, Tensor& dw,
                                              Tensor& db) {
  ref::linear_backward_weight<float>(x.data(), dy.data(), dw.data(), optional_data(db), x.dim(0),
                                     x.dim(1), dy.dim(1));
}
void ReferenceBackend::gemm(bool trans_a, bool trans_b, float alpha, const Tensor& a,
                            const Tensor& b, float beta, Tensor& c) {
  const int64_t kd = trans_a ? a.dim(0) : a.dim(1);
  ref::gemm<float>(trans_a, trans_b, c.dim(0), c.dim(1), kd, alpha, a.data(), b.data(), beta,
                   c.data());
}

// ---- activations ---------------------------------------------------------------------------
// [relu_forward] (docs/backends.md shows the lines between these markers)
void ReferenceBackend::relu_forward(const Tensor& x, Tensor& y) {
  ref::relu_forward<float>(x.data(), y.data(), x.numel());
}
// [relu_forward]
void ReferenceBackend::relu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) {
  ref::relu_backward<float>(x.data(), dy.data(), dx.data(), x.numel());
}
void ReferenceBackend::sigmoid_forward(const Tensor& x, Tensor& y) {
  ref::sigmoid_forward<float>(x.data(), y.data(), x.numel());
}
void ReferenceBackend::sigmoid_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  ref::sigmoid_backward<float>(y.data(), dy.data(), dx.data(), y.numel());
}
void ReferenceBackend::tanh_forward(const Tensor& x, Tensor& y) {
  ref::tanh_forward<float>(x.data(), y.data(), x.numel());
}
void ReferenceBackend::tanh_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  ref::tanh_backward<float>(y.data(), dy.data(), dx.data(), y.numel());
}

// ---- softmax and loss ----------------------------------------------------------------------
void ReferenceBackend::softmax_forward(const Tensor& x, Tensor& y) {
  ref::softmax_forward<float>(x.data(), y.data(), x.dim(0), x.dim(1));
}
void ReferenceBackend::softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  ref::softmax_backward<float>(y.data(), dy.data(), dx.data(), y.dim(0), y.dim(1));
}
void ReferenceBackend::softmax_cross_entropy_forward(const Tensor& logits, const Tensor& labels,
                                                     Tensor& loss) {
  loss.data()[0] = ref::softmax_cross_entropy_forward<float>(logits.data(), labels.data(),
                                                             logits.dim(0), logits.dim(1));
}
void ReferenceBackend::softmax_cross_entropy_backward(const Tensor& logits, const Tensor& labels,
                                                      float dloss, Tensor& dlogits) {
  ref::softmax_cross_entropy_backward<float>(logits.data(), labels.data(), dloss, dlogits.data(),
                                             logits.dim(0), logits.dim(1));
}

// ---- batch normalisation and dropout --------------------------------------------------------
void ReferenceBackend::batchnorm2d_forward_train(const Tensor& x, const Tensor& gamma,
                                                 const Tensor& beta, const BatchNormParams& p,
                                                 Tensor& y, Tensor& mean, Tensor& invstd,
                                                 Tensor& running_mean, Tensor& running_var) {
  ref::batchnorm2d_forward_train<float>(x.data(), gamma.data(), beta.data(), y.data(), mean.data(),
                                        invstd.data(), optional_data(running_mean),
                                        optional_data(running_var), x.dim(0), x.dim(1),
                                        x.dim(2) * x.dim(3), p.eps, p.momentum);
}
void ReferenceBackend::batchnorm2d_forward_eval(const Tensor& x, const Tensor& gamma,
                                                const Tensor& beta, const Tensor& running_mean,
                                                const Tensor& running_var, const BatchNormParams& p,
                                                Tensor& y, Tensor& invstd) {
  ref::batchnorm2d_forward_eval<float>(x.data(), gamma.data(), beta.data(), running_mean.data(),
                                       running_var.data(), y.data(), invstd.data(), x.dim(0),
                                       x.dim(1), x.dim(2) * x.dim(3), p.eps);
}
void ReferenceBackend::batchnorm2d_backward(const Tensor& x, const Tensor& dy, const Tensor& gamma,
                                            const Tensor& mean, const Tensor& invstd,
                                            bool batch_stats, Tensor& dx, Tensor& dgamma,
                                            Tensor& dbeta) {
  ref::batchnorm2d_backward<float>(x.data(), dy.data(), gamma.data(), mean.data(), invstd.data(),
                                   batch_stats, dx.data(), dgamma.data(), dbeta.data(), x.dim(0),
                                   x.dim(1), x.dim(2) * x.dim(3));
}
void ReferenceBackend::dropout_forward(const Tensor& x, const DropoutParams& p, Tensor& y) {
  ref::dropout_apply<float>(x.data(), y.data(), x.numel(), dropout_mask(p));
}
void ReferenceBackend::dropout_backward(const Tensor& dy, const DropoutParams& p, Tensor& dx) {
  ref::dropout_apply<float>(dy.data(), dx.data(), dy.numel(), dropout_mask(p));
}

// ---- elementwise and optimiser -------------------------------------------------------------
void ReferenceBackend::add_forward(const Tensor& a, const Tensor& b, Tensor& y) {
  ref::add_forward<float>(a.data(), b.data(), y.data(), a.numel());
}
void ReferenceBackend::copy_channels(const Tensor& src, int64_t src_c0, Tensor& dst, int64_t dst_c0,
                                     int64_t channels) {
  ref::copy_channels<float>(src.data(), src.dim(1), src_c0, dst.data(), dst.dim(1), dst_c0,
                            channels, src.dim(0), src.dim(2) * src.dim(3));
}
void ReferenceBackend::sgd_update(Tensor& param, const Tensor& grad, Tensor& velocity,
                                  const SgdParams& p) {
  ref::sgd_update<float>(param.data(), grad.data(), velocity.data(), param.numel(), p.lr,
                         p.momentum, p.weight_decay, p.nesterov);
}
void ReferenceBackend::adam_update(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v,
                                   const AdamParams& p) {
  ref::adam_update<float>(param.data(), grad.data(), m.data(), v.data(), param.numel(), p.lr,
                          p.beta1, p.beta2, p.eps, p.weight_decay, p.decoupled,
                          static_cast<float>(adam_bias_correction(p.beta1, p.step)),
                          static_cast<float>(adam_bias_correction(p.beta2, p.step)));
}

}  // namespace cnnlab
