// measure_ops.cpp — the compute cases of measure.hpp: convolution, SGEMM, max pool, ReLU, concat
// and the LeNet-5 training step. Each builds its inputs once, then lets measure() time one call.
#include "measure.hpp"

#include <cnnlab/demo/lenet5_step.hpp>
#include <cnnlab/ops/ops.hpp>

#include <functional>

namespace cnnlab::bench {

namespace {

/// FLOP/s → the set's unit.
double flop_rate(double flops, double seconds, const std::string& unit) {
  return flops / seconds * (unit == "TFLOP/s" ? 1e-12 : 1e-9);
}

}  // namespace

void bench_conv(const Context& ctx, const ConvCase& c, const std::vector<std::string>& dirs,
                const std::string& flop_unit) {
  Backend& be = ctx.backend;
  // floor: PyTorch's output size, which the layers of real networks (ResNet's stem) need; the
  // same as exact for every case whose stride tiles its input.
  const Conv2dParams p{
      .stride = c.S, .padding = c.P, .dilation = c.D, .groups = c.G, .size_rule = SizeRule::floor};
  const Tensor x = random_tensor({c.N, c.C, c.H, c.W}, be, 1);
  const Tensor w = random_tensor({c.K, c.C / c.G, c.F, c.F}, be, 2);
  const Tensor b = random_tensor({c.K}, be, 3);
  const Conv2dGeometry g = conv2d_geometry(x.shape(), w.shape(), p);
  const Tensor dy = random_tensor(g.output_shape(), be, 4);
  // 2·N·K·H2·W2·(C/G)·F² per pass (a multiply and an add per weight per output element).
  const double flops =
      2.0 * static_cast<double>(g.N * g.K * g.H2 * g.W2 * g.channels_per_group() * g.FH * g.FW);
  auto sync = [&] { be.synchronize(); };
  auto forward = [&] { conv2d_forward(x, w, b, p); };
  auto backward_data = [&] { conv2d_backward_data(dy, w, x.shape(), p); };
  auto backward_weight = [&] { conv2d_backward_weight(x, dy, w.shape(), true, p); };
  for (const std::string& dir : dirs) {
    Timing t;
    double passes = 1;
    if (dir == "fwd") {
      t = measure(forward, sync, ctx.rule);
    } else if (dir == "bwd_data") {
      t = measure(backward_data, sync, ctx.rule);
    } else if (dir == "bwd_wgt") {
      t = measure(backward_weight, sync, ctx.rule);
    } else {  // fwd+bwd: the three passes of a training step, one call
      passes = 3;
      t = measure(
          [&] {
            forward();
            backward_data();
            backward_weight();
          },
          sync, ctx.rule);
    }
    report(ctx, c.name, dir, flop_rate(passes * flops, t.median, flop_unit), flop_unit, t);
  }
}

void bench_conv_transpose(const Context& ctx, const ConvTransposeCase& c,
                          const std::vector<std::string>& dirs, const std::string& flop_unit) {
  Backend& be = ctx.backend;
  const ConvTranspose2dParams p{.stride = c.S, .padding = c.P, .output_padding = c.OP};
  const Tensor x = random_tensor({c.N, c.C, c.H, c.W}, be, 1);
  const Tensor w = random_tensor({c.C, c.K, c.F, c.F}, be, 2);  // [C, K, F, F]
  const Tensor b = random_tensor({c.K}, be, 3);
  const ConvTranspose2dGeometry g = conv_transpose2d_geometry(x.shape(), w.shape(), p);
  const Tensor dy = random_tensor(g.output_shape(), be, 4);
  // The matching convolution's 2·N·C·H·W·K·F² per pass: every input pixel times every tap.
  const double flops = 2.0 * static_cast<double>(g.N * g.C * g.H * g.W * g.K * g.FH * g.FW);
  auto sync = [&] { be.synchronize(); };
  auto forward = [&] { conv_transpose2d_forward(x, w, b, p); };
  auto backward_data = [&] { conv_transpose2d_backward_data(dy, w, x.shape(), p); };
  auto backward_weight = [&] { conv_transpose2d_backward_weight(x, dy, w.shape(), true, p); };
  for (const std::string& dir : dirs) {
    Timing t;
    double passes = 1;
    if (dir == "fwd") {
      t = measure(forward, sync, ctx.rule);
    } else if (dir == "bwd_data") {
      t = measure(backward_data, sync, ctx.rule);
    } else if (dir == "bwd_wgt") {
      t = measure(backward_weight, sync, ctx.rule);
    } else {  // fwd+bwd: the three passes of a training step, one call
      passes = 3;
      t = measure(
          [&] {
            forward();
            backward_data();
            backward_weight();
          },
          sync, ctx.rule);
    }
    report(ctx, c.name, dir, flop_rate(passes * flops, t.median, flop_unit), flop_unit, t);
  }
}

void bench_gemm(const Context& ctx, const GemmCase& gc, const std::string& flop_unit) {
  Backend& be = ctx.backend;
  const int64_t n = gc.n;
  const Tensor a = random_tensor({n, n}, be, 5), b = random_tensor({n, n}, be, 6);
  Tensor c = Tensor::empty({n, n}, be);
  const Timing t = measure([&] { be.gemm(false, false, 1.0f, a, b, 0.0f, c); },
                           [&] { be.synchronize(); }, ctx.rule);
  const double flops =
      2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  report(ctx, gc.name, "fwd", flop_rate(flops, t.median, flop_unit), flop_unit, t);
}

void bench_maxpool(const Context& ctx, const PoolCase& pc) {
  Backend& be = ctx.backend;
  const Tensor x = random_tensor({pc.N, pc.C, pc.H, pc.W}, be, 7);
  const Pool2dParams p{2, 2, 0, SizeRule::floor};
  const double bytes = static_cast<double>(x.numel() + x.numel() / 4) * sizeof(float);
  const Timing t = measure([&] { maxpool2d_forward(x, p); }, [&] { be.synchronize(); }, ctx.rule);
  report(ctx, pc.name, "fwd", bytes / t.median * 1e-9, "GB/s", t);
}

void bench_relu(const Context& ctx, int64_t numel) {
  Backend& be = ctx.backend;
  const Tensor x = random_tensor({numel}, be, 9);
  Tensor y = Tensor::empty({numel}, be);
  const double bytes = 2.0 * static_cast<double>(numel) * sizeof(float);  // read x, write y
  auto sync = [&] { be.synchronize(); };
  const Timing ops = measure([&] { relu_forward(x); }, sync, ctx.rule);
  report(ctx, "relu", "ops", bytes / ops.median * 1e-9, "GB/s", ops);
  const Timing pre = measure([&] { be.relu_forward(x, y); }, sync, ctx.rule);
  report(ctx, "relu", "prealloc", bytes / pre.median * 1e-9, "GB/s", pre);
}

void bench_batchnorm(const Context& ctx, const NormCase& c) {
  Backend& be = ctx.backend;
  const Tensor x = random_tensor({c.N, c.C, c.H, c.W}, be, 10);
  const Tensor dy = random_tensor({c.N, c.C, c.H, c.W}, be, 11);
  const Tensor gamma = random_tensor({c.C}, be, 12), beta = random_tensor({c.C}, be, 13);
  Tensor rm = Tensor::zeros({c.C}, be), rv = Tensor::zeros({c.C}, be);
  const double n = static_cast<double>(x.numel()) * sizeof(float);
  auto sync = [&] { be.synchronize(); };
  const Timing f =
      measure([&] { (void)batchnorm2d_forward_train(x, gamma, beta, rm, rv); }, sync, ctx.rule);
  report(ctx, c.name, "fwd", 2 * n / f.median * 1e-9, "GB/s", f);
  const Timing fb = measure(
      [&] {
        const BatchNormForward o = batchnorm2d_forward_train(x, gamma, beta, rm, rv);
        (void)batchnorm2d_backward(x, dy, gamma, o.mean, o.invstd, true);
      },
      sync, ctx.rule);
  report(ctx, c.name, "fwd+bwd", 5 * n / fb.median * 1e-9, "GB/s", fb);
}

void bench_dropout(const Context& ctx, int64_t numel) {
  Backend& be = ctx.backend;
  const Tensor x = random_tensor({numel}, be, 14);
  const double bytes = 2.0 * static_cast<double>(numel) * sizeof(float);
  uint64_t step = 0;
  const Timing t =
      measure([&] { (void)dropout_forward(x, {.p = 0.5f, .seed = 1, .step = step++}); },
              [&] { be.synchronize(); }, ctx.rule);
  report(ctx, "dropout", "fwd", bytes / t.median * 1e-9, "GB/s", t);
}

void bench_concat(const Context& ctx, int64_t batch) {
  Backend& be = ctx.backend;
  const std::vector<int64_t> channels = {64, 128, 32, 32};
  std::vector<Tensor> xs;
  for (size_t i = 0; i < channels.size(); ++i)
    xs.push_back(random_tensor({batch, channels[i], 28, 28}, be, 20 + i));
  const Tensor dy = random_tensor({batch, 256, 28, 28}, be, 30);
  const double bytes = 2.0 * static_cast<double>(dy.numel()) * sizeof(float);
  auto sync = [&] { be.synchronize(); };
  const Timing fwd = measure([&] { concat_forward(xs); }, sync, ctx.rule);
  report(ctx, "concat_inception3a", "fwd", bytes / fwd.median * 1e-9, "GB/s", fwd);
  const Timing bwd = measure([&] { concat_backward(dy, channels); }, sync, ctx.rule);
  report(ctx, "concat_inception3a", "bwd", bytes / bwd.median * 1e-9, "GB/s", bwd);
}

void bench_membound(const Context& ctx, const MemBoundCase& m) {
  Backend& be = ctx.backend;
  const Shape xs = {m.N, m.C, m.H, m.W};
  const Tensor x = random_tensor(xs, be, 10);
  const double in = static_cast<double>(x.numel()) * sizeof(float);
  auto sync = [&] { be.synchronize(); };
  // Bytes each pass must move at least: forward reads x and writes y; backward reads what it
  // needs (LRN: x, dy; L2 pool: x, y, dy; global avg pool: dy) and writes dx.
  std::function<void()> forward, forward_backward;
  double fwd_bytes = 0, bwd_bytes = 0;
  Tensor dy;  // outlives the calls below, which hold it by reference
  if (m.kind == "lrn") {
    dy = random_tensor(xs, be, 11);
    forward = [&] { lrn_forward(x); };
    forward_backward = [&] {
      lrn_forward(x);
      lrn_backward(x, dy);
    };
    fwd_bytes = 2 * in;
    bwd_bytes = 3 * in;
  } else if (m.kind == "l2pool") {
    const Pool2dParams p{.kernel = static_cast<int>(m.F), .stride = static_cast<int>(m.S)};
    const Shape ys = pool2d_geometry("l2pool2d", xs, p).output_shape();
    dy = random_tensor(ys, be, 11);
    const double out = static_cast<double>(numel(ys)) * sizeof(float);
    forward = [&, p] { l2pool2d_forward(x, p); };
    forward_backward = [&, p] { l2pool2d_backward(x, l2pool2d_forward(x, p), dy, p); };
    fwd_bytes = in + out;
    bwd_bytes = 2 * in + 2 * out;
  } else {  // gap
    dy = random_tensor({m.N, m.C, 1, 1}, be, 11);
    const double out = static_cast<double>(m.N * m.C) * sizeof(float);
    forward = [&] { global_avgpool2d_forward(x); };
    forward_backward = [&, xs] {
      global_avgpool2d_forward(x);
      global_avgpool2d_backward(dy, xs);
    };
    fwd_bytes = in + out;
    bwd_bytes = in + out;
  }
  const Timing f = measure(forward, sync, ctx.rule);
  report(ctx, m.name, "fwd", fwd_bytes / f.median * 1e-9, "GB/s", f);
  const Timing fb = measure(forward_backward, sync, ctx.rule);
  report(ctx, m.name, "fwd+bwd", (fwd_bytes + bwd_bytes) / fb.median * 1e-9, "GB/s", fb);
}

void bench_lenet(const Context& ctx, int64_t batch) {
  Backend& be = ctx.backend;
  demo::LeNet5 net(be, 42);
  const Tensor x = random_tensor({batch, 1, 28, 28}, be, 8);
  std::vector<float> lab(static_cast<size_t>(batch));
  for (size_t i = 0; i < lab.size(); ++i) lab[i] = static_cast<float>(i % 10);
  const Tensor labels = Tensor::from_vector({batch}, lab, be);
  const SgdParams sgd{0.01f, 0.9f, 0.0f};
  // step() returns the loss, read on the host: each step waits for the device, so the host
  // cost of a step cannot be told apart from its device time here.
  const Timing t = measure([&] { net.step(x, labels, sgd); }, [&] { be.synchronize(); }, ctx.rule);
  report(ctx, "lenet5_step", "train", static_cast<double>(batch) / t.median, "img/s", t);
}

}  // namespace cnnlab::bench
