/// @file op_registry.hpp
/// @brief The op registry: one row per op (name, inputs, settings, outputs, how to run it and
///        how to gradient-check it), the one list of ops that the `cnnlab` tool, the gradient
///        checker and the tests read.
///
/// What it is: a table of OpInfo rows, written with named fields one file per op family
/// (src/ops/registry/FAMILY.cpp, the stems of backends/reference/FAMILY.hpp: conv2d,
/// pool2d, linear, activations, softmax, elementwise) and put together in the lecture's order
/// by src/ops/op_registry.cpp, so that `cnnlab op`, `cnnlab gradcheck`, gradcheck_op() and the
/// test suite all agree on which ops exist and what each one takes. What it is not: the ops
/// themselves (ops.hpp) or their argument checks (the ops API makes those, for every caller).
///
/// How to add an op, say `foo`:
/// 1. write foo_forward / foo_backward in the ops API (ops.hpp, src/ops/ops.cpp), the backend
///    kernels, and a float64 reference kernel (backends/reference/) for the gradient check;
/// 2. in its family's file, src/ops/registry/FAMILY.cpp, write its runner run_foo() (through
///    the ops API), its float64 gradient-check case make_foo_case() (on the reference kernel)
///    and its row, in the list that the family's function (e.g. pool2d_ops()) returns.
/// That is all: `cnnlab op foo`, `cnnlab op foo --help`, `cnnlab gradcheck foo`,
/// gradcheck_op("foo", ...) and the CLI test that checks every op now know it. An op of a new
/// family gets a new file instead: its function declared in src/ops/registry/families.hpp,
/// called at its place in src/ops/op_registry.cpp, and the file listed in CMakeLists.txt.
#pragma once

#include <cnnlab/check/gradcheck.hpp>
#include <cnnlab/core/shape.hpp>
#include <cnnlab/core/tensor.hpp>
#include <cnnlab/ops/geometry.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cnnlab {

/// @brief One input or output tensor of an op, as the help shows it.
struct OpTensor {
  std::string name = {};   ///< "x", "w", "dx", ...: the CLI's flag (--x) or file (dx.npy)
  std::string shape = {};  ///< in the lecture's notation, e.g. "[N,C,H,W]"
  std::string about = {};  ///< one line: what it is
  bool optional = false;   ///< input: may be left out; output: only with its optional input
};

/// @brief One setting (hyperparameter) an op reads.
///
/// The `cnnlab` tool's flag is "--" followed by the name with '_' written as '-'
/// ("size_rule" → --size-rule).
struct OpSetting {
  std::string name = {};   ///< "stride", "padding", "size_rule", ...
  std::string about = {};  ///< one line: what it means and its default
  int lowest = 0;          ///< the smallest value allowed (integer settings; 0 for switches)
};

/// @brief The values of every setting; each op reads only those its row lists.
struct OpSettings {
  Conv2dParams conv;       ///< conv2d: stride, padding, dilation, groups, size rule
  int output_padding = 0;  ///< conv_transpose2d (which takes the rest from conv): OP
  Pool2dParams pool;     ///< maxpool2d, avgpool2d: kernel, stride (0 = kernel), padding, size rule
  LrnParams lrn;         ///< lrn: size, alpha, beta, k
  bool trans_a = false;  ///< matmul: y = aᵀ·op(b)
  bool trans_b = false;  ///< matmul: y = op(a)·bᵀ
  bool eval = false;     ///< batchnorm2d: evaluation mode (running statistics), not training
  float p = 0.5f;        ///< dropout: the probability of dropping an element
};

/// @brief A tensor with a name: an output of an op, e.g. {"dx", dL/dx}.
struct NamedTensor {
  std::string name = {};  ///< "y", "dx", "dw", ...
  Tensor tensor = {};     ///< the values
};

/// @brief What an op's runner receives: the inputs by name, dL/dy and the settings.
struct OpCall {
  std::map<std::string, Tensor> inputs = {};  ///< by OpTensor::name; optional ones may be absent
  /// @brief dL/dy, shaped like y: runs the backward pass too; undefined: forward only.
  ///        For a loss (OpInfo::is_loss) it is a [1] tensor holding dL/dloss.
  Tensor dy = {};
  OpSettings settings = {};  ///< the hyperparameters
  /// @brief The input named @p name, or an undefined Tensor() when it was not given.
  Tensor input(const std::string& name) const;
};

/// @brief Runs an op through the public ops API: the forward pass, and the backward pass when
///        call.dy is defined. Returns the outputs by name: "y" first, then the gradients.
using OpRunner = std::vector<NamedTensor> (*)(const OpCall& call);

/// @brief How an op's backward pass is checked against finite differences (gradcheck.hpp).
struct OpGradcheck {
  Shape input = {};                        ///< the default input shape (GradcheckSpec::input)
  std::vector<OpSetting> settings = {};    ///< the GradcheckSpec fields it reads, besides the shape
  GradcheckCaseMaker make_case = nullptr;  ///< float64 case on the reference kernels
};

/// @brief One row of the registry: everything about one op.
struct OpInfo {
  std::string name = {};                 ///< "conv2d": the name in `cnnlab op NAME`
  std::string summary = {};              ///< one line: what it computes
  std::vector<OpTensor> inputs = {};     ///< the input tensors, in order
  std::vector<OpSetting> settings = {};  ///< the hyperparameters it reads
  std::vector<OpTensor> outputs = {};    ///< what the forward pass returns ("y")
  std::vector<OpTensor> grads = {};      ///< what the backward pass returns ("dx", ...)
  /// @brief True for a loss: y is one number and the backward pass starts from dL/dloss
  ///        (`cnnlab op`: --backward [--dloss L]) instead of a tensor dy.
  bool is_loss = false;
  std::string example = {};    ///< the arguments of an example `cnnlab op NAME ...` command
  OpRunner run = nullptr;      ///< runs it on float32 tensors of any backend
  OpGradcheck gradcheck = {};  ///< how to gradient-check it (make_case null: not checked)
};

/// @brief All ops, one row each, in the lecture's order (convolution first, add last).
const std::vector<OpInfo>& op_registry();

/// @brief The row of the op named @p name.
/// @throws Error "unknown op 'NAME'; known ops: ..." listing every op.
const OpInfo& find_op(std::string_view name);

/// @brief The names of all ops, in the order of op_registry().
std::vector<std::string> op_names();

}  // namespace cnnlab
