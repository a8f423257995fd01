// vulkan_conv_transpose2d.cpp — transposed convolution on the Vulkan backend, by the convolution
// passes of vulkan_conv2d.cpp.
//
// Contract: the same function as backends/reference/conv_transpose2d.hpp (the scatter), recorded
// as the convolution passes of g.as_conv() (input y-shaped [N,K,H2,W2], output x-shaped
// [N,C,H,W], the same weights read as C filters of K/G channels), whose adjoint it is:
//   forward          y  = conv2d_backward_data(dy := x, w), then conv_transpose2d_bias.comp adds
//                    b[k] in place (one invocation per element of y, no loop)
//   backward_data    dx = conv2d_forward(x := dy, w) with no bias
//   backward_weight  dw = conv2d_backward_weight(x := dy, dy := x) with no db; db[k] = Σ over n
//                    and the pixels of dy[n, k, :, :] by reduce_rows (chunked: lavapipe's loop
//                    limit never bites)
// so each pass runs on the tiled GEMM engine or the direct shaders, whichever the convolution
// pass picks for the geometry. Nothing waits; every output element is written.
#include "backends/vulkan/vk_gemm.hpp"

#include "shaders/shader_modes.h"

#include <cstdint>

namespace cnnlab {

using Impl = VulkanBackend::Impl;

void VulkanBackend::conv_transpose2d_forward(const Tensor& x, const Tensor& w, const Tensor& b,
                                             Tensor& y, const ConvTranspose2dGeometry& g) {
  conv2d_backward_data(x, w, y, g.as_conv());  // the scatter, as the convolution's adjoint
  if (!b.defined()) return;
  Impl& m = *impl_;
  const auto total = static_cast<uint64_t>(y.numel());
  Push p;
  p.u(total).u(static_cast<uint64_t>(g.H2 * g.W2)).u(static_cast<uint64_t>(g.K));
  m.run("conv_transpose2d_forward", "conv_transpose2d_bias", {m.wg},
        {{Impl::buf(b), false}, {Impl::buf(y), true}}, p, m.grid(m.groups_for(total)),
        static_cast<double>(total));
}

void VulkanBackend::conv_transpose2d_backward_data(const Tensor& dy, const Tensor& w, Tensor& dx,
                                                   const ConvTranspose2dGeometry& g) {
  conv2d_forward(dy, w, Tensor(), dx, g.as_conv());  // each x pixel gathers its window of dy
}

void VulkanBackend::conv_transpose2d_backward_weight(const Tensor& x, const Tensor& dy, Tensor& dw,
                                                     Tensor& db, const ConvTranspose2dGeometry& g) {
  Tensor no_db;  // the convolution's own db would sum x, not dy
  conv2d_backward_weight(dy, x, dw, no_db, g.as_conv());
  if (!db.defined()) return;
  // db[k] = Σ over n and the pixels of dy[n, k, :, :]: rows k, stride H2·W2
  const auto HW2 = static_cast<uint64_t>(g.H2 * g.W2);
  reduce_rows(*impl_, "conv_transpose2d_backward_weight", vk::ROW_REDUCE_SUM, Impl::buf(dy),
              Impl::buf(dy), static_cast<uint64_t>(g.K), static_cast<uint64_t>(g.N) * HW2, HW2,
              Impl::buf(db), 1.0f);
}

}  // namespace cnnlab
