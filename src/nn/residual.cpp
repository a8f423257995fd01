// residual.cpp — the residual block: y = relu(body(x) + shortcut(x)), the shortcut empty for
// the identity.
//
// Forward: s = body(x) + shortcut(x) (add op), y = relu(s) (relu op; or y = s without it).
// Backward: ds = relu_backward(s, dy) (or dy); the sum passes ds unchanged to both branches;
// dx = body.backward(ds) + shortcut.backward(ds) (identity: + ds), the two paths of the graph
// meeting again at x. Parameters are the branches', renamed "body.<...>" and "shortcut.<...>".
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/blocks.hpp>
#include <cnnlab/ops/ops.hpp>

namespace cnnlab {

Residual::Residual(Sequential body, Sequential shortcut, bool relu_after)
    : body_(std::move(body)), shortcut_(std::move(shortcut)), relu_after_(relu_after) {
  if (body_.size() == 0) throw Error("Residual: the body has no layers");
  for (Parameter* p : body_.parameters()) p->name = "body." + p->name;
  for (Parameter* p : body_.buffers()) p->name = "body." + p->name;
  for (Parameter* p : shortcut_.parameters()) p->name = "shortcut." + p->name;
  for (Parameter* p : shortcut_.buffers()) p->name = "shortcut." + p->name;
}

std::string Residual::describe() const {
  std::string s = "residual (body " + std::to_string(body_.size()) + " layers, shortcut ";
  s += shortcut_.size() == 0 ? "identity" : std::to_string(shortcut_.size()) + " layers";
  return s + (relu_after_ ? ", relu)" : ")");
}

Shape Residual::output_shape(const Shape& input) const {
  Shape body_out, short_out;
  try {
    body_out = body_.output_shape(input);
  } catch (const Error& e) {
    throw Error(std::string("residual body: ") + e.what());
  }
  try {
    short_out = shortcut_.size() == 0 ? input : shortcut_.output_shape(input);
  } catch (const Error& e) {
    throw Error(std::string("residual shortcut: ") + e.what());
  }
  if (body_out != short_out)
    throw Error("residual: the body gives " + to_string(body_out) + " but the shortcut " +
                (shortcut_.size() == 0 ? "(the identity) " : "") + "gives " + to_string(short_out) +
                "; they must agree to be added (use a 1x1 projection shortcut when the stride or "
                "the channels change)");
  return body_out;
}

Tensor Residual::forward(const Tensor& x) {
  const Tensor f = body_.forward(x);
  const Tensor sc = shortcut_.size() == 0 ? x : shortcut_.forward(x);
  if (f.shape() != sc.shape())
    throw Error(describe() + ": the body gives " + to_string(f.shape()) +
                " but the shortcut gives " + to_string(sc.shape()));
  Tensor s = add_forward(f, sc);
  if (mode() == Mode::train) sum_ = s;
  return relu_after_ ? relu_forward(s) : s;
}

Tensor Residual::backward(const Tensor& dy, bool need_dx) {
  require_forward(sum_);
  const Tensor ds = relu_after_ ? relu_backward(sum_, dy) : dy;
  sum_ = Tensor();
  // Both branches get ds (the sum's gradient); their input gradients add up at x.
  Tensor dx = body_.backward_input(ds, need_dx);
  if (shortcut_.size() == 0) return need_dx ? add_forward(dx, ds) : Tensor();
  const Tensor dx_short = shortcut_.backward_input(ds, need_dx);
  return need_dx ? add_forward(dx, dx_short) : Tensor();
}

std::vector<Parameter*> Residual::parameters() {
  std::vector<Parameter*> all = body_.parameters();
  for (Parameter* p : shortcut_.parameters()) all.push_back(p);
  return all;
}

std::vector<Parameter*> Residual::buffers() {
  std::vector<Parameter*> all = body_.buffers();
  for (Parameter* p : shortcut_.buffers()) all.push_back(p);
  return all;
}

void Residual::reset_parameters(std::mt19937_64& rng) {
  body_.reset_parameters(rng);
  shortcut_.reset_parameters(rng);
}

void Residual::forget() {
  sum_ = Tensor();
  body_.forget();
  shortcut_.forget();
}

void Residual::mode_changed(Mode m) {
  body_.set_mode(m);
  shortcut_.set_mode(m);
}

}  // namespace cnnlab
