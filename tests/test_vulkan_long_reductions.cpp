// test_vulkan_long_reductions.cpp — reductions longer than lavapipe's loop limit.
//
// lavapipe (Mesa's CPU Vulkan driver) silently ends a shader invocation after 65,535 loop
// iterations in total, and the result is simply wrong. The GEMM engine walks K in tiles of 16 with
// the tile fully unrolled, so one invocation's loop count is K/16: without split-K, K > 1,048,560
// breaks (checked by hand: linear with D_in = 1,100,000 came out 150 off). These cases push every
// kind of long reduction past 65,535 terms per output — and the GEMM ones past 65,535 tiles — and
// compare with the reference backend.
#include "vulkan_test_util.hpp"

#include <cnnlab/ops/ops.hpp>

using namespace cnnlab;
using namespace cnnlab::vktest;

TEST_CASE("linear layer with D_in = 1,100,000 (GEMM split-K)", "[vulkan][long]") {
  Backend& be = vk();
  const int64_t N = 1, Din = 1'100'000, Dout = 2;
  const Tensor x = random_tensor({N, Din}, 1), w = random_tensor({Din, Dout}, 2),
               b = random_tensor({Dout}, 3);
  expect_close("linear_forward D_in=1100000", linear_forward(x, w, b),
               linear_forward(x.to(be), w.to(be), b.to(be)), Din);
}

TEST_CASE("linear weight gradient over a batch of 1,100,000 rows", "[vulkan][long]") {
  Backend& be = vk();
  const int64_t N = 1'100'000, Din = 2, Dout = 3;
  const Tensor x = random_tensor({N, Din}, 4), dy = random_tensor({N, Dout}, 5);
  const ParamGrads r = linear_backward_weight(x, dy, true);
  const ParamGrads v = linear_backward_weight(x.to(be), dy.to(be), true);
  expect_close("linear_backward_weight dW N=1100000", r.dw, v.dw, N);
  expect_close("linear_backward_weight db N=1100000", r.db, v.db, N);
}

TEST_CASE("conv2d weight gradient summing over N*H2*W2 > 65,535", "[vulkan][long]") {
  Backend& be = vk();
  struct Case {
    Shape x;
    int64_t K, F;
    Conv2dParams p;
  };
  // 2·200·200 = 80,000 pixels with a 3x3 filter; 1,100,000 pixels (past 65,535 K tiles) with 1x1.
  for (const Case& c :
       {Case{{2, 2, 200, 200}, 3, 3, {1, 1, 1, 1}}, Case{{1, 1, 1100, 1000}, 2, 1, {1, 0, 1, 1}}}) {
    const Shape ws = {c.K, c.x[1], c.F, c.F};
    const Conv2dGeometry g = conv2d_geometry(c.x, ws, c.p);
    const Tensor x = random_tensor(c.x, 6), dy = random_tensor(g.output_shape(), 7);
    const ParamGrads r = conv2d_backward_weight(x, dy, ws, true, c.p);
    const ParamGrads v = conv2d_backward_weight(x.to(be), dy.to(be), ws, true, c.p);
    const std::string what = "x " + to_string(c.x) + " F=" + std::to_string(c.F);
    expect_close("conv2d_backward_weight dw " + what, r.dw, v.dw, g.N * g.H2 * g.W2);
    expect_close("conv2d_backward_weight db " + what, r.db, v.db, g.N * g.H2 * g.W2);
  }
}

TEST_CASE("conv2d forward with C*F*F = 72,000 terms per output", "[vulkan][long]") {
  Backend& be = vk();
  const Tensor x = random_tensor({1, 8000, 3, 3}, 8), w = random_tensor({2, 8000, 3, 3}, 9);
  const Tensor b = random_tensor({2}, 10);
  expect_close("conv2d_forward C=8000 F=3", conv2d_forward(x, w, b),
               conv2d_forward(x.to(be), w.to(be), b.to(be)), 72000);
  const Tensor dy = random_tensor({1, 2, 1, 1}, 11);
  expect_close("conv2d_backward_data C=8000 F=3", conv2d_backward_data(dy, w, x.shape()),
               conv2d_backward_data(dy.to(be), w.to(be), x.shape()), 2);
}

TEST_CASE("softmax and cross-entropy over rows of 1,100,000 and over 100,000 rows",
          "[vulkan][long]") {
  Backend& be = vk();
  {
    const int64_t N = 2, D = 1'100'000;
    const Tensor x = random_tensor({N, D}, 12, -8, 8), dy = random_tensor({N, D}, 13);
    const Tensor labels = Tensor::from_vector({N}, {7.0f, 1'000'000.0f}, reference_backend());
    const std::string sh = " [2, 1100000]";
    expect_close("softmax_forward" + sh, softmax_forward(x), softmax_forward(x.to(be)), D);
    const Tensor y = softmax_forward(x);
    expect_close("softmax_backward" + sh, softmax_backward(y, dy),
                 softmax_backward(y.to(be), dy.to(be)), D);
    expect_close("softmax_cross_entropy_forward" + sh, softmax_cross_entropy_forward(x, labels),
                 softmax_cross_entropy_forward(x.to(be), labels.to(be)), N * D);
    expect_close("softmax_cross_entropy_backward" + sh,
                 softmax_cross_entropy_backward(x, labels, 0.5f),
                 softmax_cross_entropy_backward(x.to(be), labels.to(be), 0.5f), D);
  }
  {
    const int64_t N = 100'000, D = 3;
    const Tensor x = random_tensor({N, D}, 14, -8, 8);
    std::vector<float> lab(static_cast<size_t>(N));
    for (size_t n = 0; n < lab.size(); ++n) lab[n] = static_cast<float>(n % 3);
    const Tensor labels = Tensor::from_vector({N}, lab, reference_backend());
    expect_close("softmax_cross_entropy_forward [100000, 3] (mean over 100,000 rows)",
                 softmax_cross_entropy_forward(x, labels),
                 softmax_cross_entropy_forward(x.to(be), labels.to(be)), N * D);
  }
}
