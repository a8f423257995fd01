// op_registry.cpp — the op registry: the families' rows put together, and the look-ups.
//
// What it is: op_registry() assembles the one table of ops from the family files
// (src/ops/registry/<family>.cpp, declared in src/ops/registry/families.hpp), in the lecture's
// order: convolution, pooling, the matrix ops, activations, softmax, then flatten and add. That
// order is the order of op_names(), `cnnlab op --list` and `cnnlab gradcheck --list`.
// find_op() and op_names() read the table. op_registry.hpp says what each field means and how
// to add an op. What it is not: the rows, runners or gradient-check cases (the family files),
// argument checking (the ops API does it) or file handling (the `cnnlab` tool loads and saves
// the tensors).
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/op_registry.hpp>

#include "src/ops/registry/families.hpp"

#include <string>
#include <utility>
#include <vector>

namespace cnnlab {

Tensor OpCall::input(const std::string& name) const {
  const auto found = inputs.find(name);
  return found == inputs.end() ? Tensor() : found->second;
}

namespace {

std::vector<OpInfo> make_registry() {
  std::vector<OpInfo> rows;
  for (std::vector<OpInfo> (*family)() :
       {registry::conv2d_ops, registry::conv_transpose2d_ops, registry::pool2d_ops,
        registry::lrn_ops, registry::linear_ops, registry::activations_ops, registry::softmax_ops,
        registry::batchnorm_ops, registry::dropout_ops, registry::elementwise_ops})
    for (OpInfo& row : family()) rows.push_back(std::move(row));
  return rows;
}

}  // namespace

const std::vector<OpInfo>& op_registry() {
  static const std::vector<OpInfo> registry = make_registry();
  return registry;
}

const OpInfo& find_op(std::string_view name) {
  for (const OpInfo& info : op_registry())
    if (info.name == name) return info;
  std::string known;
  for (const OpInfo& info : op_registry()) known += (known.empty() ? "" : ", ") + info.name;
  throw Error("unknown op '" + std::string(name) + "'; known ops: " + known);
}

std::vector<std::string> op_names() {
  std::vector<std::string> names;
  for (const OpInfo& info : op_registry()) names.push_back(info.name);
  return names;
}

}  // namespace cnnlab
