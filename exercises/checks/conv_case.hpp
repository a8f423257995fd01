// conv_case.hpp — loading one convolution case of the checks' data (exercises 7, 8, 11).
//
// Contract: a case NAME in a folder exNN is the files NAME_x, NAME_w, NAME_p (= [S, P, D, G]) and,
// depending on the exercise, NAME_b, NAME_y, NAME_dy, NAME_dx, NAME_dw, NAME_db, all written by
// exercises/tools/data_conv.py (or its hidden twin) with PyTorch. An im2col case NAME (exercise
// 11) is instead NAME_x, NAME_p (= [FH, FW, S, P, D]) and NAME_cols. Besides loading, the forward
// comparisons shared by the checks live here: expect_conv_forward_case (a convolution's y against
// NAME_y; expect_conv2d_forward_case for conv2d_forward) and expect_im2col_case (im2col's columns
// against NAME_cols); they report through the grader's expect_* functions.
#pragma once

#include "check.hpp"

#include <cnnlab/ops/geometry.hpp>
#include <cnnlab/ops/im2col.hpp>
#include <cnnlab/ops/ops.hpp>

#include <string>
#include <vector>

namespace cnnlab::grade {

/// @brief The settings of a case: NAME_p holds [S, P, D, G].
inline Conv2dParams conv_case_params(const std::string& name) {
  const std::vector<float> v = golden(name + "_p").to_vector();
  return {.stride = int(v.at(0)),
          .padding = int(v.at(1)),
          .dilation = int(v.at(2)),
          .groups = int(v.at(3))};
}

/// @brief "S=2, P=1, D=1, G=1", for diagnoses.
inline std::string conv_params_string(const Conv2dParams& p) {
  return "stride " + std::to_string(p.stride) + ", padding " + std::to_string(p.padding) +
         ", dilation " + std::to_string(p.dilation) + ", groups " + std::to_string(p.groups);
}

/// @brief A convolution forward function: conv2d_forward or conv2d_forward_im2col.
using ConvForward = Tensor (*)(const Tensor& x, const Tensor& w, const Tensor& b,
                               const Conv2dParams& p);

/// @brief y = conv(x, w, b) of case @p c (with NAME_b only when @p bias), compared with PyTorch's
/// NAME_y; @p conv_name names the function in the diagnosis.
inline void expect_conv_forward_case(const std::string& c, bool bias, const std::string& conv_name,
                                     ConvForward conv) {
  const Tensor x = golden(c + "_x"), w = golden(c + "_w");
  const Tensor b = bias ? golden(c + "_b") : Tensor();
  const Conv2dParams p = conv_case_params(c);
  const Tensor y = conv(x, w, b, p);
  expect_close("y = " + conv_name + "(x " + to_string(x.shape()) + ", w " + to_string(w.shape()) +
                   (bias ? ", b" : ", no bias") + "; " + conv_params_string(p) + ")",
               y, golden(c + "_y"), {.abs = 1e-4, .rel = 1e-4});
}

/// @brief Exercise 7's comparison: y = conv2d_forward(x, w, b) of case @p c against NAME_y.
inline void expect_conv2d_forward_case(const std::string& c, bool bias) {
  expect_conv_forward_case(c, bias, "conv2d_forward", conv2d_forward);
}

/// @brief cols = im2col(x) of im2col case @p c (NAME_p = [FH, FW, S, P, D]), compared with
/// PyTorch's unfold, NAME_cols. The columns are copies of x's values, so they must be exact.
inline void expect_im2col_case(const std::string& c) {
  const Tensor x = golden(c + "_x");
  const std::vector<float> p = golden(c + "_p").to_vector();
  const int64_t FH = int64_t(p[0]), FW = int64_t(p[1]);
  const Conv2dParams params{.stride = int(p[2]), .padding = int(p[3]), .dilation = int(p[4])};
  const Tensor cols = im2col(x, FH, FW, params);
  expect_close("im2col(x " + to_string(x.shape()) + ", " + std::to_string(FH) + "x" +
                   std::to_string(FW) + " filter; " + conv_params_string(params) + ")",
               cols, golden(c + "_cols"), {.abs = 0, .rel = 0});
}

}  // namespace cnnlab::grade
