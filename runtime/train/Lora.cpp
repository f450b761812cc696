//===- Lora.cpp - LoRA adapters in PEFT's layout, merging -----------------===//

#include "runtime/train/Lora.h"

#include "runtime/Files.h"
#include "runtime/Json.h"
#include "runtime/Safetensors.h"

#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace tessel::train {

namespace {

constexpr const char *kPrefix = "base_model.model.";
constexpr const char *kWeights = "/adapter_model.safetensors";
constexpr const char *kConfig = "/adapter_config.json";

/// What adapter_config.json says that merging and loading need.
struct AdapterConfig {
  int64_t rank = 0;
  double alpha = 0.0;
  bool fanInFanOut = false;
};

Status readConfig(const std::string &directory, AdapterConfig &config) {
  std::string path = directory + kConfig, text;
  TESSEL_RETURN_IF_ERROR(readFile(path, text));
  nlohmann::json j;
  TESSEL_RETURN_IF_ERROR(parseJson(path, text, j));
  if (!j.is_object() || j.value("peft_type", "") != "LORA")
    return errorf(path, ": not a LoRA adapter (\"peft_type\": \"LORA\")");
  if (!j.contains("r") || !j["r"].is_number_integer() ||
      j["r"].get<int64_t>() < 1 || !j.contains("lora_alpha") ||
      !j["lora_alpha"].is_number() || !(j["lora_alpha"].get<double>() > 0))
    return errorf(path, ": needs a positive \"r\" and \"lora_alpha\"");
  config.rank = j["r"].get<int64_t>();
  config.alpha = j["lora_alpha"].get<double>();
  if (j.contains("fan_in_fan_out")) {
    if (!j["fan_in_fan_out"].is_boolean())
      return errorf(path, ": \"fan_in_fan_out\" is not true or false");
    config.fanInFanOut = j["fan_in_fan_out"].get<bool>();
  }
  return Status::ok();
}

constexpr const char *kParts[] = {".lora_A.weight", ".lora_B.weight"};

bool endsWith(const std::string &name, const std::string &suffix) {
  return name.size() > suffix.size() &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool isAdapterTensor(const std::string &name) {
  return endsWith(name, kParts[0]) || endsWith(name, kParts[1]);
}

} // namespace

std::set<std::string> adapterParameters(const LoraSpec &lora) {
  std::set<std::string> names;
  for (const std::string &module : lora.modules)
    for (const char *part : kParts)
      names.insert(module + part);
  return names;
}

Status saveAdapter(const std::string &directory, Artifact &artifact) {
  const LoraSpec &lora = artifact.lora();
  if (!lora.enabled())
    return errorf("the model has no LoRA adapters (compile it with tesselc "
                  "--lora-targets)");
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec || !std::filesystem::is_directory(directory))
    return errorf(directory, ": cannot create the adapter directory",
                  ec ? ": " + ec.message() : "");
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const std::string &name : adapterParameters(lora)) {
    Tensor *t = artifact.mutableParameter(name);
    if (!t)
      return errorf("LoRA parameter ", name, " is not loaded");
    tensors.push_back({kPrefix + name, *t});
  }
  nlohmann::ordered_json config = {
      {"peft_type", "LORA"},
      {"task_type", "CAUSAL_LM"},
      {"base_model_name_or_path", artifact.modelName()},
      {"r", lora.rank},
      {"lora_alpha", lora.alpha},
      {"lora_dropout", lora.dropout},
      {"target_modules", lora.targets},
      {"fan_in_fan_out", lora.fanInFanOut},
      {"bias", "none"},
      {"init_lora_weights", true},
      {"inference_mode", true},
      {"modules_to_save", nullptr}};
  TESSEL_RETURN_IF_ERROR(writeSafetensors(directory + kWeights, tensors));
  return writeFile(directory + kConfig, config.dump(2) + "\n");
}

Status loadAdapter(const std::string &directory, Artifact &artifact) {
  const LoraSpec &lora = artifact.lora();
  if (!lora.enabled())
    return errorf(directory, ": the model has no LoRA adapters to load it "
                             "into (compile it with tesselc --lora-targets)");
  AdapterConfig config;
  TESSEL_RETURN_IF_ERROR(readConfig(directory, config));
  if (config.rank != lora.rank || config.alpha != lora.alpha)
    return errorf(directory, kConfig, ": r ", config.rank, ", lora_alpha ",
                  config.alpha, "; the model was compiled with --lora-rank ",
                  lora.rank, " --lora-alpha ", lora.alpha);
  SafetensorsFile file;
  std::string path = directory + kWeights;
  TESSEL_RETURN_IF_ERROR(file.open(path));
  std::set<std::string> expected = adapterParameters(lora);
  for (const auto &[name, entry] : file.tensors()) {
    if (name.rfind(kPrefix, 0) != 0 ||
        !expected.count(name.substr(std::string(kPrefix).size())))
      return errorf(path, ": ", name, " is not an adapter of this model");
  }
  for (const std::string &name : expected) {
    if (!file.contains(kPrefix + name))
      return errorf(path, ": no tensor ", kPrefix, name);
    Tensor t;
    TESSEL_RETURN_IF_ERROR(file.readFloat(kPrefix + name, t));
    Tensor *p = artifact.mutableParameter(name);
    if (!p)
      return errorf("LoRA parameter ", name, " is not loaded");
    if (t.shape != p->shape)
      return errorf(path, ": ", kPrefix, name, " has shape ",
                    formatShape(t.shape), ", the model's is ",
                    formatShape(p->shape));
    p->floats = std::move(t.floats);
  }
  return Status::ok();
}

Status mergeAdapter(const std::string &weights, const std::string &directory,
                    const std::string &out) {
  AdapterConfig config;
  TESSEL_RETURN_IF_ERROR(readConfig(directory, config));
  SafetensorsFile adapter, base;
  std::string adapterPath = directory + kWeights;
  TESSEL_RETURN_IF_ERROR(adapter.open(adapterPath));
  TESSEL_RETURN_IF_ERROR(base.open(weights));
  std::map<std::string, Tensor> tensors;
  for (const auto &[name, entry] : base.tensors())
    TESSEL_RETURN_IF_ERROR(base.readFloat(name, tensors[name]));

  const double scale = config.alpha / double(config.rank);
  size_t merged = 0;
  const std::string suffix = kParts[0];
  for (const auto &[name, entry] : adapter.tensors()) {
    if (!isAdapterTensor(name))
      return errorf(adapterPath, ": ", name, " is not a LoRA tensor");
    if (!endsWith(name, suffix))
      continue; // each module once, from its A
    std::string module = name.substr(0, name.size() - suffix.size());
    Tensor a, b;
    TESSEL_RETURN_IF_ERROR(adapter.readFloat(name, a));
    if (!adapter.contains(module + kParts[1]))
      return errorf(adapterPath, ": ", module, kParts[1], " is missing");
    TESSEL_RETURN_IF_ERROR(adapter.readFloat(module + kParts[1], b));
    if (module.rfind(kPrefix, 0) == 0)
      module = module.substr(std::string(kPrefix).size());
    // The base's name, or GPT-2's without "transformer.".
    std::string target = module + ".weight";
    if (!tensors.count(target) && target.rfind("transformer.", 0) == 0)
      target = target.substr(12);
    auto found = tensors.find(target);
    if (found == tensors.end())
      return errorf(weights, ": no weight ", module,
                    ".weight for the adapter in ", directory);
    Tensor &w = found->second;
    int64_t r = config.rank;
    if (a.rank() != 2 || b.rank() != 2 || a.dim(0) != r || b.dim(1) != r)
      return errorf(adapterPath, ": ", module, "'s A ", formatShape(a.shape),
                    " and B ", formatShape(b.shape),
                    " are not [r, in] and "
                    "[out, r] with r ",
                    r);
    int64_t in = a.dim(1), outDim = b.dim(0);
    std::vector<int64_t> shape = config.fanInFanOut
                                     ? std::vector<int64_t>{in, outDim}
                                     : std::vector<int64_t>{outDim, in};
    if (w.shape != shape)
      return errorf(weights, ": ", target, " has shape ", formatShape(w.shape),
                    ", the adapter needs ", formatShape(shape));
    for (int64_t o = 0; o < outDim; ++o)
      for (int64_t i = 0; i < in; ++i) {
        double delta = 0.0;
        for (int64_t k = 0; k < r; ++k)
          delta += double(b.floats[o * r + k]) * a.floats[k * in + i];
        float &x = config.fanInFanOut ? w.floats[i * outDim + o]
                                      : w.floats[o * in + i];
        x = static_cast<float>(x + scale * delta);
      }
    ++merged;
  }
  if (!merged)
    return errorf(adapterPath, ": holds no LoRA adapter");
  // The merged checkpoint holds no adapters (a base saved with its
  // adapters, as tessel-run train --save writes it, is merged the same).
  std::vector<std::pair<std::string, Tensor>> list;
  for (auto &[name, t] : tensors)
    if (!isAdapterTensor(name))
      list.push_back({name, std::move(t)});
  return writeSafetensors(out, list);
}

} // namespace tessel::train
