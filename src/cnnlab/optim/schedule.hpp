/// @file schedule.hpp
/// @brief Learning-rate schedules: linear warm-up, then constant, step decay or cosine
///        annealing.
///
/// Contract:
/// - LrSchedule::lr_at(step) is a pure function of the step number (0-based, counted in
///   optimizer steps, i.e. batches): the training loop calls `opt.set_lr(s.lr_at(step))` before
///   each step, and a resumed run gets the same rates from the step count alone.
/// - Warm-up first: for step < warmup_steps the rate rises linearly,
///   lr = base_lr · (step + 1) / warmup_steps, from about 0 to base_lr at the warm-up's last
///   step. The decay then starts at the end of the warm-up (t = step − warmup_steps):
///     constant   lr = base_lr
///     step       lr = base_lr · gamma^⌊t / step_size⌋            (PyTorch's StepLR)
///     cosine     lr = min_lr + (base_lr − min_lr) · (1 + cos(π · t / T)) / 2, T = total_steps −
///                warmup_steps; min_lr from step total_steps on   (CosineAnnealingLR)
///   A cosine run of total_steps steps uses steps 0 to total_steps − 1, whose rates are all > 0
///   (Optimizer::set_lr() refuses 0, the rate at total_steps when min_lr = 0).
/// - Not here: changing the optimizer (that is the training loop's set_lr() call).
#pragma once

#include <cstdint>
#include <string>

namespace cnnlab {

/// @brief A learning-rate schedule; see the file's description for the formulas.
struct LrSchedule {
  std::string kind = "constant";  ///< "constant", "step" or "cosine"
  float base_lr = 0.01f;          ///< the rate after warm-up, > 0
  int64_t step_size = 1;          ///< "step": steps between two decays, >= 1
  float gamma = 0.1f;             ///< "step": factor of each decay, in (0, 1]
  float min_lr = 0.0f;            ///< "cosine": the rate at total_steps, in [0, base_lr]
  int64_t warmup_steps = 0;       ///< steps of linear warm-up, >= 0
  int64_t total_steps = 0;        ///< "cosine": the step where it reaches min_lr (> warm-up)

  /// @brief The learning rate of step @p step (0-based).
  /// @throws Error if @p step < 0 or the settings are invalid (validate()).
  float lr_at(int64_t step) const;
  /// @brief A one-line description, e.g. "cosine from 0.1 to 0 over 1000 steps, warm-up 100".
  std::string describe() const;
};

/// @brief Throws Error naming the field and the rule unless @p s makes sense: a known kind,
///        base_lr finite and > 0, warmup_steps >= 0; for "step" step_size >= 1 and gamma in
///        (0, 1]; for "cosine" total_steps > warmup_steps and 0 <= min_lr <= base_lr.
void validate(const LrSchedule& s);

/// @brief Reads a schedule from the command line's words:
///        "constant", "step:STEP_SIZE:GAMMA" (e.g. "step:30:0.1"), "cosine" or
///        "cosine:MIN_LR" (e.g. "cosine:1e-5").
///
/// STEP_SIZE is counted in epochs and multiplied by @p steps_per_epoch (the batches of one
/// epoch), so "step:30:0.1" decays every 30 epochs; @p total_steps and @p warmup_steps are in
/// steps (batches). The result is validated.
/// @throws Error naming @p spec and what is wrong with it.
LrSchedule parse_lr_schedule(const std::string& spec, float base_lr, int64_t total_steps,
                             int64_t warmup_steps = 0, int64_t steps_per_epoch = 1);

}  // namespace cnnlab
