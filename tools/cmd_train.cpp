// cmd_train.cpp — `cnnlab train`: train a model on a dataset, showing progress, and leave
// checkpoints, metrics and the loss curves in an output folder.
//
// With no options it trains LeNet-5 on Fashion-MNIST on the fastest backend present, long
// enough to pass 90 % test accuracy. Ctrl-C stops after the current batch, saves
// last.safetensors and prints the command that resumes; a second Ctrl-C quits at once.
// What this file is not: the training loop (cnnlab/train/trainer.hpp) — only its command line
// and display.
#include "cli11.hpp"
#include "cli_common.hpp"
#include "training_common.hpp"

#include <cnnlab/core/error.hpp>
#include <cnnlab/nn/model_file.hpp>
#include <cnnlab/train/checkpoint.hpp>
#include <cnnlab/train/trainer.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

namespace cnnlab::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_sigint(int) {
  g_stop = true;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

Command add_train_command(CLI::App& parent) {
  struct TrainArgs {
    std::string model = "lenet5";
    std::string data = kDefaultData;
    std::string backend = "auto";
    std::string device;
    int64_t epochs = 10;
    int64_t batch_size = 64;
    float lr = 0.002f;
    std::string optimizer = "adam";
    float momentum = 0.9f;
    bool nesterov = false;
    float weight_decay = 0.0f;
    std::string schedule = "cosine";
    int64_t warmup = 1;
    uint64_t seed = 1;
    std::string out;
    std::string resume;
    int64_t limit = 0;
    bool overwrite = false;
  };
  auto a = std::make_shared<TrainArgs>();
  CLI::App* app = parent.add_subcommand(
      "train", "Train a network (default: LeNet-5 on Fashion-MNIST) with a progress bar");
  app->footer(
      "\nWhat it leaves in --out: last.safetensors (after every epoch, and when stopped), "
      "best.safetensors (the best test accuracy so far), metrics.csv and metrics.json (one row "
      "per epoch), curves.svg (the loss and accuracy curves; open it in a browser).\n"
      "Ctrl-C stops after the current batch, saves last.safetensors and prints how to resume.\n"
      "Example: cnnlab train --epochs 2 --out runs/quick");
  app->add_option("--model", a->model,
                  "Built-in model name (see `cnnlab summary --list`) or a model .json file")
      ->capture_default_str();
  app->add_option("--data", a->data, data_help())->capture_default_str();
  add_auto_backend_option(*app, a->backend);
  add_device_option(*app, a->device);
  app->add_option("--epochs", a->epochs, "Epochs to train (with --resume: the new total)")
      ->capture_default_str()
      ->check(positive());
  app->add_option("--batch-size", a->batch_size, "Images per mini-batch")
      ->capture_default_str()
      ->check(positive());
  app->add_option("--lr", a->lr,
                  "Learning rate after warm-up (adam: about 0.001-0.003; sgd with momentum: about "
                  "0.01-0.05)")
      ->capture_default_str()
      ->check(positive_real());
  app->add_option("--optimizer", a->optimizer, "sgd (with momentum), adam or adamw")
      ->capture_default_str()
      ->check(one_of({"sgd", "adam", "adamw"}, "optimizer"));
  app->add_option("--momentum", a->momentum, "SGD momentum, in [0, 1)")->capture_default_str();
  app->add_flag("--nesterov", a->nesterov, "SGD: Nesterov momentum");
  app->add_option("--weight-decay", a->weight_decay, "L2 penalty (decoupled for adamw)")
      ->capture_default_str();
  app->add_option("--schedule", a->schedule,
                  "Learning-rate schedule: constant, step:EPOCHS:GAMMA (e.g. step:5:0.1), cosine "
                  "or cosine:MIN_LR")
      ->capture_default_str();
  app->add_option("--warmup", a->warmup,
                  "Epochs of linear learning-rate warm-up (default 1, or 0 for a 1-epoch run)")
      ->capture_default_str()
      ->check(non_negative());
  app->add_option("--seed", a->seed, "Seed of the initial weights and the shuffling")
      ->capture_default_str();
  app->add_option("--out", a->out,
                  "Output folder (default: runs/MODEL-DATA, or runs/MODEL-DATA-2, -3, ... when "
                  "that one holds a run already)")
      ->type_name("DIR");
  app->add_option("--resume", a->resume,
                  "Continue the run saved in this checkpoint (its model, data and settings; "
                  "--epochs may raise the total)")
      ->type_name("CHECKPOINT")
      ->check(existing_file());
  app->add_option("--limit", a->limit, "Train on the first N images only (a quick try)")
      ->check(positive());
  app->add_flag("--overwrite", a->overwrite,
                "Start a new run in an --out folder that holds one (its checkpoints are "
                "replaced)");

  return {
      app, [a, app]() {
        apply_device_option(a->device, a->backend == "auto" ? "vulkan" : a->backend);
        const std::string backend_name = choose_backend(a->backend);
        Backend& backend = backend_by_name(backend_name);
        const bool resuming = !a->resume.empty();
        // The default warm-up (1 epoch) needs a run of at least 2 epochs.
        if (app->count("--warmup") == 0) a->warmup = std::min(a->warmup, a->epochs - 1);
        if (resuming) {
          for (const char* flag : {"--model", "--lr", "--optimizer", "--batch-size", "--seed",
                                   "--schedule", "--momentum", "--limit"})
            if (app->count(flag) > 0)
              throw UsageError(std::string(flag) +
                               " cannot change a resumed run: the checkpoint keeps its "
                               "settings (only --epochs, --out and --backend may change)");
        }
        std::string model_name = a->model;
        if (resuming && a->out.empty())
          a->out = std::filesystem::path(a->resume).parent_path().string();
        if (a->out.empty()) {  // runs/MODEL-DATA, or the first of -2, -3, ... that is free
          const std::string stem = "runs/" + std::filesystem::path(model_name).stem().string() +
                                   "-" + a->data.substr(0, a->data.find(':'));
          a->out = stem;
          for (int k = 2; std::filesystem::exists(a->out + "/last.safetensors"); ++k)
            a->out = stem + "-" + std::to_string(k);
        }
        if (!resuming && !a->overwrite && std::filesystem::exists(a->out + "/last.safetensors"))
          throw UsageError(a->out +
                           " already holds a training run (last.safetensors): "
                           "continue it with --resume " +
                           a->out + "/last.safetensors, choose another --out, or pass --overwrite");

        if (resuming) {  // the data the checkpoint was trained on, unless --data says
          const TrainOptions saved = read_train_options(a->resume);
          if (app->count("--data") == 0 && !saved.data_spec.empty()) a->data = saved.data_spec;
          a->limit = saved.data_limit;
          a->seed = saved.seed;
        }
        std::cout << "Loading " << a->data << " ..." << std::flush;
        const DataPair data = open_data(a->data, a->limit, a->seed);
        std::cout << " " << data.train.size() << " training and " << data.test.size()
                  << " test images of " << data.train.channels << "x" << data.train.height << "x"
                  << data.train.width << "\n";

        std::unique_ptr<Trainer> trainer;
        if (resuming) {
          trainer = std::make_unique<Trainer>(
              Trainer::resume(a->resume, data.train, data.test, backend,
                              app->count("--epochs") > 0 ? a->epochs : 0, a->out));
          std::cout << "Resuming " << a->resume << " at epoch " << trainer->epoch() + 1 << "\n";
        } else {
          TrainOptions o{.epochs = a->epochs,
                         .batch_size = a->batch_size,
                         .seed = a->seed,
                         .optimizer = a->optimizer,
                         .optim = {.lr = a->lr,
                                   .momentum = a->momentum,
                                   .nesterov = a->nesterov,
                                   .weight_decay = a->weight_decay},
                         .schedule = a->schedule,
                         .warmup_epochs = a->warmup,
                         .norm = data.norm,
                         .out_dir = a->out,
                         .data_spec = a->data,
                         .data_limit = a->limit};
          trainer = std::make_unique<Trainer>(load_model(model_name, a->seed), data.train,
                                              data.test, o, backend);
        }
        const TrainOptions& o = trainer->options();
        std::cout << "Training " << trainer->spec().name << " ("
                  << trainer->model().parameter_count() << " parameters) on " << data.train.name
                  << " with the " << backend.name() << " backend: " << o.epochs << " epochs, batch "
                  << o.batch_size << ", " << o.optimizer << " lr " << o.optim.lr << " ("
                  << o.schedule << "), seed " << o.seed << "\nBackend: " << backend.description()
                  << "\nOutput: " << a->out << "/\n";

        g_stop = false;
        std::signal(SIGINT, on_sigint);
        ProgressLine bar;
        double reached90 = -1;
        for (const EpochMetrics& m : trainer->history().epochs)
          if (reached90 < 0 && m.test_accuracy >= 0.9) reached90 = m.elapsed_seconds;
        Trainer::Callbacks cb;
        cb.on_batch = [&](const BatchProgress& p) {
          bar.update(double(p.batch) / double(p.batches),
                     "epoch " + std::to_string(p.epoch) + "/" + std::to_string(p.epochs) +
                         "  loss " + fixed(p.loss, 4) + "  acc " + fixed(100 * p.accuracy, 1) +
                         " %  " + std::to_string(int64_t(p.images_per_second)) + " img/s  ETA " +
                         format_duration(p.eta_seconds));
        };
        cb.on_epoch = [&](const EpochMetrics& m) {
          bar.finish();
          if (reached90 < 0 && m.test_accuracy >= 0.9) reached90 = m.elapsed_seconds;
          std::cout << "epoch " << m.epoch << "/" << o.epochs << ": train loss "
                    << fixed(m.train_loss, 4) << ", acc " << fixed(100 * m.train_accuracy, 2)
                    << " % | test loss " << fixed(m.test_loss, 4) << ", acc "
                    << fixed(100 * m.test_accuracy, 2) << " % | " << int64_t(m.images_per_second)
                    << " img/s, " << format_duration(m.elapsed_seconds) << " elapsed\n"
                    << std::flush;
        };
        cb.stop_requested = []() { return g_stop.load(); };
        TrainOutcome out;
        try {
          out = trainer->run(cb);
        } catch (...) {
          bar.finish();
          std::signal(SIGINT, SIG_DFL);
          throw;
        }
        std::signal(SIGINT, SIG_DFL);
        bar.finish();
        if (out.stopped) {
          std::cout << "Stopped at epoch " << trainer->epoch() + 1 << "; saved " << out.checkpoint
                    << ".\nResume with: cnnlab train --resume " << out.checkpoint << "\n";
          return 130;
        }
        std::cout << "Done: best test accuracy " << fixed(100 * trainer->best_accuracy(), 2)
                  << " %";
        if (reached90 >= 0) std::cout << "; 90 % reached after " << fixed(reached90, 1) << " s";
        std::cout << ".\nFiles: " << a->out << "/{last,best}.safetensors, metrics.csv, "
                  << "metrics.json, curves.svg\nNext: cnnlab eval " << a->out
                  << "/best.safetensors\n";
        return 0;
      }};
}

}  // namespace cnnlab::cli
