// dropout_ops.cpp — the public ops of dropout: check, allocate, call the backend.
//
// Contract: as src/ops/ops.cpp; the one rule is 0 <= p <= 1 (p = 1 is allowed: all zeros).
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/dropout_ops.hpp>

#include <string>

namespace cnnlab {

void validate(const DropoutParams& p, const std::string& op) {
  if (!(p.p >= 0.0f && p.p <= 1.0f))
    throw Error(op + ": p (the probability of dropping an element) must be in [0, 1], got " +
                std::to_string(p.p));
}

namespace {
Tensor apply(const char* op, const char* name, const Tensor& in, const DropoutParams& p,
             void (Backend::*kernel)(const Tensor&, const DropoutParams&, Tensor&)) {
  if (!in.defined()) throw Error(std::string(op) + ": " + name + " is an undefined tensor");
  validate(p, op);
  Tensor out = Tensor::empty(in.shape(), in.backend());
  (in.backend().*kernel)(in, p, out);
  return out;
}
}  // namespace

Tensor dropout_forward(const Tensor& x, const DropoutParams& p) {
  return apply("dropout_forward", "x", x, p, &Backend::dropout_forward);
}
Tensor dropout_backward(const Tensor& dy, const DropoutParams& p) {
  return apply("dropout_backward", "dy", dy, p, &Backend::dropout_backward);
}

}  // namespace cnnlab
