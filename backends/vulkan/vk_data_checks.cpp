// vk_data_checks.cpp — softmax cross-entropy's labels and logits, checked on the device.
//
// Contract: see vk_data_checks.hpp. cross_entropy_check.comp fills a small host-visible record
// in two dispatches: CE_CHECK_SCAN, over all N·D logits and N labels, leaves the first bad index
// of each (atomicMin, so the order the invocations run in does not matter); CE_CHECK_REPORT, one
// invocation, copies the bad values bit for bit and, for the forward pass, notes whether the
// loss came out non-finite (the host check only scans the logits then). The host reads the
// record in Recorder::when_done, after the batch has completed.
#include "backends/vulkan/vk_data_checks.hpp"

#include <cnnlab/ops/data_checks.hpp>

#include "shaders/shader_modes.h"

#include <bit>
#include <cstdint>

namespace cnnlab {

namespace {
/// The words of the record, in the order of cross_entropy_check.comp's Record block.
enum RecordWord : uint32_t {
  kBadLabel,   // first n with a bad label, or CE_CHECK_NONE
  kBadLogit,   // first flat index of a NaN or infinite logit, or CE_CHECK_NONE
  kLabelBits,  // the bad label's bits
  kLogitBits,  // the bad logit's bits
  kLossBad,    // 1 when the loss is not finite (forward pass only)
  kRecordWords
};
}  // namespace

void check_cross_entropy(VulkanBackend::Impl& m, const char* op, const Tensor& logits,
                         const Tensor& labels, const vk::BufferPtr* loss) {
  using Impl = VulkanBackend::Impl;
  const auto N = static_cast<uint64_t>(logits.dim(0)), D = static_cast<uint64_t>(logits.dim(1));
  vk::BufferPtr record = m.allocator.host_buffer(kRecordWords * sizeof(uint32_t));
  // visible to the device at submission
  uint32_t* words = static_cast<uint32_t*>(record->mapped);
  words[kBadLabel] = words[kBadLogit] = vk::CE_CHECK_NONE;
  words[kLabelBits] = words[kLogitBits] = words[kLossBad] = 0;
  Push p;
  p.u(N * D).u(N).u(D).u(loss ? 1 : 0);
  const vk::BufferPtr& loss_buffer = loss ? *loss : m.dummy;
  m.run(op, "cross_entropy_check", {m.wg, vk::CE_CHECK_SCAN},
        {{Impl::buf(logits), false},
         {Impl::buf(labels), false},
         {loss_buffer, false},
         {record, true}},
        p, m.grid(m.groups_for(N * D)), static_cast<double>(N * D));
  m.run(op, "cross_entropy_check", {m.wg, vk::CE_CHECK_REPORT},
        {{Impl::buf(logits), false},
         {Impl::buf(labels), false},
         {loss_buffer, false},
         {record, true}},
        p, {1, 1, 1}, 1.0);
  m.recorder.when_done([&m, op, record, shape = logits.shape(), forward = loss != nullptr] {
    if (!m.deferred_error.empty()) return;  // an earlier failure is the one to report
    const uint32_t* r = static_cast<const uint32_t*>(record->mapped);
    if (r[kBadLabel] != vk::CE_CHECK_NONE)
      m.deferred_error =
          bad_label_message(op, r[kBadLabel], std::bit_cast<float>(r[kLabelBits]), shape);
    else if (r[kBadLogit] != vk::CE_CHECK_NONE && (!forward || r[kLossBad] != 0))
      m.deferred_error = non_finite_message(op, "logits", shape, r[kBadLogit],
                                            std::bit_cast<float>(r[kLogitBits]));
  });
}

}  // namespace cnnlab
