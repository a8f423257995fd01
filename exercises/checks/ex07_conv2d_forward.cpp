// ex07_conv2d_forward.cpp — checks of exercise 7: the convolution forward pass with stride,
// padding, dilation and groups (exercises/07_conv2d_forward.md).
//
// The student's code (ref::conv2d_forward in backends/reference/conv2d.hpp) is reached through
// the ops API, conv2d_forward(x, w, b, params), on reference_backend() tensors.
// Expected values: PyTorch's torch.nn.functional.conv2d on the same inputs
// (exercises/tools/data_conv.py), and the lecture's X/O network table (restated below).
#include "check.hpp"
#include "conv_case.hpp"

#include <cnnlab/core/backend.hpp>
#include <cnnlab/demo/xo.hpp>
#include <cnnlab/ops/ops.hpp>

#include <cmath>
#include <string>
#include <vector>

using namespace cnnlab;
using namespace cnnlab::grade;

GRADE_CHECK(7,
            "the lecture's 7x7 input with a 3x3 filter, stride 1: the 5x5 output equals "
            "PyTorch's conv2d") {
  expect_conv2d_forward_case("ex07/lecture_s1", false);
}

GRADE_CHECK(7,
            "the lecture's 7x7 input with a 3x3 filter, stride 2: the 3x3 output equals "
            "PyTorch's conv2d") {
  expect_conv2d_forward_case("ex07/lecture_s2", false);
}

GRADE_CHECK(7,
            "the lecture's 7x7 input with a 3x3 filter, padding 1: the 7x7 output (zeros "
            "around the border) equals PyTorch's conv2d") {
  expect_conv2d_forward_case("ex07/lecture_p1", false);
}

GRADE_CHECK(7,
            "the lecture's X/O network: the 9x9 X filtered by its three 3x3 features (divided "
            "by 9) gives the lecture's first table") {
  // The lecture's table for the "\" feature, in hundredths as printed (cut, not rounded).
  const std::vector<int> table = {77,  -11, 11,  33,  55,  -11, 33,   //
                                  -11, 100, -11, 33,  -11, 11,  -11,  //
                                  11,  -11, 100, -33, 11,  -11, 55,   //
                                  33,  33,  -33, 55,  -33, 33,  33,   //
                                  55,  -11, 11,  -33, 100, -11, 11,   //
                                  -11, 11,  -11, 33,  -11, 100, -11,  //
                                  33,  -11, 55,  33,  11,  -11, 77};
  Backend& ref = reference_backend();
  std::vector<float> f = xo::features();
  for (float& v : f) v /= 9.0f;  // "divide by the number of pixels"
  const Tensor y = conv2d_forward(Tensor::from_vector({1, 1, 9, 9}, xo::x_image(), ref),
                                  Tensor::from_vector({3, 1, 3, 3}, f, ref), Tensor());
  expect_shape("filtered X", y.shape(), {1, 3, 7, 7});
  const std::vector<float> v = y.to_vector();
  for (int64_t i = 0; i < 49; ++i) {
    // Each value is (agreeing - disagreeing pixels)/9; the slide shows it cut to 2 decimals.
    const double nine_v = 9.0 * double(v[size_t(i)]);
    const long m = std::lround(nine_v);
    const std::string where = "feature \"\\\" at row " + std::to_string(i / 7) + ", column " +
                              std::to_string(i % 7) + ": got " + std::to_string(v[size_t(i)]);
    expect_true(std::abs(nine_v - double(m)) < 1e-4,
                where + ", which is not a whole number of ninths");
    expect_true(m * 100 / 9 == table[size_t(i)],
                where + ", the lecture prints 0." + std::to_string(table[size_t(i)]) +
                    " (in hundredths: " + std::to_string(table[size_t(i)]) + ")");
  }
}

GRADE_CHECK(7, "a bias is added to every output position (1x1x5x5 input, two 3x3 filters)") {
  expect_conv2d_forward_case("ex07/bias", true);
}

GRADE_CHECK(7,
            "several images, channels and filters: N=2, C=3, 8x7 input, K=4 3x3 filters, "
            "bias") {
  expect_conv2d_forward_case("ex07/multi", true);
}

GRADE_CHECK(7, "stride 2 with padding 1: N=2, C=3, 7x7 input, K=4 3x3 filters -> 4x4") {
  expect_conv2d_forward_case("ex07/stride2_pad1", true);
}

GRADE_CHECK(7, "dilation 2: a 3x3 filter spanning 5x5 on a 9x9 input -> 5x5") {
  expect_conv2d_forward_case("ex07/dilation2", true);
}

GRADE_CHECK(7,
            "groups 2: filters 0-2 see channels 0-1 only, filters 3-5 channels 2-3 only "
            "(N=2, C=4, K=6, padding 1)") {
  expect_conv2d_forward_case("ex07/groups2", true);
}

GRADE_CHECK(7,
            "the lecture's 32x32x3 input with ten 5x5 filters, stride 1, pad 2: the output is "
            "32x32x10 and finite") {
  Backend& ref = reference_backend();
  std::vector<float> xv(3 * 32 * 32), wv(10 * 3 * 5 * 5), bv(10);
  for (size_t i = 0; i < xv.size(); ++i) xv[i] = float(int(i * 7 % 11) - 5) / 5.0f;
  for (size_t i = 0; i < wv.size(); ++i) wv[i] = float(int(i * 5 % 7) - 3) / 30.0f;
  for (size_t i = 0; i < bv.size(); ++i) bv[i] = 0.1f * float(i);
  const Tensor y = conv2d_forward(Tensor::from_vector({1, 3, 32, 32}, xv, ref),
                                  Tensor::from_vector({10, 3, 5, 5}, wv, ref),
                                  Tensor::from_vector({10}, bv, ref), {.padding = 2});
  expect_shape("y", y.shape(), {1, 10, 32, 32});
  expect_finite("y", y.to_vector(), y.shape());
}
