// exercise_list.cpp — the twelve exercises, in the order of the lectures.
#include "exercise_list.hpp"

namespace cnnlab::grade {

const std::vector<Exercise>& exercises() {
  static const std::vector<Exercise> list = {
      {.number = 1, .name = "output_sizes", .title = "Output sizes and parameter counts",
       .points = 5, .prereqs = {}, .time_limit_s = 30, .page = "exercises/01_output_sizes.md"},
      {.number = 2, .name = "perceptron", .title = "The perceptron update rule",
       .points = 5, .prereqs = {}, .time_limit_s = 30, .page = "exercises/02_perceptron.md"},
      {.number = 3, .name = "linear", .title = "Matrix backprop: the linear layer",
       .points = 10, .prereqs = {}, .time_limit_s = 30, .page = "exercises/03_linear.md"},
      {.number = 4, .name = "activations", .title = "ReLU, sigmoid and a two-layer network",
       .points = 10, .prereqs = {}, .time_limit_s = 30, .page = "exercises/04_activations.md"},
      {.number = 5, .name = "softmax", .title = "Softmax and cross-entropy",
       .points = 10, .prereqs = {}, .time_limit_s = 30, .page = "exercises/05_softmax.md"},
      {.number = 6, .name = "gradcheck", .title = "The numerical gradient checker",
       .points = 10, .prereqs = {}, .time_limit_s = 30, .page = "exercises/06_gradcheck.md"},
      {.number = 7, .name = "conv2d_forward", .title = "Convolution forward: stride and padding",
       .points = 10, .prereqs = {1}, .time_limit_s = 30, .page = "exercises/07_conv2d_forward.md"},
      {.number = 8, .name = "conv2d_backward", .title = "Convolution backward: data, weights, bias",
       .points = 10, .prereqs = {1}, .time_limit_s = 60, .page = "exercises/08_conv2d_backward.md"},
      {.number = 9, .name = "pooling", .title = "Max and average pooling, forward and backward",
       .points = 10, .prereqs = {1}, .time_limit_s = 30, .page = "exercises/09_pooling.md"},
      {.number = 10, .name = "training", .title = "Backward through a model, SGD with momentum, a training loop",
       .points = 10, .prereqs = {3, 4, 5}, .time_limit_s = 180, .page = "exercises/10_training.md"},
      {.number = 11, .name = "im2col", .title = "im2col + GEMM convolution, faster than the loops",
       .points = 10, .prereqs = {1, 7}, .time_limit_s = 120, .page = "exercises/11_im2col.md"},
      {.number = 12, .name = "shader", .title = "A Vulkan compute shader: ReLU backward",
       .points = 10, .prereqs = {}, .time_limit_s = 60, .page = "exercises/12_shader.md"},
  };
  return list;
}

const Exercise* find_exercise(int number) {
  for (const Exercise& e : exercises())
    if (e.number == number) return &e;
  return nullptr;
}

}  // namespace cnnlab::grade
