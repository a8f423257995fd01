// pool_output_size.cpp — the three size rules of pooling (exact, floor, ceil) on the pages'
// examples, docs/pooling.md "Output size".
//
// Contract: for each case (input H×H, window F, stride S) prints the output size under each
// rule, or the error exact gives when the stride does not fit. Worked out by hand with
// H2 = (H − F)/S + 1, rounded down (floor) or up (ceil):
//   7×7, F = 3, S = 3 (the lecture):  4/3 → exact refuses, floor 1 + 1 = 2, ceil 2 + 1 = 3
//   7×7, F = 2, S = 2 (X/O network):  5/2 → exact refuses, floor 2 + 1 = 3, ceil 3 + 1 = 4
//   112×112, F = 3, S = 2 (GoogLeNet): 109/2 → exact refuses, floor 54 + 1 = 55, ceil 55 + 1 = 56
// examples/CMakeLists.txt checks these.
#include <cnnlab/cnnlab.hpp>
#include <iostream>

int main() {
  using namespace cnnlab;
  struct Case { int64_t H; int F, S; };
  for (Case c : {Case{7, 3, 3}, Case{7, 2, 2}, Case{112, 3, 2}}) {
    std::cout << c.H << "x" << c.H << ", F=" << c.F << ", S=" << c.S << ":\n";
    for (auto [rule, name] : {std::pair{SizeRule::exact, "exact"}, std::pair{SizeRule::floor, "floor"},
                              std::pair{SizeRule::ceil, "ceil"}}) {
      std::cout << "  " << name << ": ";
      try {
        // [geometry]
        Pool2dGeometry g = pool2d_geometry("maxpool2d", {1, 1, c.H, c.H},
                                           {.kernel = c.F, .stride = c.S, .size_rule = rule});
        // [geometry]
        std::cout << g.H2 << "x" << g.W2 << "\n";
      } catch (const Error& e) {
        std::cout << e.what() << "\n";
      }
    }
  }
}
