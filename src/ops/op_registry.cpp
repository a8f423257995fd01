// op_registry.cpp — the op registry: one row per op, and the runner of each op.
//
// What it is: the one table of ops (op_registry.hpp says what each field means and how to add
// an op). Each runner calls the public ops API (ops.hpp) and so works on float32 tensors of
// any backend; each row's gradcheck part points to the op's float64 case in
// src/check/gradcheck_cases.cpp. What it is not: argument checking (the ops API does it) or
// file handling (the `cnnlab` tool loads and saves the tensors).
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/op_registry.hpp>
#include <cnnlab/ops/ops.hpp>

#include "src/check/gradcheck_cases.hpp"

#include <string>

namespace cnnlab {

Tensor OpCall::input(const std::string& name) const {
  const auto found = inputs.find(name);
  return found == inputs.end() ? Tensor() : found->second;
}

namespace {

// ---- runners: forward, then backward when call.dy is defined --------------------------------
std::vector<NamedTensor> run_conv2d(const OpCall& call) {
  const Conv2dParams& p = call.settings.conv;
  const Tensor x = call.input("x"), w = call.input("w"), b = call.input("b"), dy = call.dy;
  std::vector<NamedTensor> out = {{"y", conv2d_forward(x, w, b, p)}};
  if (dy.defined()) {
    out.push_back({"dx", conv2d_backward_data(dy, w, x.shape(), p)});
    const ParamGrads g = conv2d_backward_weight(x, dy, w.shape(), b.defined(), p);
    out.push_back({"dw", g.dw});
    if (b.defined()) out.push_back({"db", g.db});
  }
  return out;
}

std::vector<NamedTensor> run_maxpool2d(const OpCall& call) {
  const Tensor x = call.input("x");
  std::vector<NamedTensor> out = {{"y", maxpool2d_forward(x, call.settings.pool)}};
  if (call.dy.defined()) out.push_back({"dx", maxpool2d_backward(x, call.dy, call.settings.pool)});
  return out;
}

std::vector<NamedTensor> run_avgpool2d(const OpCall& call) {
  const Tensor x = call.input("x");
  std::vector<NamedTensor> out = {{"y", avgpool2d_forward(x, call.settings.pool)}};
  if (call.dy.defined())
    out.push_back({"dx", avgpool2d_backward(call.dy, x.shape(), call.settings.pool)});
  return out;
}

std::vector<NamedTensor> run_global_avgpool2d(const OpCall& call) {
  const Tensor x = call.input("x");
  std::vector<NamedTensor> out = {{"y", global_avgpool2d_forward(x)}};
  if (call.dy.defined()) out.push_back({"dx", global_avgpool2d_backward(call.dy, x.shape())});
  return out;
}

std::vector<NamedTensor> run_linear(const OpCall& call) {
  const Tensor x = call.input("x"), w = call.input("w"), b = call.input("b"), dy = call.dy;
  std::vector<NamedTensor> out = {{"y", linear_forward(x, w, b)}};
  if (dy.defined()) {
    out.push_back({"dx", linear_backward_data(dy, w)});
    const ParamGrads g = linear_backward_weight(x, dy, b.defined());
    out.push_back({"dw", g.dw});
    if (b.defined()) out.push_back({"db", g.db});
  }
  return out;
}

std::vector<NamedTensor> run_matmul(const OpCall& call) {
  const Tensor a = call.input("a"), b = call.input("b");
  const bool ta = call.settings.trans_a, tb = call.settings.trans_b;
  std::vector<NamedTensor> out = {{"y", matmul(a, b, ta, tb)}};
  if (call.dy.defined()) {
    const MatmulGrads g = matmul_backward(a, b, call.dy, ta, tb);
    out.push_back({"da", g.da});
    out.push_back({"db", g.db});
  }
  return out;
}

std::vector<NamedTensor> run_relu(const OpCall& call) {
  const Tensor x = call.input("x");
  std::vector<NamedTensor> out = {{"y", relu_forward(x)}};
  if (call.dy.defined()) out.push_back({"dx", relu_backward(x, call.dy)});
  return out;
}

// sigmoid, tanh and softmax differentiate from the forward *output* y, as in the lecture.
std::vector<NamedTensor> run_sigmoid(const OpCall& call) {
  const Tensor y = sigmoid_forward(call.input("x"));
  std::vector<NamedTensor> out = {{"y", y}};
  if (call.dy.defined()) out.push_back({"dx", sigmoid_backward(y, call.dy)});
  return out;
}

std::vector<NamedTensor> run_tanh(const OpCall& call) {
  const Tensor y = tanh_forward(call.input("x"));
  std::vector<NamedTensor> out = {{"y", y}};
  if (call.dy.defined()) out.push_back({"dx", tanh_backward(y, call.dy)});
  return out;
}

std::vector<NamedTensor> run_softmax(const OpCall& call) {
  const Tensor y = softmax_forward(call.input("x"));
  std::vector<NamedTensor> out = {{"y", y}};
  if (call.dy.defined()) out.push_back({"dx", softmax_backward(y, call.dy)});
  return out;
}

std::vector<NamedTensor> run_softmax_cross_entropy(const OpCall& call) {
  const Tensor logits = call.input("logits"), labels = call.input("labels");
  std::vector<NamedTensor> out = {{"y", softmax_cross_entropy_forward(logits, labels)}};
  if (call.dy.defined())  // a loss: dy is [1], the number dL/dloss
    out.push_back(
        {"dlogits", softmax_cross_entropy_backward(logits, labels, call.dy.to_vector().at(0))});
  return out;
}

std::vector<NamedTensor> run_flatten(const OpCall& call) {
  const Tensor x = call.input("x");
  std::vector<NamedTensor> out = {{"y", flatten_forward(x)}};
  if (call.dy.defined()) out.push_back({"dx", flatten_backward(call.dy, x.shape())});
  return out;
}

std::vector<NamedTensor> run_add(const OpCall& call) {
  std::vector<NamedTensor> out = {{"y", add_forward(call.input("a"), call.input("b"))}};
  if (call.dy.defined()) {
    const AddGrads g = add_backward(call.dy);
    out.push_back({"da", g.da});
    out.push_back({"db", g.db});
  }
  return out;
}

// ---- the table: one row per op ---------------------------------------------------------------
std::vector<OpInfo> make_registry() {
  using namespace check;  // make_*_case
  const Shape image = {2, 3, 7, 7}, matrix = {3, 5};
  // Settings shared by several rows.
  const OpSetting conv_stride{
      .name = "stride", .about = "S: step between filter positions (default 1)", .lowest = 1};
  const OpSetting conv_padding{.name = "padding",
                               .about = "P: zeros added on every side (default 0)"};
  const OpSetting conv_dilation{
      .name = "dilation", .about = "D: spacing between filter taps (default 1)", .lowest = 1};
  const OpSetting conv_groups{
      .name = "groups", .about = "G: independent channel groups (default 1)", .lowest = 1};
  const OpSetting pool_stride{.name = "stride",
                              .about = "S: step between windows (default 0 = the window's size F)"};
  const OpSetting pool_padding{
      .name = "padding", .about = "P: implicit padding on every side, at most F/2 (default 0)"};
  const OpSetting pool_ceil_mode{.name = "ceil_mode",
                                 .about = "round the output size up instead of down"};
  const std::vector<OpSetting> pool_settings = {
      {.name = "kernel", .about = "F: window size (default 2)", .lowest = 1},
      pool_stride,
      pool_padding,
      pool_ceil_mode};
  const OpSetting trans_a{.name = "trans_a", .about = "transpose a: y = aT op(b)"};
  const OpSetting trans_b{.name = "trans_b", .about = "transpose b: y = op(a) bT"};
  const OpSetting no_bias{.name = "no_bias", .about = "leave the bias out"};
  const OpSetting filters{.name = "filters", .about = "K filters (default 4)", .lowest = 1};
  const OpSetting outputs{
      .name = "filters", .about = "D_out: outputs per row (default 4)", .lowest = 1};
  const OpSetting columns{.name = "filters", .about = "N: columns of y (default 4)", .lowest = 1};
  return {
      {.name = "conv2d",
       .summary = "2-D convolution (cross-correlation): K filters of FxF slide over x with stride "
                  "S, padding P",
       .inputs = {{.name = "x", .shape = "[N,C,H,W]", .about = "the input images"},
                  {.name = "w", .shape = "[K,C/G,F,F]", .about = "K filters"},
                  {.name = "b", .shape = "[K]", .about = "one bias per filter", .optional = true}},
       .settings = {conv_stride, conv_padding, conv_dilation, conv_groups},
       .outputs = {{.name = "y",
                    .shape = "[N,K,H2,W2]",
                    .about = "H2 = (H - F + 2P)/S + 1 (D = 1)"}},
       .grads = {{.name = "dx", .shape = "[N,C,H,W]", .about = "dL/dx"},
                 {.name = "dw", .shape = "[K,C/G,F,F]", .about = "dL/dw"},
                 {.name = "db", .shape = "[K]", .about = "dL/db", .optional = true}},
       .example = "--x x.npy --w w.npy --b b.npy --stride 2 --padding 1 --dy dy.npy --out grads/",
       .run = run_conv2d,
       .gradcheck =
           {.input = image,
            .settings = {filters,
                         {.name = "kernel", .about = "F: filter size (default 3)", .lowest = 1},
                         conv_stride,
                         conv_padding,
                         conv_dilation,
                         conv_groups,
                         no_bias},
            .make_case = make_conv2d_case}},
      {.name = "maxpool2d",
       .summary = "max pooling: each FxF window of each channel gives its maximum",
       .inputs = {{.name = "x", .shape = "[N,C,H,W]", .about = "the input images"}},
       .settings = pool_settings,
       .outputs = {{.name = "y", .shape = "[N,C,H2,W2]", .about = "each window's maximum"}},
       .grads = {{.name = "dx",
                  .shape = "[N,C,H,W]",
                  .about = "dL/dy goes to each window's maximum"}},
       .example = "--x x.npy --kernel 2 --dy dy.npy",
       .run = run_maxpool2d,
       .gradcheck = {.input = image, .settings = pool_settings, .make_case = make_maxpool2d_case}},
      {.name = "avgpool2d",
       .summary = "average pooling: each FxF window of each channel gives its mean",
       .inputs = {{.name = "x", .shape = "[N,C,H,W]", .about = "the input images"}},
       .settings = pool_settings,
       .outputs = {{.name = "y", .shape = "[N,C,H2,W2]", .about = "each window's mean"}},
       .grads = {{.name = "dx",
                  .shape = "[N,C,H,W]",
                  .about = "dL/dy shared evenly in each window"}},
       .example = "--x x.npy --kernel 3 --stride 2 --padding 1 --dy dy.npy",
       .run = run_avgpool2d,
       .gradcheck = {.input = image, .settings = pool_settings, .make_case = make_avgpool2d_case}},
      {.name = "global_avgpool2d",
       .summary = "global average pooling: each channel's whole HxW plane gives its mean",
       .inputs = {{.name = "x", .shape = "[N,C,H,W]", .about = "the input images"}},
       .outputs = {{.name = "y", .shape = "[N,C,1,1]", .about = "each plane's mean"}},
       .grads = {{.name = "dx",
                  .shape = "[N,C,H,W]",
                  .about = "dL/dy shared evenly over the plane: dL/dy / (H W)"}},
       .example = "--x x.npy --dy dy.npy",
       .run = run_global_avgpool2d,
       .gradcheck = {.input = image, .make_case = make_global_avgpool2d_case}},
      {.name = "linear",
       .summary = "fully connected layer: y = x W + b",
       .inputs = {{.name = "x", .shape = "[N,D_in]", .about = "one input vector per row"},
                  {.name = "w", .shape = "[D_in,D_out]", .about = "the weights W"},
                  {.name = "b", .shape = "[D_out]", .about = "the bias", .optional = true}},
       .outputs = {{.name = "y", .shape = "[N,D_out]", .about = "x W + b"}},
       .grads =
           {{.name = "dx", .shape = "[N,D_in]", .about = "dL/dy WT"},
            {.name = "dw", .shape = "[D_in,D_out]", .about = "xT dL/dy"},
            {.name = "db", .shape = "[D_out]", .about = "column sums of dL/dy", .optional = true}},
       .example = "--x x.npy --w w.npy --b b.npy --dy dy.npy",
       .run = run_linear,
       .gradcheck = {.input = matrix,
                     .settings = {outputs, no_bias},
                     .make_case = make_linear_case}},
      {.name = "matmul",
       .summary = "matrix product y = op(a) op(b), op transposing when asked",
       .inputs = {{.name = "a", .shape = "[M,K]", .about = "[K,M] with --trans-a"},
                  {.name = "b", .shape = "[K,N]", .about = "[N,K] with --trans-b"}},
       .settings = {trans_a, trans_b},
       .outputs = {{.name = "y", .shape = "[M,N]", .about = "op(a) op(b)"}},
       .grads = {{.name = "da", .shape = "like a", .about = "dL/da"},
                 {.name = "db", .shape = "like b", .about = "dL/db"}},
       .example = "--a a.npy --b b.npy --trans-b --dy dy.npy",
       .run = run_matmul,
       .gradcheck = {.input = matrix,
                     .settings = {columns, trans_a, trans_b},
                     .make_case = make_matmul_case}},
      {.name = "relu",
       .summary = "rectified linear unit: y = max(0, x)",
       .inputs = {{.name = "x", .shape = "(any shape)", .about = "the input"}},
       .outputs = {{.name = "y", .shape = "like x", .about = "max(0, x)"}},
       .grads = {{.name = "dx", .shape = "like x", .about = "dL/dy where x > 0, else 0"}},
       .example = "--x x.npy --dy dy.npy",
       .run = run_relu,
       .gradcheck = {.input = image, .make_case = make_relu_case}},
      {.name = "sigmoid",
       .summary = "logistic sigmoid: y = 1 / (1 + e^-x)",
       .inputs = {{.name = "x", .shape = "(any shape)", .about = "the input"}},
       .outputs = {{.name = "y", .shape = "like x", .about = "1 / (1 + e^-x)"}},
       .grads = {{.name = "dx", .shape = "like x", .about = "dL/dy y(1 - y)"}},
       .example = "--x x.npy --dy dy.npy",
       .run = run_sigmoid,
       .gradcheck = {.input = image, .make_case = make_sigmoid_case}},
      {.name = "tanh",
       .summary = "hyperbolic tangent: y = tanh(x)",
       .inputs = {{.name = "x", .shape = "(any shape)", .about = "the input"}},
       .outputs = {{.name = "y", .shape = "like x", .about = "tanh(x)"}},
       .grads = {{.name = "dx", .shape = "like x", .about = "dL/dy (1 - y^2)"}},
       .example = "--x x.npy --dy dy.npy",
       .run = run_tanh,
       .gradcheck = {.input = image, .make_case = make_tanh_case}},
      {.name = "softmax",
       .summary = "row-wise softmax: y[n,i] = e^x[n,i] / sum_j e^x[n,j]",
       .inputs = {{.name = "x", .shape = "[N,D]", .about = "one score vector per row"}},
       .outputs = {{.name = "y", .shape = "[N,D]", .about = "each row sums to 1"}},
       .grads = {{.name = "dx", .shape = "[N,D]", .about = "dL/dx from y and dL/dy"}},
       .example = "--x x.npy --dy dy.npy",
       .run = run_softmax,
       .gradcheck = {.input = matrix, .make_case = make_softmax_case}},
      {.name = "softmax_cross_entropy",
       .summary = "mean cross-entropy of softmax(logits) against integer class labels",
       .inputs = {{.name = "logits", .shape = "[N,D]", .about = "scores, finite"},
                  {.name = "labels", .shape = "[N]", .about = "class indices in [0, D)"}},
       .outputs = {{.name = "y", .shape = "[1]", .about = "the loss"}},
       .grads = {{.name = "dlogits",
                  .shape = "[N,D]",
                  .about = "dloss (softmax(logits) - onehot(labels)) / N"}},
       .is_loss = true,
       .example = "--logits logits.npy --labels labels.npy --backward",
       .run = run_softmax_cross_entropy,
       .gradcheck = {.input = matrix, .make_case = make_softmax_cross_entropy_case}},
      {.name = "flatten",
       .summary = "reshape [N,C,H,W] to [N,C*H*W] (a view, no copy)",
       .inputs = {{.name = "x", .shape = "[N,C,H,W]", .about = "any rank >= 2"}},
       .outputs = {{.name = "y", .shape = "[N,C*H*W]", .about = "the same values"}},
       .grads = {{.name = "dx", .shape = "[N,C,H,W]", .about = "dL/dy reshaped like x"}},
       .example = "--x x.npy --dy dy.npy",
       .run = run_flatten,
       .gradcheck = {.input = image, .make_case = make_flatten_case}},
      {.name = "add",
       .summary = "elementwise sum y = a + b of two tensors of equal shape",
       .inputs = {{.name = "a", .shape = "(any shape)", .about = "the first term"},
                  {.name = "b", .shape = "(a's shape)", .about = "the second term"}},
       .outputs = {{.name = "y", .shape = "like a", .about = "a + b"}},
       .grads = {{.name = "da", .shape = "like a", .about = "dL/dy"},
                 {.name = "db", .shape = "like b", .about = "dL/dy"}},
       .example = "--a a.npy --b b.npy --dy dy.npy",
       .run = run_add,
       .gradcheck = {.input = image, .make_case = make_add_case}},
  };
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
