/// @file host_backend.hpp
/// @brief HostBackend: the memory half of a Backend whose tensors live in ordinary host memory.
///
/// Contract: allocate() gives a HostStorage (64-byte aligned, not cleared), and write(), read()
/// and copy() are plain memory copies, which need no synchronisation. The reference and OpenMP
/// backends both derive from it, so their memory is the same code; a backend of device memory
/// (Vulkan) derives from Backend directly. What it is not: any op — a HostBackend still
/// implements (or leaves unsupported) the ops of backend_ops.inc itself.
#pragma once

#include <cnnlab/core/backend.hpp>

#include <cstddef>
#include <memory>

namespace cnnlab {

/// @brief A Backend whose Storage is HostStorage: the memory functions, written once.
class HostBackend : public Backend {
 public:
  /// @brief A new HostStorage of @p n floats owned by this backend (contents unspecified).
  std::shared_ptr<Storage> allocate(size_t n) override;
  /// @brief Copies @p n floats from @p src into @p dst's host memory.
  void write(Storage& dst, const float* src, size_t n) override;
  /// @brief Copies @p n floats of @p src's host memory to @p dst.
  void read(const Storage& src, float* dst, size_t n) override;
  /// @brief Copies @p n floats from one host storage to another.
  void copy(const Storage& src, Storage& dst, size_t n) override;
};

}  // namespace cnnlab
