// vulkan_batchnorm.cpp — batch normalisation on the Vulkan backend, forward and backward.
//
// Contract: x[N, C, H, W]; each channel's M = N·H·W values are one strided "row" of
// reduce_rows() (vk_gemm.hpp: rows = C, L = M, inner = S = H·W), so the statistics are a
// workgroup tree reduction cut into chunks — no invocation loops more than lavapipe allows,
// whatever the batch — and everything else is one invocation per channel or per element:
//   batchnorm2d_forward_train  mean = Σx/M (ROW_REDUCE_SUM), var = Σ(x − mean)²/M
//                              (ROW_REDUCE_CENTERED_SQ: two passes, no cancellation), then
//                              batchnorm_channel.comp (BN_CHANNEL_TRAIN: invstd, running
//                              statistics with the unbiased variance), then
//                              batchnorm_apply.comp (BN_APPLY_FORWARD)
//   batchnorm2d_forward_eval   batchnorm_channel.comp (BN_CHANNEL_EVAL), then BN_APPLY_FORWARD
//   batchnorm2d_backward       dβ = Σdy (ROW_REDUCE_SUM), Σdy·(x − mean) (ROW_REDUCE_CENTERED_DOT),
//                              dγ = that · invstd (BN_CHANNEL_DGAMMA), then
//                              BN_APPLY_BACKWARD_BATCH or BN_APPLY_BACKWARD_FIXED
// Every output element is written. Nothing waits.
#include "backends/vulkan/vk_backend_impl.hpp"
#include "backends/vulkan/vk_gemm.hpp"

#include "shaders/shader_modes.h"

#include <cstdint>

namespace cnnlab {

using Impl = VulkanBackend::Impl;
using vk::BufferPtr;

namespace {
struct Sizes {
  uint64_t N, C, S, M, total;
};
Sizes sizes_of(const Tensor& x) {
  const auto N = static_cast<uint64_t>(x.dim(0)), C = static_cast<uint64_t>(x.dim(1));
  const auto S = static_cast<uint64_t>(x.dim(2) * x.dim(3));
  return {N, C, S, N * S, N * C * S};
}

/// batchnorm_channel.comp in @p mode over the C channels.
void channel_pass(Impl& m, const char* op, uint32_t mode, const BufferPtr& a, const BufferPtr& b,
                  const BufferPtr& out, const BufferPtr& rmean, const BufferPtr& rvar, uint64_t C,
                  const BatchNormParams& p, float unbias) {
  const bool update = rmean != nullptr;
  Push push;
  push.u(C).u(update ? 1 : 0).f(p.eps).f(p.momentum).f(unbias);
  // The running statistics are writable bindings of the shader: without an update they are
  // bound to `out` (written anyway), not to the shared placeholder, which other dispatches read
  // (synchronization validation would see a write after those reads).
  m.run(op, "batchnorm_channel", {m.wg, mode},
        {{a, false},
         {b ? b : m.dummy, false},
         {out, true},
         {update ? rmean : out, true},
         {update ? rvar : out, true}},
        push, m.grid(m.groups_for(C)), static_cast<double>(C));
}

/// batchnorm_apply.comp in @p mode over every element.
void apply_pass(Impl& m, const char* op, uint32_t mode, const Sizes& s, const BufferPtr& x,
                const BufferPtr& dy, const BufferPtr& mean, const BufferPtr& invstd,
                const BufferPtr& gamma, const BufferPtr& p, const BufferPtr& q,
                const BufferPtr& out) {
  Push push;
  push.u(s.total).u(s.C).u(s.S).f(1.0f / static_cast<float>(s.M));
  m.run(op, "batchnorm_apply", {m.wg, mode},
        {{x, false},
         {dy ? dy : m.dummy, false},
         {mean, false},
         {invstd, false},
         {gamma, false},
         {p ? p : m.dummy, false},
         {q ? q : m.dummy, false},
         {out, true}},
        push, m.grid(m.groups_for(s.total)), static_cast<double>(s.total));
}
}  // namespace

void VulkanBackend::batchnorm2d_forward_train(const Tensor& x, const Tensor& gamma,
                                              const Tensor& beta, const BatchNormParams& p,
                                              Tensor& y, Tensor& mean, Tensor& invstd,
                                              Tensor& running_mean, Tensor& running_var) {
  const char* op = "batchnorm2d_forward_train";
  Impl& m = *impl_;
  const Sizes s = sizes_of(x);
  const float inv_m = 1.0f / static_cast<float>(s.M);
  reduce_rows(m, op, vk::ROW_REDUCE_SUM, Impl::buf(x), Impl::buf(x), s.C, s.M, s.S, Impl::buf(mean),
              inv_m);
  const BufferPtr var = m.temp(s.C, "batch norm variances");
  reduce_rows(m, op, vk::ROW_REDUCE_CENTERED_SQ, Impl::buf(x), Impl::buf(x), s.C, s.M, s.S, var,
              inv_m, Impl::buf(mean));
  const bool update = running_mean.defined();
  const float unbias =
      s.M > 1 ? static_cast<float>(static_cast<double>(s.M) / static_cast<double>(s.M - 1)) : 1.0f;
  channel_pass(m, op, vk::BN_CHANNEL_TRAIN, var, Impl::buf(mean), Impl::buf(invstd),
               update ? Impl::buf(running_mean) : nullptr,
               update ? Impl::buf(running_var) : nullptr, s.C, p, unbias);
  apply_pass(m, op, vk::BN_APPLY_FORWARD, s, Impl::buf(x), nullptr, Impl::buf(mean),
             Impl::buf(invstd), Impl::buf(gamma), Impl::buf(beta), nullptr, Impl::buf(y));
}

void VulkanBackend::batchnorm2d_forward_eval(const Tensor& x, const Tensor& gamma,
                                             const Tensor& beta, const Tensor& running_mean,
                                             const Tensor& running_var, const BatchNormParams& p,
                                             Tensor& y, Tensor& invstd) {
  const char* op = "batchnorm2d_forward_eval";
  Impl& m = *impl_;
  const Sizes s = sizes_of(x);
  channel_pass(m, op, vk::BN_CHANNEL_EVAL, Impl::buf(running_var), nullptr, Impl::buf(invstd),
               nullptr, nullptr, s.C, p, 1.0f);
  apply_pass(m, op, vk::BN_APPLY_FORWARD, s, Impl::buf(x), nullptr, Impl::buf(running_mean),
             Impl::buf(invstd), Impl::buf(gamma), Impl::buf(beta), nullptr, Impl::buf(y));
}

void VulkanBackend::batchnorm2d_backward(const Tensor& x, const Tensor& dy, const Tensor& gamma,
                                         const Tensor& mean, const Tensor& invstd, bool batch_stats,
                                         Tensor& dx, Tensor& dgamma, Tensor& dbeta) {
  const char* op = "batchnorm2d_backward";
  Impl& m = *impl_;
  const Sizes s = sizes_of(x);
  reduce_rows(m, op, vk::ROW_REDUCE_SUM, Impl::buf(dy), Impl::buf(dy), s.C, s.M, s.S,
              Impl::buf(dbeta), 1.0f);
  const BufferPtr centred = m.temp(s.C, "batch norm sums of dy·(x − mean)");
  reduce_rows(m, op, vk::ROW_REDUCE_CENTERED_DOT, Impl::buf(dy), Impl::buf(x), s.C, s.M, s.S,
              centred, 1.0f, Impl::buf(mean));
  channel_pass(m, op, vk::BN_CHANNEL_DGAMMA, centred, Impl::buf(invstd), Impl::buf(dgamma), nullptr,
               nullptr, s.C, BatchNormParams{}, 1.0f);
  apply_pass(m, op, batch_stats ? vk::BN_APPLY_BACKWARD_BATCH : vk::BN_APPLY_BACKWARD_FIXED, s,
             Impl::buf(x), Impl::buf(dy), Impl::buf(mean), Impl::buf(invstd), Impl::buf(gamma),
             Impl::buf(dbeta), Impl::buf(dgamma), Impl::buf(dx));
}

}  // namespace cnnlab
