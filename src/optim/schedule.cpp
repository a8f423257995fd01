// schedule.cpp — learning-rate schedules: warm-up, constant, step decay, cosine
// (cnnlab/optim/schedule.hpp).
#include <cnnlab/core/error.hpp>
#include <cnnlab/optim/schedule.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

namespace cnnlab {

namespace {

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

/// The words of @p spec between ':' ("step:30:0.1" -> step, 30, 0.1).
std::vector<std::string> split(const std::string& spec) {
  std::vector<std::string> words;
  std::stringstream in(spec);
  for (std::string w; std::getline(in, w, ':');) words.push_back(w);
  if (!spec.empty() && spec.back() == ':') words.emplace_back();
  return words;
}

/// @p word as a whole number, or an error naming @p what in @p spec.
int64_t to_int(const std::string& spec, const std::string& word, const char* what) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), v);
  if (ec != std::errc() || end != word.data() + word.size())
    throw Error("learning-rate schedule '" + spec + "': " + what +
                " must be a whole number, got '" + word + "'");
  return v;
}

/// @p word as a number, or an error naming @p what in @p spec.
float to_float(const std::string& spec, const std::string& word, const char* what) {
  try {
    size_t used = 0;
    const float v = std::stof(word, &used);
    if (used == word.size()) return v;
  } catch (const std::exception&) {  // std::invalid_argument, std::out_of_range: same answer
  }
  throw Error("learning-rate schedule '" + spec + "': " + what + " must be a number, got '" + word +
              "'");
}

}  // namespace

void validate(const LrSchedule& s) {
  const std::string where = "learning-rate schedule '" + s.kind + "': ";
  if (s.kind != "constant" && s.kind != "step" && s.kind != "cosine")
    throw Error("unknown learning-rate schedule '" + s.kind +
                "'; known schedules: constant, step, cosine");
  if (!std::isfinite(s.base_lr) || s.base_lr <= 0)
    throw Error(where + "base_lr must be a finite number > 0, got " + num(s.base_lr));
  if (s.warmup_steps < 0)
    throw Error(where + "warmup_steps must be >= 0, got " + std::to_string(s.warmup_steps));
  if (s.kind == "step") {
    if (s.step_size < 1)
      throw Error(where + "step_size must be >= 1, got " + std::to_string(s.step_size));
    if (!std::isfinite(s.gamma) || s.gamma <= 0 || s.gamma > 1)
      throw Error(where + "gamma must be in (0, 1], got " + num(s.gamma));
  }
  if (s.kind == "cosine") {
    if (s.total_steps <= s.warmup_steps)
      throw Error(where + "total_steps (" + std::to_string(s.total_steps) +
                  ") must be greater than warmup_steps (" + std::to_string(s.warmup_steps) + ")");
    if (!std::isfinite(s.min_lr) || s.min_lr < 0 || s.min_lr > s.base_lr)
      throw Error(where + "min_lr must be in [0, base_lr = " + num(s.base_lr) + "], got " +
                  num(s.min_lr));
  }
}

float LrSchedule::lr_at(int64_t step) const {
  if (step < 0)
    throw Error("learning-rate schedule: step must be >= 0 (0 is the first), got " +
                std::to_string(step));
  validate(*this);  // a few comparisons; keeps a bad step_size from dividing by zero
  const int64_t t = step < warmup_steps ? 0 : step - warmup_steps;  // steps since warm-up
  double lr = base_lr;
  if (kind == "step") {
    lr = base_lr * std::pow(static_cast<double>(gamma), static_cast<double>(t / step_size));
  } else if (kind == "cosine") {
    const auto span = static_cast<double>(total_steps - warmup_steps);
    const double progress = std::min(1.0, static_cast<double>(t) / span);
    lr = min_lr + (base_lr - min_lr) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  }
  if (step < warmup_steps) lr *= static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  return static_cast<float>(lr);
}

std::string LrSchedule::describe() const {
  std::string s;
  if (kind == "step")
    s = "step decay from " + num(base_lr) + ", times " + num(gamma) + " every " +
        std::to_string(step_size) + " steps";
  else if (kind == "cosine")
    s = "cosine from " + num(base_lr) + " to " + num(min_lr) + " over " +
        std::to_string(total_steps) + " steps";
  else
    s = kind + " " + num(base_lr);
  if (warmup_steps > 0) s += ", warm-up " + std::to_string(warmup_steps);
  return s;
}

LrSchedule parse_lr_schedule(const std::string& spec, float base_lr, int64_t total_steps,
                             int64_t warmup_steps, int64_t steps_per_epoch) {
  const std::vector<std::string> w = split(spec);
  LrSchedule s;
  s.base_lr = base_lr;
  s.total_steps = total_steps;
  s.warmup_steps = warmup_steps;
  const std::string forms =
      "constant, step:STEP_SIZE:GAMMA (e.g. step:30:0.1), cosine, cosine:MIN_LR";
  if (w.empty()) throw Error("learning-rate schedule: empty; expected one of " + forms);
  s.kind = w[0];
  const bool known_form = (s.kind == "constant" && w.size() == 1) ||
                          (s.kind == "step" && w.size() == 3) ||
                          (s.kind == "cosine" && (w.size() == 1 || w.size() == 2));
  if (!known_form) throw Error("learning-rate schedule '" + spec + "' is not one of " + forms);
  if (s.kind == "step") {
    if (steps_per_epoch < 1)
      throw Error("learning-rate schedule '" + spec + "': steps per epoch must be >= 1, got " +
                  std::to_string(steps_per_epoch));
    s.step_size = to_int(spec, w[1], "STEP_SIZE (epochs)") * steps_per_epoch;
    s.gamma = to_float(spec, w[2], "GAMMA");
  } else if (s.kind == "cosine" && w.size() == 2) {
    s.min_lr = to_float(spec, w[1], "MIN_LR");
  }
  validate(s);
  return s;
}

}  // namespace cnnlab
