// model_gradcheck.cpp — the whole-model gradient check (see cnnlab/check/model_gradcheck.hpp).
//
// How: a small float64 interpreter replays the model layer by layer with the reference kernels
// (backends/reference/*.hpp, templated on the scalar type), which gives the loss L(θ) in
// float64 and, running the layers backwards, the analytic gradient of every parameter. The
// numerical gradient of each parameter comes from check_gradient() (gradcheck.hpp) on that
// float64 loss. Then the model itself runs forward/backward in float32 and its Parameter::grad
// values are compared with the same numerical gradients.
#include <cnnlab/check/model_gradcheck.hpp>
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/layers.hpp>
#include <cnnlab/nn/loss.hpp>

#include "backends/reference/activations.hpp"
#include "backends/reference/conv2d.hpp"
#include "backends/reference/elementwise.hpp"
#include "backends/reference/linear.hpp"
#include "backends/reference/lrn.hpp"
#include "backends/reference/pool2d.hpp"
#include "backends/reference/softmax.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

namespace cnnlab {
namespace {

using Values = std::vector<double>;

// The float64 twin of one layer: forward(x) -> y, backward(x, y, dy) -> dx, adding the
// parameter gradients to grads[i] (parallel to the layer's parameters()).
struct Twin {
  Layer* layer;
  std::vector<Values*> params;  // the float64 copies of the layer's parameters
};

Values forward64(Layer& l, const std::vector<Values*>& p, const Values& x, const Shape& xs,
                 const Shape& ys);
Values backward64(Layer& l, const std::vector<Values*>& p, std::vector<Values>& grads,
                  const Values& x, const Shape& xs, const Values& y, const Values& dy);

// ---- composite layers (Residual, Inception): their branches replayed layer by layer ----------
// A composite's parameters are its branches' in order, so branch layer j's parameters are the
// next parameters().size() entries of the composite's list, from @p first on.

// One forward pass through a branch: the input and output of every layer, and their shapes.
struct BranchRun {
  std::vector<Shape> shapes;  // shapes[i] = input of layer i; back() = the branch's output
  std::vector<Values> acts;   // the same, values
};

BranchRun branch_forward(const Sequential& b, const std::vector<Values*>& p, size_t first,
                         const Values& x, const Shape& xs) {
  BranchRun r{.shapes = {xs}, .acts = {x}};
  for (size_t i = 0; i < b.size(); ++i) {
    Layer& l = b.layer(i);
    const size_t count = l.parameters().size();
    const std::vector<Values*> lp(p.begin() + long(first), p.begin() + long(first + count));
    first += count;
    r.shapes.push_back(l.output_shape(r.shapes.back()));
    r.acts.push_back(forward64(l, lp, r.acts.back(), r.shapes[i], r.shapes.back()));
  }
  return r;
}

// Backward through a branch run: returns dL/d(branch input), adds to grads[first...].
Values branch_backward(const Sequential& b, const std::vector<Values*>& p,
                       std::vector<Values>& grads, size_t first, const BranchRun& r, Values d) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < b.size(); ++i) {
    starts.push_back(first);
    first += b.layer(i).parameters().size();
  }
  for (size_t i = b.size(); i-- > 0;) {
    Layer& l = b.layer(i);
    const size_t count = l.parameters().size(), at = starts[i];
    const std::vector<Values*> lp(p.begin() + long(at), p.begin() + long(at + count));
    std::vector<Values> lg(grads.begin() + long(at), grads.begin() + long(at + count));
    d = backward64(l, lp, lg, r.acts[i], r.shapes[i], r.acts[i + 1], d);
    for (size_t k = 0; k < count; ++k) grads[at + k] = std::move(lg[k]);
  }
  return d;
}

size_t parameter_tensors(const Sequential& b) {
  size_t n = 0;
  for (size_t i = 0; i < b.size(); ++i) n += b.layer(i).parameters().size();
  return n;
}

void add_into(Values& a, const Values& b) {
  for (size_t e = 0; e < a.size(); ++e) a[e] += b[e];
}

// y = relu(body(x) + shortcut(x)); keeps the branch runs and the sum for backward.
struct ResidualRun {
  BranchRun body, shortcut;
  Values sum;
};
ResidualRun residual_forward(const Residual& res, const std::vector<Values*>& p, const Values& x,
                             const Shape& xs) {
  ResidualRun r;
  r.body = branch_forward(res.body(), p, 0, x, xs);
  r.sum = r.body.acts.back();
  if (res.shortcut().size() == 0) {
    add_into(r.sum, x);
  } else {
    r.shortcut = branch_forward(res.shortcut(), p, parameter_tensors(res.body()), x, xs);
    add_into(r.sum, r.shortcut.acts.back());
  }
  return r;
}

// The branches' outputs side by side on the channels.
Values inception_forward(const Inception& inc, const std::vector<Values*>& p, const Values& x,
                         const Shape& xs, const Shape& ys, std::vector<BranchRun>* runs) {
  Values y(size_t(numel(ys)));
  size_t first = 0;
  int64_t c0 = 0;
  for (size_t b = 0; b < inc.branch_count(); ++b) {
    BranchRun r = branch_forward(inc.branch(b), p, first, x, xs);
    first += parameter_tensors(inc.branch(b));
    const Shape& bs = r.shapes.back();
    ref::copy_channels<double>(r.acts.back().data(), bs[1], 0, y.data(), ys[1], c0, bs[1], ys[0],
                               ys[2] * ys[3]);
    c0 += bs[1];
    if (runs) runs->push_back(std::move(r));
  }
  return y;
}

// Forward of one layer in float64. @p x has shape @p xs; returns y (its shape is ys).
Values forward64(Layer& l, const std::vector<Values*>& p, const Values& x, const Shape& xs,
                 const Shape& ys) {
  Values y(size_t(numel(ys)));
  const int64_t n = numel(xs);
  if (auto* c = dynamic_cast<Conv2d*>(&l)) {
    const Conv2dGeometry g = conv2d_geometry(xs, c->weight.value.shape(), c->params());
    ref::conv2d_forward(x.data(), p[0]->data(), p.size() > 1 ? p[1]->data() : nullptr, y.data(), g);
  } else if (auto* f = dynamic_cast<Linear*>(&l)) {
    ref::linear_forward(x.data(), p[0]->data(), p.size() > 1 ? p[1]->data() : nullptr, y.data(),
                        xs[0], f->in_features(), f->out_features());
  } else if (auto* m = dynamic_cast<MaxPool2d*>(&l)) {
    ref::maxpool2d_forward(x.data(), y.data(), pool2d_geometry("maxpool2d", xs, m->params()));
  } else if (auto* a = dynamic_cast<AvgPool2d*>(&l)) {
    ref::avgpool2d_forward(x.data(), y.data(), pool2d_geometry("avgpool2d", xs, a->params()));
  } else if (dynamic_cast<GlobalAvgPool2d*>(&l)) {
    ref::global_avgpool2d_forward(x.data(), y.data(), xs[0] * xs[1], xs[2] * xs[3]);
  } else if (auto* q = dynamic_cast<L2Pool2d*>(&l)) {
    ref::l2pool2d_forward(x.data(), y.data(), pool2d_geometry("l2pool2d", xs, q->params()));
  } else if (auto* norm = dynamic_cast<LocalResponseNorm*>(&l)) {
    ref::lrn_forward(x.data(), y.data(), lrn_geometry("lrn", xs, norm->options()));
  } else if (dynamic_cast<ReLU*>(&l)) {
    ref::relu_forward(x.data(), y.data(), n);
  } else if (dynamic_cast<Sigmoid*>(&l)) {
    ref::sigmoid_forward(x.data(), y.data(), n);
  } else if (dynamic_cast<Tanh*>(&l)) {
    ref::tanh_forward(x.data(), y.data(), n);
  } else if (dynamic_cast<Flatten*>(&l)) {
    y = x;
  } else if (auto* res = dynamic_cast<Residual*>(&l)) {
    y = residual_forward(*res, p, x, xs).sum;
    if (res->relu_after()) ref::relu_forward(y.data(), y.data(), numel(ys));
  } else if (auto* inc = dynamic_cast<Inception*>(&l)) {
    y = inception_forward(*inc, p, x, xs, ys, nullptr);
  } else {
    throw Error("gradcheck_model: no float64 replay for layer type '" + l.kind() + "'");
  }
  return y;
}

// Backward of one layer in float64: returns dL/dx and adds dL/dθ to @p grads.
Values backward64(Layer& l, const std::vector<Values*>& p, std::vector<Values>& grads,
                  const Values& x, const Shape& xs, const Values& y, const Values& dy) {
  Values dx(x.size(), 0.0);
  const int64_t n = numel(xs);
  if (auto* c = dynamic_cast<Conv2d*>(&l)) {
    const Conv2dGeometry g = conv2d_geometry(xs, c->weight.value.shape(), c->params());
    ref::conv2d_backward_data(dy.data(), p[0]->data(), dx.data(), g);
    ref::conv2d_backward_weight(x.data(), dy.data(), grads[0].data(),
                                grads.size() > 1 ? grads[1].data() : nullptr, g);
  } else if (auto* f = dynamic_cast<Linear*>(&l)) {
    ref::linear_backward_data(dy.data(), p[0]->data(), dx.data(), xs[0], f->in_features(),
                              f->out_features());
    ref::linear_backward_weight(x.data(), dy.data(), grads[0].data(),
                                grads.size() > 1 ? grads[1].data() : nullptr, xs[0],
                                f->in_features(), f->out_features());
  } else if (auto* m = dynamic_cast<MaxPool2d*>(&l)) {
    ref::maxpool2d_backward(x.data(), dy.data(), dx.data(),
                            pool2d_geometry("maxpool2d", xs, m->params()));
  } else if (auto* a = dynamic_cast<AvgPool2d*>(&l)) {
    ref::avgpool2d_backward(dy.data(), dx.data(), pool2d_geometry("avgpool2d", xs, a->params()));
  } else if (dynamic_cast<GlobalAvgPool2d*>(&l)) {
    ref::global_avgpool2d_backward(dy.data(), dx.data(), xs[0] * xs[1], xs[2] * xs[3]);
  } else if (auto* q = dynamic_cast<L2Pool2d*>(&l)) {
    ref::l2pool2d_backward(x.data(), y.data(), dy.data(), dx.data(),
                           pool2d_geometry("l2pool2d", xs, q->params()));
  } else if (auto* norm = dynamic_cast<LocalResponseNorm*>(&l)) {
    ref::lrn_backward(x.data(), dy.data(), dx.data(), lrn_geometry("lrn", xs, norm->options()));
  } else if (dynamic_cast<ReLU*>(&l)) {
    ref::relu_backward(x.data(), dy.data(), dx.data(), n);
  } else if (dynamic_cast<Sigmoid*>(&l)) {
    ref::sigmoid_backward(y.data(), dy.data(), dx.data(), n);
  } else if (dynamic_cast<Tanh*>(&l)) {
    ref::tanh_backward(y.data(), dy.data(), dx.data(), n);
  } else if (auto* res = dynamic_cast<Residual*>(&l)) {
    // ds = relu'(sum) · dy; both branches get ds; their dL/dx add up.
    const ResidualRun r = residual_forward(*res, p, x, xs);
    Values ds = dy;
    if (res->relu_after())
      ref::relu_backward(r.sum.data(), dy.data(), ds.data(), int64_t(ds.size()));
    dx = branch_backward(res->body(), p, grads, 0, r.body, ds);
    if (res->shortcut().size() == 0)
      add_into(dx, ds);
    else
      add_into(dx, branch_backward(res->shortcut(), p, grads, parameter_tensors(res->body()),
                                   r.shortcut, ds));
  } else if (auto* inc = dynamic_cast<Inception*>(&l)) {
    // dy cut into the branches' channel blocks; their dL/dx add up.
    std::vector<BranchRun> runs;
    const Shape ys = {xs[0], int64_t(y.size()) / (xs[0] * xs[2] * xs[3]), xs[2], xs[3]};
    (void)inception_forward(*inc, p, x, xs, ys, &runs);
    size_t first = 0;
    int64_t c0 = 0;
    for (size_t b = 0; b < runs.size(); ++b) {
      const Shape& bs = runs[b].shapes.back();
      Values db(size_t(numel(bs)));
      ref::copy_channels<double>(dy.data(), ys[1], c0, db.data(), bs[1], 0, bs[1], ys[0],
                                 ys[2] * ys[3]);
      c0 += bs[1];
      add_into(dx, branch_backward(inc->branch(b), p, grads, first, runs[b], db));
      first += parameter_tensors(inc->branch(b));
    }
  } else {  // Flatten: the gradient keeps its values
    dx = dy;
  }
  return dx;
}

// The float64 replay of a whole model on one batch.
struct Replay {
  Sequential& model;
  std::vector<Shape> shapes;               // shapes[i] = input of layer i; back() = logits
  std::vector<std::vector<Values>> theta;  // theta[layer][param]: float64 parameter copies
  Values x;                                // the batch
  std::vector<float> labels;

  std::vector<Values*> params_of(size_t i) {
    std::vector<Values*> p;
    for (Values& v : theta[i]) p.push_back(&v);
    return p;
  }
  // L(θ) in float64; keeps every layer's input and output in @p acts when given.
  double loss(std::vector<Values>* acts = nullptr) {
    Values h = x;
    if (acts) acts->assign(1, h);
    for (size_t i = 0; i < model.size(); ++i) {
      h = forward64(model.layer(i), params_of(i), h, shapes[i], shapes[i + 1]);
      if (acts) acts->push_back(h);
    }
    const Shape& ls = shapes.back();
    return ref::softmax_cross_entropy_forward(h.data(), labels.data(), ls[0], ls[1]);
  }
  // dL/dθ for every parameter, in model.parameters() order.
  std::vector<Values> gradients() {
    std::vector<Values> acts;
    (void)loss(&acts);
    const Shape& ls = shapes.back();
    Values d(acts.back().size());
    ref::softmax_cross_entropy_backward(acts.back().data(), labels.data(), 1.0, d.data(), ls[0],
                                        ls[1]);
    std::vector<std::vector<Values>> per_layer(model.size());
    for (size_t i = model.size(); i-- > 0;) {
      for (const Values& t : theta[i]) per_layer[i].emplace_back(t.size(), 0.0);
      d = backward64(model.layer(i), params_of(i), per_layer[i], acts[i], shapes[i], acts[i + 1],
                     d);
    }
    std::vector<Values> all;
    for (auto& layer_grads : per_layer)
      for (Values& g : layer_grads) all.push_back(std::move(g));
    return all;
  }
};

}  // namespace

std::string ModelGradcheckResult::to_string() const {
  std::ostringstream s;
  s << "float64 backward chain vs centered differences (tolerance " << exact_tolerance << "):\n"
    << exact.to_string() << "the model's float32 layers vs the same differences (tolerance "
    << layers_tolerance << "):\n"
    << layers.to_string();
  return s.str();
}

ModelGradcheckResult gradcheck_model(Sequential& model, const Shape& input, uint64_t seed) {
  Backend& ref = reference_backend();
  model.to(ref);
  model.train();
  Replay r{.model = model, .shapes = {input}, .theta = {}, .x = {}, .labels = {}};
  for (size_t i = 0; i < model.size(); ++i)
    r.shapes.push_back(model.layer(i).output_shape(r.shapes.back()));
  const Shape& out = r.shapes.back();
  if (out.size() != 2)
    throw Error("gradcheck_model: the model's output must be [N, classes], got " + to_string(out));
  for (size_t i = 0; i < model.size(); ++i) {
    r.theta.emplace_back();
    for (Parameter* p : model.layer(i).parameters()) {
      const std::vector<float> v = p->value.to_vector();
      r.theta.back().emplace_back(v.begin(), v.end());
    }
  }
  // A random batch (values the float32 model sees exactly) and random labels.
  std::mt19937_64 rng(seed);
  std::vector<float> xf(size_t(numel(input)));
  for (float& v : xf) v = float(2.0 * uniform01(rng) - 1.0);
  r.x.assign(xf.begin(), xf.end());
  for (int64_t n = 0; n < out[0]; ++n)
    r.labels.push_back(float(int64_t(uniform01(rng) * double(out[1]))));

  // 1. float64: analytic chain vs centered differences, one parameter tensor at a time.
  ModelGradcheckResult result;
  result.exact.op = result.layers.op = "model";
  result.exact.description = result.layers.description = "input " + to_string(input) + ", " +
                                                         std::to_string(model.parameter_count()) +
                                                         " parameters, softmax cross-entropy loss";
  const std::vector<Values> analytic = r.gradients();
  std::vector<Values> numeric;
  size_t k = 0;
  for (size_t i = 0; i < model.size(); ++i) {
    const std::vector<Parameter*> ps = model.layer(i).parameters();
    for (size_t j = 0; j < ps.size(); ++j, ++k) {
      Values& slot = r.theta[i][j];
      const Values at = slot;
      auto loss_at = [&](const Values& v) {
        slot = v;
        const double l = r.loss();
        slot = at;
        return l;
      };
      // One numerical gradient per parameter, compared with both analytic ones.
      numeric.push_back(numerical_gradient(loss_at, at));
      result.exact.reports.push_back(
          compare_gradient(ps[j]->name, ps[j]->value.shape(), analytic[k], numeric.back()));
    }
  }

  // 2. The model's own layers in float32 on the reference backend.
  model.zero_grad();
  SoftmaxCrossEntropy loss;
  const Tensor logits = model.forward(Tensor::from_vector(input, xf, ref));
  (void)loss.forward(logits, Tensor::from_vector({out[0]}, r.labels, ref));
  model.backward(loss.backward());
  k = 0;
  for (Parameter* p : model.parameters()) {
    const std::vector<float> g = p->grad.to_vector();
    result.layers.reports.push_back(
        compare_gradient(p->name, p->value.shape(), Values(g.begin(), g.end()), numeric[k++]));
  }
  return result;
}

}  // namespace cnnlab
