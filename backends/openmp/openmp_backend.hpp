// openmp_backend.hpp — the fast CPU Backend: OpenMP threads, SIMD register tiles, and a packed
// SGEMM.
//
// Contract: every op of the Backend interface, computing the same function as the reference
// backend (tests/test_cross_backend.cpp holds it to that within float32 tolerances), but
// organised for speed:
//   - convolution picks, per layer and pass, the fastest of several paths (openmp_conv2d.cpp;
//     thresholds in conv_paths.hpp): with AVX-512 mostly direct register tiles that read the
//     zero-padded input themselves, no column matrix (conv_direct_*.cpp on the tiles of
//     conv_tiles.hpp); otherwise im2col written straight into the packed GEMM layout + sgemm
//     (conv_columns.cpp, gemm.hpp);
//   - the fully connected layer is three sgemm calls (openmp_backend.cpp);
//   - memory-bound ops (pooling, activations, SGD) are one pass over memory, threaded with one
//     OpenMP pragma on the outer loop and vectorised by the compiler.
// Tensors live in ordinary host memory (HostStorage), so tensors can be read directly.
// Not here: the GEMM itself (gemm.cpp), the convolution tiles (conv_tiles_avx512.cpp), argument
// checks (src/ops.cpp). docs/openmp.md explains the paths.
#pragma once

#include <cnnlab/core/backend.hpp>

namespace cnnlab {

/// The OpenMP CPU backend ("openmp"). Obtain the process-wide instance with
/// backend_by_name("openmp"). The number of threads is OpenMP's (OMP_NUM_THREADS).
class OpenMPBackend final : public Backend {
 public:
  std::string name() const override { return "openmp"; }
  std::string description() const override;

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

/// The process-wide OpenMP backend instance.
Backend& openmp_backend();

}  // namespace cnnlab
