// vk_data_checks.hpp — the Vulkan backend's deferred checks of values: softmax cross-entropy's
// labels and logits, checked on the device and reported at the next read.
//
// Contract: the ops API does not read the labels or the logits of a Vulkan tensor
// (Backend::checks_data_on_device): each read would be a submit-and-wait in the middle of a
// training step. check_cross_entropy() instead records two more dispatches of
// cross_entropy_check.comp into the op's batch — no extra submission — and, once that batch has
// completed, turns a failed check into Impl::deferred_error, worded by data_checks.hpp exactly
// like the host check. read() and synchronize() throw it (vulkan_backend.cpp). A bad label is
// named before a bad logit, and the first failing op before later ones: what the host checks
// would have thrown first.
#pragma once

#include "backends/vulkan/vk_backend_impl.hpp"

namespace cnnlab {

/// Records the checks of @p logits [N, D] and @p labels [N] for @p op. @p loss: the forward
/// pass's loss (non-finite logits only count when they make it non-finite, as on the host);
/// nullptr for the backward pass.
void check_cross_entropy(VulkanBackend::Impl& m, const char* op, const Tensor& logits,
                         const Tensor& labels, const vk::BufferPtr* loss);

}  // namespace cnnlab
