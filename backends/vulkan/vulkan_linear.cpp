// vulkan_linear.cpp — the fully connected layer and the general matrix multiply on the Vulkan
// backend: gemm.comp on the tiled engine (vk_gemm.hpp).
//
// Contract: all matrices are row-major.
//   linear_forward          y[N, D_out] = x[N, D_in] · W[D_in, D_out] + b[D_out]
//   linear_backward_data    dx[N, D_in] = dy[N, D_out] · Wᵀ
//   linear_backward_weight  dW[D_in, D_out] = xᵀ · dy (a reduction over the batch, split-K when
//                           long), and db[o] = Σ_n dy[n, o] by reduce_rows
//   gemm                    C[M, N] = alpha · op(A) · op(B) + beta · C, op = optional transpose
//                           (beta = 0: C is only written)
// Shapes were validated by the ops API. Nothing waits.
#include "backends/vulkan/vk_gemm.hpp"

#include "shaders/shader_modes.h"

#include <cstdint>

namespace cnnlab {

using Impl = VulkanBackend::Impl;
using vk::BufferPtr;

namespace {
/// The GemmCall of gemm.comp for C[M, N] = alpha · op(A) · op(B) + beta · C (+ bias[n]).
GemmCall plain_gemm(const char* op, bool ta, bool tb, uint64_t M, uint64_t N, uint64_t K,
                    const BufferPtr& a, const BufferPtr& b, const BufferPtr& c, float alpha,
                    float beta, const BufferPtr* bias) {
  GemmCall g;
  g.op = op;
  g.shader = "gemm";
  g.extra_constants = {ta ? 1u : 0u, tb ? 1u : 0u};  // TRANS_A, TRANS_B
  g.vec_a = (ta ? M : K) % 4 == 0;                   // A's contiguous dimension
  g.vec_b = (tb ? K : N) % 4 == 0;                   // B's contiguous dimension
  g.M = M;
  g.N = N;
  g.K = K;
  g.shape.f(alpha).f(beta).u(bias ? 1 : 0);
  g.a = &a;
  g.b = &b;
  g.out = &c;
  g.bias = bias;
  g.total = M * N;
  g.alpha = alpha;
  g.beta = beta;
  g.bias_inner = 1;
  g.bias_count = N;
  return g;
}
}  // namespace

void VulkanBackend::linear_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y) {
  const auto N = static_cast<uint64_t>(x.dim(0)), Din = static_cast<uint64_t>(w.dim(0)),
             Dout = static_cast<uint64_t>(w.dim(1));
  gemm_engine(*impl_,
              plain_gemm("linear_forward", false, false, N, Dout, Din, Impl::buf(x), Impl::buf(w),
                         Impl::buf(y), 1.0f, 0.0f, b.defined() ? &Impl::buf(b) : nullptr));
}

void VulkanBackend::linear_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx) {
  const auto N = static_cast<uint64_t>(dy.dim(0)), Din = static_cast<uint64_t>(w.dim(0)),
             Dout = static_cast<uint64_t>(w.dim(1));
  gemm_engine(*impl_, plain_gemm("linear_backward_data", false, true, N, Din, Dout, Impl::buf(dy),
                                 Impl::buf(w), Impl::buf(dx), 1.0f, 0.0f, nullptr));
}

void VulkanBackend::linear_backward_weight(const Tensor& x, const Tensor& dy, Tensor& dw,
                                           Tensor& db) {
  const auto N = static_cast<uint64_t>(x.dim(0)), Din = static_cast<uint64_t>(x.dim(1)),
             Dout = static_cast<uint64_t>(dy.dim(1));
  gemm_engine(*impl_, plain_gemm("linear_backward_weight", true, false, Din, Dout, N, Impl::buf(x),
                                 Impl::buf(dy), Impl::buf(dw), 1.0f, 0.0f, nullptr));
  if (db.defined())  // db[o] = Σ_n dy[n, o]: rows o, elements n, stride D_out
    reduce_rows(*impl_, "linear_backward_weight", vk::ROW_REDUCE_SUM, Impl::buf(dy), Impl::buf(dy),
                Dout, N, 1, Impl::buf(db), 1.0f);
}

void VulkanBackend::gemm(bool trans_a, bool trans_b, float alpha, const Tensor& a, const Tensor& b,
                         float beta, Tensor& c) {
  const auto M = static_cast<uint64_t>(c.dim(0)), N = static_cast<uint64_t>(c.dim(1));
  const auto K = static_cast<uint64_t>(trans_a ? a.dim(0) : a.dim(1));
  gemm_engine(*impl_, plain_gemm("gemm", trans_a, trans_b, M, N, K, Impl::buf(a), Impl::buf(b),
                                 Impl::buf(c), alpha, beta, nullptr));
}

}  // namespace cnnlab
