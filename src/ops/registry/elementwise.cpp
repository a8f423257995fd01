// elementwise.cpp — the op registry's elementwise family: flatten, concat and add.
//
// What it is: for flatten, x [N,C,H,W] -> y [N,C*H*W] (the same values, a view), and for add,
// a + b -> y (all three of one shape), for concat, a, b (and c) [N, C_i, H, W] joined on the
// channels -> y [N, ΣC_i, H, W], their runners (float32, any backend, through the public
// ops API), their float64 gradient-check cases (add: the reference kernel of
// backends/reference/elementwise.hpp instantiated for double; flatten has no kernel, its
// forward and backward copy each value unchanged) and their registry rows, returned by
// elementwise_ops() (families.hpp). What it is not: the ops themselves (ops.hpp and the
// backends), their argument checks (the ops API), or the checker (src/check/gradcheck.cpp).
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/ops.hpp>

#include "backends/reference/elementwise.hpp"
#include "src/ops/registry/families.hpp"

namespace cnnlab::registry {

namespace {

// ---- runners: forward, then backward when call.dy is defined ---------------------------------
std::vector<NamedTensor> run_flatten(const OpCall& call) {
  const Tensor x = call.input("x");
  std::vector<NamedTensor> out = {{"y", flatten_forward(x)}};
  if (call.dy.defined()) out.push_back({"dx", flatten_backward(call.dy, x.shape())});
  return out;
}

std::vector<NamedTensor> run_concat(const OpCall& call) {
  std::vector<Tensor> xs = {call.input("a"), call.input("b")};
  if (call.input("c").defined()) xs.push_back(call.input("c"));
  std::vector<NamedTensor> out = {{"y", concat_forward(xs)}};
  if (call.dy.defined()) {
    std::vector<int64_t> channels;
    for (const Tensor& x : xs) channels.push_back(x.ndim() == 4 ? x.dim(1) : 0);
    const std::vector<Tensor> dxs = concat_backward(call.dy, channels);
    const char* names[] = {"da", "db", "dc"};
    for (size_t i = 0; i < dxs.size(); ++i) out.push_back({names[i], dxs[i]});
  }
  return out;
}

std::vector<NamedTensor> run_add(const OpCall& call) {
  std::vector<NamedTensor> out = {{"y", add_forward(call.input("a"), call.input("b"))}};
  if (call.dy.defined()) {
    const AddGrads g = add_backward(call.dy);
    out.push_back({"da", g.da});
    out.push_back({"db", g.db});
  }
  return out;
}

// ---- gradient-check cases ---------------------------------------------------------------------

/// flatten only renames the dimensions: forward and backward copy values unchanged.
GradcheckCase make_flatten_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  if (spec.input.size() < 2)
    throw Error("gradcheck flatten: the input needs at least 2 dimensions, got " +
                to_string(spec.input));
  require_positive(spec.input, "gradcheck flatten: input");
  GradcheckCase c;
  c.description = shape_text("x", spec.input) + " -> y " +
                  to_string({spec.input[0], numel(spec.input) / spec.input[0]});
  c.names = {"x"};
  c.shapes = {spec.input};
  c.args = {rng.values(spec.input)};
  c.forward = [](const Args& a) { return a[0]; };
  c.backward = [](const Args&, const Vec& dy) { return Args{dy}; };
  return c;
}

/// y = concat(a, b, c) on the channels: a [N, C, H, W] (spec.input), b [N, 2, H, W] and
/// c [N, 1, H, W]; each gradient is its block of channels of dy.
GradcheckCase make_concat_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  const Shape& as = spec.input;
  if (as.size() != 4)
    throw Error("gradcheck concat: the input shape must be [N, C, H, W], got " + to_string(as));
  require_positive(as, "gradcheck concat: input");
  const int64_t N = as[0], H = as[2], W = as[3], plane = H * W;
  const std::vector<int64_t> channels = {as[1], 2, 1};
  const int64_t total = as[1] + 3;
  GradcheckCase c;
  c.names = {"a", "b", "c"};
  for (int64_t ch : channels) c.shapes.push_back({N, ch, H, W});
  for (const Shape& s : c.shapes) c.args.push_back(rng.values(s));
  c.description = shape_text("a", c.shapes[0]) + ", " + shape_text("b", c.shapes[1]) + ", " +
                  shape_text("c", c.shapes[2]) + " -> y " + to_string({N, total, H, W});
  c.forward = [=](const Args& a) {
    Vec y(static_cast<size_t>(N * total * plane));
    int64_t c0 = 0;
    for (size_t i = 0; i < channels.size(); ++i) {
      ref::copy_channels<double>(a[i].data(), channels[i], 0, y.data(), total, c0, channels[i], N,
                                 plane);
      c0 += channels[i];
    }
    return y;
  };
  c.backward = [=](const Args& a, const Vec& dy) {
    Args grads;
    int64_t c0 = 0;
    for (size_t i = 0; i < channels.size(); ++i) {
      grads.emplace_back(a[i].size());
      ref::copy_channels<double>(dy.data(), total, c0, grads[i].data(), channels[i], 0, channels[i],
                                 N, plane);
      c0 += channels[i];
    }
    return grads;
  };
  return c;
}

/// y = a + b, a and b both of spec.input's shape; da = db = dy.
GradcheckCase make_add_case(const GradcheckSpec& spec, std::mt19937_64& engine) {
  Rng rng{engine};
  require_positive(spec.input, "gradcheck add: input");
  GradcheckCase c;
  c.description = shape_text("a", spec.input) + " + " + shape_text("b", spec.input);
  c.names = {"a", "b"};
  c.shapes = {spec.input, spec.input};
  c.args = {rng.values(spec.input), rng.values(spec.input)};
  c.forward = [](const Args& a) {
    Vec y(a[0].size());
    ref::add_forward<double>(a[0].data(), a[1].data(), y.data(), static_cast<int64_t>(y.size()));
    return y;
  };
  c.backward = [](const Args&, const Vec& dy) { return Args{dy, dy}; };
  return c;
}

}  // namespace

// ---- the rows ---------------------------------------------------------------------------------
std::vector<OpInfo> elementwise_ops() {
  return {
      {.name = "flatten",
       .summary = "reshape [N,C,H,W] to [N,C*H*W] (a view, no copy)",
       .inputs = {{.name = "x", .shape = "[N,C,H,W]", .about = "any rank >= 2"}},
       .outputs = {{.name = "y", .shape = "[N,C*H*W]", .about = "the same values"}},
       .grads = {{.name = "dx", .shape = "[N,C,H,W]", .about = "dL/dy reshaped like x"}},
       .example = "--x x.npy --dy dy.npy",
       .run = run_flatten,
       .gradcheck = {.input = image_input(), .make_case = make_flatten_case}},
      {.name = "concat",
       .summary = "channel concatenation: pieces [N,C_i,H,W] side by side -> [N,sum C_i,H,W]",
       .inputs =
           {{.name = "a", .shape = "[N,C_a,H,W]", .about = "the first piece"},
            {.name = "b", .shape = "[N,C_b,H,W]", .about = "the second piece"},
            {.name = "c", .shape = "[N,C_c,H,W]", .about = "a third piece", .optional = true}},
       .outputs = {{.name = "y", .shape = "[N,C_a+C_b(+C_c),H,W]", .about = "a, b, c on channels"}},
       .grads = {{.name = "da", .shape = "like a", .about = "dL/dy's first C_a channels"},
                 {.name = "db", .shape = "like b", .about = "dL/dy's next C_b channels"},
                 {.name = "dc",
                  .shape = "like c",
                  .about = "dL/dy's last C_c channels",
                  .optional = true}},
       .example = "--a a.npy --b b.npy --dy dy.npy",
       .run = run_concat,
       .gradcheck = {.input = image_input(), .make_case = make_concat_case}},
      {.name = "add",
       .summary = "elementwise sum y = a + b of two tensors of equal shape",
       .inputs = {{.name = "a", .shape = "(any shape)", .about = "the first term"},
                  {.name = "b", .shape = "(a's shape)", .about = "the second term"}},
       .outputs = {{.name = "y", .shape = "like a", .about = "a + b"}},
       .grads = {{.name = "da", .shape = "like a", .about = "dL/dy"},
                 {.name = "db", .shape = "like b", .about = "dL/dy"}},
       .example = "--a a.npy --b b.npy --dy dy.npy",
       .run = run_add,
       .gradcheck = {.input = image_input(), .make_case = make_add_case}},
  };
}

}  // namespace cnnlab::registry
