/// @file cnnlab.hpp
/// @brief One include for the whole public API of cnnlab.
#pragma once

#include <cnnlab/backend.hpp>
#include <cnnlab/data_checks.hpp>
#include <cnnlab/error.hpp>
#include <cnnlab/geometry.hpp>
#include <cnnlab/gradcheck.hpp>
#include <cnnlab/npy.hpp>
#include <cnnlab/ops.hpp>
#include <cnnlab/shape.hpp>
#include <cnnlab/tensor.hpp>
#include <cnnlab/xo.hpp>
