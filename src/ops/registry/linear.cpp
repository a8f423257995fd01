// linear.cpp — the op registry's matrix family: linear and matmul.
//
// What it is: for linear, x [N,D_in] · W [D_in,D_out] (+ b [D_out]) -> y [N,D_out], and for
// matmul, op(a) [M,K] · op(b) [K,N] -> y [M,N], their runners (float32, any backend, through
// the public ops API), their float64 gradient-check cases (the reference kernels of
// backends/reference/linear.hpp instantiated for double) and their registry rows, returned by
// linear_ops() (families.hpp). What it is not: the products themselves (ops.hpp and the
// backends), their argument checks (the ops API), or the checker (src/check/gradcheck.cpp).
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include "backends/reference/linear.hpp"
#include "src/ops/registry/families.hpp"

#include <string>

namespace cnnlab::registry {

namespace {

// ---- runners: forward, then backward when call.dy is defined ---------------------------------
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

// ---- gradient-check cases ---------------------------------------------------------------------

/// y [N, D_out] = x [N, D_in] · W [D_in, D_out] (+ b [D_out] unless spec.bias is false), with
/// D_out = spec.filters.
GradcheckCase make_linear_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  const Shape xs = require_matrix("linear", spec.input);
  const int64_t N = xs[0], Din = xs[1], Dout = spec.filters;
  if (Dout <= 0)
    throw Error("gradcheck linear: the number of outputs (--filters) must be positive");
  GradcheckCase c;
  c.description = shape_text("x", xs) + ", W " + to_string({Din, Dout}) +
                  (spec.bias ? ", bias" : ", no bias") + " -> y " + to_string({N, Dout});
  c.names = {"x", "W"};
  c.shapes = {xs, {Din, Dout}};
  c.args = {rng.values(xs), rng.values({Din, Dout})};
  if (spec.bias) {
    c.names.push_back("b");
    c.shapes.push_back({Dout});
    c.args.push_back(rng.values({Dout}));
  }
  const bool bias = spec.bias;
  c.forward = [=](const Args& a) {
    Vec y(static_cast<size_t>(N * Dout));
    ref::linear_forward<double>(a[0].data(), a[1].data(), bias ? a[2].data() : nullptr, y.data(), N,
                                Din, Dout);
    return y;
  };
  c.backward = [=](const Args& a, const Vec& dy) {
    Args grads{Vec(a[0].size()), Vec(a[1].size())};
    if (bias) grads.emplace_back(a[2].size());
    ref::linear_backward_data<double>(dy.data(), a[1].data(), grads[0].data(), N, Din, Dout);
    ref::linear_backward_weight<double>(a[0].data(), dy.data(), grads[1].data(),
                                        bias ? grads[2].data() : nullptr, N, Din, Dout);
    return grads;
  };
  return c;
}

/// y [M, N] = op(a)·op(b): a is stored [M, K] (or [K, M] with trans_a), spec.input is a's
/// stored shape; b is stored [K, N] (or [N, K] with trans_b), N = spec.filters. The backward
/// pass is the four cases of matmul_backward() (ops.hpp), each again a product.
GradcheckCase make_matmul_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  const Shape as = require_matrix("matmul", spec.input);
  const bool ta = spec.trans_a, tb = spec.trans_b;
  const int64_t M = ta ? as[1] : as[0], K = ta ? as[0] : as[1], N = spec.filters;
  if (N <= 0)
    throw Error("gradcheck matmul: the number of columns of y (--filters) must be positive");
  const Shape bs = tb ? Shape{N, K} : Shape{K, N};
  GradcheckCase c;
  c.description = std::string("y = ") + (ta ? "aT" : "a") + " " + (tb ? "bT" : "b") + ", " +
                  shape_text("a", as) + ", " + shape_text("b", bs) + " -> y " + to_string({M, N});
  c.names = {"a", "b"};
  c.shapes = {as, bs};
  c.args = {rng.values(as), rng.values(bs)};
  c.forward = [=](const Args& a) {
    Vec y(static_cast<size_t>(M * N));
    ref::gemm<double>(ta, tb, M, N, K, 1.0, a[0].data(), a[1].data(), 0.0, y.data());
    return y;
  };
  c.backward = [=](const Args& a, const Vec& dy) {
    Args grads{Vec(a[0].size()), Vec(a[1].size())};
    double* da = grads[0].data();
    double* db = grads[1].data();
    const double *A = a[0].data(), *B = a[1].data(), *DY = dy.data();
    // gemm(trans_first, trans_second, rows, cols, inner, 1, first, second, 0, out)
    if (!ta && !tb) {  // da = dy bT [M, K],  db = aT dy [K, N]
      ref::gemm<double>(false, true, M, K, N, 1.0, DY, B, 0.0, da);
      ref::gemm<double>(true, false, K, N, M, 1.0, A, DY, 0.0, db);
    } else if (ta && !tb) {  // da = b dyT [K, M],  db = a dy [K, N]
      ref::gemm<double>(false, true, K, M, N, 1.0, B, DY, 0.0, da);
      ref::gemm<double>(false, false, K, N, M, 1.0, A, DY, 0.0, db);
    } else if (!ta && tb) {  // da = dy b [M, K],  db = dyT a [N, K]
      ref::gemm<double>(false, false, M, K, N, 1.0, DY, B, 0.0, da);
      ref::gemm<double>(true, false, N, K, M, 1.0, DY, A, 0.0, db);
    } else {  // da = bT dyT [K, M],  db = dyT aT [N, K]
      ref::gemm<double>(true, true, K, M, N, 1.0, B, DY, 0.0, da);
      ref::gemm<double>(true, true, N, K, M, 1.0, DY, A, 0.0, db);
    }
    return grads;
  };
  return c;
}

}  // namespace

// ---- the rows ---------------------------------------------------------------------------------
std::vector<OpInfo> linear_ops() {
  const OpSetting outputs{
      .name = "filters", .about = "D_out: outputs per row (default 4)", .lowest = 1};
  const OpSetting columns{.name = "filters", .about = "N: columns of y (default 4)", .lowest = 1};
  const OpSetting trans_a{.name = "trans_a", .about = "transpose a: y = aT op(b)"};
  const OpSetting trans_b{.name = "trans_b", .about = "transpose b: y = op(a) bT"};
  return {
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
       .gradcheck = {.input = matrix_input(),
                     .settings = {outputs, no_bias_setting()},
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
       .gradcheck = {.input = matrix_input(),
                     .settings = {columns, trans_a, trans_b},
                     .make_case = make_matmul_case}},
  };
}

}  // namespace cnnlab::registry
