// size_tables.hpp — the tables of exercise 1's checks: output sizes and parameter counts.
//
// Contract: a table NAME is one .npy file of integers saved as float32 rows, written by
// exercises/tools/data_conv.py (or its hidden twin) with PyTorch; table() reads it and Table::at
// gives one entry as an integer. Each expect_*_rows function walks the rows of one table and
// compares the student's geometry or parameter count with the row's expected value through the
// grader's expect_* functions; the comment of each function names its table's columns.
#pragma once

#include "check.hpp"

#include <cnnlab/ops/geometry.hpp>

#include <string>
#include <vector>

namespace cnnlab::grade {

/// @brief A table of integers saved as float32 rows.
struct Table {
  std::vector<float> v;
  int64_t rows = 0, cols = 0;
  int64_t at(int64_t r, int64_t c) const { return static_cast<int64_t>(v[size_t(r * cols + c)]); }
};

/// @brief Reads table @p name of the checks' data.
inline Table table(const std::string& name) {
  const Tensor t = golden(name);
  return {t.to_vector(), t.dim(0), t.dim(1)};
}

/// @brief Table rows [H, W, FH, FW, S, P, D] as conv2d_geometry's input: x is N x C x H x W, w is
/// K x C x FH x FW.
struct ConvRow {
  Shape x, w;
  Conv2dParams p;
  std::string what;  // "x [..], w [..], stride S, pad P, dilation D", for diagnoses
};
inline ConvRow conv_row(const Table& t, int64_t r, int64_t N, int64_t C, int64_t K) {
  ConvRow row{
      .x = {N, C, t.at(r, 0), t.at(r, 1)},
      .w = {K, C, t.at(r, 2), t.at(r, 3)},
      .p = {.stride = int(t.at(r, 4)), .padding = int(t.at(r, 5)), .dilation = int(t.at(r, 6))},
      .what = ""};
  row.what = "x " + to_string(row.x) + ", w " + to_string(row.w) + ", stride " +
             std::to_string(row.p.stride) + ", pad " + std::to_string(row.p.padding) +
             ", dilation " + std::to_string(row.p.dilation);
  return row;
}

/// @brief Table @p name has rows [H, W, FH, FW, S, P, D, H2, W2]: conv2d_geometry of each row
/// (x N x C x H x W, w K x C x FH x FW) must give H2 and W2.
inline void expect_conv_size_rows(const std::string& name, int64_t N, int64_t C, int64_t K) {
  const Table t = table(name);
  for (int64_t r = 0; r < t.rows; ++r) {
    const ConvRow row = conv_row(t, r, N, C, K);
    const Conv2dGeometry g = conv2d_geometry(row.x, row.w, row.p);
    expect_equal(row.what + ": H2", g.H2, t.at(r, 7));
    expect_equal(row.what + ": W2", g.W2, t.at(r, 8));
  }
}

/// @brief Table @p name has rows [H, W, FH, FW, S, P, D] whose stride does not fit: each row's
/// conv2d_geometry must be refused with "is not an integer".
inline void expect_conv_refused_rows(const std::string& name, int64_t N, int64_t C, int64_t K) {
  const Table t = table(name);
  for (int64_t r = 0; r < t.rows; ++r) {
    const ConvRow row = conv_row(t, r, N, C, K);
    expect_error(
        row.what, [&] { conv2d_geometry(row.x, row.w, row.p); }, "is not an integer");
  }
}

/// @brief Table @p name has rows [H, W, F, S, P, ceil, H2, W2]: pool2d_geometry of pooling @p op
/// ("maxpool2d" or "avgpool2d") on a 1 x 1 x H x W input must give H2 and W2.
inline void expect_pool_size_rows(const char* op, const std::string& name) {
  const Table t = table(name);
  for (int64_t r = 0; r < t.rows; ++r) {
    const Pool2dParams p{.kernel = int(t.at(r, 2)),
                         .stride = int(t.at(r, 3)),
                         .padding = int(t.at(r, 4)),
                         .size_rule = t.at(r, 5) != 0 ? SizeRule::ceil : SizeRule::floor};
    const Shape x{1, 1, t.at(r, 0), t.at(r, 1)};
    const std::string what = "x " + to_string(x) + ", " + std::to_string(p.kernel) + "x" +
                             std::to_string(p.kernel) + " window, stride " +
                             std::to_string(p.stride) + ", pad " + std::to_string(p.padding) +
                             ", size_rule " + size_rule_name(p.size_rule);
    const Pool2dGeometry g = pool2d_geometry(op, x, p);
    expect_equal(what + ": H2", g.H2, t.at(r, 6));
    expect_equal(what + ": W2", g.W2, t.at(r, 7));
  }
}

/// @brief Table @p conv_name has rows [C, K, F, groups, bias, count] for conv2d_parameter_count,
/// table @p linear_name rows [D_in, D_out, bias, count] for linear_parameter_count.
inline void expect_parameter_count_rows(const std::string& conv_name,
                                        const std::string& linear_name) {
  const Table c = table(conv_name);
  for (int64_t r = 0; r < c.rows; ++r)
    expect_equal(
        "conv2d_parameter_count(C=" + std::to_string(c.at(r, 0)) +
            ", K=" + std::to_string(c.at(r, 1)) + ", F=" + std::to_string(c.at(r, 2)) +
            ", groups=" + std::to_string(c.at(r, 3)) + ", bias=" + (c.at(r, 4) ? "true" : "false") +
            ")",
        conv2d_parameter_count(c.at(r, 0), c.at(r, 1), c.at(r, 2), c.at(r, 3), c.at(r, 4) != 0),
        c.at(r, 5));
  const Table l = table(linear_name);
  for (int64_t r = 0; r < l.rows; ++r)
    expect_equal("linear_parameter_count(D_in=" + std::to_string(l.at(r, 0)) + ", D_out=" +
                     std::to_string(l.at(r, 1)) + ", bias=" + (l.at(r, 2) ? "true" : "false") + ")",
                 linear_parameter_count(l.at(r, 0), l.at(r, 1), l.at(r, 2) != 0), l.at(r, 3));
}

}  // namespace cnnlab::grade
