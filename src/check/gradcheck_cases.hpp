// gradcheck_cases.hpp — internal: how each op becomes a float64 gradient-check case.
//
// What it is: one make_<op>_case() function per op, each turning a GradcheckSpec (input shape
// set) into a GradcheckCase whose forward and backward call the reference kernels
// (backends/reference/*.hpp) in double precision. The op registry (src/ops/op_registry.cpp)
// points to them, one per row; gradcheck_op() (gradcheck.cpp) runs them.
// What it is not: public API (not installed), nor the checker itself (gradcheck.cpp).
#pragma once

#include <cnnlab/check/gradcheck.hpp>

#include <random>

namespace cnnlab::check {

/// @name Gradient-check cases, one per op (see GradcheckCaseMaker)
/// @{
GradcheckCase make_conv2d_case(const GradcheckSpec& spec, std::mt19937_64& rng);
GradcheckCase make_maxpool2d_case(const GradcheckSpec& spec, std::mt19937_64& rng);
GradcheckCase make_avgpool2d_case(const GradcheckSpec& spec, std::mt19937_64& rng);
GradcheckCase make_global_avgpool2d_case(const GradcheckSpec& spec, std::mt19937_64& rng);
GradcheckCase make_linear_case(const GradcheckSpec& spec, std::mt19937_64& rng);
GradcheckCase make_matmul_case(const GradcheckSpec& spec, std::mt19937_64& rng);
GradcheckCase make_relu_case(const GradcheckSpec& spec, std::mt19937_64& rng);
GradcheckCase make_sigmoid_case(const GradcheckSpec& spec, std::mt19937_64& rng);
GradcheckCase make_tanh_case(const GradcheckSpec& spec, std::mt19937_64& rng);
GradcheckCase make_softmax_case(const GradcheckSpec& spec, std::mt19937_64& rng);
GradcheckCase make_softmax_cross_entropy_case(const GradcheckSpec& spec, std::mt19937_64& rng);
GradcheckCase make_flatten_case(const GradcheckSpec& spec, std::mt19937_64& rng);
GradcheckCase make_add_case(const GradcheckSpec& spec, std::mt19937_64& rng);
/// @}

/// Uniform random values in [-1, 1] for a tensor of @p shape (also the upstream gradient).
std::vector<double> random_values(const Shape& shape, std::mt19937_64& rng);

}  // namespace cnnlab::check
