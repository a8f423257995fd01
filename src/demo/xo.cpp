// xo.cpp — the lecture's toy X/O ConvNet (docs/xo.md): data and the filter → ReLU → pool pass.
//
// Contract: the numbers here are the lecture's, copied as data: a 9×9 picture of an X and
// three 3×3 features. run() does exactly what the slides do, with the public ops API:
// "line up the feature and the image patch, multiply, add up, divide by the number of
// pixels" is a stride-1 convolution with weights feature/9; then ReLU; then 2×2 max pooling
// with stride 2 — in ceil mode, because the slides keep the half window at the edge
// (7×7 → 4×4).
#include <cnnlab/core/backend.hpp>
#include <cnnlab/demo/xo.hpp>
#include <cnnlab/ops/ops.hpp>

#include <cmath>
#include <iomanip>
#include <ostream>

namespace cnnlab::xo {

std::vector<float> x_image() {
  return {
      -1, -1, -1, -1, -1, -1, -1, -1, -1,  //
      -1, 1,  -1, -1, -1, -1, -1, 1,  -1,  //
      -1, -1, 1,  -1, -1, -1, 1,  -1, -1,  //
      -1, -1, -1, 1,  -1, 1,  -1, -1, -1,  //
      -1, -1, -1, -1, 1,  -1, -1, -1, -1,  //
      -1, -1, -1, 1,  -1, 1,  -1, -1, -1,  //
      -1, -1, 1,  -1, -1, -1, 1,  -1, -1,  //
      -1, 1,  -1, -1, -1, -1, -1, 1,  -1,  //
      -1, -1, -1, -1, -1, -1, -1, -1, -1,  //
  };
}

std::vector<float> features() {
  return {
      1,  -1, -1, -1, 1, -1, -1, -1, 1,   // "\" : the falling diagonal
      1,  -1, 1,  -1, 1, -1, 1,  -1, 1,   // "x" : a small cross
      -1, -1, 1,  -1, 1, -1, 1,  -1, -1,  // "/" : the rising diagonal
  };
}

Tables run(const Tensor& image) {
  Backend& backend = image.backend();
  // "Divide by the number of pixels in the feature": scale the ±1 weights by 1/9.
  std::vector<float> w = features();
  for (float& v : w) v /= 9.0f;
  const Tensor weights = Tensor::from_vector({3, 1, 3, 3}, w, backend);

  Tables t;
  t.filtered = conv2d_forward(image, weights, Tensor(), Conv2dParams{});  // [1,3,7,7]
  t.rectified = relu_forward(t.filtered);                                 // [1,3,7,7]
  Pool2dParams pool;
  pool.kernel = 2;
  pool.stride = 2;
  pool.size_rule = SizeRule::ceil;  // keep the last, half-empty window as the slides do
  t.pooled = maxpool2d_forward(t.rectified, pool);  // [1,3,4,4]
  return t;
}

namespace {
/// The slides cut values to two decimals rather than rounding them (7/9 shows as 0.77); do the
/// same so the printout can be compared with them line by line. The tiny nudge keeps a value
/// such as 0.99999994 (float's 9/9) from being cut to 0.99.
double as_on_slides(float v) {
  const double nudged = static_cast<double>(v) * 100.0 + (v < 0 ? -1e-3 : 1e-3);
  return std::trunc(nudged) / 100.0;
}

void print_stack(std::ostream& out, const char* title, const Tensor& t) {
  static const char* names[] = {"\\ diagonal", "x cross", "/ diagonal"};
  const std::vector<float> v = t.to_vector();
  const int64_t K = t.dim(1), H = t.dim(2), W = t.dim(3);
  out << title << " " << to_string(t.shape()) << "\n";
  for (int64_t k = 0; k < K; ++k) {
    out << "  feature " << k << " (" << names[k % 3] << ")\n";
    for (int64_t i = 0; i < H; ++i) {
      out << "   ";
      for (int64_t j = 0; j < W; ++j)
        out << std::setw(6) << std::fixed << std::setprecision(2)
            << as_on_slides(v[static_cast<size_t>((k * H + i) * W + j)]);
      out << "\n";
    }
  }
}
}  // namespace

void print(std::ostream& out, const Tables& tables) {
  out << "(values cut to two decimals, as on the slides)\n";
  print_stack(out, "filtered (multiply, add up, divide by 9)", tables.filtered);
  print_stack(out, "rectified (ReLU: negatives become 0)", tables.rectified);
  print_stack(out, "pooled (2x2 max, stride 2, ceil mode)", tables.pooled);
}

}  // namespace cnnlab::xo
