/// @file ops.hpp
/// @brief The public ops API: every layer's forward and backward pass as a plain function.
///
/// Contract:
/// - Each function validates its arguments (shapes, hyperparameters, values where the rule is
///   about values) and throws cnnlab::Error with a message naming the op, the shapes and the
///   rule broken. Only then does it allocate the outputs on the inputs' backend and call that
///   backend's virtual (see backend.hpp).
/// - All tensor arguments of one call must live on the same backend; otherwise the call throws
///   instead of moving data behind your back.
/// - Backward functions return fresh gradient tensors; they never accumulate into old ones.
/// - Notation follows the lecture: input x is [N, C, H, W]; K filters of F×F; stride S,
///   padding P; output [N, K, H2, W2]. A fully connected layer computes y = xW + b with W of
///   shape [D_in, D_out], so dL/dx = dL/dy·Wᵀ and dL/dW = xᵀ·dL/dy.
#pragma once

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/tensor.hpp>
#include <cnnlab/ops/batchnorm_ops.hpp>  // batch normalisation
#include <cnnlab/ops/dropout_ops.hpp>    // dropout
#include <cnnlab/ops/geometry.hpp>
#include <cnnlab/optim/adam.hpp>
#include <cnnlab/optim/sgd.hpp>

#include <vector>

namespace cnnlab {

/// @brief Gradients of a layer's parameters: dw always, db only if the layer has a bias.
struct ParamGrads {
  Tensor dw;  ///< gradient of the weights, same shape as the weights
  Tensor db;  ///< gradient of the bias, undefined when the layer has no bias
};

/// @brief Gradients of y = a + b.
struct AddGrads {
  Tensor da;  ///< dL/da
  Tensor db;  ///< dL/db
};

/// @brief Gradients of y = op(a)·op(b) (see matmul_backward()).
struct MatmulGrads {
  Tensor da;  ///< dL/da, same shape as a as stored (not as op(a))
  Tensor db;  ///< dL/db, same shape as b as stored
};

/// @name Convolution
/// @{

/// @brief y[N,K,H2,W2] = x[N,C,H,W] ⋆ w[K,C/G,F,F] + b[K] (cross-correlation, like PyTorch).
/// @param b bias of shape [K], or an undefined Tensor() for no bias.
Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b,
                      const Conv2dParams& p = {});
/// @brief dL/dx[N,C,H,W] given dL/dy[N,K,H2,W2], the weights and the input's shape.
Tensor conv2d_backward_data(const Tensor& dy, const Tensor& w, const Shape& x_shape,
                            const Conv2dParams& p = {});
/// @brief dL/dw and (if @p with_bias) dL/db given the forward input x and dL/dy.
ParamGrads conv2d_backward_weight(const Tensor& x, const Tensor& dy, const Shape& w_shape,
                                  bool with_bias, const Conv2dParams& p = {});
/// @}

/// @name Transposed convolution
/// @{

/// @brief Transposed convolution ("learnable upsampling", PyTorch's conv_transpose2d):
///        each pixel of x[N,C,H,W] adds its value times its filter w[c,:,:,:] into
///        y[N,K,H2,W2], S output pixels further for each input pixel, cropped by P on every
///        side; H2 = (H − 1)·S − 2P + D(F − 1) + output_padding + 1. It is the adjoint of the
///        convolution with the same w, S, P, D, G that maps y's shape back to x's.
/// @param w weights [C, K/groups, F, F] (input channels first, as in PyTorch)
/// @param b bias of shape [K], or an undefined Tensor() for no bias.
/// @throws Error naming the rule broken (see conv_transpose2d_geometry()).
Tensor conv_transpose2d_forward(const Tensor& x, const Tensor& w, const Tensor& b,
                                const ConvTranspose2dParams& p = {});
/// @brief dL/dx[N,C,H,W] given dL/dy[N,K,H2,W2], the weights and the input's shape: the
///        convolution of dy with w (no bias).
Tensor conv_transpose2d_backward_data(const Tensor& dy, const Tensor& w, const Shape& x_shape,
                                      const ConvTranspose2dParams& p = {});
/// @brief dL/dw[C,K/G,F,F] and (if @p with_bias) dL/db[K] = Σ dL/dy over N, H2, W2, given
///        the forward input x and dL/dy.
ParamGrads conv_transpose2d_backward_weight(const Tensor& x, const Tensor& dy, const Shape& w_shape,
                                            bool with_bias, const ConvTranspose2dParams& p = {});
/// @}

/// @name Pooling
/// @{

/// @brief Max pooling: y[N,C,H2,W2] holds each F×F window's maximum (padding never wins).
///        NaN rule (PyTorch's): a window that holds a NaN gives its first NaN in row-major
///        order, so a NaN is never hidden by a larger neighbour.
Tensor maxpool2d_forward(const Tensor& x, const Pool2dParams& p = {});
/// @brief dL/dx: each window's dL/dy goes to the position of its maximum. Tie rule: when
///        several positions share the maximum, the first in row-major order gets it all; a
///        window holding a NaN sends it to its first NaN (the position the forward pass chose).
Tensor maxpool2d_backward(const Tensor& x, const Tensor& dy, const Pool2dParams& p = {});
/// @brief Average pooling: y holds each window's mean (padding counts as zeros; the part of a
///        ceil-mode window beyond the padded input does not count).
Tensor avgpool2d_forward(const Tensor& x, const Pool2dParams& p = {});
/// @brief dL/dx: each window's dL/dy divided evenly among the window's positions.
Tensor avgpool2d_backward(const Tensor& dy, const Shape& x_shape, const Pool2dParams& p = {});
// [add_an_op_declaration]
/// @brief Global average pooling: y[N,C,1,1] holds the mean of each channel's whole H×W plane
///        of x[N,C,H,W] (no settings; y stays 4-D, so a flatten after it gives [N,C]).
/// @throws Error unless x is a 4-D [N,C,H,W] tensor with every dimension at least 1.
Tensor global_avgpool2d_forward(const Tensor& x);
// [add_an_op_declaration]
/// @brief dL/dx[N,C,H,W]: each dL/dy[n,c] divided evenly among the H·W positions of its plane.
/// @throws Error unless @p x_shape is 4-D [N,C,H,W] and dy is [N,C,1,1].
Tensor global_avgpool2d_backward(const Tensor& dy, const Shape& x_shape);
/// @brief L2 (root-mean-square) pooling: y[N,C,H2,W2] = sqrt(mean of x² over each F×F window),
///        the windows and the divisor as for avgpool2d_forward() (padding counts as zeros), so
///        y = sqrt(avgpool2d(x²)). PyTorch's lp_pool2d with p = 2 gives sqrt(Σ x²) instead,
///        i.e. sqrt(F·F) times this for a full window.
Tensor l2pool2d_forward(const Tensor& x, const Pool2dParams& p = {});
/// @brief dL/dx = x · Σ over the windows holding x of dL/dy / (divisor · y), from the forward
///        input @p x and output @p y; a window whose y is 0 (all zeros) contributes 0.
/// @throws Error unless y and dy both have the shape of the forward output.
Tensor l2pool2d_backward(const Tensor& x, const Tensor& y, const Tensor& dy,
                         const Pool2dParams& p = {});
/// @}

/// @name Local response normalisation
/// @{

/// @brief Local response normalisation across channels (AlexNet's NORM):
///        y = x / (k + alpha/size · Σ x²)^beta, the sum over the window of @p p.size channels
///        [c − ⌊size/2⌋, c + ⌊(size−1)/2⌋] at the same pixel (PyTorch's convention: alpha is
///        divided by size). See cnnlab/ops/lrn_geometry.hpp.
/// @throws Error unless x is [N,C,H,W] and the settings pass lrn_geometry().
Tensor lrn_forward(const Tensor& x, const LrnParams& p = {});
/// @brief dL/dx of lrn_forward() from the forward input @p x and dL/dy (each x also changes its
///        neighbours' denominators, so dx[c] gathers from the channels whose window holds c).
/// @throws Error unless dy has x's shape and the settings pass lrn_geometry().
Tensor lrn_backward(const Tensor& x, const Tensor& dy, const LrnParams& p = {});
/// @}

/// @name Fully connected layer and matrix multiply
/// @{

/// @brief y[N,D_out] = x[N,D_in] · W[D_in,D_out] + b[D_out]; b may be undefined.
Tensor linear_forward(const Tensor& x, const Tensor& w, const Tensor& b);
/// @brief dL/dx = dL/dy · Wᵀ.
Tensor linear_backward_data(const Tensor& dy, const Tensor& w);
/// @brief dL/dW = xᵀ · dL/dy and, if @p with_bias, dL/db = column sums of dL/dy.
ParamGrads linear_backward_weight(const Tensor& x, const Tensor& dy, bool with_bias);
/// @brief C = op(A) · op(B), where op transposes when the flag is set. A and B are 2-D.
Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a = false, bool trans_b = false);
/// @brief Gradients of y = op(a)·op(b) given dL/dy, each again a product of two of a, b, dy:
///
///     y = a b:    da = dy bᵀ,     db = aᵀ dy
///     y = aᵀ b:   da = b dyᵀ,     db = a dy
///     y = a bᵀ:   da = dy b,      db = dyᵀ a
///     y = aᵀ bᵀ:  da = bᵀ dyᵀ,    db = dyᵀ aᵀ
///
/// @param dy dL/dy, shaped like the forward output [M, N] (op(a) is M×K, op(b) is K×N)
/// @throws Error for operands that are not matrices, inner sizes that disagree, or a dy of
///         another shape than the forward output.
MatmulGrads matmul_backward(const Tensor& a, const Tensor& b, const Tensor& dy,
                            bool trans_a = false, bool trans_b = false);
/// @}

/// @name Activations
/// @{

/// @brief y = max(0, x), with NaN kept (PyTorch's rule): y = (x <= 0) ? 0 : x, so
///        relu(NaN) = NaN.
Tensor relu_forward(const Tensor& x);
/// @brief dL/dx = (x <= 0) ? 0 : dL/dy: dL/dy where x > 0 or x is NaN, else 0.
Tensor relu_backward(const Tensor& x, const Tensor& dy);
/// @brief y = σ(x) = 1 / (1 + e^-x).
Tensor sigmoid_forward(const Tensor& x);
/// @brief dL/dx = dL/dy · y(1 − y), from the forward *output* y.
Tensor sigmoid_backward(const Tensor& y, const Tensor& dy);
/// @brief y = tanh(x).
Tensor tanh_forward(const Tensor& x);
/// @brief dL/dx = dL/dy · (1 − y²), from the forward *output* y.
Tensor tanh_backward(const Tensor& y, const Tensor& dy);
/// @}

/// @name Softmax and loss
/// @{

/// @brief Row-wise softmax of a [N, D] matrix.
Tensor softmax_forward(const Tensor& x);
/// @brief dL/dx from the softmax output y and dL/dy.
Tensor softmax_backward(const Tensor& y, const Tensor& dy);
/// @brief Mean cross-entropy of softmax(logits) against integer class labels.
/// @param logits [N, D] scores, finite
/// @param labels [N] class indices stored as floats, each an integer in [0, D)
/// @return a tensor of shape [1] holding the loss
/// @throws Error for bad shapes, labels that are out of range or not integers,
///         non-finite logits when they make the loss non-finite (the message gives the first
///         bad index), and finite logits whose loss does not fit in float32 (e.g. ±3e38: the
///         message names the row and its logits' span). On a backend that checks data on its device
///         (Vulkan, Backend::checks_data_on_device()) the label and logit errors come, with the
///         same message, from the next read of a result or synchronize() instead of from this call.
Tensor softmax_cross_entropy_forward(const Tensor& logits, const Tensor& labels);
/// @brief dL/dlogits = dloss · (softmax(logits) − onehot(labels)) / N.
/// @throws Error like softmax_cross_entropy_forward, for any non-finite logit, and for a
///         non-finite @p dloss (always at the call).
Tensor softmax_cross_entropy_backward(const Tensor& logits, const Tensor& labels,
                                      float dloss = 1.0f);
/// @}

/// @name Shape and elementwise
/// @{

/// @brief [N, C, H, W] → [N, C·H·W] (a view, no copy). Any rank ≥ 2 works.
Tensor flatten_forward(const Tensor& x);
/// @brief Reshapes dL/dy back to the input's shape (a view, no copy).
Tensor flatten_backward(const Tensor& dy, const Shape& x_shape);
/// @brief y = a + b for tensors of equal shape.
Tensor add_forward(const Tensor& a, const Tensor& b);
/// @brief Gradients of y = a + b: both are dL/dy (returned as two independent copies).
AddGrads add_backward(const Tensor& dy);
/// @brief Channel concatenation (the Inception module's join): the k pieces x_i[N, C_i, H, W]
///        side by side on the channel axis, y[N, ΣC_i, H, W] (x_0's channels first).
/// @throws Error unless there is at least one piece and every piece is a defined 4-D tensor
///         on one backend with the same N, H and W (the message names the pieces and shapes).
Tensor concat_forward(const std::vector<Tensor>& xs);
/// @brief Gradients of concat: dy[N, ΣC_i, H, W] cut back into the pieces, dx_i[N, C_i, H, W]
///        = dy[:, C_0 + ... + C_(i-1) + c, :, :] (@p channels lists the C_i in order).
/// @throws Error unless dy is 4-D, every C_i is at least 1 and the C_i sum to dy's channels.
std::vector<Tensor> concat_backward(const Tensor& dy, const std::vector<int64_t>& channels);
/// @}

/// @name Optimiser
/// @{

/// @brief One SGD step in place on @p param, using and updating @p velocity (same shape);
///        the rule, Nesterov's variant included, is SgdParams'.
/// @throws Error unless param, grad and velocity have one shape and one backend and @p p is
///         valid (validate()); nothing is changed then.
void sgd_update(Tensor& param, const Tensor& grad, Tensor& velocity, const SgdParams& p);
/// @brief One Adam (or, with p.decoupled, AdamW) step in place on @p param, using and updating
///        the first and second moments @p m and @p v (same shape, zeros before step 1); the
///        rule is AdamParams'.
/// @throws Error unless param, grad, m and v have one shape and one backend and @p p is valid
///         (validate()); nothing is changed then.
void adam_update(Tensor& param, const Tensor& grad, Tensor& m, Tensor& v, const AdamParams& p);
/// @}

}  // namespace cnnlab
