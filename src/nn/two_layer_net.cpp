// two_layer_net.cpp — f = W2·max(0, W1·x) and its gradients, as plain loops (two_layer_net.hpp).
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/two_layer_net.hpp>

#include <string>
#include <utility>
#include <vector>

namespace cnnlab {

TwoLayerNet::TwoLayerNet(Tensor W1, Tensor W2) : W1_(std::move(W1)), W2_(std::move(W2)) {
  if (!W1_.defined() || !W2_.defined() || W1_.ndim() != 2 || W2_.ndim() != 2)
    throw Error("TwoLayerNet: W1 [H, D] and W2 [C, H] must be matrices, got W1 " +
                to_string(W1_.shape()) + " and W2 " + to_string(W2_.shape()));
  if (W2_.dim(1) != W1_.dim(0))
    throw Error("TwoLayerNet: W2 " + to_string(W2_.shape()) + " must have as many columns as W1 " +
                to_string(W1_.shape()) + " has rows (the hidden size H)");
  if (&W1_.backend() != &W2_.backend())
    throw Error("TwoLayerNet: W1 and W2 must live on the same backend");
}

Tensor TwoLayerNet::forward(const Tensor& x) {
  const bool one_vector = x.defined() && x.ndim() == 1;
  if (!x.defined() || (!one_vector && x.ndim() != 2) || x.dim(0) < 1 || x.dim(-1) != input_size())
    throw Error("TwoLayerNet::forward: x must be [D] or [N, D] with N >= 1 and D = " +
                std::to_string(input_size()) + " (W1's columns), got " + to_string(x.shape()));
  if (&x.backend() != &W1_.backend())
    throw Error("TwoLayerNet::forward: x must live on the weights' backend");
  one_vector_ = one_vector;
  if (!one_vector) return forward_rows(x);
  return forward_rows(x.reshape({1, input_size()})).reshape({output_size()});
}

TwoLayerNetGrads TwoLayerNet::backward(const Tensor& df) const {
  if (!x_.defined()) throw Error("TwoLayerNet::backward: call forward() first");
  const Shape f_shape = one_vector_ ? Shape{output_size()} : Shape{x_.dim(0), output_size()};
  if (!df.defined() || df.shape() != f_shape)
    throw Error("TwoLayerNet::backward: df must have f's shape " + to_string(f_shape) + ", got " +
                to_string(df.shape()));
  if (&df.backend() != &W1_.backend())
    throw Error("TwoLayerNet::backward: df must live on the weights' backend");
  if (!one_vector_) return backward_rows(df);
  TwoLayerNetGrads g = backward_rows(df.reshape({1, output_size()}));
  g.dx = g.dx.reshape({input_size()});
  return g;
}

// x [N, D] -> f [N, C]; keeps x_ [N, D] and a_ = W1·x [N, H] for backward_rows.
Tensor TwoLayerNet::forward_rows(const Tensor& x) {
  // BEGIN SOLUTION exercise 4: two_layer_forward [x]
  const int64_t N = x.dim(0), D = input_size(), H = hidden_size(), C = output_size();
  x_ = x.clone();
  a_ = Tensor::empty({N, H}, x.backend());
  Tensor f = Tensor::empty({N, C}, x.backend());
  const float* xv = x_.data();
  const float* w1 = W1_.data();
  const float* w2 = W2_.data();
  float* a = a_.data();
  float* fv = f.data();
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t h = 0; h < H; ++h) {  // a_n = W1·x_n
      float sum = 0.0f;
      for (int64_t d = 0; d < D; ++d) sum += w1[h * D + d] * xv[n * D + d];
      a[n * H + h] = sum;
    }
    for (int64_t c = 0; c < C; ++c) {  // f_n = W2·max(0, a_n)
      float sum = 0.0f;
      for (int64_t h = 0; h < H; ++h) {
        const float hidden = a[n * H + h] <= 0.0f ? 0.0f : a[n * H + h];  // NaN stays NaN
        sum += w2[c * H + h] * hidden;
      }
      fv[n * C + c] = sum;
    }
  }
  return f;
  // END SOLUTION
}

// df [N, C] -> dW1 [H, D], dW2 [C, H] (summed over the batch), dx [N, D].
TwoLayerNetGrads TwoLayerNet::backward_rows(const Tensor& df) const {
  // BEGIN SOLUTION exercise 4: two_layer_backward [df]
  const int64_t N = x_.dim(0), D = input_size(), H = hidden_size(), C = output_size();
  Backend& backend = df.backend();
  TwoLayerNetGrads g{Tensor::zeros({H, D}, backend), Tensor::zeros({C, H}, backend),
                     Tensor::zeros({N, D}, backend)};
  const float* xv = x_.data();
  const float* a = a_.data();
  const float* w1 = W1_.data();
  const float* w2 = W2_.data();
  const float* dfv = df.data();
  float* dw1 = g.dW1.data();
  float* dw2 = g.dW2.data();
  float* dx = g.dx.data();
  std::vector<float> da(static_cast<size_t>(H));
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t h = 0; h < H; ++h) {
      const float an = a[n * H + h];
      const float hidden = an <= 0.0f ? 0.0f : an;
      float dh = 0.0f;  // dh = W2ᵀ·df_n
      for (int64_t c = 0; c < C; ++c) {
        dw2[c * H + h] += dfv[n * C + c] * hidden;  // dW2 += df_n·h_nᵀ
        dh += w2[c * H + h] * dfv[n * C + c];
      }
      da[static_cast<size_t>(h)] = an <= 0.0f ? 0.0f : dh;  // ReLU: gradient 0 at a <= 0
    }
    for (int64_t h = 0; h < H; ++h)
      for (int64_t d = 0; d < D; ++d) {
        dw1[h * D + d] += da[static_cast<size_t>(h)] * xv[n * D + d];  // dW1 += da_n·x_nᵀ
        dx[n * D + d] += w1[h * D + d] * da[static_cast<size_t>(h)];   // dx_n = W1ᵀ·da_n
      }
  }
  return g;
  // END SOLUTION
}

}  // namespace cnnlab
