// host_backend.cpp — the memory of the backends that compute in host memory (reference,
// OpenMP): HostStorage and plain memcpy, nothing to wait for.
#include <cnnlab/core/host_backend.hpp>

#include <cstring>

namespace cnnlab {

std::shared_ptr<Storage> HostBackend::allocate(size_t n) {
  return std::make_shared<HostStorage>(*this, n);
}
void HostBackend::write(Storage& dst, const float* src, size_t n) {
  if (n) std::memcpy(dst.host_data(), src, n * sizeof(float));
}
void HostBackend::read(const Storage& src, float* dst, size_t n) {
  if (n) std::memcpy(dst, const_cast<Storage&>(src).host_data(), n * sizeof(float));
}
void HostBackend::copy(const Storage& src, Storage& dst, size_t n) {
  read(src, dst.host_data(), n);
}

}  // namespace cnnlab
