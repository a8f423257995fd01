// optimizers.cpp — Sgd, Adam / AdamW and make_optimizer() (cnnlab/optim/optimizers.hpp).
//
// Contract: each step() first checks every parameter (unique names, grad and state shapes and
// backends), so a bad call throws before any parameter changed; then it runs one backend op per
// parameter (sgd_update / adam_update), so the numbers never leave the parameter's device.
// State tensors are created lazily (zeros on the parameter's backend) and moved to that backend
// when a loaded state lives elsewhere.
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>
#include <cnnlab/optim/optimizers.hpp>

#include <cmath>
#include <set>
#include <string>
#include <utility>

namespace cnnlab {

namespace {

void require_lr(const std::string& opt, float lr) {
  if (!std::isfinite(lr) || lr <= 0)
    throw Error(opt + ": learning rate must be a finite number > 0, got " + std::to_string(lr));
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// The parameters of @p params that have a gradient, after checking that none of them will make
/// the update fail half-way: names unique, value and grad defined with one shape, one backend.
std::vector<Parameter*> with_grads(const std::string& opt, const std::vector<Parameter*>& params) {
  std::set<std::string> names;
  std::vector<Parameter*> out;
  for (Parameter* p : params) {
    if (p == nullptr) throw Error(opt + ": step() got a null Parameter pointer");
    if (!names.insert(p->name).second)
      throw Error(opt + ": two parameters are named '" + p->name +
                  "'; the optimizer keeps its state by name, so names must be unique");
    if (!p->grad.defined()) continue;  // no gradient this step: leave the parameter alone
    if (!p->value.defined())
      throw Error(opt + ": parameter '" + p->name + "' has a grad but no value");
    if (p->grad.shape() != p->value.shape())
      throw Error(opt + ": parameter '" + p->name + "' has shape " + to_string(p->value.shape()) +
                  " but its grad has shape " + to_string(p->grad.shape()));
    if (&p->grad.backend() != &p->value.backend())
      throw Error(opt + ": parameter '" + p->name + "' lives on " + p->value.backend().name() +
                  " but its grad on " + p->grad.backend().name() +
                  "; move them explicitly with Tensor::to() first");
    out.push_back(p);
  }
  return out;
}

/// Checks that the state tensor @p t (named @p key) fits parameter @p p: same shape.
void require_fits(const std::string& opt, const std::string& key, const Tensor& t,
                  const Parameter& p) {
  if (t.shape() != p.value.shape())
    throw Error(opt + ": state tensor '" + key + "' has shape " + to_string(t.shape()) +
                ", but parameter '" + p.name + "' has shape " + to_string(p.value.shape()) +
                " (a state loaded for another model?)");
}

/// @p t on @p p's backend: zeros of its shape if @p t is undefined (first step), @p t itself if
/// it already lives there, else a copy moved there (a state loaded from elsewhere).
void place(Tensor& t, const Parameter& p) {
  Backend& be = p.value.backend();
  if (!t.defined())
    t = Tensor::zeros(p.value.shape(), be);
  else if (&t.backend() != &be)
    t = t.to(be);
}

}  // namespace

// ---- SGD -----------------------------------------------------------------------------------
Sgd::Sgd(const SgdParams& p) : params_(p) { validate(params_); }

std::string Sgd::name() const { return "sgd"; }
float Sgd::lr() const { return params_.lr; }
void Sgd::set_lr(float lr) {
  require_lr(name(), lr);
  params_.lr = lr;
}

void Sgd::step(const std::vector<Parameter*>& params) {
  const std::vector<Parameter*> todo = with_grads(name(), params);
  for (Parameter* p : todo) {
    auto it = velocity_.find(p->name);
    if (it != velocity_.end()) require_fits(name(), p->name + ".velocity", it->second, *p);
  }
  for (Parameter* p : todo) {
    Tensor& v = velocity_[p->name];
    place(v, *p);
    sgd_update(p->value, p->grad, v, params_);
  }
  ++steps_;
}

std::map<std::string, Tensor> Sgd::state() const {
  std::map<std::string, Tensor> out;
  for (const auto& [param, v] : velocity_) out[param + ".velocity"] = v.clone();
  return out;
}

void Sgd::load_state(const std::map<std::string, Tensor>& state) {
  const std::string suffix = ".velocity";
  std::map<std::string, Tensor> velocity;
  for (const auto& [key, t] : state) {
    if (!ends_with(key, suffix))
      throw Error("sgd: load_state: state tensor '" + key +
                  "' is not SGD's (expected names '<param>.velocity')");
    if (!t.defined()) throw Error("sgd: load_state: state tensor '" + key + "' is undefined");
    velocity[key.substr(0, key.size() - suffix.size())] = t.clone();
  }
  velocity_ = std::move(velocity);
}

// ---- Adam / AdamW --------------------------------------------------------------------------
Adam::Adam(const AdamParams& p) : params_(p) {
  params_.step = 1;  // checked as the first step; step() sets the real one
  validate(params_);
}

std::string Adam::name() const { return params_.decoupled ? "adamw" : "adam"; }
float Adam::lr() const { return params_.lr; }
void Adam::set_lr(float lr) {
  require_lr(name(), lr);
  AdamParams p = params_;
  p.lr = lr;
  validate(p);  // AdamW also needs lr * weight_decay <= 1
  params_.lr = lr;
}

void Adam::step(const std::vector<Parameter*>& params) {
  const std::vector<Parameter*> todo = with_grads(name(), params);
  for (Parameter* p : todo) {
    auto it = moments_.find(p->name);
    if (it == moments_.end()) continue;
    require_fits(name(), p->name + ".exp_avg", it->second.exp_avg, *p);
    require_fits(name(), p->name + ".exp_avg_sq", it->second.exp_avg_sq, *p);
  }
  AdamParams ap = params_;
  ap.step = steps_ + 1;
  for (Parameter* p : todo) {
    Moments& s = moments_[p->name];
    place(s.exp_avg, *p);
    place(s.exp_avg_sq, *p);
    adam_update(p->value, p->grad, s.exp_avg, s.exp_avg_sq, ap);
  }
  ++steps_;
}

std::map<std::string, Tensor> Adam::state() const {
  std::map<std::string, Tensor> out;
  for (const auto& [param, s] : moments_) {
    out[param + ".exp_avg"] = s.exp_avg.clone();
    out[param + ".exp_avg_sq"] = s.exp_avg_sq.clone();
  }
  return out;
}

void Adam::load_state(const std::map<std::string, Tensor>& state) {
  const std::string avg = ".exp_avg", avg_sq = ".exp_avg_sq";
  std::map<std::string, Moments> moments;
  for (const auto& [key, t] : state) {
    const std::string where = name() + ": load_state: state tensor '" + key + "'";
    if (!t.defined()) throw Error(where + " is undefined");
    if (ends_with(key, avg_sq))
      moments[key.substr(0, key.size() - avg_sq.size())].exp_avg_sq = t.clone();
    else if (ends_with(key, avg))
      moments[key.substr(0, key.size() - avg.size())].exp_avg = t.clone();
    else
      throw Error(where + " is not Adam's (expected names '<param>.exp_avg' and " +
                  "'<param>.exp_avg_sq')");
  }
  for (const auto& [param, s] : moments) {
    if (!s.exp_avg.defined() || !s.exp_avg_sq.defined())
      throw Error(name() + ": load_state: parameter '" + param + "' has '" + param +
                  (s.exp_avg.defined() ? avg : avg_sq) + "' but no '" + param +
                  (s.exp_avg.defined() ? avg_sq : avg) + "'");
    if (s.exp_avg.shape() != s.exp_avg_sq.shape())
      throw Error(name() + ": load_state: state tensors '" + param + avg + "' " +
                  to_string(s.exp_avg.shape()) + " and '" + param + avg_sq + "' " +
                  to_string(s.exp_avg_sq.shape()) + " must have the same shape");
  }
  moments_ = std::move(moments);
}

// ---- by name -------------------------------------------------------------------------------
std::vector<std::string> optimizer_names() { return {"sgd", "adam", "adamw"}; }

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const OptimizerOptions& o) {
  if (name == "sgd")
    return std::make_unique<Sgd>(SgdParams{.lr = o.lr,
                                           .momentum = o.momentum,
                                           .weight_decay = o.weight_decay,
                                           .nesterov = o.nesterov});
  if (name == "adam" || name == "adamw")
    return std::make_unique<Adam>(AdamParams{.lr = o.lr,
                                             .beta1 = o.beta1,
                                             .beta2 = o.beta2,
                                             .eps = o.eps,
                                             .weight_decay = o.weight_decay,
                                             .decoupled = name == "adamw"});
  std::string known;
  for (const std::string& n : optimizer_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown optimizer '" + name + "'; known optimizers: " + known);
}

}  // namespace cnnlab
