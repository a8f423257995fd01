#version 450
// cross_entropy_check.comp — the value checks of softmax cross-entropy, made on the device.
//
// The ops API leaves these checks to the Vulkan backend (Backend::checks_data_on_device), so that
// a training step needs no read-back. Each checked op owns one small host-visible record:
//   bad_label  first n whose label is not a finite integer in [0, D)    (CE_CHECK_NONE: none)
//   bad_logit  first flat index of a NaN or infinite logit              (CE_CHECK_NONE: none)
//   label_bits, logit_bits  the bad values, bit for bit (for the message: "nan", "-inf", "2.5")
//   loss_bad   1 when loss[0] is not finite (forward pass only)
// and the host turns a failed record into the reference backend's message (vk_data_checks.cpp).
// MODE (shader_modes.h) CE_CHECK_SCAN, one invocation per element e < N·D of logits [N, D]:
// checks logit e and, for e < N, label e, and lowers bad_label / bad_logit with atomicMin — so
// the result is the lowest bad index whatever order the invocations run in. CE_CHECK_REPORT, one
// invocation, after the scan (and after the loss is written): copies the bad values' bits and
// tests the loss. Buffers are read as bits.
// Bound: e < N·D; no loops.
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint MODE = CE_CHECK_SCAN;

layout(std430, binding = 0) readonly buffer Logits { uint x[]; };
layout(std430, binding = 1) readonly buffer Labels { uint labels[]; };
layout(std430, binding = 2) readonly buffer Loss { uint loss[]; };
layout(std430, binding = 3) buffer Record { uint bad_label, bad_logit, label_bits, logit_bits, loss_bad; } rec;

layout(push_constant) uniform Push { uint total, N, D, has_loss; } pc;

void main() {
  const uint e = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (MODE == CE_CHECK_SCAN) {
    if (e >= pc.total) return;
    if (e < pc.N && !class_index_bits(labels[e], pc.D)) atomicMin(rec.bad_label, e);
    if (!finite_bits(x[e])) atomicMin(rec.bad_logit, e);
  } else {  // CE_CHECK_REPORT
    if (e != 0) return;
    if (rec.bad_label != CE_CHECK_NONE) rec.label_bits = labels[rec.bad_label];
    if (rec.bad_logit != CE_CHECK_NONE) rec.logit_bits = x[rec.bad_logit];
    if (pc.has_loss != 0) rec.loss_bad = finite_bits(loss[0]) ? 0u : 1u;
  }
}
