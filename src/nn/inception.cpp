// inception.cpp — the Inception module: every branch sees the same x, and their outputs are
// concatenated on the channels.
//
// Forward: y = concat(b1(x), ..., bk(x)) (concat op; every branch keeps N, H and W).
// Backward: dy is cut back into the branches' channel blocks (concat_backward), each branch
// runs its backward, and dx is the sum of the branches' dL/dx (x fed every branch).
// Parameters are the branches', renamed "b1.<...>", "b2.<...>", ...
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/blocks.hpp>
#include <cnnlab/ops/ops.hpp>

namespace cnnlab {
namespace {
std::string branch_name(size_t i) {
  std::string name = "b";
  name += std::to_string(i + 1);
  return name;
}
}  // namespace

Inception::Inception(std::vector<Sequential> branches) : branches_(std::move(branches)) {
  if (branches_.empty()) throw Error("Inception: needs at least one branch, got none");
  for (size_t i = 0; i < branches_.size(); ++i) {
    if (branches_[i].size() == 0)
      throw Error("Inception: branch " + branch_name(i) + " has no layers");
    for (Parameter* p : branches_[i].parameters()) p->name = branch_name(i) + "." + p->name;
    for (Parameter* p : branches_[i].buffers()) p->name = branch_name(i) + "." + p->name;
  }
}

std::string Inception::describe() const {
  return "inception (" + std::to_string(branches_.size()) + " branches, concatenated)";
}

Shape Inception::output_shape(const Shape& input) const {
  Shape out;
  for (size_t i = 0; i < branches_.size(); ++i) {
    Shape s;
    try {
      s = branches_[i].output_shape(input);
    } catch (const Error& e) {
      throw Error("inception branch " + branch_name(i) + ": " + e.what());
    }
    if (s.size() != 4)
      throw Error("inception branch " + branch_name(i) + " gives " + to_string(s) +
                  ", not an image [N, C, H, W] to concatenate");
    if (i == 0) {
      out = s;
      continue;
    }
    if (s[0] != out[0] || s[2] != out[2] || s[3] != out[3])
      throw Error("inception: branch " + branch_name(i) + " gives " + to_string(s) +
                  " but branch " + branch_name(0) + " gives " + to_string(out) +
                  "; the branches must agree on N, H and W to be concatenated on the channels");
    out[1] += s[1];
  }
  return out;
}

Tensor Inception::forward(const Tensor& x) {
  std::vector<Tensor> ys;
  ys.reserve(branches_.size());
  for (Sequential& b : branches_) ys.push_back(b.forward(x));
  if (mode() == Mode::train) {
    channels_.clear();
    for (const Tensor& y : ys) channels_.push_back(y.ndim() == 4 ? y.dim(1) : 0);
  }
  return concat_forward(ys);
}

Tensor Inception::backward(const Tensor& dy, bool need_dx) {
  if (channels_.empty())
    throw Error(describe() +
                ": backward() needs a forward() in training mode on the same batch "
                "first (and backward() runs once per forward())");
  const std::vector<Tensor> dys = concat_backward(dy, channels_);
  channels_.clear();
  Tensor dx;
  for (size_t i = 0; i < branches_.size(); ++i) {
    const Tensor d = branches_[i].backward_input(dys[i], need_dx);
    if (need_dx) dx = dx.defined() ? add_forward(dx, d) : d;
  }
  return dx;
}

std::vector<Parameter*> Inception::parameters() {
  std::vector<Parameter*> all;
  for (Sequential& b : branches_)
    for (Parameter* p : b.parameters()) all.push_back(p);
  return all;
}

std::vector<Parameter*> Inception::buffers() {
  std::vector<Parameter*> all;
  for (Sequential& b : branches_)
    for (Parameter* p : b.buffers()) all.push_back(p);
  return all;
}

void Inception::reset_parameters(std::mt19937_64& rng) {
  for (Sequential& b : branches_) b.reset_parameters(rng);
}

void Inception::forget() {
  channels_.clear();
  for (Sequential& b : branches_) b.forget();
}

void Inception::mode_changed(Mode m) {
  for (Sequential& b : branches_) b.set_mode(m);
}

}  // namespace cnnlab
