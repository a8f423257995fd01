// shader_modes.h — the named modes of the multi-purpose compute shaders, shared by GLSL and C++.
//
// Contract: a shader that does several related jobs takes a MODE (or OP) specialization constant
// (constant_id 1); the host picks the job when it asks for the pipeline, and the driver compiles
// away the other branches. Both sides spell every mode with the names below, so a number never
// has to be matched by hand between a dispatch call and a shader comment.
//
// This one file is valid as GLSL and as C++:
//   - glslc (with -I shaders/) reaches it through common.glsl's #include, where each name is a
//     `const uint`;
//   - backends/vulkan/*.cpp include "shaders/shader_modes.h", where each name is an
//     `inline constexpr uint32_t` in namespace cnnlab::vk.
// It may hold only what both languages accept: the declarations below, comments and the
// preprocessor. Editing it recompiles the shaders (backends/vulkan/CMakeLists.txt lists it among
// their dependencies) and the C++ files that include it.
#ifndef CNNLAB_SHADER_MODES_H
#define CNNLAB_SHADER_MODES_H

#ifdef __cplusplus
#include <cstdint>
#define CNNLAB_SHADER_CONST inline constexpr uint32_t
namespace cnnlab::vk {
#else
#define CNNLAB_SHADER_CONST const uint
#endif

// ---- elementwise.comp (OP): a = first operand, b = second; x input, y output, d = gradient ----
CNNLAB_SHADER_CONST ELEMENTWISE_RELU_FORWARD = 0u;      // y  = x <= 0 ? 0 : x   (NaN stays NaN)
CNNLAB_SHADER_CONST ELEMENTWISE_RELU_BACKWARD = 1u;     // dx = x <= 0 ? 0 : dy  (a NaN x passes dy)
CNNLAB_SHADER_CONST ELEMENTWISE_SIGMOID_FORWARD = 2u;   // y  = 1 / (1 + e^-x)
CNNLAB_SHADER_CONST ELEMENTWISE_SIGMOID_BACKWARD = 3u;  // dx = dy · y · (1 − y)
CNNLAB_SHADER_CONST ELEMENTWISE_TANH_FORWARD = 4u;      // y  = tanh x
CNNLAB_SHADER_CONST ELEMENTWISE_TANH_BACKWARD = 5u;     // dx = dy · (1 − y²)
CNNLAB_SHADER_CONST ELEMENTWISE_ADD_FORWARD = 6u;       // y  = a + b

// ---- pool2d_forward.comp (MODE): one invocation per output element -------------------------
CNNLAB_SHADER_CONST POOL_FORWARD_MAX = 0u;     // y = the window's first NaN, else its first maximum
CNNLAB_SHADER_CONST POOL_FORWARD_ARGMAX = 1u;  // idx = where that element is (for backward)
CNNLAB_SHADER_CONST POOL_FORWARD_AVG = 2u;     // y = window sum / divisor
CNNLAB_SHADER_CONST POOL_FORWARD_L2 = 3u;      // y = sqrt(window sum of squares / divisor)

// ---- pool2d_backward.comp (MODE): one invocation per input element -------------------------
CNNLAB_SHADER_CONST POOL_BACKWARD_MAX = 0u;  // gathers dy of the windows whose argmax is here
CNNLAB_SHADER_CONST POOL_BACKWARD_AVG = 1u;  // gathers dy / divisor of every window covering it
// [add_an_op_mode]
CNNLAB_SHADER_CONST POOL_BACKWARD_GLOBAL_AVG = 2u;  // dx = dy[plane] / (H·W): global avg pool
// [add_an_op_mode]

// ---- lrn.comp (MODE): local response normalisation, one invocation per element ------------
CNNLAB_SHADER_CONST LRN_FORWARD = 0u;        // y = x · d^(−β)
CNNLAB_SHADER_CONST LRN_BACKWARD_TERMS = 1u;  // t = dy · x · d^(−β−1), each channel's send-back
CNNLAB_SHADER_CONST LRN_BACKWARD_DX = 2u;     // dx = dy · d^(−β) − 2aβ · x · Σ_mirrored window t

// ---- row_reduce.comp (MODE): one workgroup per chunk of a row ------------------------------
CNNLAB_SHADER_CONST ROW_REDUCE_SOFTMAX_STATS = 0u;  // (max, Σ e^(a − max)): 2 floats per result
CNNLAB_SHADER_CONST ROW_REDUCE_DOT = 1u;            // Σ a·b
CNNLAB_SHADER_CONST ROW_REDUCE_SUM = 2u;            // Σ a
CNNLAB_SHADER_CONST ROW_REDUCE_CENTERED_SQ = 3u;    // Σ (a − c[row])²   (c: one value per row)
CNNLAB_SHADER_CONST ROW_REDUCE_CENTERED_DOT = 4u;   // Σ a·(b − c[row])

// ---- row_finish.comp (MODE): combines row_reduce's chunks, one invocation per row ----------
CNNLAB_SHADER_CONST ROW_FINISH_SOFTMAX_STATS = 0u;  // merges (max, sum-exp) pairs
CNNLAB_SHADER_CONST ROW_FINISH_SUM = 1u;            // scale · Σ partial sums (dot and sum)

// ---- softmax_apply.comp (MODE): one invocation per element of [N, D] -----------------------
CNNLAB_SHADER_CONST SOFTMAX_APPLY_FORWARD = 0u;      // y = e^(x − m) / s
CNNLAB_SHADER_CONST SOFTMAX_APPLY_BACKWARD = 1u;     // dx = y · (dy − Σ dy·y)
CNNLAB_SHADER_CONST SOFTMAX_APPLY_CE_BACKWARD = 2u;  // dlogits = dloss/N · (softmax − one-hot)

// ---- cross_entropy_check.comp (MODE) and its record ----------------------------------------
CNNLAB_SHADER_CONST CE_CHECK_SCAN = 0u;    // every element: lowest bad label / logit index
CNNLAB_SHADER_CONST CE_CHECK_REPORT = 1u;  // one invocation: copy the bad values, test the loss
CNNLAB_SHADER_CONST CE_CHECK_NONE = 0xFFFFFFFFu;  // "no bad index" in the record

// ---- sgd_update.comp (MODE): one vec4 per invocation, in place ----------------------------
CNNLAB_SHADER_CONST SGD_MOMENTUM = 0u;  // param −= lr · velocity
CNNLAB_SHADER_CONST SGD_NESTEROV = 1u;  // param −= lr · (g + momentum · velocity)

// ---- batchnorm_channel.comp (MODE): one invocation per channel --------------------------
CNNLAB_SHADER_CONST BN_CHANNEL_TRAIN = 0u;   // invstd = 1/sqrt(var + eps); running stats update
CNNLAB_SHADER_CONST BN_CHANNEL_EVAL = 1u;    // invstd = 1/sqrt(running_var + eps)
CNNLAB_SHADER_CONST BN_CHANNEL_DGAMMA = 2u;  // dgamma = Σ dy·(x − mean) · invstd

// ---- batchnorm_apply.comp (MODE): one invocation per element of [N, C, H, W] --------------
CNNLAB_SHADER_CONST BN_APPLY_FORWARD = 0u;         // y = gamma·(x − mean)·invstd + beta
CNNLAB_SHADER_CONST BN_APPLY_BACKWARD_BATCH = 1u;  // dx = gamma·invstd·(dy − dβ/M − xhat·dγ/M)
CNNLAB_SHADER_CONST BN_APPLY_BACKWARD_FIXED = 2u;  // dx = gamma·invstd·dy (eval statistics)

// ---- adam_update.comp (MODE): one vec4 per invocation, in place ----------------------------
CNNLAB_SHADER_CONST ADAM_L2 = 0u;         // Adam: g = grad + wd · param
CNNLAB_SHADER_CONST ADAM_DECOUPLED = 1u;  // AdamW: param *= 1 − lr · wd; g = grad

// ---- the graded exercises' stubs -----------------------------------------------------------
// The value a stubbed shader writes (exercise 12's student kit: `r = vec4(CNNLAB_NOT_IMPLEMENTED)`):
// a finite float no computation here produces, so the grader can tell "not written yet" from
// "wrong". A float literal with the f suffix is valid in C++ and in GLSL 4.50 alike.
#define CNNLAB_NOT_IMPLEMENTED (-1.2345e38f)

#undef CNNLAB_SHADER_CONST
#ifdef __cplusplus
}  // namespace cnnlab::vk
#endif

#endif  // CNNLAB_SHADER_MODES_H
