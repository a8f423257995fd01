#version 450
// elementwise.comp — the activations (forward and backward) and add, four elements per invocation.
//
// OP (a specialization constant, so each op is its own pipeline with no branch left; the names
// are shader_modes.h's):
//   ELEMENTWISE_RELU_FORWARD     y  = a <= 0 ? 0 : a           (a = x; a NaN stays NaN)
//   ELEMENTWISE_RELU_BACKWARD    dx = a <= 0 ? 0 : b           (a = x, b = dy; a NaN x passes dy)
//   ELEMENTWISE_SIGMOID_FORWARD  y  = 1/(1+e^-a) for a ≥ 0, e^a/(1+e^a) otherwise (never overflows)
//   ELEMENTWISE_SIGMOID_BACKWARD dx = b · a · (1 − a)          (a = y, b = dy)
//   ELEMENTWISE_TANH_FORWARD     y  = sign(a) · (1 − e^-2|a|)/(1 + e^-2|a|)  (no overflow for large |a|)
//   ELEMENTWISE_TANH_BACKWARD    dx = b · (1 − a²)             (a = y, b = dy)
//   ELEMENTWISE_ADD_FORWARD      y  = a + b
// Memory-bound: each invocation moves one vec4 of each operand. The host rounds every buffer up
// to a multiple of 4 floats, so the last vec4 is always inside the buffer; the extra lanes are
// padding nobody reads. Bound: invocation i < n4 = ceil(n / 4). No loops.
// The relu-backward branch is exercise 12 (exercises/12_shader.md); in the student kit it writes
// CNNLAB_NOT_IMPLEMENTED (shader_modes.h), which the grader recognises.
#include "common.glsl"

// [elementwise_io] (docs/backends.md shows the lines between these markers)
layout(local_size_x_id = 0) in;
layout(constant_id = 1) const uint OP = ELEMENTWISE_RELU_FORWARD;

layout(std430, binding = 0) readonly buffer A { vec4 a[]; };
layout(std430, binding = 1) readonly buffer B { vec4 b[]; };
layout(std430, binding = 2) writeonly buffer Y { vec4 y[]; };

layout(push_constant) uniform Push { uint n4; } pc;

void main() {
  const uint i = flat_group() * gl_WorkGroupSize.x + gl_LocalInvocationID.x;
  if (i >= pc.n4) return;
  const vec4 x = a[i];
  vec4 r;
  // [elementwise_io]
  // relu: keep x (or pass dy) where x > 0 or x is NaN — NaN lanes found by their bits, since a
  // driver may compile x > 0 as an unordered comparison
  // [relu_forward]
  if (OP == ELEMENTWISE_RELU_FORWARD) {
    r = mix(mix(vec4(0), x, greaterThan(x, vec4(0))), x, nan_bits4(x));
    // [relu_forward]
  } else if (OP == ELEMENTWISE_RELU_BACKWARD) {
    // BEGIN SOLUTION exercise 12: relu_backward {stub: r = vec4(CNNLAB_NOT_IMPLEMENTED);}
    const vec4 dy = b[i];
    r = mix(mix(vec4(0), dy, greaterThan(x, vec4(0))), dy, nan_bits4(x));
    // END SOLUTION
  } else if (OP == ELEMENTWISE_SIGMOID_FORWARD) {
    const vec4 e = exp(-abs(x));  // e^-|x| ≤ 1
    r = mix(e / (1.0 + e), 1.0 / (1.0 + e), greaterThanEqual(x, vec4(0)));
  } else if (OP == ELEMENTWISE_SIGMOID_BACKWARD) {
    r = (b[i] * x) * (1.0 - x);
  } else if (OP == ELEMENTWISE_TANH_FORWARD) {
    const vec4 e = exp(-2.0 * abs(x));
    const vec4 t = (1.0 - e) / (1.0 + e);
    r = mix(t, -t, lessThan(x, vec4(0)));
  } else if (OP == ELEMENTWISE_TANH_BACKWARD) {
    r = b[i] * (1.0 - x * x);
  } else {  // ELEMENTWISE_ADD_FORWARD
    r = x + b[i];
  }
  y[i] = r;
}
