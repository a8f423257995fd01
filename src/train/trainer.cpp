// trainer.cpp — the training loop of cnnlab/train/trainer.hpp, and evaluate().
//
// One batch, as in the lecture: forward the images through the model, the softmax
// cross-entropy loss of the logits, backward from dL/dlogits to every parameter, one optimizer
// step — train_step() (train_step.hpp). One epoch: every training image once, in an order shuffled
// from (seed, epoch), then a pass over the test set in evaluation mode.
#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/loss.hpp>
#include <cnnlab/ops/ops.hpp>
#include <cnnlab/train/train_step.hpp>
#include <cnnlab/train/trainer.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <sstream>

namespace cnnlab {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The index of the largest logit of each row of logits[N, D].
std::vector<int64_t> argmax_rows(const std::vector<float>& v, int64_t D) {
  const int64_t N = int64_t(v.size()) / D;
  std::vector<int64_t> out(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) {
    const float* row = v.data() + n * D;
    out[size_t(n)] = std::max_element(row, row + D) - row;
  }
  return out;
}

// The images of @p idx as a normalised batch x[B, C, H, W] and labels[B] on @p backend.
std::pair<Tensor, Tensor> batch_tensors(const Dataset& d, std::span<const int64_t> idx,
                                        const Normalization& norm, Backend& backend,
                                        std::vector<float>& xs, std::vector<float>& ys) {
  const int64_t B = int64_t(idx.size()), chw = d.channels * d.height * d.width;
  xs.resize(size_t(B * chw));
  ys.resize(size_t(B));
  make_batch(d, idx, norm, xs, ys);
  return {Tensor::from_vector({B, d.channels, d.height, d.width}, xs, backend),
          Tensor::from_vector({B}, ys, backend)};
}

std::string percent(double fraction) {
  std::ostringstream s;
  s.precision(2);
  s << std::fixed << 100 * fraction << " %";
  return s.str();
}

}  // namespace

EvalResult evaluate(Sequential& model, const Dataset& data, const Normalization& norm,
                    int64_t batch_size, Backend& backend) {
  if (batch_size <= 0) throw Error("evaluate: the batch size must be positive");
  EvalResult r;
  const size_t classes = data.class_names.size();
  r.confusion.assign(classes, std::vector<int64_t>(classes, 0));
  model.to(backend);
  model.eval();
  std::vector<int64_t> order(static_cast<size_t>(data.size()));
  for (size_t i = 0; i < order.size(); ++i) order[i] = int64_t(i);
  std::vector<float> xs, ys;
  double loss_sum = 0;
  int64_t correct = 0;
  for (int64_t b = 0; b < num_batches(data.size(), batch_size); ++b) {
    const std::span<const int64_t> idx = batch_indices(order, batch_size, b);
    auto [x, y] = batch_tensors(data, idx, norm, backend, xs, ys);
    const Tensor logits = model.forward(x);
    if (logits.ndim() != 2 || size_t(logits.dim(1)) != classes)
      throw Error("evaluate: the model gives " + to_string(logits.shape()) + " but " + data.name +
                  " has " + std::to_string(classes) + " classes");
    loss_sum += double(softmax_cross_entropy_forward(logits, y).at(0)) * double(idx.size());
    const std::vector<int64_t> pred = argmax_rows(logits.to_vector(), logits.dim(1));
    for (size_t i = 0; i < idx.size(); ++i) {
      const auto t = size_t(ys[i]);
      correct += pred[i] == int64_t(t) ? 1 : 0;
      ++r.confusion[t][size_t(pred[i])];
    }
  }
  r.count = data.size();
  r.loss = r.count ? loss_sum / double(r.count) : 0;
  r.accuracy = r.count ? double(correct) / double(r.count) : 0;
  return r;
}

Trainer::Trainer(LoadedModel model, const Dataset& train, const Dataset& test, TrainOptions options,
                 Backend& backend)
    : model_(std::move(model)),
      train_(train),
      test_(test),
      options_(std::move(options)),
      backend_(&backend) {
  setup();
}

void Trainer::setup() {
  const Shape want = model_.spec.input;  // [C, H, W]
  for (const Dataset* d : {&train_, &test_}) {
    const Shape got = {d->channels, d->height, d->width};
    if (got != want)
      throw Error("the model " + model_.spec.name + " takes images of " + to_string(want) +
                  " (C, H, W) but " + d->name + " has " + to_string(got));
    if (int64_t(d->class_names.size()) != model_.spec.classes)
      throw Error("the model " + model_.spec.name + " has " + std::to_string(model_.spec.classes) +
                  " outputs but " + d->name + " has " + std::to_string(d->class_names.size()) +
                  " classes");
  }
  if (options_.epochs <= 0) throw Error("the number of epochs must be positive");
  if (options_.batch_size <= 0) throw Error("the batch size must be positive");
  if (train_.size() == 0) throw Error(train_.name + " has no images");
  optimizer_ = make_optimizer(options_.optimizer, options_.optim);
  const int64_t per_epoch = num_batches(train_.size(), options_.batch_size);
  schedule_ = parse_lr_schedule(options_.schedule, options_.optim.lr, options_.epochs * per_epoch,
                                options_.warmup_epochs * per_epoch, per_epoch);
  model_.model.to(*backend_);
  if (!options_.out_dir.empty()) std::filesystem::create_directories(options_.out_dir);
}

TrainOutcome Trainer::run(const Callbacks& cb) {
  Sequential& model = model_.model;
  SoftmaxCrossEntropy loss;
  const int64_t n = train_.size(), B = options_.batch_size, nb = num_batches(n, B);
  const int64_t window = std::max<int64_t>(1, nb / 20);  // 20 loss-curve points per epoch
  const std::string last = options_.out_dir.empty() ? "" : options_.out_dir + "/last.safetensors";
  const std::string best = options_.out_dir.empty() ? "" : options_.out_dir + "/best.safetensors";
  std::vector<float> xs, ys;
  TrainOutcome outcome;
  const double elapsed_before = elapsed_;
  const Clock::time_point run_start = Clock::now();

  while (epoch_ < options_.epochs) {
    const std::vector<int64_t> order = shuffled_indices(n, options_.seed, epoch_);
    model.train();
    Partial& p = partial_;
    const Clock::time_point epoch_start = Clock::now();
    const double seconds_before = p.seconds;
    double window_loss = 0;
    int64_t window_batches = 0;
    for (int64_t b = p.batch; b < nb; ++b) {
      const std::span<const int64_t> idx = batch_indices(order, B, b);
      auto [x, y] = batch_tensors(train_, idx, options_.norm, *backend_, xs, ys);
      optimizer_->set_lr(schedule_.lr_at(epoch_ * nb + b));

      // forward, loss, backward, update (train_step.hpp); a non-finite loss changes nothing
      const StepResult step = train_step(model, loss, *optimizer_, x, y);
      const float l = step.loss;
      if (!step.finite())
        throw Error(
            "training diverged: the loss is " +
            std::string(step.logits_finite ? std::to_string(l) : "not finite (so are the logits)") +
            " at epoch " + std::to_string(epoch_ + 1) + ", batch " + std::to_string(b + 1) +
            " of " + std::to_string(nb) + " (learning rate " + std::to_string(optimizer_->lr()) +
            "); nothing was saved for this epoch" +
            (last.empty() ? "" : ", " + last + " holds the last good state if it exists") +
            ". Try a smaller learning rate (--lr)");
      const std::vector<int64_t> pred = argmax_rows(step.logits, step.classes);
      for (size_t i = 0; i < idx.size(); ++i) p.correct += pred[i] == int64_t(ys[i]) ? 1 : 0;

      p.batch = b + 1;
      p.seen += int64_t(idx.size());
      p.loss_sum += double(l) * double(idx.size());
      p.seconds = seconds_before + seconds_since(epoch_start);
      window_loss += l;
      if (++window_batches == window || b + 1 == nb) {
        history_.losses.push_back({.epoch = double(epoch_) + double(b + 1) / double(nb),
                                   .loss = window_loss / double(window_batches)});
        window_loss = 0;
        window_batches = 0;
      }
      if (cb.on_batch) {
        const double per_batch = p.seconds / double(p.batch);
        cb.on_batch({.epoch = epoch_ + 1,
                     .epochs = options_.epochs,
                     .batch = p.batch,
                     .batches = nb,
                     .loss = p.loss_sum / double(p.seen),
                     .accuracy = double(p.correct) / double(p.seen),
                     .images_per_second = double(p.seen) / std::max(p.seconds, 1e-9),
                     .eta_seconds = per_batch * double((options_.epochs - epoch_) * nb - p.batch)});
      }
      if (b + 1 < nb && cb.stop_requested && cb.stop_requested()) {
        elapsed_ = elapsed_before + seconds_since(run_start);
        outcome.stopped = true;
        if (!last.empty()) {
          save_checkpoint(last);
          outcome.checkpoint = last;
        }
        return outcome;
      }
    }

    // end of the epoch: the test pass, the figures, the files
    const EvalResult test = evaluate(model, test_, options_.norm, 250, *backend_);
    ++epoch_;
    elapsed_ = elapsed_before + seconds_since(run_start);
    const EpochMetrics m{.epoch = epoch_,
                         .train_loss = p.loss_sum / double(p.seen),
                         .train_accuracy = double(p.correct) / double(p.seen),
                         .test_loss = test.loss,
                         .test_accuracy = test.accuracy,
                         .lr = optimizer_->lr(),
                         .seconds = p.seconds,
                         .images_per_second = double(p.seen) / std::max(p.seconds, 1e-9),
                         .elapsed_seconds = elapsed_};
    history_.epochs.push_back(m);
    partial_ = {};
    const bool improved = m.test_accuracy > best_accuracy_;
    if (improved) best_accuracy_ = m.test_accuracy;
    if (!options_.out_dir.empty()) {
      save_checkpoint(last);
      if (improved) save_checkpoint(best);
      write_metrics(options_.out_dir, history_,
                    model_.spec.name + " on " + train_.name + " — best test accuracy " +
                        percent(best_accuracy_));
      outcome.checkpoint = last;
    }
    if (cb.on_epoch) cb.on_epoch(m);
    if (epoch_ < options_.epochs && cb.stop_requested && cb.stop_requested()) {
      outcome.stopped = true;
      return outcome;
    }
  }
  outcome.finished = true;
  return outcome;
}

}  // namespace cnnlab
