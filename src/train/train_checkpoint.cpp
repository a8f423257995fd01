// train_checkpoint.cpp — a Trainer's whole state in a safetensors file and back
// (cnnlab/train/checkpoint.hpp): Trainer::save_checkpoint(), Trainer::resume(),
// load_trained_model().
#include <cnnlab/core/backend.hpp>
#include <cnnlab/core/error.hpp>
#include <cnnlab/io/safetensors.hpp>
#include <cnnlab/train/checkpoint.hpp>
#include <cnnlab/train/trainer.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>

namespace cnnlab {
namespace {

using json = nlohmann::json;
const std::string kOptimizerPrefix = "optimizer.";

json options_to_json(const TrainOptions& o) {
  return {{"epochs", o.epochs},
          {"batch_size", o.batch_size},
          {"seed", o.seed},
          {"optimizer", o.optimizer},
          {"lr", o.optim.lr},
          {"momentum", o.optim.momentum},
          {"nesterov", o.optim.nesterov},
          {"weight_decay", o.optim.weight_decay},
          {"beta1", o.optim.beta1},
          {"beta2", o.optim.beta2},
          {"eps", o.optim.eps},
          {"schedule", o.schedule},
          {"warmup_epochs", o.warmup_epochs},
          {"norm_mean", o.norm.mean},
          {"norm_std", o.norm.std},
          {"data_spec", o.data_spec},
          {"data_limit", o.data_limit}};
}

TrainOptions options_from_json(const json& j) {
  TrainOptions o;
  o.epochs = j.at("epochs").get<int64_t>();
  o.batch_size = j.at("batch_size").get<int64_t>();
  o.seed = j.at("seed").get<uint64_t>();
  o.optimizer = j.at("optimizer").get<std::string>();
  o.optim = {.lr = j.at("lr").get<float>(),
             .momentum = j.at("momentum").get<float>(),
             .nesterov = j.at("nesterov").get<bool>(),
             .weight_decay = j.at("weight_decay").get<float>(),
             .beta1 = j.at("beta1").get<float>(),
             .beta2 = j.at("beta2").get<float>(),
             .eps = j.at("eps").get<float>()};
  o.schedule = j.at("schedule").get<std::string>();
  o.warmup_epochs = j.at("warmup_epochs").get<int64_t>();
  o.norm = {.mean = j.at("norm_mean").get<std::vector<float>>(),
            .std = j.at("norm_std").get<std::vector<float>>()};
  o.data_spec = j.value("data_spec", std::string());
  o.data_limit = j.value("data_limit", int64_t{0});
  return o;
}

// The metadata entry @p key of checkpoint @p path, parsed as JSON.
json meta_json(const SafetensorsFile& f, const std::string& key, const std::string& path) {
  const auto it = f.metadata.find(key);
  if (it == f.metadata.end())
    throw Error("checkpoint " + path + " has no '" + key +
                "' entry in its metadata: it was not written by cnnlab train");
  try {
    return json::parse(it->second);
  } catch (const json::exception& e) {
    throw Error("checkpoint " + path + ": metadata '" + key + "' is not valid JSON (" + e.what() +
                ")");
  }
}

// The model of checkpoint @p path, built from its model file and filled with its parameters.
LoadedModel model_from_checkpoint(const SafetensorsFile& f, const std::string& path) {
  const auto it = f.metadata.find("model");
  if (it == f.metadata.end())
    throw Error("checkpoint " + path + " has no model description ('model' in its metadata)");
  LoadedModel m = parse_model(it->second, "the model stored in " + path, 0);
  for (Parameter* p : m.model.state()) {  // parameters, then buffers
    const NamedArray& a = require_tensor(f, p->name, p->value.shape(), path);
    p->value.copy_from(a.values);
  }
  return m;
}

}  // namespace

void Trainer::save_checkpoint(const std::string& path) const {
  SafetensorsFile f;
  for (Parameter* p : model_.model.state())  // parameters, then buffers (running statistics)
    f.tensors.push_back(
        {.name = p->name, .shape = p->value.shape(), .values = p->value.to_vector()});
  for (const auto& [name, t] : optimizer_->state())
    f.tensors.push_back(
        {.name = kOptimizerPrefix + name, .shape = t.shape(), .values = t.to_vector()});
  f.metadata["model"] = model_.spec.json;
  f.metadata["model_name"] = model_.spec.name;
  f.metadata["dataset"] = train_.name;
  f.metadata["class_names"] = json(train_.class_names).dump();
  f.metadata["options"] = options_to_json(options_).dump();
  f.metadata["state"] = json{
      {"epoch", epoch_},
      {"batch", partial_.batch},
      {"loss_sum", partial_.loss_sum},
      {"seconds", partial_.seconds},
      {"correct", partial_.correct},
      {"seen", partial_.seen},
      {"best_accuracy", best_accuracy_},
      {"optimizer_steps", optimizer_->steps()},
      {"elapsed_seconds",
       elapsed_}}.dump();
  f.metadata["history"] = metrics_to_json(history_);
  save_safetensors(path, f);
}

Trainer Trainer::resume(const std::string& path, const Dataset& train, const Dataset& test,
                        Backend& backend, int64_t epochs, const std::string& out_dir) {
  const SafetensorsFile f = load_safetensors(path);
  LoadedModel m = model_from_checkpoint(f, path);
  TrainOptions o;
  json state;
  try {
    o = options_from_json(meta_json(f, "options", path));
    state = meta_json(f, "state", path);
    (void)state.at("epoch").get<int64_t>();
  } catch (const json::exception& e) {
    throw Error("checkpoint " + path + ": its training options or state are incomplete (" +
                e.what() + ")");
  }
  const auto ds = f.metadata.find("dataset");
  if (ds != f.metadata.end() && ds->second != train.name)
    throw Error("checkpoint " + path + " was trained on '" + ds->second + "', not on '" +
                train.name + "': resume with the same --data");
  if (epochs > 0) o.epochs = epochs;
  o.out_dir = out_dir.empty() ? std::filesystem::path(path).parent_path().string() : out_dir;
  if (o.out_dir.empty()) o.out_dir = ".";
  Trainer t(std::move(m), train, test, o, backend);
  try {
    t.epoch_ = state.at("epoch").get<int64_t>();
    t.partial_ = {.batch = state.at("batch").get<int64_t>(),
                  .loss_sum = state.at("loss_sum").get<double>(),
                  .seconds = state.at("seconds").get<double>(),
                  .correct = state.at("correct").get<int64_t>(),
                  .seen = state.at("seen").get<int64_t>()};
    t.best_accuracy_ = state.at("best_accuracy").get<double>();
    t.elapsed_ = state.at("elapsed_seconds").get<double>();
    t.optimizer_->set_steps(state.at("optimizer_steps").get<int64_t>());
  } catch (const json::exception& e) {
    throw Error("checkpoint " + path + ": its training state is incomplete (" + e.what() + ")");
  }
  const auto h = f.metadata.find("history");
  if (h != f.metadata.end()) t.history_ = metrics_from_json(h->second, path);
  std::map<std::string, Tensor> opt_state;
  for (const NamedArray& a : f.tensors)
    if (a.name.rfind(kOptimizerPrefix, 0) == 0)
      opt_state[a.name.substr(kOptimizerPrefix.size())] =
          Tensor::from_vector(a.shape, a.values, backend);
  t.optimizer_->load_state(opt_state);
  if (t.epoch_ >= t.options_.epochs && t.partial_.batch == 0)
    throw Error("checkpoint " + path + " has finished all its " +
                std::to_string(t.options_.epochs) + " epochs: pass --epochs N with N > " +
                std::to_string(t.epoch_) + " to train longer");
  return t;
}

TrainOptions read_train_options(const std::string& path) {
  const SafetensorsFile f = load_safetensors(path);
  try {
    return options_from_json(meta_json(f, "options", path));
  } catch (const json::exception& e) {
    throw Error("checkpoint " + path + ": its training options are incomplete (" + e.what() + ")");
  }
}

TrainedModel load_trained_model(const std::string& path) {
  const SafetensorsFile f = load_safetensors(path);
  TrainedModel t{.model = model_from_checkpoint(f, path)};
  try {
    const TrainOptions o = options_from_json(meta_json(f, "options", path));
    t.norm = o.norm;
    t.data_spec = o.data_spec;
    t.class_names = meta_json(f, "class_names", path).get<std::vector<std::string>>();
    const json state = meta_json(f, "state", path);
    t.epoch = state.at("epoch").get<int64_t>();
    t.best_accuracy = state.at("best_accuracy").get<double>();
  } catch (const json::exception& e) {
    throw Error("checkpoint " + path + ": its metadata is incomplete (" + e.what() + ")");
  }
  const auto ds = f.metadata.find("dataset");
  t.dataset = ds == f.metadata.end() ? "?" : ds->second;
  if (int64_t(t.class_names.size()) != t.model.spec.classes)
    throw Error("checkpoint " + path + " names " + std::to_string(t.class_names.size()) +
                " classes but its model has " + std::to_string(t.model.spec.classes) + " outputs");
  return t;
}

}  // namespace cnnlab
