// batchnorm.cpp — the op registry's batch-normalisation family: batchnorm2d.
//
// What it is: for batchnorm2d, x [N,C,H,W] with gamma, beta [C] -> y [N,C,H,W], its runner
// (float32, any backend, through the public ops API: training mode with the batch statistics,
// or with --eval the running statistics given as inputs), its float64 gradient-check cases
// (the kernels of backends/reference/batchnorm.hpp instantiated for double: training mode,
// where dx flows through the batch mean and variance, and evaluation mode, the affine map) and
// its registry row, returned by batchnorm_ops() (families.hpp). What it is not: the op itself
// (cnnlab/ops/batchnorm_ops.hpp and the backends), its argument checks, or the checker.
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include "backends/reference/batchnorm.hpp"
#include "src/ops/registry/families.hpp"

#include <vector>

namespace cnnlab::registry {

namespace {

// ---- runner: forward, then backward when call.dy is defined ------------------------------------
std::vector<NamedTensor> run_batchnorm2d(const OpCall& call) {
  const Tensor x = call.input("x");
  if (!x.defined() || x.ndim() != 4)
    throw Error("batchnorm2d: x must be a 4-D [N, C, H, W] tensor");
  Backend& be = x.backend();
  const int64_t C = x.dim(1);
  const auto given_or = [&](const char* name, float fill) {
    const Tensor t = call.input(name);
    return t.defined()
               ? t
               : Tensor::from_vector({C}, std::vector<float>(static_cast<size_t>(C), fill), be);
  };
  const Tensor gamma = given_or("weight", 1.0f), beta = given_or("bias", 0.0f);
  const Tensor rmean = given_or("running_mean", 0.0f), rvar = given_or("running_var", 1.0f);
  const bool eval = call.settings.eval;
  // training updates copies of the running statistics (the inputs stay as they were)
  const BatchNormForward f =
      eval ? batchnorm2d_forward_eval(x, gamma, beta, rmean, rvar)
           : batchnorm2d_forward_train(x, gamma, beta, rmean.clone(), rvar.clone());
  std::vector<NamedTensor> out = {{"y", f.y}};
  if (call.dy.defined()) {
    const BatchNormGrads g = batchnorm2d_backward(x, call.dy, gamma, f.mean, f.invstd, !eval);
    out.push_back({"dx", g.dx});
    out.push_back({"dweight", g.dgamma});
    out.push_back({"dbias", g.dbeta});
  }
  return out;
}

// ---- gradient-check case ----------------------------------------------------------------------

/// batchnorm2d of x [N,C,H,W], gamma and beta [C]: training mode (spec.eval false: the batch's
/// statistics, so dx includes the paths through the mean and the variance) or evaluation mode
/// (fixed running statistics drawn here: mean in [-1, 1], variance in [0.5, 1.5]).
GradcheckCase make_batchnorm2d_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  const Shape& xs = spec.input;
  if (xs.size() != 4)
    throw Error("gradcheck batchnorm2d: the input shape must be [N, C, H, W], got " +
                to_string(xs));
  require_positive(xs, "gradcheck batchnorm2d: input");
  const int64_t N = xs[0], C = xs[1], S = xs[2] * xs[3];
  if (!spec.eval && N * S < 2)
    throw Error("gradcheck batchnorm2d: training mode needs N·H·W >= 2 values per channel, got " +
                to_string(xs));
  const bool eval = spec.eval;
  GradcheckCase c;
  c.description = shape_text("x", xs) + (eval ? ", evaluation mode (running statistics)"
                                              : ", training mode (batch statistics)");
  c.names = {"x", "weight", "bias"};
  c.shapes = {xs, {C}, {C}};
  Vec gamma(static_cast<size_t>(C));
  for (double& g : gamma) g = rng.uniform(0.5, 1.5) * (rng.uniform(0, 1) < 0.5 ? -1 : 1);
  c.args = {rng.values(xs), gamma, rng.values({C})};
  Vec rmean = rng.values({C}), rvar(static_cast<size_t>(C));
  for (double& v : rvar) v = rng.uniform(0.5, 1.5);
  constexpr double kEps = 1e-5;
  // mean and invstd of one evaluation: the batch's (training) or the running ones
  const auto stats = [=](const Args& a, Vec& y, Vec& mean, Vec& invstd) {
    y.assign(a[0].size(), 0);
    mean.assign(static_cast<size_t>(C), 0);
    invstd.assign(static_cast<size_t>(C), 0);
    if (eval) {
      mean = rmean;
      ref::batchnorm2d_forward_eval<double>(a[0].data(), a[1].data(), a[2].data(), rmean.data(),
                                            rvar.data(), y.data(), invstd.data(), N, C, S, kEps);
    } else {
      ref::batchnorm2d_forward_train<double>(a[0].data(), a[1].data(), a[2].data(), y.data(),
                                             mean.data(), invstd.data(), nullptr, nullptr, N, C, S,
                                             kEps, 0.1);
    }
  };
  c.forward = [stats](const Args& a) {
    Vec y, mean, invstd;
    stats(a, y, mean, invstd);
    return y;
  };
  c.backward = [stats, eval, N, C, S](const Args& a, const Vec& dy) {
    Vec y, mean, invstd;
    stats(a, y, mean, invstd);
    Args grads{Vec(a[0].size()), Vec(static_cast<size_t>(C)), Vec(static_cast<size_t>(C))};
    ref::batchnorm2d_backward<double>(a[0].data(), dy.data(), a[1].data(), mean.data(),
                                      invstd.data(), !eval, grads[0].data(), grads[1].data(),
                                      grads[2].data(), N, C, S);
    return grads;
  };
  return c;
}

}  // namespace

// ---- the row ----------------------------------------------------------------------------------
std::vector<OpInfo> batchnorm_ops() {
  const std::vector<OpSetting> mode = {
      {.name = "eval",
       .about = "evaluation mode: normalise with running_mean/running_var (default: training "
                "mode, the batch's own statistics)"}};
  return {
      {.name = "batchnorm2d",
       .summary = "batch normalisation per channel: y = gamma (x - mean) / sqrt(var + eps) + beta, "
                  "eps = 1e-5",
       .inputs = {{.name = "x", .shape = "[N,C,H,W]", .about = "the input images"},
                  {.name = "weight",
                   .shape = "[C]",
                   .about = "gamma, the scale (default 1)",
                   .optional = true},
                  {.name = "bias",
                   .shape = "[C]",
                   .about = "beta, the shift (default 0)",
                   .optional = true},
                  {.name = "running_mean",
                   .shape = "[C]",
                   .about = "--eval: the running means (default 0)",
                   .optional = true},
                  {.name = "running_var",
                   .shape = "[C]",
                   .about = "--eval: the running variances (default 1)",
                   .optional = true}},
       .settings = mode,
       .outputs = {{.name = "y", .shape = "[N,C,H,W]", .about = "the normalised images"}},
       .grads = {{.name = "dx",
                  .shape = "[N,C,H,W]",
                  .about =
                      "gamma/sigma (dy - mean(dy) - xhat mean(dy xhat)); --eval: gamma/sigma dy"},
                 {.name = "dweight", .shape = "[C]", .about = "dgamma = sum of dy * xhat"},
                 {.name = "dbias", .shape = "[C]", .about = "dbeta = sum of dy"}},
       .example = "--x x.npy --dy dy.npy",
       .run = run_batchnorm2d,
       .gradcheck = {.input = image_input(), .settings = mode, .make_case = make_batchnorm2d_case}},
  };
}

}  // namespace cnnlab::registry
