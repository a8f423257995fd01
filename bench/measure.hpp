// measure.hpp — one function per kind of case: build the inputs on the backend under test, time
// the call with measure() (timing.hpp) and report() the figure.
//
// Contract: every call goes through the public ops API (a new output each call, as a user's code
// does), except SGEMM (Backend::gemm into a preallocated C) and the cases named "prealloc"
// (Backend::relu_forward into a preallocated output). Units: convolution and SGEMM in
// GFLOP/s or TFLOP/s, counting 2·N·K·H2·W2·C·F² per pass (fwd+bwd counts 3 passes); max pool and
// ReLU in GB/s, bytes read + written; the LeNet-5 step in images/s; dispatch overhead in host µs
// per op. Implemented in measure_ops.cpp and dispatch_overhead.cpp.
#pragma once

#include "bench_context.hpp"
#include "cases.hpp"

#include <string>
#include <vector>

namespace cnnlab::bench {

/// @brief Times each direction in @p dirs (fwd, fwd+bwd, bwd_data, bwd_wgt) of layer @p c.
/// Times the transposed convolution @p c in each of @p dirs (same directions as bench_conv).
void bench_conv_transpose(const Context& ctx, const ConvTransposeCase& c,
                          const std::vector<std::string>& dirs, const std::string& flop_unit);
void bench_conv(const Context& ctx, const ConvCase& c, const std::vector<std::string>& dirs,
                const std::string& flop_unit);

/// @brief SGEMM n³ through Backend::gemm into a preallocated C.
void bench_gemm(const Context& ctx, const GemmCase& g, const std::string& flop_unit);

/// @brief 2×2/2 max pooling forward through the ops API (bytes: x read + y written).
void bench_maxpool(const Context& ctx, const PoolCase& p);

/// @brief ReLU on @p numel floats: "ops" = relu_forward of the ops API (a new output each call),
///        "prealloc" = Backend::relu_forward into one preallocated output.
void bench_relu(const Context& ctx, int64_t numel);
/// @brief Batch norm in training mode, forward and forward + backward, in GB/s of the
///        unavoidable traffic (fwd: read x, write y; fwd+bwd: plus read x and dy, write dx).
void bench_batchnorm(const Context& ctx, const NormCase& c);
/// @brief Dropout forward (p = 0.5) on @p numel floats, GB/s (read x, write y).
void bench_dropout(const Context& ctx, int64_t numel);

/// @brief Channel concatenation of GoogLeNet's inception (3a) outputs (64, 128, 32 and 32
///        channels of 28×28, batch @p batch): "fwd" = concat_forward, "bwd" = concat_backward,
///        both in GB/s (every value read once and written once).
void bench_concat(const Context& ctx, int64_t batch);
/// @brief LRN, L2 pooling or global average pooling: fwd and fwd+bwd, in GB/s.
void bench_membound(const Context& ctx, const MemBoundCase& m);

/// @brief One LeNet-5 training step (demo::LeNet5, SGD momentum 0.9) on a batch of @p batch.
void bench_lenet(const Context& ctx, int64_t batch);

/// @brief Host cost per dispatch: @p ops ReLUs on @p numel floats recorded back to back, then one
///        synchronize(), into a preallocated output ("prealloc") and through the ops API ("ops");
///        "_rec" rows give the recording loop alone (before synchronize()).
void bench_dispatch(const Context& ctx, int64_t ops, int64_t numel);

}  // namespace cnnlab::bench
