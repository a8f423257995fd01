// layer.cpp — what every layer shares: accumulating a parameter's gradient, moving parameters
// between backends, and the "backward before forward" error.
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/layer.hpp>
#include <cnnlab/ops/ops.hpp>

namespace cnnlab {

void accumulate_grad(Parameter& p, const Tensor& g) {
  // The first gradient after zero_grad() is kept as it is (no zeros to add to); later ones
  // (several backward passes before one step) are summed.
  p.grad = p.grad.defined() ? add_forward(p.grad, g) : g;
}

void Layer::to(Backend& backend) {
  for (Parameter* p : parameters()) {
    if (p->value.defined()) p->value = p->value.to(backend);
    if (p->grad.defined()) p->grad = p->grad.to(backend);
  }
  for (Parameter* b : buffers())
    if (b->value.defined()) b->value = b->value.to(backend);
  forget();  // kept activations live on the old backend
}

void Layer::require_forward(const Tensor& kept) const {
  if (!kept.defined())
    throw Error(describe() +
                ": backward() needs a forward() in training mode on the same batch "
                "first (and backward() runs once per forward())");
}

}  // namespace cnnlab
