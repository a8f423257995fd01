// xo_tables.cpp — the X/O toy network's tables in the form the lecture draws them,
// docs/xo.md: the image, the three features, feature 0's filtered table in ninths, its first
// rectified row, and the three pooled tables in ninths.
//
// Contract: runs cnnlab::xo::run() (filter, ReLU, 2×2 max pool with ceil mode) on the lecture's X
// and prints each table between two marker lines "[name]" (the page shows each piece with
// \snippet xo_tables.txt name). Matches are printed as whole ninths: every product of two ±1
// pixels is ±1, so 9 × (a match) is an integer from −9 to 9. The slides give, and
// examples/CMakeLists.txt checks:
//   feature 0 filtered, first row:  7 −1 1 3 5 −1 3   (7/9 = 0.77 on the slide)
//   feature 0 rectified, first row: 0.77 0.00 0.11 0.33 0.55 0.00 0.33 (cut to two decimals)
//   pooled, first rows:             9 3 5 3 | 5 3 5 3 | 3 5 9 7
#include <cnnlab/cnnlab.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>

namespace {

using cnnlab::Tensor;

const char* kNames[3] = {"0: \\ diagonal", "1: x cross", "2: / diagonal"};

// Prints planes [K, H, W] of v side by side, each value times `scale` as a whole number.
void print_side_by_side(const std::vector<float>& v, int64_t k, int64_t h, int64_t w, float scale,
                        bool titles) {
  const int column = int(w * 3 + 6);  // a plane and the gap after it
  if (titles) {
    for (int64_t f = 0; f < k; ++f) std::printf(f + 1 < k ? "%-*s" : "%.*s\n", column, kNames[f]);
  }
  for (int64_t i = 0; i < h; ++i) {
    for (int64_t f = 0; f < k; ++f) {
      for (int64_t j = 0; j < w; ++j)
        std::printf("%3d", int(std::lround(v[size_t((f * h + i) * w + j)] * scale)));
      std::printf(f + 1 < k ? "      " : "\n");
    }
  }
}

// Cuts (not rounds) to two decimals, as the slides do: 7/9 = 0.777... shows as 0.77.
double cut2(float value) { return std::trunc(double(value) * 100.0 + 1e-6) / 100.0; }

}  // namespace

int main() {
  using namespace cnnlab;
  const Tensor image = Tensor::from_vector({1, 1, 9, 9}, xo::x_image(), reference_backend());
  const xo::Tables t = xo::run(image);

  std::printf("[image]\n");
  print_side_by_side(xo::x_image(), 1, 9, 9, 1.0f, false);
  std::printf("[image]\n[features]\n");
  print_side_by_side(xo::features(), 3, 3, 3, 1.0f, true);
  std::printf("[features]\n[filtered]\n");
  print_side_by_side(t.filtered.to_vector(), 1, 7, 7, 9.0f, false);  // feature 0 only
  std::printf("[filtered]\n[rectified_row]\n");
  const std::vector<float> r = t.rectified.to_vector();
  for (int j = 0; j < 7; ++j) std::printf("%s%.2f", j ? "  " : "", cut2(r[size_t(j)]));
  std::printf("\n[rectified_row]\n[pooled]\n");
  print_side_by_side(t.pooled.to_vector(), 3, 4, 4, 9.0f, true);
  std::printf("[pooled]\n");
}
