// reference_backend.hpp — the reference Backend: host memory plus the plain-loop kernels.
//
// Contract: every op of the Backend interface, implemented by calling the templated kernels in
// this folder with T = float. It is the canonical answer every other backend is compared to,
// so it is written for reading, not for speed: single-threaded, no blocking, no SIMD.
#pragma once

#include <cnnlab/core/backend.hpp>

namespace cnnlab {

/// The plain C++ backend ("reference"). Obtain the process-wide instance with
/// reference_backend().
class ReferenceBackend final : public Backend {
 public:
  std::string name() const override { return "reference"; }

  std::shared_ptr<Storage> allocate(size_t n) override;
  void write(Storage& dst, const float* src, size_t n) override;
  void read(const Storage& src, float* dst, size_t n) override;
  void copy(const Storage& src, Storage& dst, size_t n) override;

  void conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y,
                      const Conv2dGeometry& g) override;
  void conv2d_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx,
                            const Conv2dGeometry& g) override;
  void conv2d_backward_weight(const Tensor& x, const Tensor& dy, Tensor& dw, Tensor& db,
                              const Conv2dGeometry& g) override;

  void maxpool2d_forward(const Tensor& x, Tensor& y, const Pool2dGeometry& g) override;
  void maxpool2d_backward(const Tensor& x, const Tensor& dy, Tensor& dx,
                          const Pool2dGeometry& g) override;
  void avgpool2d_forward(const Tensor& x, Tensor& y, const Pool2dGeometry& g) override;
  void avgpool2d_backward(const Tensor& dy, Tensor& dx, const Pool2dGeometry& g) override;

  void linear_forward(const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y) override;
  void linear_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx) override;
  void linear_backward_weight(const Tensor& x, const Tensor& dy, Tensor& dw,
                              Tensor& db) override;
  void gemm(bool trans_a, bool trans_b, float alpha, const Tensor& a, const Tensor& b,
            float beta, Tensor& c) override;

  void relu_forward(const Tensor& x, Tensor& y) override;
  void relu_backward(const Tensor& x, const Tensor& dy, Tensor& dx) override;
  void sigmoid_forward(const Tensor& x, Tensor& y) override;
  void sigmoid_backward(const Tensor& y, const Tensor& dy, Tensor& dx) override;
  void tanh_forward(const Tensor& x, Tensor& y) override;
  void tanh_backward(const Tensor& y, const Tensor& dy, Tensor& dx) override;

  void softmax_forward(const Tensor& x, Tensor& y) override;
  void softmax_backward(const Tensor& y, const Tensor& dy, Tensor& dx) override;
  void softmax_cross_entropy_forward(const Tensor& logits, const Tensor& labels,
                                     Tensor& loss) override;
  void softmax_cross_entropy_backward(const Tensor& logits, const Tensor& labels, float dloss,
                                      Tensor& dlogits) override;

  void add_forward(const Tensor& a, const Tensor& b, Tensor& y) override;
  void sgd_update(Tensor& param, const Tensor& grad, Tensor& velocity,
                  const SgdParams& p) override;
};

}  // namespace cnnlab
