// tensor.cpp — Tensor: a shape plus a handle to backend-owned storage.
//
// Contract: creation, host reads and writes, views and explicit moves between backends. All
// actual memory work is delegated to the owning Backend (allocate/read/write/copy).
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/core/tensor.hpp>

namespace cnnlab {

namespace {
/// Checks a shape for tensor creation: every dimension positive, and not absurdly large.
void check_new_shape(const Shape& shape) {
  require_positive(shape, "Tensor");
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d > (int64_t{1} << 40) / n)
      throw Error("Tensor of shape " + to_string(shape) + " would have more than 2^40 elements");
    n *= d;
  }
}
}  // namespace

Tensor Tensor::empty(const Shape& shape, Backend& backend) {
  check_new_shape(shape);
  Tensor t;
  t.storage_ = backend.allocate(static_cast<size_t>(cnnlab::numel(shape)));
  t.shape_ = shape;
  return t;
}

Tensor Tensor::zeros(const Shape& shape, Backend& backend) {
  Tensor t = empty(shape, backend);
  t.copy_from(std::vector<float>(static_cast<size_t>(t.numel()), 0.0f));
  return t;
}

Tensor Tensor::from_vector(const Shape& shape, const std::vector<float>& values, Backend& backend) {
  check_new_shape(shape);
  if (static_cast<int64_t>(values.size()) != cnnlab::numel(shape))
    throw Error("Tensor::from_vector: shape " + to_string(shape) + " holds " +
                std::to_string(cnnlab::numel(shape)) + " values, but " +
                std::to_string(values.size()) + " were given");
  Tensor t = empty(shape, backend);
  t.copy_from(values);
  return t;
}

int64_t Tensor::dim(int i) const {
  const int n = ndim();
  if (i < -n || i >= n)
    throw Error("Tensor::dim(" + std::to_string(i) + "): tensor of shape " + to_string(shape_) +
                " has " + std::to_string(n) + " dimensions");
  return shape_[static_cast<size_t>(i < 0 ? i + n : i)];
}

Backend& Tensor::backend() const {
  if (!storage_) throw Error("Tensor::backend(): the tensor is undefined (no storage)");
  return storage_->backend();
}

std::vector<float> Tensor::to_vector() const {
  if (!storage_) return {};
  std::vector<float> out(static_cast<size_t>(numel()));
  storage_->backend().read(*storage_, out.data(), out.size());
  return out;
}

float Tensor::at(int64_t flat_index) const {
  if (flat_index < 0 || flat_index >= numel())
    throw Error("Tensor::at(" + std::to_string(flat_index) + "): index out of range for shape " +
                to_string(shape_));
  if (float* p = storage_->host_data()) return p[flat_index];
  return to_vector()[static_cast<size_t>(flat_index)];
}

void Tensor::copy_from(const std::vector<float>& values) {
  if (!storage_) throw Error("Tensor::copy_from: the tensor is undefined (no storage)");
  if (static_cast<int64_t>(values.size()) != numel())
    throw Error("Tensor::copy_from: tensor of shape " + to_string(shape_) + " holds " +
                std::to_string(numel()) + " values, but " + std::to_string(values.size()) +
                " were given");
  storage_->backend().write(*storage_, values.data(), values.size());
}

float* Tensor::data() const {
  if (!storage_) throw Error("Tensor::data(): the tensor is undefined (no storage)");
  float* p = storage_->host_data();
  if (!p)
    throw Error("Tensor::data(): this tensor lives on the " + storage_->backend().name() +
                " backend, not in host memory; use to_vector() or to(reference_backend())");
  return p;
}

Tensor Tensor::to(Backend& target) const {
  if (!storage_) throw Error("Tensor::to(): the tensor is undefined (no storage)");
  if (&target == &storage_->backend()) return *this;
  return from_vector(shape_, to_vector(), target);
}

Tensor Tensor::clone() const {
  if (!storage_) return {};
  Tensor t = empty(shape_, storage_->backend());
  storage_->backend().copy(*storage_, *t.storage_, static_cast<size_t>(numel()));
  return t;
}

Tensor Tensor::reshape(const Shape& new_shape) const {
  if (!storage_) throw Error("Tensor::reshape(): the tensor is undefined (no storage)");
  require_positive(new_shape, "Tensor::reshape target");
  if (cnnlab::numel(new_shape) != numel())
    throw Error("Tensor::reshape: cannot view shape " + to_string(shape_) + " (" +
                std::to_string(numel()) + " elements) as " + to_string(new_shape) + " (" +
                std::to_string(cnnlab::numel(new_shape)) + " elements)");
  Tensor t = *this;
  t.shape_ = new_shape;
  return t;
}

}  // namespace cnnlab
