// test_optim.cpp — the optimizers (SGD, Nesterov, Adam, AdamW) and the learning-rate schedules.
//
// How the expected numbers are made: never by the code under test. SGD's first cases are worked
// out by hand in the comments; the longer runs are checked against a plain loop over doubles
// written here, next to the formula it implements (sgd_steps(), adam_steps()), so a student
// can read the rule and the check side by side. Then: saving and loading the state continues a
// run exactly, every optimizer minimises a simple quadratic, a parameter without a gradient is
// left alone, and the schedules give the rates their formulas say at chosen steps.
#include <catch2/catch.hpp>

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/optim/optimizers.hpp>
#include <cnnlab/optim/schedule.hpp>

#include <cmath>
#include <map>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

using namespace cnnlab;
using Catch::Contains;

namespace {

Backend& ref() { return reference_backend(); }

/// A parameter named @p name holding @p values, with gradient @p grad (empty: no gradient).
Parameter param(const std::string& name, const std::vector<float>& values,
                const std::vector<float>& grad = {}) {
  const Shape s = {static_cast<int64_t>(values.size())};
  Parameter p{name, Tensor::from_vector(s, values, ref()), Tensor()};
  if (!grad.empty()) p.grad = Tensor::from_vector(s, grad, ref());
  return p;
}

/// Sets @p p's gradient to @p grad.
void set_grad(Parameter& p, const std::vector<float>& grad) {
  p.grad = Tensor::from_vector(p.value.shape(), grad, ref());
}

/// Checks @p got against @p want within a relative 1e-6 (and 1e-7 absolute, for values near 0).
void check_close(const std::vector<float>& got, const std::vector<double>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(want[i]).epsilon(1e-6).margin(1e-7));
  }
}

/// The gradients of step t (0-based) of the tests below: different at every step and element.
std::vector<float> grads_of_step(int t, size_t n) {
  std::vector<float> g(n);
  for (size_t i = 0; i < n; ++i)
    g[i] = static_cast<float>(std::sin(1.0 + 0.7 * static_cast<double>(t) + 1.3 * double(i)));
  return g;
}

const std::vector<float> kStart = {1.5f, -0.75f, 2.0f, -1.25f, 0.5f};

// ---- the rules, written again as plain loops over doubles ---------------------------------

/// `steps` steps of PyTorch's SGD from kStart with the gradients grads_of_step(t):
///   g = grad + wd·w;  v = momentum·v + g;  w -= lr·(nesterov ? g + momentum·v : v).
std::vector<double> sgd_steps(int steps, double lr, double momentum, double wd, bool nesterov) {
  std::vector<double> w(kStart.begin(), kStart.end()), v(w.size(), 0.0);
  for (int t = 0; t < steps; ++t) {
    const std::vector<float> grad = grads_of_step(t, w.size());
    for (size_t i = 0; i < w.size(); ++i) {
      const double g = grad[i] + wd * w[i];
      v[i] = momentum * v[i] + g;
      w[i] -= lr * (nesterov ? g + momentum * v[i] : v[i]);
    }
  }
  return w;
}

/// What adam_steps() returns: the parameter and both moments.
struct AdamRun {
  std::vector<double> w, m, v;
};

/// `steps` steps of PyTorch's Adam (or AdamW, decoupled) from kStart with grads_of_step(t).
AdamRun adam_steps(int steps, double lr, double b1, double b2, double eps, double wd,
                   bool decoupled) {
  AdamRun r{std::vector<double>(kStart.begin(), kStart.end()), {}, {}};
  r.m.assign(r.w.size(), 0.0);
  r.v.assign(r.w.size(), 0.0);
  for (int t = 1; t <= steps; ++t) {
    const std::vector<float> grad = grads_of_step(t - 1, r.w.size());
    for (size_t i = 0; i < r.w.size(); ++i) {
      double g = grad[i];
      if (decoupled)
        r.w[i] *= 1 - lr * wd;  // AdamW: decay the weight itself
      else
        g += wd * r.w[i];  // Adam: L2 penalty in the gradient
      r.m[i] = b1 * r.m[i] + (1 - b1) * g;
      r.v[i] = b2 * r.v[i] + (1 - b2) * g * g;
      const double m_hat = r.m[i] / (1 - std::pow(b1, t));
      const double v_hat = r.v[i] / (1 - std::pow(b2, t));
      r.w[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  }
  return r;
}

/// Runs @p opt for @p steps steps on a parameter "w" starting at kStart, with grads_of_step(t).
Parameter run(Optimizer& opt, int steps) {
  Parameter w = param("w", kStart);
  for (int t = 0; t < steps; ++t) {
    set_grad(w, grads_of_step(t, kStart.size()));
    opt.step({&w});
  }
  return w;
}

}  // namespace

// ---- SGD -----------------------------------------------------------------------------------

TEST_CASE("Sgd: three steps worked by hand (momentum, Nesterov, weight decay)", "[optim][sgd]") {
  // One weight w = 1, the same gradient 0.5 at every step, lr = 0.1.
  const auto three_steps = [](const SgdParams& p) {
    Sgd opt(p);
    Parameter w = param("w", {1.0f}, {0.5f});
    std::vector<float> seen;
    for (int t = 0; t < 3; ++t) {
      opt.step({&w});
      seen.push_back(w.value.at(0));
    }
    return seen;
  };
  SECTION("momentum 0.9") {
    // v = 0.5          w = 1     - 0.1·0.5   = 0.95
    // v = 0.45 + 0.5   w = 0.95  - 0.1·0.95  = 0.855
    // v = 0.855 + 0.5  w = 0.855 - 0.1·1.355 = 0.7195
    const std::vector<float> w = three_steps({.lr = 0.1f, .momentum = 0.9f});
    CHECK(w[0] == Approx(0.95));
    CHECK(w[1] == Approx(0.855));
    CHECK(w[2] == Approx(0.7195));
  }
  SECTION("Nesterov momentum 0.9: the step is g + 0.9·v, with the new v") {
    // v = 0.5    step = 0.5 + 0.45   = 0.95    w = 1     - 0.095   = 0.905
    // v = 0.95   step = 0.5 + 0.855  = 1.355   w = 0.905 - 0.1355  = 0.7695
    // v = 1.355  step = 0.5 + 1.2195 = 1.7195  w = 0.7695 - 0.17195 = 0.59755
    const std::vector<float> w = three_steps({.lr = 0.1f, .momentum = 0.9f, .nesterov = true});
    CHECK(w[0] == Approx(0.905));
    CHECK(w[1] == Approx(0.7695));
    CHECK(w[2] == Approx(0.59755));
  }
  SECTION("weight decay 0.1, no momentum: g = 0.5 + 0.1·w") {
    // g = 0.5 + 0.1     = 0.6      w = 1    - 0.06     = 0.94
    // g = 0.5 + 0.094   = 0.594    w = 0.94 - 0.0594   = 0.8806
    // g = 0.5 + 0.08806 = 0.58806  w = 0.8806 - 0.058806 = 0.821794
    const std::vector<float> w = three_steps({.lr = 0.1f, .weight_decay = 0.1f});
    CHECK(w[0] == Approx(0.94));
    CHECK(w[1] == Approx(0.8806));
    CHECK(w[2] == Approx(0.821794));
  }
}

TEST_CASE("Sgd follows the double-precision loop for several steps", "[optim][sgd]") {
  const bool nesterov = GENERATE(false, true);
  const float wd = GENERATE(0.0f, 0.05f);
  INFO("nesterov " << nesterov << ", weight decay " << wd);
  Sgd opt({.lr = 0.05f, .momentum = 0.9f, .weight_decay = wd, .nesterov = nesterov});
  const Parameter w = run(opt, 6);
  check_close(w.value.to_vector(), sgd_steps(6, 0.05, 0.9, wd, nesterov));
  CHECK(opt.steps() == 6);
  CHECK(opt.state().count("w.velocity") == 1);
}

// ---- Adam and AdamW ------------------------------------------------------------------------

TEST_CASE("Adam and AdamW follow the double-precision loop for several steps", "[optim][adam]") {
  const bool decoupled = GENERATE(false, true);
  const float wd = GENERATE(0.0f, 0.1f);
  INFO((decoupled ? "adamw" : "adam") << ", weight decay " << wd);
  const AdamParams p{.lr = 0.01f,
                     .beta1 = 0.9f,
                     .beta2 = 0.999f,
                     .eps = 1e-8f,
                     .weight_decay = wd,
                     .decoupled = decoupled};
  CHECK(Adam(p).name() == (decoupled ? "adamw" : "adam"));
  for (const int steps : {1, 2, 7}) {
    INFO(steps << " steps");
    Adam opt(p);
    const Parameter w = run(opt, steps);
    const AdamRun want = adam_steps(steps, 0.01, 0.9, 0.999, 1e-8, wd, decoupled);
    check_close(w.value.to_vector(), want.w);
    const std::map<std::string, Tensor> state = opt.state();
    REQUIRE(state.size() == 2);
    check_close(state.at("w.exp_avg").to_vector(), want.m);
    check_close(state.at("w.exp_avg_sq").to_vector(), want.v);
  }
}

TEST_CASE("Adam's first step moves every weight by about lr, whatever the gradient's size",
          "[optim][adam]") {
  // With m and v starting at zero, the bias correction makes m_hat = g and v_hat = g², so the
  // first step is lr·g/(|g| + eps): lr times the sign of g. This is why Adam needs no tuning of
  // the gradient's scale.
  Adam opt({.lr = 0.01f});
  Parameter w = param("w", {1, 1, 1}, {1e-3f, 5.0f, -300.0f});
  opt.step({&w});
  check_close(w.value.to_vector(), {0.99, 0.99, 1.01});
}

// ---- state, names, missing gradients -------------------------------------------------------

TEST_CASE("state() and load_state() continue a run exactly", "[optim]") {
  const std::string name = GENERATE(as<std::string>{}, "sgd", "adam", "adamw");
  INFO(name);
  const OptimizerOptions o{.lr = 0.02f, .nesterov = true, .weight_decay = 0.01f};
  // One run of 5 steps...
  std::unique_ptr<Optimizer> whole = make_optimizer(name, o);
  const Parameter straight = run(*whole, 5);
  // ... and one of 3 steps, saved, then 2 more steps by a new optimizer that loaded the state.
  std::unique_ptr<Optimizer> first = make_optimizer(name, o);
  Parameter w = run(*first, 3);
  const std::map<std::string, Tensor> saved = first->state();
  std::unique_ptr<Optimizer> second = make_optimizer(name, o);
  second->load_state(saved);
  second->set_steps(first->steps());
  for (int t = 3; t < 5; ++t) {
    set_grad(w, grads_of_step(t, kStart.size()));
    second->step({&w});
  }
  CHECK(w.value.to_vector() == straight.value.to_vector());  // bit for bit
  CHECK(second->steps() == 5);
  // state() is a snapshot: the steps after it did not change the saved tensors.
  for (const auto& [key, t] : saved) CHECK(t.to_vector() != second->state().at(key).to_vector());
}

TEST_CASE("load_state() rejects a state that does not belong, naming the tensor", "[optim]") {
  const Tensor t3 = Tensor::zeros({3}, ref());
  Sgd sgd({.lr = 0.1f, .momentum = 0.9f});
  REQUIRE_THROWS_WITH(sgd.load_state({{"fc.weight.exp_avg", t3}}),
                      Contains("sgd: load_state: state tensor 'fc.weight.exp_avg' is not SGD's"));
  REQUIRE_THROWS_WITH(sgd.load_state({{"fc.weight.velocity", Tensor()}}),
                      Contains("state tensor 'fc.weight.velocity' is undefined"));
  Adam adam({.lr = 0.1f});
  REQUIRE_THROWS_WITH(
      adam.load_state({{"fc.weight.velocity", t3}}),
      Contains("adam: load_state: state tensor 'fc.weight.velocity' is not Adam's"));
  REQUIRE_THROWS_WITH(adam.load_state({{"fc.weight.exp_avg", t3}}),
                      Contains("parameter 'fc.weight' has 'fc.weight.exp_avg' but no "
                               "'fc.weight.exp_avg_sq'"));
  REQUIRE_THROWS_WITH(
      adam.load_state({{"b.exp_avg", t3}, {"b.exp_avg_sq", Tensor::zeros({4}, ref())}}),
      Contains("'b.exp_avg' [3] and 'b.exp_avg_sq' [4] must have the same shape"));

  // Names fine, shapes wrong for this model: the next step says which tensor, and changes nothing.
  sgd.load_state({{"w.velocity", t3}});
  Parameter w = param("w", {1, 2}, {1, 1});
  REQUIRE_THROWS_WITH(sgd.step({&w}),
                      Contains("sgd: state tensor 'w.velocity' has shape [3], but parameter 'w' "
                               "has shape [2]"));
  CHECK(w.value.to_vector() == std::vector<float>{1, 2});
  CHECK(sgd.steps() == 0);
}

TEST_CASE("a parameter without a gradient is left alone", "[optim]") {
  const std::string name = GENERATE(as<std::string>{}, "sgd", "adam", "adamw");
  INFO(name);
  std::unique_ptr<Optimizer> opt = make_optimizer(name, {.lr = 0.1f, .weight_decay = 0.1f});
  Parameter a = param("a", {1, 2}, {0.5f, 0.5f});
  Parameter frozen = param("frozen", {3, 4});  // grad undefined: no gradient this step
  opt->step({&a, &frozen});
  opt->step({&a, &frozen});
  CHECK(frozen.value.to_vector() == std::vector<float>{3, 4});
  CHECK(a.value.to_vector() != std::vector<float>{1, 2});
  for (const auto& [key, t] : opt->state()) CHECK(key.rfind("a.", 0) == 0);  // no state for it
}

TEST_CASE("step() rejects parameters it cannot update before changing any", "[optim]") {
  Sgd opt({.lr = 0.1f});
  Parameter a = param("a", {1, 2}, {1, 1}), twin = param("a", {5}, {1});
  REQUIRE_THROWS_WITH(opt.step({&a, &twin}), Contains("sgd: two parameters are named 'a'"));
  Parameter bad = param("bad", {1, 2});
  bad.grad = Tensor::zeros({3}, ref());
  REQUIRE_THROWS_WITH(opt.step({&a, &bad}),
                      Contains("sgd: parameter 'bad' has shape [2] but its grad has shape [3]"));
  CHECK(a.value.to_vector() == std::vector<float>{1, 2});  // a came first and was not updated
}

// ---- make_optimizer() and the learning rate ------------------------------------------------

TEST_CASE("make_optimizer() builds each optimizer by name", "[optim]") {
  for (const std::string& name : optimizer_names()) {
    std::unique_ptr<Optimizer> opt = make_optimizer(name, {.lr = 0.5f});
    CHECK(opt->name() == name);
    CHECK(opt->lr() == 0.5f);
    opt->set_lr(0.25f);
    CHECK(opt->lr() == 0.25f);
    REQUIRE_THROWS_WITH(opt->set_lr(0.0f),
                        Contains(name + ": learning rate must be a finite number > 0"));
  }
  REQUIRE_THROWS_WITH(make_optimizer("rmsprop", {.lr = 0.1f}),
                      Contains("unknown optimizer 'rmsprop'; known optimizers: sgd, adam, adamw"));
  REQUIRE_THROWS_WITH(make_optimizer("sgd", {.lr = 0.1f, .momentum = 0, .nesterov = true}),
                      Contains("Nesterov momentum needs momentum > 0"));
  REQUIRE_THROWS_WITH(make_optimizer("adam", {.lr = 0.1f, .beta2 = 1.0f}),
                      Contains("beta2 must be in [0, 1)"));
}

// ---- every optimizer minimises f(w) = Σ (w − 3)² ---------------------------------------------

TEST_CASE("every optimizer minimises a quadratic", "[optim]") {
  struct Case {
    std::string name;
    OptimizerOptions options;
  };
  const Case c =
      GENERATE(Case{"sgd", {.lr = 0.05f, .momentum = 0.9f}},
               Case{"sgd", {.lr = 0.05f, .momentum = 0.9f, .nesterov = true}},
               Case{"adam", {.lr = 0.05f}}, Case{"adamw", {.lr = 0.05f, .weight_decay = 1e-4f}});
  INFO(c.name << (c.options.nesterov ? " nesterov" : ""));
  std::unique_ptr<Optimizer> opt = make_optimizer(c.name, c.options);
  Parameter w = param("w", {0.0f, -2.0f, 5.0f, 10.0f});
  const auto f = [](const std::vector<float>& v) {
    double sum = 0;
    for (float e : v) sum += (e - 3.0) * (e - 3.0);
    return sum;
  };
  const double f0 = f(w.value.to_vector());  // 9 + 25 + 4 + 49 = 87
  for (int t = 0; t < 1000; ++t) {
    std::vector<float> g = w.value.to_vector();  // df/dw = 2 (w − 3), set by hand
    for (float& e : g) e = 2.0f * (e - 3.0f);
    set_grad(w, g);
    opt->step({&w});
  }
  const std::vector<float> end = w.value.to_vector();
  INFO("f went from " << f0 << " to " << f(end));
  for (float e : end) CHECK(e == Approx(3.0).margin(1e-2));
}

// ---- learning-rate schedules ---------------------------------------------------------------

TEST_CASE("schedules: warm-up, step decay and cosine at chosen steps", "[optim][schedule]") {
  SECTION("constant with a linear warm-up over 4 steps") {
    const LrSchedule s{.kind = "constant", .base_lr = 0.1f, .warmup_steps = 4};
    CHECK(s.lr_at(0) == Approx(0.025));  // 0.1 · 1/4: warm-up starts near 0
    CHECK(s.lr_at(1) == Approx(0.05));
    CHECK(s.lr_at(3) == Approx(0.1));  // warm-up's last step reaches base_lr
    CHECK(s.lr_at(4) == Approx(0.1));
    CHECK(s.lr_at(100000) == Approx(0.1));
  }
  SECTION("step decay: times 0.1 every 10 steps") {
    const LrSchedule s{.kind = "step", .base_lr = 1.0f, .step_size = 10, .gamma = 0.1f};
    CHECK(s.lr_at(0) == Approx(1.0));
    CHECK(s.lr_at(9) == Approx(1.0));
    CHECK(s.lr_at(10) == Approx(0.1));  // the boundary
    CHECK(s.lr_at(19) == Approx(0.1));
    CHECK(s.lr_at(20) == Approx(0.01));
  }
  SECTION("step decay after a warm-up: the decay counts from the end of the warm-up") {
    const LrSchedule s{
        .kind = "step", .base_lr = 1.0f, .step_size = 10, .gamma = 0.5f, .warmup_steps = 5};
    CHECK(s.lr_at(0) == Approx(0.2));
    CHECK(s.lr_at(4) == Approx(1.0));
    CHECK(s.lr_at(14) == Approx(1.0));
    CHECK(s.lr_at(15) == Approx(0.5));
  }
  SECTION("cosine from 0.1 to 0.001 over 100 steps") {
    const LrSchedule s{.kind = "cosine", .base_lr = 0.1f, .min_lr = 0.001f, .total_steps = 100};
    CHECK(s.lr_at(0) == Approx(0.1));
    CHECK(s.lr_at(50) == Approx((0.1 + 0.001) / 2));  // the midpoint: halfway down
    CHECK(s.lr_at(25) == Approx(0.001 + 0.099 * (1 + std::cos(std::numbers::pi / 4)) / 2));
    CHECK(s.lr_at(100) == Approx(0.001));  // the end: min_lr
    CHECK(s.lr_at(500) == Approx(0.001));  // and there it stays
  }
  SECTION("cosine after a warm-up of 10 steps: the curve spans steps 10 to 110") {
    const LrSchedule s{.kind = "cosine", .base_lr = 0.1f, .warmup_steps = 10, .total_steps = 110};
    CHECK(s.lr_at(0) == Approx(0.01));
    CHECK(s.lr_at(9) == Approx(0.1));
    CHECK(s.lr_at(10) == Approx(0.1));
    CHECK(s.lr_at(60) == Approx(0.05));
    CHECK(s.lr_at(110) == Approx(0.0).margin(1e-12));
  }
}

TEST_CASE("schedules: parsing and bad settings", "[optim][schedule]") {
  const LrSchedule st = parse_lr_schedule("step:30:0.1", 0.1f, 10000, 0, /*steps_per_epoch=*/100);
  CHECK(st.kind == "step");
  CHECK(st.step_size == 3000);  // 30 epochs of 100 batches
  CHECK(st.gamma == 0.1f);
  CHECK(st.lr_at(2999) == Approx(0.1));
  CHECK(st.lr_at(3000) == Approx(0.01));
  const LrSchedule cos = parse_lr_schedule("cosine:1e-5", 0.1f, 1000, 50);
  CHECK(cos.kind == "cosine");
  CHECK(cos.min_lr == 1e-5f);
  CHECK(cos.warmup_steps == 50);
  CHECK(parse_lr_schedule("constant", 0.1f, 0).lr_at(7) == Approx(0.1));
  CHECK(cos.describe() == "cosine from 0.1 to 1e-05 over 1000 steps, warm-up 50");

  REQUIRE_THROWS_WITH(parse_lr_schedule("linear", 0.1f, 100),
                      Contains("learning-rate schedule 'linear' is not one of constant, step:"));
  REQUIRE_THROWS_WITH(parse_lr_schedule("step:30", 0.1f, 100), Contains("is not one of"));
  REQUIRE_THROWS_WITH(parse_lr_schedule("step:3x:0.1", 0.1f, 100),
                      Contains("STEP_SIZE (epochs) must be a whole number, got '3x'"));
  REQUIRE_THROWS_WITH(parse_lr_schedule("step:30:big", 0.1f, 100),
                      Contains("GAMMA must be a number, got 'big'"));
  REQUIRE_THROWS_WITH(parse_lr_schedule("step:0:0.1", 0.1f, 100),
                      Contains("step_size must be >= 1, got 0"));
  REQUIRE_THROWS_WITH(parse_lr_schedule("step:30:1.5", 0.1f, 100),
                      Contains("gamma must be in (0, 1], got 1.5"));
  REQUIRE_THROWS_WITH(parse_lr_schedule("cosine:0.5", 0.1f, 100),
                      Contains("min_lr must be in [0, base_lr = 0.1], got 0.5"));
  REQUIRE_THROWS_WITH(parse_lr_schedule("cosine", 0.1f, 100, 100),
                      Contains("total_steps (100) must be greater than warmup_steps (100)"));
  REQUIRE_THROWS_WITH(parse_lr_schedule("constant", -0.1f, 100),
                      Contains("base_lr must be a finite number > 0, got -0.1"));
  REQUIRE_THROWS_WITH(validate(LrSchedule{.kind = "exp", .base_lr = 0.1f}),
                      Contains("unknown learning-rate schedule 'exp'; known schedules: constant, "
                               "step, cosine"));
  REQUIRE_THROWS_WITH(LrSchedule{}.lr_at(-1), Contains("step must be >= 0"));
  REQUIRE_THROWS_WITH((LrSchedule{.kind = "step", .base_lr = 0.1f, .step_size = 0}.lr_at(5)),
                      Contains("step_size must be >= 1, got 0"));
}
