// batchnorm_ops.cpp — the public ops of batch normalisation: check, allocate, call the backend.
//
// Contract: as src/ops/ops.cpp: every argument is checked here, once for all backends, with
// messages that name the op, the argument, the shapes and the rule; outputs are allocated on
// x's backend; then the backend's virtual runs (backend_ops.inc).
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/batchnorm_ops.hpp>

#include <cmath>
#include <string>

namespace cnnlab {

void validate(const BatchNormParams& p, const std::string& op) {
  if (!(std::isfinite(p.eps) && p.eps > 0))
    throw Error(op + ": eps must be a positive number (it keeps 1/sqrt(var + eps) finite), got " +
                std::to_string(p.eps));
  if (!(p.momentum >= 0 && p.momentum <= 1))
    throw Error(op + ": momentum must be in [0, 1] (the weight of the new batch in the running " +
                "statistics), got " + std::to_string(p.momentum));
}

namespace {

/// x must be [N, C, H, W] with every dimension >= 1.
void require_image(const std::string& op, const Tensor& x) {
  if (!x.defined()) throw Error(op + ": x is an undefined tensor");
  if (x.ndim() != 4)
    throw Error(op + ": x must be 4-D [N, C, H, W], got shape " + to_string(x.shape()));
  require_positive(x.shape(), op + ": x");
}

/// @p t must be a [C] tensor on @p be (one value per channel of x).
void require_channels(const std::string& op, const char* name, const Tensor& t, const Tensor& x) {
  if (!t.defined()) throw Error(op + ": " + name + " is an undefined tensor");
  if (t.shape() != Shape{x.dim(1)})
    throw Error(op + ": " + name + " has shape " + to_string(t.shape()) + ", expected [" +
                std::to_string(x.dim(1)) + "] (one value per channel of x " + to_string(x.shape()) +
                ")");
  if (&t.backend() != &x.backend())
    throw Error(op + ": tensors live on different backends (" + x.backend().name() + " and " +
                t.backend().name() + "); move them explicitly with Tensor::to() first");
}

}  // namespace

BatchNormForward batchnorm2d_forward_train(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                           Tensor running_mean, Tensor running_var,
                                           const BatchNormParams& p) {
  const std::string op = "batchnorm2d_forward_train";
  require_image(op, x);
  validate(p, op);
  require_channels(op, "gamma", gamma, x);
  require_channels(op, "beta", beta, x);
  if (running_mean.defined() != running_var.defined())
    throw Error(op + ": give both running_mean and running_var, or neither");
  if (running_mean.defined()) {
    require_channels(op, "running_mean", running_mean, x);
    require_channels(op, "running_var", running_var, x);
  }
  const int64_t M = x.dim(0) * x.dim(2) * x.dim(3);
  if (M < 2)
    throw Error(op + ": x " + to_string(x.shape()) +
                " has one value per channel (N·H·W = 1): training needs at least 2 to have a "
                "batch variance (use evaluation mode, or a larger batch)");
  Backend& be = x.backend();
  const int64_t C = x.dim(1);
  BatchNormForward out{Tensor::empty(x.shape(), be), Tensor::empty({C}, be),
                       Tensor::empty({C}, be)};
  be.batchnorm2d_forward_train(x, gamma, beta, p, out.y, out.mean, out.invstd, running_mean,
                               running_var);
  return out;
}

BatchNormForward batchnorm2d_forward_eval(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                          const Tensor& running_mean, const Tensor& running_var,
                                          const BatchNormParams& p) {
  const std::string op = "batchnorm2d_forward_eval";
  require_image(op, x);
  validate(p, op);
  require_channels(op, "gamma", gamma, x);
  require_channels(op, "beta", beta, x);
  require_channels(op, "running_mean", running_mean, x);
  require_channels(op, "running_var", running_var, x);
  Backend& be = x.backend();
  BatchNormForward out{Tensor::empty(x.shape(), be), running_mean, Tensor::empty({x.dim(1)}, be)};
  be.batchnorm2d_forward_eval(x, gamma, beta, running_mean, running_var, p, out.y, out.invstd);
  return out;
}

BatchNormGrads batchnorm2d_backward(const Tensor& x, const Tensor& dy, const Tensor& gamma,
                                    const Tensor& mean, const Tensor& invstd, bool batch_stats) {
  const std::string op = "batchnorm2d_backward";
  require_image(op, x);
  if (!dy.defined()) throw Error(op + ": dy is an undefined tensor");
  if (dy.shape() != x.shape())
    throw Error(op + ": dy has shape " + to_string(dy.shape()) + ", expected " +
                to_string(x.shape()) + " (the shape of x and of the forward output)");
  if (&dy.backend() != &x.backend())
    throw Error(op + ": tensors live on different backends (" + x.backend().name() + " and " +
                dy.backend().name() + "); move them explicitly with Tensor::to() first");
  require_channels(op, "gamma", gamma, x);
  require_channels(op, "mean", mean, x);
  require_channels(op, "invstd", invstd, x);
  Backend& be = x.backend();
  const int64_t C = x.dim(1);
  BatchNormGrads g{Tensor::empty(x.shape(), be), Tensor::empty({C}, be), Tensor::empty({C}, be)};
  be.batchnorm2d_backward(x, dy, gamma, mean, invstd, batch_stats, g.dx, g.dgamma, g.dbeta);
  return g;
}

}  // namespace cnnlab
