// sequential.cpp — a chain of layers: forward in order, backward in reverse (the chain rule),
// parameters named "<layer>.<parameter>".
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/sequential.hpp>

#include <algorithm>
#include <map>

namespace cnnlab {
namespace {

// The short name a layer's kind gets in automatic names: conv1, pool2, fc3, relu4.
std::string short_name(const std::string& kind) {
  static const std::map<std::string, std::string> names = {
      {"conv2d", "conv"},          {"maxpool2d", "pool"}, {"avgpool2d", "pool"},
      {"global_avgpool2d", "gap"}, {"batchnorm2d", "bn"}, {"linear", "fc"}};
  auto it = names.find(kind);
  return it == names.end() ? kind : it->second;
}

}  // namespace

Sequential& Sequential::add(std::unique_ptr<Layer> layer, std::string name) {
  if (!layer) throw Error("Sequential::add: the layer is null");
  if (name.empty()) {
    const std::string prefix = short_name(layer->kind());
    int count = 1;
    for (const auto& l : layers_) count += short_name(l->kind()) == prefix ? 1 : 0;
    name = prefix + std::to_string(count);
    for (int k = count; std::find(names_.begin(), names_.end(), name) != names_.end();)
      name = prefix + std::to_string(++k);
  }
  if (name.find('.') != std::string::npos)
    throw Error("Sequential::add: layer name '" + name + "' must not contain '.'");
  if (std::find(names_.begin(), names_.end(), name) != names_.end())
    throw Error("Sequential::add: there is already a layer named '" + name + "'");
  for (Parameter* p : layer->parameters()) p->name = name + "." + p->name;
  for (Parameter* b : layer->buffers()) b->name = name + "." + b->name;
  layers_.push_back(std::move(layer));
  names_.push_back(std::move(name));
  return *this;
}

Layer& Sequential::layer(size_t i) const {
  if (i >= layers_.size())
    throw Error("Sequential: layer " + std::to_string(i) + " does not exist (the model has " +
                std::to_string(layers_.size()) + ")");
  return *layers_[i];
}

const std::string& Sequential::layer_name(size_t i) const {
  (void)layer(i);
  return names_[i];
}

Tensor Sequential::forward(const Tensor& x) {
  if (layers_.empty()) throw Error("Sequential::forward: the model has no layers");
  Tensor h = x;
  for (auto& l : layers_) h = l->forward(h);
  return h;
}

void Sequential::backward(const Tensor& dout) {
  // BEGIN SOLUTION exercise 10: sequential_backward [dout]
  if (layers_.empty()) throw Error("Sequential::backward: the model has no layers");
  // Chain rule, last layer first: each layer turns dL/d(its output) into dL/d(its input).
  Tensor d = dout;
  for (size_t i = layers_.size(); i-- > 0;) d = layers_[i]->backward(d, /*need_dx=*/i > 0);
  // END SOLUTION
}

std::vector<Parameter*> Sequential::parameters() const {
  std::vector<Parameter*> all;
  for (auto& l : layers_)
    for (Parameter* p : l->parameters()) all.push_back(p);
  return all;
}

std::vector<Parameter*> Sequential::buffers() const {
  std::vector<Parameter*> all;
  for (auto& l : layers_)
    for (Parameter* b : l->buffers()) all.push_back(b);
  return all;
}

std::vector<Parameter*> Sequential::state() const {
  std::vector<Parameter*> all = parameters();
  for (Parameter* b : buffers()) all.push_back(b);
  return all;
}

int64_t Sequential::parameter_count() const {
  int64_t n = 0;
  for (Parameter* p : parameters()) n += p->value.numel();
  return n;
}

void Sequential::zero_grad() {
  for (Parameter* p : parameters()) p->grad = Tensor();
}

void Sequential::set_mode(Mode m) {
  for (auto& l : layers_) l->set_mode(m);
}

void Sequential::init(uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (auto& l : layers_) l->reset_parameters(rng);
}

void Sequential::to(Backend& backend) {
  for (auto& l : layers_) l->to(backend);
}

Shape Sequential::output_shape(const Shape& input) const {
  Shape s = input;
  for (size_t i = 0; i < layers_.size(); ++i) {
    try {
      s = layers_[i]->output_shape(s);
    } catch (const Error& e) {
      throw Error("layer " + std::to_string(i) + " (" + names_[i] + ", " + layers_[i]->describe() +
                  ") cannot take an input of shape " + to_string(s) + ": " + e.what());
    }
  }
  return s;
}

}  // namespace cnnlab
