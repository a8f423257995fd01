/// @file tensor.hpp
/// @brief Tensor: a float32, contiguous, row-major (NCHW) array owned by one backend.
///
/// Contract:
/// - A Tensor is a shape plus a shared handle to Storage that a Backend allocated. Copying a
///   Tensor copies the handle, not the numbers (like a NumPy view); use clone() for a copy.
/// - Data never moves between backends behind your back: `t.to(other)` is the only way.
/// - Reading values on the host (to_vector(), at(), data() on host backends) first waits for
///   the owning backend's pending work, so what you read is final.
/// - Not here: strides, broadcasting, automatic differentiation. cnnlab's ops are explicit
///   forward and backward functions (see ops.hpp), as in the lecture notes.
#pragma once

#include <cnnlab/core/shape.hpp>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <string>
#include <vector>

namespace cnnlab {

class Backend;

/// @brief A block of memory holding float32 values, allocated by (and only usable with) one
///        Backend.
class Storage {
 public:
  virtual ~Storage() = default;
  /// @brief The backend that allocated this storage and computes on it.
  virtual Backend& backend() const = 0;
  /// @brief Number of float32 values this storage holds.
  virtual size_t size() const = 0;
  /// @brief Pointer to the values if they live in host memory, nullptr otherwise.
  virtual float* host_data() { return nullptr; }
};

/// @brief Storage in ordinary host memory, used by the CPU backends.
///
/// The block is aligned to 64 bytes (a cache line, and one AVX-512 register) and is not
/// cleared: every op writes all of its outputs, and Tensor::zeros() clears explicitly, so
/// clearing here would only cost a pass over memory.
class HostStorage final : public Storage {
 public:
  /// @brief Allocates @p n floats (contents unspecified) owned by @p owner.
  HostStorage(Backend& owner, size_t n)
      : owner_(&owner),
        size_(n),
        values_(static_cast<float*>(
            ::operator new[](std::max<size_t>(n, 1) * sizeof(float), std::align_val_t{64}))) {}
  Backend& backend() const override { return *owner_; }
  size_t size() const override { return size_; }
  float* host_data() override { return values_.get(); }

 private:
  // Hidden from Doxygen: it would link the class summary to a nested-type section that
  // EXTRACT_PRIVATE = NO then leaves out (a broken link, tests/docs/check_site.py).
  /// @cond PRIVATE
  /// Frees memory from the aligned operator new[] above.
  struct AlignedDelete {
    void operator()(float* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  /// @endcond
  Backend* owner_;
  size_t size_;
  std::unique_ptr<float[], AlignedDelete> values_;
};

/// @brief A float32 NCHW tensor owned by a backend.
class Tensor {
 public:
  /// @brief An empty tensor: no storage, shape `[]`, `defined()` is false. Used for
  ///        "no bias" and similar optional arguments.
  Tensor() = default;

  /// @brief A new tensor of @p shape on @p backend; its values are unspecified.
  static Tensor empty(const Shape& shape, Backend& backend);
  /// @brief A new tensor of @p shape on @p backend filled with zeros.
  static Tensor zeros(const Shape& shape, Backend& backend);
  /// @brief A new tensor of @p shape on @p backend holding @p values (row-major).
  /// @throws Error if `values.size()` differs from the number of elements of @p shape.
  static Tensor from_vector(const Shape& shape, const std::vector<float>& values, Backend& backend);

  /// @brief True when the tensor has storage (i.e. it is not the empty `Tensor()`).
  bool defined() const { return storage_ != nullptr; }
  /// @brief The shape, outermost dimension first.
  const Shape& shape() const { return shape_; }
  /// @brief Number of dimensions.
  int ndim() const { return static_cast<int>(shape_.size()); }
  /// @brief Size of dimension @p i; negative @p i counts from the end.
  /// @throws Error if @p i is out of range.
  int64_t dim(int i) const;
  /// @brief Number of elements.
  int64_t numel() const { return cnnlab::numel(shape_); }
  /// @brief The backend that owns the storage.
  /// @throws Error for an undefined tensor.
  Backend& backend() const;
  /// @brief The storage holding the values, or nullptr for an undefined tensor. For backend
  ///        implementations, which know the concrete Storage type they allocated (e.g. a
  ///        Vulkan buffer); everyone else uses to_vector(), data() or to().
  Storage* storage() const { return storage_.get(); }

  /// @brief Copies the values to a host vector (waits for pending work on the backend).
  std::vector<float> to_vector() const;
  /// @brief Reads one element by flat (row-major) index; slow on device backends.
  float at(int64_t flat_index) const;
  /// @brief Overwrites all values from host memory; `values.size()` must equal numel().
  void copy_from(const std::vector<float>& values);

  /// @brief Pointer to the values for host backends (reference, OpenMP).
  /// @throws Error if the storage does not live in host memory (e.g. Vulkan): use to() first.
  float* data() const;

  /// @brief The same values on another backend (a copy; returns *this if already there).
  Tensor to(Backend& target) const;
  /// @brief A deep copy on the same backend.
  Tensor clone() const;
  /// @brief A view of the same storage with another shape of equal element count.
  /// @throws Error if the element counts differ.
  Tensor reshape(const Shape& new_shape) const;

 private:
  std::shared_ptr<Storage> storage_;
  Shape shape_;
};

}  // namespace cnnlab
