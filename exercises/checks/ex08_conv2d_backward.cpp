// ex08_conv2d_backward.cpp — checks of exercise 8: the convolution backward pass, dL/dx, dL/dw
// and dL/db for a given dL/dy (exercises/08_conv2d_backward.md).
//
// The student's code (ref::conv2d_backward_data and ref::conv2d_backward_weight in
// backends/reference/conv2d.hpp) is reached through the ops API, conv2d_backward_data() and
// conv2d_backward_weight(), on reference_backend() tensors. No forward pass is run here.
// Expected values: PyTorch autograd's gradients of L = sum(y * dy) for y = conv2d(x, w, b)
// (exercises/tools/data_conv.py). A diagnosis names the worst index of each gradient.
#include "check.hpp"
#include "conv_case.hpp"

#include <cnnlab/ops/ops.hpp>

#include <string>

using namespace cnnlab;
using namespace cnnlab::grade;

namespace {

const Tolerance kTol{.abs = 1e-4, .rel = 1e-4};

std::string describe(const Tensor& x, const Tensor& w, const Conv2dParams& p) {
  return "x " + to_string(x.shape()) + ", w " + to_string(w.shape()) + "; " + conv_params_string(p);
}

// dL/dx of case ex08/NAME.
void check_dx(const std::string& name) {
  const std::string c = "ex08/" + name;
  const Tensor x = golden(c + "_x"), w = golden(c + "_w"), dy = golden(c + "_dy");
  const Conv2dParams p = conv_case_params(c);
  const Tensor dx = conv2d_backward_data(dy, w, x.shape(), p);
  expect_close("dL/dx (" + describe(x, w, p) + ")", dx, golden(c + "_dx"), kTol);
}

// dL/dw and, with a bias, dL/db of case ex08/NAME.
void check_dw(const std::string& name, bool bias) {
  const std::string c = "ex08/" + name;
  const Tensor x = golden(c + "_x"), w = golden(c + "_w"), dy = golden(c + "_dy");
  const Conv2dParams p = conv_case_params(c);
  const ParamGrads g = conv2d_backward_weight(x, dy, w.shape(), bias, p);
  expect_close("dL/dw (" + describe(x, w, p) + ")", g.dw, golden(c + "_dw"), kTol);
  if (bias) expect_close("dL/db (" + describe(x, w, p) + ")", g.db, golden(c + "_db"), kTol);
}

}  // namespace

GRADE_CHECK(8, "dL/dx on the lecture's 7x7 input with a 3x3 filter, stride 1, equals PyTorch's") {
  check_dx("lecture_s1");
}

GRADE_CHECK(8,
            "dL/dw and dL/db on the lecture's 7x7 input with a 3x3 filter, stride 1, equal "
            "PyTorch's") {
  check_dw("lecture_s1", true);
}

GRADE_CHECK(8,
            "dL/dx with several images, channels and filters (N=2, C=3, 6x5, K=4) equals "
            "PyTorch's") {
  check_dx("multi");
}

GRADE_CHECK(8,
            "dL/dw and dL/db with several images, channels and filters (N=2, C=3, 6x5, K=4) "
            "equal PyTorch's") {
  check_dw("multi", true);
}

GRADE_CHECK(8, "dL/dx with stride 2 and padding 1 (N=2, C=3, 7x7, K=4) equals PyTorch's") {
  check_dx("stride2_pad1");
}

GRADE_CHECK(8,
            "dL/dw and dL/db with stride 2 and padding 1 (N=2, C=3, 7x7, K=4) equal "
            "PyTorch's") {
  check_dw("stride2_pad1", true);
}

GRADE_CHECK(8, "dL/dx with dilation 2 (a 3x3 filter spanning 5x5 on 9x9) equals PyTorch's") {
  check_dx("dilation2");
}

GRADE_CHECK(8, "dL/dw with dilation 2 and no bias equals PyTorch's") {
  check_dw("dilation2", false);
}

GRADE_CHECK(8, "dL/dx with groups 2 (N=2, C=4, K=6, padding 1) equals PyTorch's") {
  check_dx("groups2");
}

GRADE_CHECK(8, "dL/dw and dL/db with groups 2 (N=2, C=4, K=6, padding 1) equal PyTorch's") {
  check_dw("groups2", true);
}
