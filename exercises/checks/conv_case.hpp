// conv_case.hpp — loading one convolution case of the checks' data (exercises 7, 8, 11).
//
// Contract: a case NAME in a folder exNN is the files NAME_x, NAME_w, NAME_p (= [S, P, D, G]) and,
// depending on the exercise, NAME_b, NAME_y, NAME_dy, NAME_dx, NAME_dw, NAME_db, all written by
// exercises/tools/data_conv.py (or its hidden twin) with PyTorch. Only loading lives here; the
// comparisons are in the checks.
#pragma once

#include "check.hpp"

#include <cnnlab/ops/geometry.hpp>

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

}  // namespace cnnlab::grade
