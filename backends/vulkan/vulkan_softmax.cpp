// vulkan_softmax.cpp — softmax and softmax cross-entropy on the Vulkan backend.
//
// Contract: x, y, logits are [N, D] (one row per sample), labels [N] holds class indices as
// floats, loss is [1] (the mean over the rows).
//   softmax_forward                 row statistics (max m_n, Σ e^(x − m_n)) by reduce_rows, then
//                                   softmax_apply.comp: y = e^(x − m_n) / s_n
//   softmax_backward                dot_n = Σ_j dy·y by reduce_rows, then dx = y · (dy − dot_n)
//   softmax_cross_entropy_forward   row statistics, cross_entropy_rows.comp (one loss per row),
//                                   and their mean by reduce_rows
//   softmax_cross_entropy_backward  row statistics, then dlogits = dloss/N · (softmax − one-hot)
// The cross-entropy ops also record the deferred checks of their labels and logits
// (vk_data_checks.hpp): a bad value is reported at the next read, not here. A NaN in a row makes
// that whole row NaN. Nothing waits.
#include "backends/vulkan/vk_data_checks.hpp"
#include "backends/vulkan/vk_gemm.hpp"

#include "shaders/shader_modes.h"

#include <cstdint>

namespace cnnlab {

using Impl = VulkanBackend::Impl;
using vk::BufferPtr;

namespace {
/// Floats of the softmax statistics per row: (max, sum-exp).
constexpr uint64_t kStatsPerRow = 2;

/// Records the softmax statistics of every row of x [N, D] into a new temporary buffer:
/// (m_n, s_n) = (max_j x[n,j], Σ_j e^(x[n,j] − m_n)), kStatsPerRow floats per row.
BufferPtr softmax_stats(Impl& m, const char* op, const Tensor& x) {
  const auto N = static_cast<uint64_t>(x.dim(0)), D = static_cast<uint64_t>(x.dim(1));
  const BufferPtr stats = m.temp(kStatsPerRow * N, "softmax row statistics");
  reduce_rows(m, op, vk::ROW_REDUCE_SOFTMAX_STATS, Impl::buf(x), Impl::buf(x), N, D, D, stats,
              1.0f);
  return stats;
}
}  // namespace

void VulkanBackend::softmax_forward(const Tensor& x, Tensor& y) {
  Impl& m = *impl_;
  const auto N = static_cast<uint64_t>(x.dim(0)), D = static_cast<uint64_t>(x.dim(1));
  const BufferPtr stats = softmax_stats(m, "softmax_forward", x);
  Push p;
  p.u(N * D).u(D).f(1.0f);
  m.run("softmax_forward", "softmax_apply", {m.wg, vk::SOFTMAX_APPLY_FORWARD},
        {{Impl::buf(x), false}, {Impl::buf(x), false}, {stats, false}, {Impl::buf(y), true}}, p,
        m.grid(m.groups_for(N * D)), static_cast<double>(N * D));
}

void VulkanBackend::softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  Impl& m = *impl_;
  const auto N = static_cast<uint64_t>(y.dim(0)), D = static_cast<uint64_t>(y.dim(1));
  const BufferPtr dot = m.temp(N, "softmax row dot products");
  reduce_rows(m, "softmax_backward", vk::ROW_REDUCE_DOT, Impl::buf(dy), Impl::buf(y), N, D, D, dot,
              1.0f);
  Push p;
  p.u(N * D).u(D).f(1.0f);
  m.run("softmax_backward", "softmax_apply", {m.wg, vk::SOFTMAX_APPLY_BACKWARD},
        {{Impl::buf(y), false}, {Impl::buf(dy), false}, {dot, false}, {Impl::buf(dx), true}}, p,
        m.grid(m.groups_for(N * D)), static_cast<double>(N * D));
}

void VulkanBackend::softmax_cross_entropy_forward(const Tensor& logits, const Tensor& labels,
                                                  Tensor& loss) {
  Impl& m = *impl_;
  const char* op = "softmax_cross_entropy_forward";
  const auto N = static_cast<uint64_t>(logits.dim(0)), D = static_cast<uint64_t>(logits.dim(1));
  const BufferPtr stats = softmax_stats(m, op, logits);
  const BufferPtr rows = m.temp(N, "per-row losses");
  Push p;
  p.u(N).u(D);
  m.run(op, "cross_entropy_rows", {m.wg},
        {{Impl::buf(logits), false}, {Impl::buf(labels), false}, {stats, false}, {rows, true}}, p,
        m.grid(m.groups_for(N)), static_cast<double>(N));
  // the mean over the rows: one row of N elements, scaled by 1/N
  reduce_rows(m, op, vk::ROW_REDUCE_SUM, rows, rows, 1, N, N, Impl::buf(loss),
              1.0f / static_cast<float>(N));
  check_cross_entropy(m, op, logits, labels, &Impl::buf(loss));
}

void VulkanBackend::softmax_cross_entropy_backward(const Tensor& logits, const Tensor& labels,
                                                   float dloss, Tensor& dlogits) {
  Impl& m = *impl_;
  const char* op = "softmax_cross_entropy_backward";
  const auto N = static_cast<uint64_t>(logits.dim(0)), D = static_cast<uint64_t>(logits.dim(1));
  const BufferPtr stats = softmax_stats(m, op, logits);
  Push p;
  p.u(N * D).u(D).f(dloss / static_cast<float>(N));
  m.run(op, "softmax_apply", {m.wg, vk::SOFTMAX_APPLY_CE_BACKWARD},
        {{Impl::buf(logits), false},
         {Impl::buf(labels), false},
         {stats, false},
         {Impl::buf(dlogits), true}},
        p, m.grid(m.groups_for(N * D)), static_cast<double>(N * D));
  check_cross_entropy(m, op, logits, labels, nullptr);
}

}  // namespace cnnlab
