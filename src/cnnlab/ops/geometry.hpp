/// @file geometry.hpp
/// @brief Layer hyperparameters and the output-size arithmetic of convolution and pooling.
///
/// Contract: the lecture's size rules live here, once, for every backend:
///   conv2d:  H2 = (H + 2P - D(F-1) - 1)/S + 1, and likewise W2;
///   pool2d:  H2 = (H + 2P - F)/S + 1, and likewise W2.
/// How a quotient that is not a whole number is treated is the op's SizeRule:
///   exact (the default): the stride "doesn't fit" (the lecture's rule) and *_geometry() throws;
///   floor: round down (PyTorch's rule): the last input rows/columns that no window reaches
///          are ignored, and their gradient is 0;
///   ceil (pooling only): round up, where a last window that would start in the bottom/right
///          padding is dropped (PyTorch's ceil_mode).
/// Each *_geometry() function checks every rule and throws cnnlab::Error naming the broken
/// one; a backend that receives a geometry object may trust it completely.
///
/// Two more rules keep every layer computable, on every backend, before any work starts:
///   size:    every buffer a backend indexes holds at most kMaxElements = 2^31 − 1 elements:
///            the input N·C·H·W, the weights K·(C/G)·F·F, the padded input
///            N·C·(H+2P)·(W+2P), the output, and (conv2d) one image's im2col matrix of
///            (C/G)·F·F rows × H2·W2 columns. Reason: the Vulkan shaders index with 32-bit
///            integers, and the CPU backends allocate scratch buffers of these sizes. All size
///            arithmetic here is overflow-checked.
///   padding: conv2d's P is at most the filter's span D(F−1)+1 (of the larger filter side);
///            pooling's P at most F/2. Reason: with more padding, whole rows and columns of
///            windows see nothing but zeros, so the work and memory of a layer would grow with
///            P rather than with its real input (P = 1.5e9 on a 3×3 input would make the
///            backward pass run for minutes). Up to the span, every output is at most one
///            window away from the real input.
#pragma once

#include <cnnlab/core/shape.hpp>

#include <cstdint>
#include <string>

namespace cnnlab {

/// @brief The most elements a buffer a backend indexes may hold: 2^31 − 1 (32-bit indices).
inline constexpr int64_t kMaxElements = (int64_t{1} << 31) - 1;

/// @brief What an op does when its windows do not tile the (padded) input, i.e. when
///        (in + 2P − span) is not a multiple of the stride S.
///
/// exact is the default everywhere: it is the lecture's "doesn't fit!" rule (7×7 input, 3×3
/// filter, stride 3 is refused), and a student who asked for such a stride almost certainly
/// miscounted. floor is PyTorch's rule, which real networks rely on (ResNet-18's stem: 224×224,
/// 7×7, stride 2, padding 3 → 112×112). ceil is PyTorch's ceil_mode, for pooling only.
enum class SizeRule {
  exact,  ///< refuse a stride that does not tile the input (the lecture's rule)
  floor,  ///< round the output size down; input rows/columns no window reaches are ignored
  ceil,   ///< pooling only: round up; the last window may hang over the bottom/right edge
};

/// @brief The rule's name as model files and the CLI spell it: "exact", "floor" or "ceil".
const char* size_rule_name(SizeRule rule);

/// @brief The rule named @p word ("exact", "floor" or "ceil").
/// @throws Error "<where>: size rule '<word>' is not one of exact, floor, ceil".
SizeRule parse_size_rule(const std::string& word, const std::string& where);

/// @brief Hyperparameters of a 2-D convolution (cross-correlation, as in PyTorch).
///
/// Weights are [K, C/groups, F_h, F_w]; stride S, zero padding P and dilation D apply equally
/// to height and width.
struct Conv2dParams {
  int stride = 1;    ///< S: step between neighbouring filter positions.
  int padding = 0;   ///< P: zeros added on every side of the input.
  int dilation = 1;  ///< D: spacing between filter taps (1 = a dense filter).
  int groups = 1;    ///< Channels are split into this many independent groups.
  /// Output size when the stride does not tile the input: exact (refuse, the default) or
  /// floor (PyTorch's rule). ceil is refused for convolution.
  SizeRule size_rule = SizeRule::exact;
};

/// @brief Every size a convolution needs, validated by conv2d_geometry().
struct Conv2dGeometry {
  int64_t N = 0;                    ///< batch size
  int64_t C = 0;                    ///< input channels
  int64_t H = 0;                    ///< input height
  int64_t W = 0;                    ///< input width
  int64_t K = 0;                    ///< number of filters = output channels
  int64_t FH = 0;                   ///< filter height
  int64_t FW = 0;                   ///< filter width
  int64_t H2 = 0;                   ///< output height
  int64_t W2 = 0;                   ///< output width
  int64_t S = 1;                    ///< stride
  int64_t P = 0;                    ///< padding
  int64_t D = 1;                    ///< dilation
  int64_t G = 1;                    ///< groups
  SizeRule rule = SizeRule::exact;  ///< the size rule H2 and W2 were computed with
  /// @brief Input channels seen by one filter (C / G).
  int64_t channels_per_group() const { return C / G; }
  /// @brief Filters in one group (K / G).
  int64_t filters_per_group() const { return K / G; }
  /// @brief Shape of the input, [N, C, H, W].
  Shape input_shape() const { return {N, C, H, W}; }
  /// @brief Shape of the weights, [K, C/G, FH, FW].
  Shape weight_shape() const { return {K, C / G, FH, FW}; }
  /// @brief Shape of the output, [N, K, H2, W2].
  Shape output_shape() const { return {N, K, H2, W2}; }
};

/// @brief Checks a convolution's shapes and hyperparameters and computes its output size.
/// @param x_shape input shape, must be [N, C, H, W]
/// @param w_shape weight shape, must be [K, C/groups, F_h, F_w]
/// @param p stride, padding, dilation, groups, size rule
/// @throws Error naming the rule broken (rank, positive sizes, groups dividing C and K,
///         channel mismatch, a size beyond kMaxElements, padding beyond the filter's span,
///         filter larger than the padded input, stride that does not fit under
///         SizeRule::exact, SizeRule::ceil asked of a convolution).
Conv2dGeometry conv2d_geometry(const Shape& x_shape, const Shape& w_shape, const Conv2dParams& p);

/// @brief Learnable numbers of a conv layer: K filters of C/groups × F × F weights, plus K biases
///        if @p bias (the lecture's "F²CK weights and K biases" when groups = 1).
/// @param C input channels, @p K filters, @p F filter size (F × F), @p groups channel groups
/// @throws Error unless every size is at least 1 and @p groups divides both C and K.
/// Example: ten 5×5 filters on a 3-channel input with biases: (5·5·3 + 1)·10 = 760.
int64_t conv2d_parameter_count(int64_t C, int64_t K, int64_t F, int64_t groups, bool bias);

/// @brief Hyperparameters of a 2-D transposed convolution (PyTorch's ConvTranspose2d).
///
/// Weights are [C, K/groups, F_h, F_w] (input channels first, as in PyTorch). Stride S,
/// padding P, output padding OP and dilation D apply equally to height and width.
struct ConvTranspose2dParams {
  int stride = 1;          ///< S: step in the output between neighbouring input pixels.
  int padding = 0;         ///< P: rows and columns cropped from every side of the output.
  int output_padding = 0;  ///< OP: extra rows/columns at the bottom/right, OP < max(S, D).
  int dilation = 1;        ///< D: spacing between filter taps (1 = a dense filter).
  int groups = 1;          ///< Channels are split into this many independent groups.
};

/// @brief Every size a transposed convolution needs, validated by conv_transpose2d_geometry().
///
/// x[N,C,H,W] (the small input), w[C,K/G,FH,FW], y[N,K,H2,W2] (the large output) with
///   H2 = (H − 1)·S − 2P + D(FH − 1) + OP + 1   (and likewise W2).
/// Each input pixel x[n,c,i,j] scatters x·w[c,k,:,:] into y at rows i·S − P + u·D, columns
/// j·S − P + v·D: the adjoint of the convolution as_conv(), which maps a y-shaped input back to
/// an x-shaped output with the same w, S, P, D and G.
struct ConvTranspose2dGeometry {
  int64_t N = 0;   ///< batch size
  int64_t C = 0;   ///< input channels
  int64_t H = 0;   ///< input height
  int64_t W = 0;   ///< input width
  int64_t K = 0;   ///< output channels
  int64_t FH = 0;  ///< filter height
  int64_t FW = 0;  ///< filter width
  int64_t H2 = 0;  ///< output height
  int64_t W2 = 0;  ///< output width
  int64_t S = 1;   ///< stride
  int64_t P = 0;   ///< padding
  int64_t OP = 0;  ///< output padding
  int64_t D = 1;   ///< dilation
  int64_t G = 1;   ///< groups
  /// @brief Input channels in one group (C / G).
  int64_t channels_per_group() const { return C / G; }
  /// @brief Output channels in one group (K / G).
  int64_t filters_per_group() const { return K / G; }
  /// @brief Shape of the input, [N, C, H, W].
  Shape input_shape() const { return {N, C, H, W}; }
  /// @brief Shape of the weights, [C, K/G, FH, FW].
  Shape weight_shape() const { return {C, K / G, FH, FW}; }
  /// @brief Shape of the output, [N, K, H2, W2].
  Shape output_shape() const { return {N, K, H2, W2}; }
  /// @brief The matching convolution: input [N, K, H2, W2] (y-shaped), the same weights read as
  ///        [C filters, K/G channels, FH, FW], output [N, C, H, W] (x-shaped). With OP > 0 its
  ///        stride does not tile its input: the last OP rows and columns (less the padding)
  ///        are never read, and its rule is SizeRule::floor (else SizeRule::exact).
  Conv2dGeometry as_conv() const {
    Conv2dGeometry g;
    g.N = N;
    g.C = K;
    g.H = H2;
    g.W = W2;
    g.K = C;
    g.FH = FH;
    g.FW = FW;
    g.H2 = H;
    g.W2 = W;
    g.S = S;
    g.P = P;
    g.D = D;
    g.G = G;
    // OP > 0: (H2 + 2P − span) = (H − 1)S + OP is not a multiple of S, and H comes out by
    // rounding down (PyTorch's rule), the bottom/right OP rows and columns unread.
    g.rule = OP > 0 ? SizeRule::floor : SizeRule::exact;
    return g;
  }
};

/// @brief Checks a transposed convolution's shapes and hyperparameters and computes its output
///        size H2 = (H − 1)·S − 2P + D(F − 1) + output_padding + 1 (likewise W2).
/// @param x_shape input shape, must be [N, C, H, W]
/// @param w_shape weight shape, must be [C, K/groups, F_h, F_w]
/// @param p stride, padding, output padding, dilation, groups
/// @throws Error naming the rule broken (rank, positive sizes, groups dividing C, channel
///         mismatch, output padding not below max(stride, dilation), padding beyond the
///         filter's span, an output smaller than 1, a size beyond kMaxElements).
ConvTranspose2dGeometry conv_transpose2d_geometry(const Shape& x_shape, const Shape& w_shape,
                                                  const ConvTranspose2dParams& p);

/// @brief Learnable numbers of a transposed conv layer: C·(K/groups)·F·F weights, plus K biases
///        if @p bias (the same count as the convolution it is the adjoint of).
/// @param C input channels, @p K output channels, @p F filter size, @p groups channel groups
/// @throws Error unless every size is at least 1 and @p groups divides both C and K.
/// Example: 128 → 64 channels of 4×4 with biases: 128·64·16 + 64 = 131,136.
int64_t conv_transpose2d_parameter_count(int64_t C, int64_t K, int64_t F, int64_t groups,
                                         bool bias);

/// @brief Learnable numbers of a fully connected layer y = xW + b: W is D_in × D_out, plus
///        D_out biases if @p bias.
/// @throws Error unless both sizes are at least 1.
int64_t linear_parameter_count(int64_t D_in, int64_t D_out, bool bias);

/// @brief Hyperparameters of 2-D max or average pooling.
struct Pool2dParams {
  int kernel = 2;   ///< F: window size (F x F).
  int stride = 0;   ///< S: step between windows; 0 means "same as kernel".
  int padding = 0;  ///< P: implicit padding on every side, at most F/2.
  /// Output size when the stride does not tile the input: exact (refuse, the default), floor
  /// (round down, PyTorch's default) or ceil (round up, PyTorch's ceil_mode=True).
  SizeRule size_rule = SizeRule::exact;
};

/// @brief Every size a pooling layer needs, validated by pool2d_geometry().
struct Pool2dGeometry {
  int64_t N = 0;                    ///< batch size
  int64_t C = 0;                    ///< channels (pooling works on each channel separately)
  int64_t H = 0;                    ///< input height
  int64_t W = 0;                    ///< input width
  int64_t F = 2;                    ///< window size
  int64_t S = 2;                    ///< stride
  int64_t P = 0;                    ///< padding
  int64_t H2 = 0;                   ///< output height
  int64_t W2 = 0;                   ///< output width
  SizeRule rule = SizeRule::exact;  ///< the size rule H2 and W2 were computed with
  /// @brief Shape of the input, [N, C, H, W].
  Shape input_shape() const { return {N, C, H, W}; }
  /// @brief Shape of the output, [N, C, H2, W2].
  Shape output_shape() const { return {N, C, H2, W2}; }
};

/// @brief Checks a pooling layer's input and hyperparameters and computes its output size.
/// @param op name used in error messages ("maxpool2d" or "avgpool2d")
/// @param x_shape input shape, must be [N, C, H, W]
/// @param p window, stride, padding, size rule
/// @throws Error naming the rule broken (including a size beyond kMaxElements).
Pool2dGeometry pool2d_geometry(const char* op, const Shape& x_shape, const Pool2dParams& p);

}  // namespace cnnlab
