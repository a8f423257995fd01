// test_vulkan_optim.cpp — the optimizers on the Vulkan backend, against the reference backend.
//
// Sgd (momentum, Nesterov, weight decay), Adam and AdamW run several steps on parameters that
// live on the Vulkan device (each step is one shader per parameter: sgd_update.comp,
// adam_update.comp) and on the reference backend, from the same start with the same gradients;
// parameters and state must agree within the cross-backend tolerance. A state saved on one
// backend and loaded by an optimizer whose parameters are on the other continues the run.
#include "vulkan_test_util.hpp"

#include <cnnlab/optim/optimizers.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace cnnlab;
using namespace cnnlab::vktest;

namespace {

const std::vector<Shape> kShapes = {{6, 1, 5, 5}, {6}, {120, 400}, {3, 7}};

/// One parameter per shape of kShapes on @p be, from fixed random values ("p0", "p1", ...).
std::vector<Parameter> make_params(Backend& be) {
  std::vector<Parameter> ps;
  for (size_t i = 0; i < kShapes.size(); ++i) {
    std::string name = "p";
    name += std::to_string(i);  // (not "p" + ...: GCC 12 warns wrongly on that, -Wrestrict)
    ps.push_back({name, random_tensor(kShapes[i], 40 + i).to(be), Tensor()});
  }
  return ps;
}

/// Steps @p first to @p last − 1 of @p opt on @p ps, gradients drawn from the step's seed; the
/// last parameter gets no gradient at odd steps (it must be left alone then).
void run_steps(Optimizer& opt, std::vector<Parameter>& ps, int first, int last) {
  for (int t = first; t < last; ++t) {
    std::vector<Parameter*> ptrs;
    for (size_t i = 0; i < ps.size(); ++i) {
      Backend& be = ps[i].value.backend();
      const bool skip = i + 1 == ps.size() && t % 2 == 1;
      ps[i].grad = skip ? Tensor() : random_tensor(kShapes[i], 1000 * (t + 1) + i).to(be);
      ptrs.push_back(&ps[i]);
    }
    opt.step(ptrs);
  }
}

/// Parameters and state of the two runs agree within tolerance (L grows with the steps).
void expect_same_run(const Optimizer& ref_opt, const std::vector<Parameter>& ref_ps,
                     const Optimizer& vk_opt, const std::vector<Parameter>& vk_ps, int steps) {
  const int64_t L = 8 * steps;
  for (size_t i = 0; i < ref_ps.size(); ++i)
    expect_close(ref_opt.name() + " " + ref_ps[i].name + " " + to_string(kShapes[i]),
                 ref_ps[i].value, vk_ps[i].value, L);
  const std::map<std::string, Tensor> rs = ref_opt.state(), vs = vk_opt.state();
  REQUIRE(rs.size() == vs.size());
  for (const auto& [key, t] : rs) {
    REQUIRE(vs.count(key) == 1);
    CHECK(&vs.at(key).backend() == &vk());  // the state lives on the parameter's device
    expect_close(ref_opt.name() + " state " + key, t, vs.at(key), L);
  }
}

}  // namespace

TEST_CASE("optimizers on Vulkan match the reference backend", "[vulkan][optim]") {
  struct Case {
    std::string name;
    OptimizerOptions options;
  };
  const Case c = GENERATE(
      Case{"sgd", {.lr = 0.05f, .momentum = 0.9f, .weight_decay = 1e-3f}},
      Case{"sgd", {.lr = 0.05f, .momentum = 0.9f, .nesterov = true, .weight_decay = 1e-3f}},
      Case{"adam", {.lr = 0.01f, .weight_decay = 0.01f}},
      Case{"adamw", {.lr = 0.01f, .weight_decay = 0.01f}});
  INFO(c.name << (c.options.nesterov ? " nesterov" : ""));
  const int steps = 5;
  std::unique_ptr<Optimizer> ref_opt = make_optimizer(c.name, c.options);
  std::unique_ptr<Optimizer> vk_opt = make_optimizer(c.name, c.options);
  std::vector<Parameter> ref_ps = make_params(reference_backend()), vk_ps = make_params(vk());
  run_steps(*ref_opt, ref_ps, 0, steps);
  run_steps(*vk_opt, vk_ps, 0, steps);
  expect_same_run(*ref_opt, ref_ps, *vk_opt, vk_ps, steps);

  // The reference run's state, loaded by an optimizer of Vulkan parameters, continues it there.
  std::unique_ptr<Optimizer> resumed = make_optimizer(c.name, c.options);
  resumed->load_state(ref_opt->state());  // tensors on the reference backend
  resumed->set_steps(ref_opt->steps());
  std::vector<Parameter> moved;
  for (const Parameter& p : ref_ps) moved.push_back({p.name, p.value.to(vk()), Tensor()});
  run_steps(*ref_opt, ref_ps, steps, steps + 2);
  run_steps(*resumed, moved, steps, steps + 2);
  expect_same_run(*ref_opt, ref_ps, *resumed, moved, steps + 2);
}
