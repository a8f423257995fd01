// geometry.cpp — the size rules of convolution and pooling, with one error per broken rule.
//
// Contract: conv2d_geometry() and pool2d_geometry() are the only places that decide whether a
// layer's shapes and hyperparameters make sense. Their messages name the op, the shapes and
// the rule, in the lecture's notation, so students can see what went wrong.
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/geometry.hpp>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>

namespace cnnlab {

namespace {
std::string str(int64_t v) { return std::to_string(v); }
}  // namespace

const char* size_rule_name(SizeRule rule) {
  switch (rule) {
    case SizeRule::exact:
      return "exact";
    case SizeRule::floor:
      return "floor";
    case SizeRule::ceil:
      return "ceil";
  }
  return "?";
}

SizeRule parse_size_rule(const std::string& word, const std::string& where) {
  for (SizeRule r : {SizeRule::exact, SizeRule::floor, SizeRule::ceil})
    if (word == size_rule_name(r)) return r;
  throw Error(where + ": size rule '" + word + "' is not one of exact, floor, ceil");
}

namespace {

/// Throws unless the product of @p sizes is at most kMaxElements (overflow-checked). The message
/// reads "<op>: <what> 1 x 3 x 224 x 224 = 150528 elements, more than 2^31 - 1 ...".
void require_indexable(const std::string& op, const std::string& what,
                       std::initializer_list<int64_t> sizes) {
  int64_t n = 1;
  bool overflow = false;
  std::string factors;
  for (int64_t d : sizes) {
    overflow = overflow || __builtin_mul_overflow(n, d, &n);
    factors += (factors.empty() ? "" : " x ") + str(d);
  }
  if (!overflow && n <= kMaxElements) return;
  throw Error(op + ": " + what + " " + factors + " = " +
              (overflow ? std::string("more than 2^63 - 1") : str(n)) +
              " elements, more than 2^31 - 1 = " + str(kMaxElements) +
              " a backend can index (32-bit indices)");
}

void require_rank4(const char* op, const char* what, const Shape& s, const char* layout) {
  if (s.size() != 4)
    throw Error(std::string(op) + ": " + what + " must be 4-D " + layout + ", got shape " +
                to_string(s));
  require_positive(s, std::string(op) + ": " + what);
}

/// Output size along one axis of a convolution, or an error if the stride does not fit:
///   out = (in − span + 2P)/S + 1, with span = D(F − 1) + 1 the input a dilated filter covers
/// (the lecture's (W − F + 2P)/S + 1 when D = 1). Under g.rule == SizeRule::floor the quotient
/// is rounded down (PyTorch's rule). Errors: the filter's span does not fit in the padded
/// input, or (under SizeRule::exact) (in − span + 2P) is not a multiple of S.
int64_t conv_out_size(int64_t in, int64_t f, const Conv2dGeometry& g, const char* axis) {
  // BEGIN SOLUTION exercise 1: conv_output_size [in, f, g, axis]
  const int64_t span = g.D * (f - 1) + 1;  // what a dilated filter covers
  const int64_t room = in + 2 * g.P - span;
  if (room < 0)
    throw Error("conv2d: the filter spans " + str(span) + " " + axis + " (size " + str(f) +
                ", dilation " + str(g.D) + ") but the input is only " + str(in) + " with padding " +
                str(g.P) + " on each side (" + str(in + 2 * g.P) + " in all)");
  if (room % g.S != 0 && g.rule == SizeRule::exact)
    throw Error("conv2d: (" + str(in) + " - " + str(span) + " + 2*" + str(g.P) + ")/" + str(g.S) +
                " + 1 is not an integer: stride " + str(g.S) + " does not fit a " +
                str(g.D * (g.FH - 1) + 1) + "x" + str(g.D * (g.FW - 1) + 1) + " filter on a " +
                str(g.H) + "x" + str(g.W) + " input (" + axis + "); size_rule floor rounds " +
                "down (PyTorch's rule), leaving the last " + str(room % g.S) +
                " of the padded input unread");
  return room / g.S + 1;  // room >= 0: integer division rounds down
  // END SOLUTION
}
}  // namespace

Conv2dGeometry conv2d_geometry(const Shape& x, const Shape& w, const Conv2dParams& p) {
  require_rank4("conv2d", "input x", x, "[N, C, H, W]");
  require_rank4("conv2d", "weights w", w, "[K, C/groups, F, F]");
  if (p.stride < 1) throw Error("conv2d: stride must be at least 1, got " + str(p.stride));
  if (p.padding < 0) throw Error("conv2d: padding must be at least 0, got " + str(p.padding));
  if (p.dilation < 1) throw Error("conv2d: dilation must be at least 1, got " + str(p.dilation));
  if (p.groups < 1) throw Error("conv2d: groups must be at least 1, got " + str(p.groups));
  if (p.size_rule == SizeRule::ceil)
    throw Error(
        "conv2d: size_rule ceil is for pooling only; a convolution takes exact (refuse "
        "a stride that does not tile the input, the default) or floor (round down, "
        "PyTorch's rule)");

  Conv2dGeometry g;
  g.N = x[0];
  g.C = x[1];
  g.H = x[2];
  g.W = x[3];
  g.K = w[0];
  g.FH = w[2];
  g.FW = w[3];
  g.S = p.stride;
  g.P = p.padding;
  g.D = p.dilation;
  g.G = p.groups;
  g.rule = p.size_rule;
  if (g.C % g.G != 0)
    throw Error("conv2d: groups=" + str(g.G) + " does not divide the " + str(g.C) +
                " input channels of x " + to_string(x));
  if (g.K % g.G != 0)
    throw Error("conv2d: groups=" + str(g.G) + " does not divide the " + str(g.K) +
                " filters of w " + to_string(w));
  if (w[1] != g.C / g.G)
    throw Error("conv2d: weights " + to_string(w) + " have " + str(w[1]) +
                " channels per filter, but x " + to_string(x) + " has C=" + str(g.C) +
                " channels in " + str(g.G) + " group(s), i.e. " + str(g.C / g.G) + " per filter");
  // Sizes a backend indexes (geometry.hpp). Once x and w pass, every size below 2^31 and the
  // sums and products that follow fit easily in int64_t.
  require_indexable("conv2d", "the input x " + to_string(x) + " has", {g.N, g.C, g.H, g.W});
  require_indexable("conv2d", "the weights w " + to_string(w) + " have", {g.K, w[1], g.FH, g.FW});
  if (g.P > 0)
    require_indexable("conv2d", "padding " + str(g.P) + " makes the padded input",
                      {g.N, g.C, g.H + 2 * g.P, g.W + 2 * g.P});
  const int64_t span = g.D * (std::max(g.FH, g.FW) - 1) + 1;  // what a dilated filter covers
  if (g.P > span)
    throw Error("conv2d: padding " + str(g.P) + " is more than the span D(F-1)+1 = " + str(span) +
                " of the " + str(g.FH) + "x" + str(g.FW) + " filter with dilation " + str(g.D) +
                ": windows further out would see only zeros, so the work would grow " +
                "with P rather than with the input (P must be at most " + str(span) + ")");
  g.H2 = conv_out_size(g.H, g.FH, g, "in height");
  g.W2 = conv_out_size(g.W, g.FW, g, "in width");
  require_indexable("conv2d", "the output y [N, K, H2, W2] has", {g.N, g.K, g.H2, g.W2});
  require_indexable("conv2d", "one image's im2col matrix, (C/G)·F·F rows x H2·W2 columns, has",
                    {w[1] * g.FH * g.FW, g.H2 * g.W2});
  return g;
}

int64_t conv2d_parameter_count(int64_t C, int64_t K, int64_t F, int64_t groups, bool bias) {
  if (C < 1 || K < 1 || F < 1 || groups < 1)
    throw Error("conv2d_parameter_count: C, K, F and groups must be at least 1, got C=" + str(C) +
                " K=" + str(K) + " F=" + str(F) + " groups=" + str(groups));
  if (C % groups != 0 || K % groups != 0)
    throw Error("conv2d_parameter_count: groups=" + str(groups) + " must divide C=" + str(C) +
                " and K=" + str(K));
  // BEGIN SOLUTION exercise 1: conv2d_parameter_count [C, K, F, groups, bias]
  // Each of the K filters sees only its group's C/groups channels: F·F·(C/groups) weights.
  return K * (C / groups) * F * F + (bias ? K : 0);
  // END SOLUTION
}

int64_t linear_parameter_count(int64_t D_in, int64_t D_out, bool bias) {
  if (D_in < 1 || D_out < 1)
    throw Error("linear_parameter_count: D_in and D_out must be at least 1, got D_in=" + str(D_in) +
                " D_out=" + str(D_out));
  // BEGIN SOLUTION exercise 1: linear_parameter_count [D_in, D_out, bias]
  return D_in * D_out + (bias ? D_out : 0);  // W is D_in x D_out, b has D_out entries
  // END SOLUTION
}

ConvTranspose2dGeometry conv_transpose2d_geometry(const Shape& x, const Shape& w,
                                                  const ConvTranspose2dParams& p) {
  const char* op = "conv_transpose2d";
  require_rank4(op, "input x", x, "[N, C, H, W]");
  require_rank4(op, "weights w", w, "[C, K/groups, F, F]");
  const std::string name(op);
  if (p.stride < 1) throw Error(name + ": stride must be at least 1, got " + str(p.stride));
  if (p.padding < 0) throw Error(name + ": padding must be at least 0, got " + str(p.padding));
  if (p.dilation < 1) throw Error(name + ": dilation must be at least 1, got " + str(p.dilation));
  if (p.groups < 1) throw Error(name + ": groups must be at least 1, got " + str(p.groups));
  if (p.output_padding < 0)
    throw Error(name + ": output_padding must be at least 0, got " + str(p.output_padding));
  if (p.output_padding >= std::max(p.stride, p.dilation))
    throw Error(name + ": output_padding " + str(p.output_padding) +
                " must be smaller than the stride " + str(p.stride) + " or the dilation " +
                str(p.dilation) + " (PyTorch's rule: it only picks one of the max(S, D) output " +
                "sizes that the same convolution maps back to the input size)");

  ConvTranspose2dGeometry g;
  g.N = x[0];
  g.C = x[1];
  g.H = x[2];
  g.W = x[3];
  g.FH = w[2];
  g.FW = w[3];
  g.S = p.stride;
  g.P = p.padding;
  g.OP = p.output_padding;
  g.D = p.dilation;
  g.G = p.groups;
  if (g.C % g.G != 0)
    throw Error(name + ": groups=" + str(g.G) + " does not divide the " + str(g.C) +
                " input channels of x " + to_string(x));
  if (w[0] != g.C)
    throw Error(name + ": weights " + to_string(w) + " are [C, K/groups, F, F] with C=" +
                str(w[0]) + " input channels, but x " + to_string(x) + " has C=" + str(g.C));
  require_indexable(name, "the input x " + to_string(x) + " has", {g.N, g.C, g.H, g.W});
  require_indexable(name, "the weights w " + to_string(w) + " have", {w[0], w[1], g.FH, g.FW});
  require_indexable(name, "the output channels K = groups x w[1] =", {g.G, w[1]});
  g.K = g.G * w[1];
  const int64_t span = g.D * (std::max(g.FH, g.FW) - 1) + 1;  // what a dilated filter covers
  if (g.P > span)
    throw Error(name + ": padding " + str(g.P) + " is more than the span D(F-1)+1 = " + str(span) +
                " of the " + str(g.FH) + "x" + str(g.FW) + " filter with dilation " + str(g.D) +
                " (P must be at most " + str(span) + ")");
  // H2 = (H - 1)S - 2P + D(F - 1) + OP + 1; every term is below 2^31, so no overflow in int64_t.
  const auto out_size = [&](int64_t in, int64_t f, const char* axis) {
    const int64_t out = (in - 1) * g.S - 2 * g.P + g.D * (f - 1) + g.OP + 1;
    if (out < 1)
      throw Error(name + ": (" + str(in) + " - 1)*" + str(g.S) + " - 2*" + str(g.P) + " + " +
                  str(g.D) + "*(" + str(f) + " - 1) + " + str(g.OP) + " + 1 = " + str(out) + " " +
                  axis + ": padding " + str(g.P) + " crops away the whole output of a " + str(g.H) +
                  "x" + str(g.W) + " input");
    return out;
  };
  g.H2 = out_size(g.H, g.FH, "in height");
  g.W2 = out_size(g.W, g.FW, "in width");
  require_indexable(name, "the output y [N, K, H2, W2] has", {g.N, g.K, g.H2, g.W2});
  if (g.P > 0)
    require_indexable(name, "padding " + str(g.P) + " makes the padded output",
                      {g.N, g.K, g.H2 + 2 * g.P, g.W2 + 2 * g.P});
  // The matching convolution's im2col matrix: (K/G)·F·F rows x H·W columns.
  require_indexable(name, "one image's im2col matrix, (K/G)·F·F rows x H·W columns, has",
                    {w[1] * g.FH * g.FW, g.H * g.W});
  return g;
}

int64_t conv_transpose2d_parameter_count(int64_t C, int64_t K, int64_t F, int64_t groups,
                                         bool bias) {
  if (C < 1 || K < 1 || F < 1 || groups < 1)
    throw Error("conv_transpose2d_parameter_count: C, K, F and groups must be at least 1, got C=" +
                str(C) + " K=" + str(K) + " F=" + str(F) + " groups=" + str(groups));
  if (C % groups != 0 || K % groups != 0)
    throw Error("conv_transpose2d_parameter_count: groups=" + str(groups) +
                " must divide C=" + str(C) + " and K=" + str(K));
  // Each of the C input channels has a filter of K/groups output channels of F·F weights.
  return C * (K / groups) * F * F + (bias ? K : 0);
}

namespace {
/// Output size along one axis of a pooling window walk: (in + 2P − F)/S + 1 under g.rule:
/// exact refuses a quotient that is not a whole number, floor rounds it down, ceil rounds it
/// up but drops a last window that would start beyond the input and its left padding
/// (PyTorch's rule). Error: the window does not fit at all, or the stride does not (exact).
int64_t pool_out_size(const char* op, int64_t in, const Pool2dGeometry& g, const char* axis) {
  // BEGIN SOLUTION exercise 1: pool_output_size [op, in, g, axis]
  const int64_t room = in + 2 * g.P - g.F;
  if (room < 0)
    throw Error(std::string(op) + ": the " + str(g.F) + "x" + str(g.F) +
                " window does not fit in an input of size " + str(in) + " with padding " +
                str(g.P));
  if (room % g.S != 0 && g.rule == SizeRule::exact)
    throw Error(std::string(op) + ": (" + str(in) + " - " + str(g.F) + " + 2*" + str(g.P) + ")/" +
                str(g.S) + " + 1 is not an integer: stride " + str(g.S) + " does not fit a " +
                str(g.F) + "x" + str(g.F) + " window on a " + str(g.H) + "x" + str(g.W) +
                " input (" + axis + "); size_rule floor rounds down (PyTorch's default), " +
                "ceil rounds up (PyTorch's ceil_mode)");
  const bool up = g.rule == SizeRule::ceil;
  int64_t out = (up ? (room + g.S - 1) / g.S : room / g.S) + 1;
  // PyTorch's rule: the last window must start inside the input or its left padding.
  if (up && (out - 1) * g.S >= in + g.P) --out;
  return out;
  // END SOLUTION
}
}  // namespace

Pool2dGeometry pool2d_geometry(const char* op, const Shape& x, const Pool2dParams& p) {
  require_rank4(op, "input x", x, "[N, C, H, W]");
  const std::string name(op);
  if (p.kernel < 1) throw Error(name + ": kernel size must be at least 1, got " + str(p.kernel));
  if (p.stride < 0)
    throw Error(name + ": stride must be at least 1 (or 0 for 'same as kernel'), got " +
                str(p.stride));
  if (p.padding < 0) throw Error(name + ": padding must be at least 0, got " + str(p.padding));
  if (p.padding > p.kernel / 2)
    throw Error(name + ": padding " + str(p.padding) + " is more than half the " + str(p.kernel) +
                "x" + str(p.kernel) + " window (at most " + str(p.kernel / 2) +
                "), so some windows would see only padding");
  Pool2dGeometry g;
  g.N = x[0];
  g.C = x[1];
  g.H = x[2];
  g.W = x[3];
  g.F = p.kernel;
  g.S = p.stride == 0 ? p.kernel : p.stride;
  g.P = p.padding;
  g.rule = p.size_rule;
  // Sizes a backend indexes (geometry.hpp); P <= F/2 above keeps the padding proportional.
  require_indexable(name, "the input x " + to_string(x) + " has", {g.N, g.C, g.H, g.W});
  if (g.P > 0)
    require_indexable(name, "padding " + str(g.P) + " makes the padded input",
                      {g.N, g.C, g.H + 2 * g.P, g.W + 2 * g.P});
  g.H2 = pool_out_size(op, g.H, g, "in height");
  g.W2 = pool_out_size(op, g.W, g, "in width");
  require_indexable(name, "the output y [N, C, H2, W2] has", {g.N, g.C, g.H2, g.W2});
  return g;
}

}  // namespace cnnlab
