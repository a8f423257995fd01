// test_op_registry.cpp — the op registry (cnnlab/ops/op_registry.hpp): its rows are complete,
// find_op() names the known ops, and every row's runner (the public ops API, float32, on the
// reference backend) computes what its gradient-checked float64 case computes.
//
// The last point ties the two halves of a row together: gradcheck_op() proves the float64 case's
// backward matches finite differences; here the ops API must agree with that case on the same
// inputs, so a wrong backward in the ops API (say, one transpose case of matmul_backward) fails.
#include <catch2/catch.hpp>

#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/ops/op_registry.hpp>
#include <cnnlab/ops/ops.hpp>

#include <algorithm>
#include <cctype>
#include <random>
#include <set>
#include <string>

using namespace cnnlab;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::vector<float> to_float(const std::vector<double>& v) { return {v.begin(), v.end()}; }
std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

void check_close(const std::string& what, const std::vector<float>& got,
                 const std::vector<double>& expected) {
  INFO(what);
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    CHECK(got[i] == Approx(expected[i]).margin(1e-5).epsilon(1e-4));
  }
}

/// Runs @p info's runner on the case's inputs (rounded to float32) and compares y and every
/// gradient with the case's float64 forward and backward on the same rounded values.
/// Returns false when the case's arguments do not cover the op's inputs (labels of a loss).
bool runner_matches_case(const OpInfo& info, GradcheckSpec spec) {
  if (spec.input.empty()) spec.input = info.gradcheck.input;
  std::mt19937_64 rng(spec.seed);
  GradcheckCase c = info.gradcheck.make_case(spec, rng);
  for (auto& arg : c.args) arg = to_double(to_float(arg));  // the values float32 can hold

  OpCall call;
  call.settings.conv = spec.conv;
  call.settings.output_padding = spec.output_padding;
  call.settings.pool = spec.pool;
  call.settings.lrn = spec.lrn;
  call.settings.trans_a = spec.trans_a;
  call.settings.trans_b = spec.trans_b;
  for (size_t k = 0; k < c.names.size(); ++k)
    call.inputs[lower(c.names[k])] =
        Tensor::from_vector(c.shapes[k], to_float(c.args[k]), reference_backend());
  for (const OpTensor& in : info.inputs)
    if (!in.optional && !call.inputs.count(in.name)) return false;

  const std::vector<NamedTensor> forward = info.run(call);
  REQUIRE(!forward.empty());
  CHECK(forward[0].name == "y");
  check_close(info.name + " y", forward[0].tensor.to_vector(), c.forward(c.args));

  std::vector<double> dy(static_cast<size_t>(forward[0].tensor.numel()));
  std::uniform_real_distribution<double> uniform(-1, 1);
  for (double& v : dy) v = static_cast<double>(static_cast<float>(uniform(rng)));
  call.dy = Tensor::from_vector(forward[0].tensor.shape(), to_float(dy), reference_backend());
  const std::vector<NamedTensor> both = info.run(call);
  const std::vector<std::vector<double>> grads = c.backward(c.args, dy);
  REQUIRE(both.size() == 1 + c.names.size());
  for (size_t k = 0; k < c.names.size(); ++k) {
    CHECK(both[1 + k].name == std::string("d").append(lower(c.names[k])));
    check_close(info.name + " " + both[1 + k].name, both[1 + k].tensor.to_vector(), grads[k]);
  }
  return true;
}

}  // namespace

TEST_CASE("every registry row is complete and its names are unique", "[registry]") {
  std::set<std::string> names;
  REQUIRE(!op_registry().empty());
  for (const OpInfo& info : op_registry()) {
    INFO(info.name);
    CHECK(names.insert(info.name).second);
    CHECK(!info.summary.empty());
    CHECK(!info.inputs.empty());
    CHECK(!info.outputs.empty());
    CHECK(!info.grads.empty());
    CHECK(!info.example.empty());
    CHECK(info.run != nullptr);
    CHECK(info.gradcheck.make_case != nullptr);
    CHECK(!info.gradcheck.input.empty());
    for (const OpTensor& t : info.inputs) CHECK((!t.name.empty() && !t.shape.empty()));
  }
  CHECK(op_names().size() == op_registry().size());
  CHECK(gradcheck_ops() == op_names());  // every op is gradient-checked
}

TEST_CASE("find_op finds a row and names every known op otherwise", "[registry]") {
  CHECK(find_op("matmul").name == "matmul");
  CHECK(find_op("conv2d").settings.size() == 5);  // stride, padding, dilation, groups, size_rule
  REQUIRE_THROWS_AS(find_op("conv3d"), Error);
  REQUIRE_THROWS_WITH(find_op("conv3d"), Catch::Contains("unknown op 'conv3d'") &&
                                             Catch::Contains("conv2d") &&
                                             Catch::Contains("matmul") && Catch::Contains("add"));
}

TEST_CASE("the families' rows come in the lecture's order", "[registry]") {
  // One op of each family file (src/ops/registry/), in the order op_registry.cpp puts them
  // together; an op added to a family needs no edit here.
  const std::vector<std::string> names = op_names();
  auto at = [&](const std::string& op) {
    return std::find(names.begin(), names.end(), op) - names.begin();
  };
  CHECK(names.front() == "conv2d");
  CHECK(names.back() == "add");
  CHECK(at("conv2d") < at("maxpool2d"));
  CHECK(at("maxpool2d") < at("linear"));
  CHECK(at("linear") < at("relu"));
  CHECK(at("relu") < at("softmax"));
  CHECK(at("softmax") < at("flatten"));
  CHECK(at("flatten") < at("add"));
}

TEST_CASE("OpCall::input gives an undefined tensor for an input that was not given", "[registry]") {
  OpCall call;
  call.inputs["x"] = Tensor::from_vector({1}, {2.0f}, reference_backend());
  CHECK(call.input("x").defined());
  CHECK(!call.input("b").defined());
}

TEST_CASE("each op's runner computes what its gradient-checked case computes", "[registry]") {
  for (const OpInfo& info : op_registry()) {
    INFO(info.name);
    const bool compared = runner_matches_case(info, GradcheckSpec{});
    if (!compared) CHECK(info.is_loss);  // only a loss keeps an input (labels) to itself
  }
}

TEST_CASE("matmul_backward agrees with the gradient-checked case in all four transpose cases",
          "[registry][matmul]") {
  for (const bool ta : {false, true})
    for (const bool tb : {false, true}) {
      INFO("trans_a " << ta << ", trans_b " << tb);
      GradcheckSpec spec;
      spec.input = {3, 5};
      spec.filters = 2;
      spec.trans_a = ta;
      spec.trans_b = tb;
      CHECK(runner_matches_case(find_op("matmul"), spec));
    }
}

TEST_CASE("matmul_backward rejects a dy of the wrong shape", "[registry][matmul][bad-input]") {
  Backend& be = reference_backend();
  const Tensor a = Tensor::from_vector({2, 3}, std::vector<float>(6, 1.0f), be);
  const Tensor b = Tensor::from_vector({3, 4}, std::vector<float>(12, 1.0f), be);
  const Tensor dy = Tensor::from_vector({4, 2}, std::vector<float>(8, 1.0f), be);
  REQUIRE_THROWS_WITH(matmul_backward(a, b, dy),
                      Catch::Contains("matmul_backward: dy has shape [4, 2], expected [2, 4]"));
  REQUIRE_THROWS_WITH(matmul_backward(a, a, dy), Catch::Contains("inner sizes must agree"));
}
