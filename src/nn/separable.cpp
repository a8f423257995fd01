// separable.cpp — the separable convolution blocks of separable.hpp: two Conv2d layers each.
#include <cnnlab/nn/separable.hpp>

#include <utility>

namespace cnnlab {

std::vector<BlockStep> separable_conv2d(int64_t C, int64_t K, int F, SeparableConv2dOptions o) {
  std::vector<BlockStep> steps;
  steps.push_back(
      {"depthwise", std::make_unique<Conv2d>(C, C, F,
                                             Conv2dOptions{.stride = o.stride,
                                                           .padding = o.padding,
                                                           .dilation = o.dilation,
                                                           .groups = static_cast<int>(C),
                                                           .bias = false,
                                                           .init = o.init,
                                                           .seed = o.seed})});
  steps.push_back(
      {"pointwise",
       std::make_unique<Conv2d>(
           C, K, 1, Conv2dOptions{.bias = o.bias, .init = o.init, .seed = o.seed + 1})});
  return steps;
}

int64_t separable_conv2d_parameter_count(int64_t C, int64_t K, int F, bool bias) {
  return int64_t{F} * F * C + C * K + (bias ? K : 0);
}

std::vector<BlockStep> spatial_separable_conv2d(int64_t C, int64_t K, int F,
                                                SpatialSeparableConv2dOptions o) {
  std::vector<BlockStep> steps;
  steps.push_back(
      {"vertical",
       std::make_unique<Conv2d>(
           C, K, KernelSize{F, 1},
           Conv2dOptions{.padding = o.padding, .bias = false, .init = o.init, .seed = o.seed})});
  steps.push_back(
      {"horizontal",
       std::make_unique<Conv2d>(
           K, K, KernelSize{1, F},
           Conv2dOptions{.stride = o.stride, .bias = o.bias, .init = o.init, .seed = o.seed + 1})});
  return steps;
}

int64_t spatial_separable_conv2d_parameter_count(int64_t C, int64_t K, int F, bool bias) {
  return int64_t{F} * C * K + int64_t{F} * K * K + (bias ? K : 0);
}

void add_block(Sequential& model, const std::string& name, std::vector<BlockStep> steps) {
  for (BlockStep& s : steps) model.add(std::move(s.layer), name + "_" + s.suffix);
}

}  // namespace cnnlab
