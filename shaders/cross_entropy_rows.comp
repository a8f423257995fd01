#version 450
// cross_entropy_rows.comp — the loss of each row of softmax cross-entropy.
//
// One invocation per row n of logits [N, D]: loss_n = m_n + log(s_n) − logits[n, label_n], with
// (m_n, s_n) the row's max and Σ e^(x − m_n) from row_reduce.comp. The mean over n is a further
// reduction (row_reduce.comp + row_finish.comp with scale 1/N). A label that is not a class
// index (cross_entropy_check.comp reports it) gives NaN instead of a read out of bounds.
// Bound: n < N; no loops.
#include "common.glsl"

layout(local_size_x_id = 0) in;

layout(std430, binding = 0) readonly buffer Logits { float x[]; };
layout(std430, binding = 1) readonly buffer Labels { float labels[]; };
layout(std430, binding = 2) readonly buffer Stats { float stats[]; };
layout(std430, binding = 3) writeonly buffer Loss { float loss[]; };

layout(push_constant) uniform Push { uint N, D; } pc;

void main() {
  const uint n = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (n >= pc.N) return;
  const uint label = floatBitsToUint(labels[n]);
  if (!class_index_bits(label, pc.D)) {
    loss[n] = uintBitsToFloat(0x7fc00000u);  // NaN
    return;
  }
  loss[n] = (stats[2 * n] + log(stats[2 * n + 1])) - x[n * pc.D + uint(uintBitsToFloat(label))];
}
