//===- Artifact.cpp - compiled models and their execution -----------------===//

#include "runtime/Artifact.h"

#include "runtime/CpuFeatures.h"
#include "runtime/Descriptors.h"

#include "runtime/Files.h"
#include "runtime/Json.h"
#include "runtime/Safetensors.h"
#include "runtime/cuda/Device.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif
#include <dlfcn.h>
#include <optional>
#include <string_view>

namespace tessel {

using json = nlohmann::json;

namespace {

/// Whether this machine's CPU has `feature` (one of the names tesselc
/// records: runtime/CpuFeatures.h); nullopt for a name this runtime cannot
/// check. Read from CPUID and XGETBV (the OS must save the AVX and AVX-512
/// registers too), not __builtin_cpu_supports, whose names differ between
/// compilers and versions (clang 14 knows neither f16c nor avx512fp16).
std::optional<bool> cpuHas(const std::string &feature) {
#if defined(__x86_64__) && defined(__GNUC__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  __cpuid(0, a, b, c, d);
  const unsigned maxLeaf = a;
  __cpuid(1, a, b, c, d);
  const unsigned ecx1 = c;
  // The OS saves the YMM (XCR0 bits 1, 2) and the AVX-512 state (5-7).
  uint64_t xcr0 = 0;
  if (ecx1 & (1u << 27)) { // OSXSAVE
    unsigned lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = (uint64_t(hi) << 32) | lo;
  }
  const bool ymm = (xcr0 & 0x6) == 0x6, zmm = ymm && (xcr0 & 0xe0) == 0xe0;
  unsigned ebx7 = 0, ecx7 = 0, edx7 = 0, eax71 = 0;
  if (maxLeaf >= 7) {
    __cpuid_count(7, 0, a, ebx7, ecx7, edx7);
    if (a >= 1)
      __cpuid_count(7, 1, eax71, b, c, d);
  }
  auto bit = [](unsigned reg, int n) { return (reg >> n & 1u) != 0; };
  const std::pair<const char *, bool> known[] = {
      {"sse4.2", bit(ecx1, 20)},
      {"popcnt", bit(ecx1, 23)},
      {"avx", ymm && bit(ecx1, 28)},
      {"avx2", ymm && bit(ebx7, 5)},
      {"fma", ymm && bit(ecx1, 12)},
      {"f16c", ymm && bit(ecx1, 29)},
      {"bmi2", bit(ebx7, 8)},
      {"avx512f", zmm && bit(ebx7, 16)},
      {"avx512bw", zmm && bit(ebx7, 30)},
      {"avx512dq", zmm && bit(ebx7, 17)},
      {"avx512vl", zmm && bit(ebx7, 31)},
      {"avx512vnni", zmm && bit(ecx7, 11)},
      {"avx512bf16", zmm && bit(eax71, 5)},
      {"avx512fp16", zmm && bit(edx7, 23)}};
  static_assert(std::size(known) == std::size(kCheckedCpuFeatures),
                "cpuHas must read every feature of CpuFeatures.h");
  for (auto [name, has] : known)
    if (feature == name)
      return has;
#endif
  return std::nullopt;
}

/// The architecture this runtime was built for, as a target triple starts.
const char *hostArchitecture() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#else
  return "";
#endif
}

/// Refuses, before the library is loaded, an artifact compiled for another
/// architecture or for CPU features this machine lacks (whose code would
/// die of an illegal instruction).
Status checkCpu(const json &cpu, const std::string &where) {
  if (!cpu.is_object() || !cpu.contains("triple") ||
      !cpu["triple"].is_string() || !cpu.contains("features") ||
      !cpu["features"].is_array())
    return errorf(where, ": \"cpu\" needs a triple and a list of features");
  std::string triple = cpu["triple"].get<std::string>();
  std::string arch = triple.substr(0, triple.find('-'));
  std::string name = cpu.value("name", std::string("?"));
  if (arch != hostArchitecture())
    return errorf(where, ": compiled for ", triple, " (", name,
                  "), not this machine's ",
                  *hostArchitecture() ? hostArchitecture() : "architecture",
                  "; recompile it here");
  for (const json &f : cpu["features"]) {
    if (!f.is_string())
      return errorf(where, ": CPU features are names");
    std::optional<bool> has = cpuHas(f.get<std::string>());
    if (!has)
      return errorf(where, ": compiled for CPU feature ", f.get<std::string>(),
                    ", which this runtime cannot check");
    if (!*has)
      return errorf(where, ": compiled for ", name, " with ",
                    f.get<std::string>(),
                    ", which this CPU lacks; recompile it with tesselc "
                    "--cpu=native here, or for a CPU this one covers (e.g. "
                    "--cpu=x86-64-v3)");
  }
  return Status::ok();
}

/// Reads {"name", "dtype", "shape"}; `where` names it in messages.
Status parseTensorSpec(const json &j, const std::string &where,
                       TensorSpec &spec) {
  if (!j.is_object() || !j.contains("dtype") || !j["dtype"].is_string() ||
      !j.contains("shape") || !j["shape"].is_array())
    return errorf(where, ": needs \"dtype\" and \"shape\"");
  if (j.contains("name") && j["name"].is_string())
    spec.name = j["name"].get<std::string>();
  std::optional<DType> dtype = parseDType(j["dtype"].get<std::string>());
  if (!dtype)
    return errorf(where, ": unknown dtype ", j["dtype"].dump());
  spec.dtype = *dtype;
  for (const json &d : j["shape"]) {
    if (!d.is_number_integer() || d.get<int64_t>() < -1)
      return errorf(where, ": shape entries are sizes or -1 (dynamic)");
    spec.shape.push_back(d.get<int64_t>());
  }
  if (j.contains("in_place")) {
    if (!j["in_place"].is_number_integer() || j["in_place"].get<int64_t>() < 0)
      return errorf(where, ": \"in_place\" is the index of an input");
    spec.inPlace = j["in_place"].get<int64_t>();
  }
  return Status::ok();
}

} // namespace

Artifact::Artifact() = default;

Artifact::~Artifact() {
  if (device) {
    for (auto &[name, ptr] : deviceParameters)
      device->release(ptr);
    for (auto &[host, r] : resident)
      device->release(r.ptr);
    device->release(deviceWorkspace);
  }
  if (library)
    dlclose(library);
}

const EntryPoint *Artifact::entry(const std::string &name) const {
  auto it = entries.find(name);
  return it == entries.end() ? nullptr : &it->second;
}

size_t firstCacheInput(const std::vector<TensorSpec> &inputs) {
  bool paged = inputs.size() > 2 && inputs[2].shape.size() == 2 &&
               (inputs[2].dtype == DType::I32 || inputs[2].dtype == DType::I64);
  return paged ? 3 : 2;
}

Status checkEntryPointKind(EntryPointKind kind,
                           const std::vector<TensorSpec> &inputs,
                           const std::vector<TensorSpec> &results) {
  auto ids = [](const TensorSpec &t, size_t rank) {
    return t.shape.size() == rank &&
           (t.dtype == DType::I32 || t.dtype == DType::I64);
  };
  auto floats = [](const TensorSpec &t, size_t rank) {
    return t.shape.size() == rank && isFloat(t.dtype);
  };
  const char *kindName = name(kind);
  if (inputs.empty() || !ids(inputs[0], 2))
    return errorf("a ", kindName,
                  " entry point takes token ids [B, S] (i32 or i64) first");
  if (kind == EntryPointKind::Loss || kind == EntryPointKind::Grads) {
    // A model with dropout takes its [seed, step] third.
    bool rng = inputs.size() == 3 && inputs[2].name == "rng" &&
               inputs[2].dtype == DType::I64 &&
               inputs[2].shape == std::vector<int64_t>{2};
    if ((inputs.size() != 2 && !rng) || !ids(inputs[1], 2))
      return errorf("a ", kindName,
                    " entry point takes token ids and targets [B, S] (and "
                    "with dropout, rng [2]), got ",
                    inputs.size(), " inputs");
    if (results.empty() || !floats(results[0], 0))
      return errorf("a ", kindName,
                    " entry point returns the loss (rank 0) first");
    // Then, for a loss, only parameter updates ("update.NAME": batch norm's
    // running statistics); for grads, updates and gradients ("grad.NAME").
    for (size_t i = 1; i < results.size(); ++i) {
      const std::string &n = results[i].name;
      bool update = n.rfind("update.", 0) == 0;
      bool gradient = n.rfind("grad.", 0) == 0;
      if (!update && !(gradient && kind == EntryPointKind::Grads))
        return errorf(
            "a ", kindName, " entry point's result ", i, " (", n,
            ") is neither a parameter update (update.NAME)",
            kind == EntryPointKind::Grads ? " nor a gradient (grad.NAME)" : "");
    }
    return Status::ok();
  }
  if (kind == EntryPointKind::PolicyGrads) {
    if (inputs.size() != 3 || !floats(inputs[1], 3) || !floats(inputs[2], 3))
      return errorf("a policy_grads entry point takes token ids [B, S], "
                    "dlogits [B, S, V] and dvalues [B, S, 1], got ",
                    inputs.size(), " inputs");
    for (size_t i = 0; i < results.size(); ++i)
      if (results[i].name.rfind("grad.", 0) != 0)
        return errorf("a policy_grads entry point returns only gradients "
                      "(grad.NAME); result ",
                      i, " is ", results[i].name);
    return Status::ok();
  }
  if (results.empty() || !floats(results[0], 3))
    return errorf("a ", kindName,
                  " entry point returns logits [B, S, V] first");
  if (kind == EntryPointKind::Policy) {
    if (inputs.size() != 1 || results.size() != 2 || !floats(results[1], 3))
      return errorf("a policy entry point takes only token ids and returns "
                    "logits [B, S, V] and values [B, S, 1]");
    return Status::ok();
  }
  if (kind == EntryPointKind::Prefill && results[0].shape[1] != 1)
    return errorf("a prefill entry point returns the logits of the last "
                  "position [B, 1, V] first");
  if (kind == EntryPointKind::Forward) {
    if (inputs.size() != 1)
      return errorf("a forward entry point takes only token ids, got ",
                    inputs.size(), " inputs");
    return Status::ok();
  }
  // Decode and prefill: ids, positions, (paged: block tables,) then the
  // caches (keys and values per layer, or MLA's latent; paged: pools of
  // blocks); the same caches, updated in place, follow the logits.
  size_t first = firstCacheInput(inputs);
  size_t caches = inputs.size() < first ? 0 : inputs.size() - first;
  if (inputs.size() < 2 || !ids(inputs[1], 2) || caches == 0 ||
      results.size() != caches + 1)
    return errorf("a ", kindName,
                  " entry point takes ids [B, S], positions [B, S] "
                  "and its KV caches, and returns the logits and the caches; "
                  "got ",
                  inputs.size(), " inputs and ", results.size(), " results");
  for (size_t i = 0; i < caches; ++i) {
    if (!floats(inputs[first + i], 4) || !floats(results[1 + i], 4))
      return errorf(kindName, " cache ", i,
                    " is not a [B, H, T, D] float tensor");
    if (first == 3 && inputs[first + i].shape[2] <= 0)
      return errorf(kindName, " cache ", i,
                    " is paged but its blocks have no "
                    "static size");
    if (results[1 + i].inPlace != int64_t(first + i))
      return errorf(kindName, " cache ", i,
                    " must be updated in place (result ", 1 + i, " is input ",
                    first + i, ")");
  }
  return Status::ok();
}

const EntryPoint *Artifact::entry(EntryPointKind kind) const {
  for (const auto &[name, point] : entries)
    if (point.kind == kind)
      return &point;
  return nullptr;
}

namespace {

/// A tensor's line of the code signature: its name, dtype, shape and (for
/// a result) the input it updates in place.
std::string signatureLine(const char *what, const nlohmann::json &t) {
  auto field = [&](const char *key) {
    return t.is_object() && t.contains(key) ? t[key].dump() : "null";
  };
  std::string line = std::string(what) + " " + field("name") + " " +
                     field("dtype") + " " + field("shape");
  if (t.is_object() && t.contains("in_place"))
    line += " in_place " + field("in_place");
  return line + "\n";
}

} // namespace

std::string codeSignature(const nlohmann::json &manifest) {
  std::string signature;
  auto list = [&](const char *key) -> const nlohmann::json & {
    static const nlohmann::json empty = nlohmann::json::array();
    return manifest.is_object() && manifest.contains(key) ? manifest[key]
                                                          : empty;
  };
  for (const nlohmann::json &p : list("parameters"))
    signature += signatureLine("parameter", p);
  // nlohmann::json keeps object keys sorted: entry points in name order.
  for (const auto &[name, e] : list("entry_points").items()) {
    signature +=
        "entry " + nlohmann::json(name).dump() + " " +
        (e.is_object() ? e.value("symbol", nlohmann::json()).dump() : "null") +
        "\n";
    if (!e.is_object())
      continue;
    for (auto [key, what] :
         {std::pair{"inputs", "  input"}, std::pair{"results", "  result"}})
      if (e.contains(key) && e[key].is_array())
        for (const nlohmann::json &t : e[key])
          signature += signatureLine(what, t);
    if (e.contains("parameters"))
      signature += "  parameters " + e["parameters"].dump() + "\n";
    if (e.contains("workspace") && e["workspace"].is_object())
      signature += "  workspace " +
                   e["workspace"].value("symbol", nlohmann::json()).dump() +
                   "\n";
  }
  return signature;
}

Status Artifact::load(const std::string &dir) {
  directory = dir;
  std::string path = dir + "/manifest.json";
  std::string text;
  if (!readFile(path, text).isOk())
    return errorf(path, ": cannot open (is ", dir,
                  " an artifact written by tesselc -o?)");
  json m;
  TESSEL_RETURN_IF_ERROR(parseJson(path, text, m));
  if (!m.is_object())
    return errorf(path, ": not a JSON object");
  if (!m.contains("tessel_artifact") ||
      !m["tessel_artifact"].is_number_integer())
    return errorf(path, ": not a Tessel artifact manifest");
  if (m["tessel_artifact"].get<int64_t>() != kArtifactVersion) {
    std::string by;
    if (m.contains("compiler") && m["compiler"].is_object() &&
        m["compiler"].value("tessel", json()).is_string())
      by = " (written by tesselc " +
           m["compiler"]["tessel"].get<std::string>() + ")";
    return errorf(path, ": artifact format ", m["tessel_artifact"].dump(), by,
                  " is from another version of Tessel (this runtime reads ",
                  kArtifactVersion, "); recompile the model");
  }
  if (m.contains("model") && m["model"].is_object()) {
    const json &model = m["model"];
    if (model.contains("name") && model["name"].is_string())
      this->model = model["name"].get<std::string>();
    if (model.contains("max_positions") &&
        model["max_positions"].is_number_integer())
      maxPositionCount = model["max_positions"].get<int64_t>();
    if (model.contains("vocab_size") && model["vocab_size"].is_number_integer())
      vocab = model["vocab_size"].get<int64_t>();
  }
  if (m.contains("lora")) {
    const json &l = m["lora"];
    bool typed = l.is_object() && l.value("rank", json()).is_number_integer() &&
                 l.value("alpha", json()).is_number() &&
                 l.value("dropout", json()).is_number() &&
                 l.value("fan_in_fan_out", json()).is_boolean() &&
                 l.value("targets", json()).is_array() &&
                 l.value("modules", json()).is_array();
    if (typed)
      for (const char *key : {"targets", "modules"})
        for (const json &name : l[key])
          typed = typed && name.is_string();
    if (!typed || l["rank"].get<int64_t>() < 1)
      return errorf(path, ": \"lora\" needs a positive rank, alpha, "
                          "dropout, fan_in_fan_out and the lists targets and "
                          "modules");
    loraSpec.rank = l["rank"].get<int64_t>();
    loraSpec.alpha = l["alpha"].get<double>();
    loraSpec.dropout = l["dropout"].get<double>();
    loraSpec.fanInFanOut = l["fan_in_fan_out"].get<bool>();
    loraSpec.targets = l["targets"].get<std::vector<std::string>>();
    loraSpec.modules = l["modules"].get<std::vector<std::string>>();
  }
  if (m.contains("prefix")) {
    const json &p = m["prefix"];
    bool typed = p.is_object();
    for (const char *key : {"tokens", "layers", "kv_heads", "head_dim"})
      typed = typed && p.value(key, json()).is_number_integer() &&
              p[key].get<int64_t>() >= 1 && p[key].get<int64_t>() <= (1 << 20);
    if (!typed)
      return errorf(path, ": \"prefix\" needs tokens, layers, kv_heads and "
                          "head_dim, each in [1, 2^20]");
    prefixSpec.tokens = p["tokens"].get<int64_t>();
    prefixSpec.layers = p["layers"].get<int64_t>();
    prefixSpec.kvHeads = p["kv_heads"].get<int64_t>();
    prefixSpec.headDim = p["head_dim"].get<int64_t>();
    if (p.contains("projection")) {
      if (!p["projection"].is_number_integer() ||
          p["projection"].get<int64_t>() < 0)
        return errorf(path, ": \"prefix\" has a projection that is not a "
                            "size");
      prefixSpec.projection = p["projection"].get<int64_t>();
    }
    if (maxPositionCount && prefixSpec.tokens >= maxPositionCount)
      return errorf(path, ": a prefix of ", prefixSpec.tokens,
                    " tokens leaves none of the model's ", maxPositionCount,
                    " positions");
  }
  if (m.contains("reft")) {
    const json &r = m["reft"];
    bool typed = r.is_object() && r.value("layers", json()).is_array() &&
                 r.value("rotations", json()).is_array();
    for (const char *key : {"rank", "first", "last"})
      typed = typed && r.value(key, json()).is_number_integer() &&
              r[key].get<int64_t>() >= 0;
    if (typed) {
      for (const json &layer : r["layers"])
        typed = typed && layer.is_number_integer();
      for (const json &name : r["rotations"])
        typed = typed && name.is_string();
    }
    if (!typed || r["rank"].get<int64_t>() < 1)
      return errorf(path, ": \"reft\" needs a positive rank, first, last "
                          "and the lists layers and rotations");
    reftSpec.layers = r["layers"].get<std::vector<int64_t>>();
    reftSpec.rank = r["rank"].get<int64_t>();
    reftSpec.first = r["first"].get<int64_t>();
    reftSpec.last = r["last"].get<int64_t>();
    reftSpec.rotations = r["rotations"].get<std::vector<std::string>>();
  }
  if (m.contains("tokenizer")) {
    // A path inside the artifact: never absolute, never out of it.
    const json &t = m["tokenizer"];
    std::string rel = t.is_string() ? t.get<std::string>() : "";
    bool inside = !rel.empty() && rel[0] != '/' &&
                  rel.find('\0') == std::string::npos;
    for (size_t start = 0; inside && start <= rel.size();) {
      size_t end = std::min(rel.find('/', start), rel.size());
      inside = rel.compare(start, end - start, "..") != 0;
      start = end + 1;
    }
    if (!inside)
      return errorf(path, ": \"tokenizer\" must be a path inside the "
                          "artifact");
    tokenizer = rel;
  }
  if (!m.contains("parameters") || !m["parameters"].is_array() ||
      !m.contains("entry_points") || !m["entry_points"].is_object() ||
      !m.contains("library") || !m["library"].is_string())
    return errorf(path, ": needs \"library\", \"parameters\" and "
                        "\"entry_points\"");
  for (const json &p : m["parameters"]) {
    ParameterSpec spec;
    TESSEL_RETURN_IF_ERROR(
        parseTensorSpec(p, path + ": parameter", spec.tensor));
    if (spec.tensor.dtype == DType::I32 || spec.tensor.dtype == DType::I64)
      return errorf(path, ": parameter ", spec.tensor.name,
                    ": dtype must be f32, f16 or bf16");
    const json &init = p.value("init", json::object());
    std::optional<InitKind> kind;
    if (init.is_object() && init.contains("kind") && init["kind"].is_string())
      kind = parseInitKind(init["kind"].get<std::string>());
    if (!kind)
      return errorf(path, ": parameter ", spec.tensor.name,
                    ": bad or missing \"init\"");
    spec.init.kind = *kind;
    if (init.contains("std") && init["std"].is_number())
      spec.init.std = init["std"].get<double>();
    if (init.contains("value") && init["value"].is_number())
      spec.init.value = init["value"].get<double>();
    params.push_back(spec);
  }
  for (auto it = m["entry_points"].begin(); it != m["entry_points"].end();
       ++it) {
    const json &e = it.value();
    EntryPoint entry;
    entry.name = it.key();
    std::string where = path + ": entry point " + entry.name;
    if (!e.is_object() || !e.contains("symbol") || !e["symbol"].is_string() ||
        !e.contains("inputs") || !e["inputs"].is_array() ||
        !e.contains("results") || !e["results"].is_array() ||
        !e.contains("parameters") || !e["parameters"].is_array())
      return errorf(where, ": needs symbol, inputs, parameters and results");
    entry.symbol = e["symbol"].get<std::string>();
    if (e.contains("kind")) {
      if (e["kind"].is_string())
        entry.kind = parseEntryPointKind(e["kind"].get<std::string>());
      if (!entry.kind)
        return errorf(where, ": unknown kind ", e["kind"].dump());
      for (const auto &[other, point] : entries)
        if (point.kind == entry.kind)
          return errorf(where, ": a second ", name(*entry.kind),
                        " entry point (", other, " is one)");
    }
    for (const json &t : e["inputs"]) {
      entry.inputs.emplace_back();
      TESSEL_RETURN_IF_ERROR(parseTensorSpec(t, where, entry.inputs.back()));
    }
    for (const json &t : e["results"]) {
      entry.results.emplace_back();
      TESSEL_RETURN_IF_ERROR(parseTensorSpec(t, where, entry.results.back()));
    }
    for (const json &p : e["parameters"]) {
      if (!p.is_string())
        return errorf(where, ": parameters are names");
      entry.parameters.push_back(p.get<std::string>());
    }
    if (e.contains("steps") && e["steps"].is_array())
      for (const json &step : e["steps"])
        if (step.is_object())
          entry.steps.push_back({step.value("function", ""),
                                 step.value("op", ""), step.value("at", "")});
    if (e.contains("workspace")) {
      const json &w = e["workspace"];
      if (!w.is_object() || !w.contains("symbol") || !w["symbol"].is_string())
        return errorf(where, ": workspace needs a symbol");
      entry.workspaceSymbol = w["symbol"].get<std::string>();
      if (w.contains("buffers") && w["buffers"].is_array())
        entry.plannedBuffers = w["buffers"].size();
      entry.workspaceSlots = w.value("slots", int64_t(0));
    }
    // A result updated in place is an input of its type, updated by it
    // alone.
    entry.inPlaceInputs.assign(entry.inputs.size(), false);
    for (size_t r = 0; r < entry.results.size(); ++r) {
      int64_t i = entry.results[r].inPlace;
      if (i < 0)
        continue;
      if (size_t(i) >= entry.inputs.size() || entry.inPlaceInputs[i] ||
          entry.inputs[i].dtype != entry.results[r].dtype ||
          entry.inputs[i].shape != entry.results[r].shape)
        return errorf(where, ": result ", r, " cannot be input ", i,
                      " updated in place (no such input, another result "
                      "updates it, or its type differs)");
      entry.inPlaceInputs[i] = true;
    }
    if (entry.kind) {
      Status st = checkEntryPointKind(*entry.kind, entry.inputs, entry.results);
      if (!st.isOk())
        return errorf(where, ": ", st.message());
    }
    entries[entry.name] = entry;
  }
  if (m.contains("cpu"))
    TESSEL_RETURN_IF_ERROR(checkCpu(m["cpu"], dir + "/manifest.json"));
  if (m.contains("target")) {
    if (!m["target"].is_string() ||
        (m["target"] != "cpu" && m["target"] != "cuda"))
      return errorf(path, ": \"target\" is \"cpu\" or \"cuda\", got ",
                    m["target"].dump());
    if (m["target"] == "cuda")
      TESSEL_RETURN_IF_ERROR(openDevice(m));
  }
  std::string lib = dir + "/" + m["library"].get<std::string>();
  // The library this manifest was written for, not another compile's.
  if (m.contains("library_fingerprint")) {
    std::string fingerprint;
    TESSEL_RETURN_IF_ERROR(fingerprintFile(lib, fingerprint));
    if (!m["library_fingerprint"].is_string() ||
        m["library_fingerprint"].get<std::string>() != fingerprint)
      return errorf(lib, ": is not the library ", dir,
                    "/manifest.json describes (its fingerprint differs: "
                    "from another compile?); recompile the model");
  }
  library = dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library)
    return errorf(lib, ": cannot load: ", dlerror());
  // The code was compiled for the parameters and entry points this
  // manifest describes, not for an edited copy or another model.
  auto *compiled =
      static_cast<const char *>(dlsym(library, "tessel_signature"));
  if (!compiled)
    return errorf(lib, ": exports no tessel_signature (not compiled by ",
                  "this tesselc?); recompile the model");
  std::string expected = codeSignature(m);
  if (expected != compiled) {
    std::string_view a(expected), b(compiled);
    // The line of `text` that holds byte `at`, without its indentation.
    auto lineAt = [](std::string_view text, size_t at) {
      size_t start =
          at == 0 ? std::string_view::npos : text.rfind('\n', at - 1);
      start = start == std::string_view::npos ? 0 : start + 1;
      std::string_view line = text.substr(start, text.find('\n', at) - start);
      line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
      return line.empty() ? std::string("nothing") : std::string(line);
    };
    size_t at = 0;
    while (at < a.size() && at < b.size() && a[at] == b[at])
      ++at;
    return errorf(dir,
                  "/manifest.json: does not describe the compiled code "
                  "in ",
                  lib, " (the manifest has '", lineAt(a, at),
                  "' where the code was compiled for '", lineAt(b, at),
                  "'); recompile the model");
  }
  for (auto &[name, entry] : entries) {
    void *symbol = dlsym(library, entry.symbol.c_str());
    if (!symbol)
      return errorf(lib, ": no function ", entry.symbol, " for entry point ",
                    name);
    symbols[name] = symbol;
    if (entry.workspaceSymbol.empty())
      continue;
    void *sizer = dlsym(library, entry.workspaceSymbol.c_str());
    if (!sizer)
      return errorf(lib, ": no function ", entry.workspaceSymbol,
                    " for the workspace of ", name);
    workspaceSymbols[name] = sizer;
  }
  stepHook = static_cast<void **>(dlsym(library, "tessel_step_hook"));
  if (device)
    TESSEL_RETURN_IF_ERROR(device->bind(library, lib));
  return Status::ok();
}

namespace {

/// Where the step hook accumulates: the step times of the entry point that
/// runs now (steps are called by the thread that calls the entry point).
std::vector<double> *activeStepTimes = nullptr;
std::chrono::steady_clock::time_point activeStepStart;

void timeStep(int32_t step, int32_t end) {
  auto now = std::chrono::steady_clock::now();
  if (!end) {
    activeStepStart = now;
    return;
  }
  if (step >= 0 && size_t(step) < activeStepTimes->size())
    (*activeStepTimes)[step] +=
        std::chrono::duration<double>(now - activeStepStart).count();
}

} // namespace

Status Artifact::startProfile() {
  if (device) {
    device->startProfile();
    profiling = true;
    runs.clear();
    return Status::ok();
  }
  if (!stepHook)
    return errorf(directory, ": the compiled code has no step hook to time "
                             "its steps (compile it again with this tesselc)");
  profiling = true;
  stepTimes.clear();
  runs.clear();
  return Status::ok();
}

const std::vector<double> &
Artifact::stepSeconds(const std::string &entry) const {
  static const std::vector<double> none;
  auto it = stepTimes.find(entry);
  return it == stepTimes.end() ? none : it->second;
}

int64_t Artifact::profiledRuns(const std::string &entry) const {
  auto it = runs.find(entry);
  return it == runs.end() ? 0 : it->second;
}

Status Artifact::loadParameters(const std::string &weights,
                                const uint64_t *seed) {
  SafetensorsFile file;
  if (!weights.empty())
    TESSEL_RETURN_IF_ERROR(file.open(weights));
  return loadParameters(file, weights, seed);
}

Status Artifact::loadParameters(const SafetensorsFile &file,
                                const std::string &weights,
                                const uint64_t *seed,
                                const std::set<std::string> &later) {
  values.clear();
  halfValues.clear();
  parametersOnDevice = false;
  seeded = 0;
  size_t fromFile = 0;
  for (const ParameterSpec &p : params) {
    const TensorSpec &spec = p.tensor;
    std::string stored = spec.name;
    // The original GPT-2 checkpoint has no "transformer." prefix.
    if (!weights.empty() && !file.contains(stored) &&
        stored.rfind("transformer.", 0) == 0 &&
        file.contains(stored.substr(12)))
      stored = stored.substr(12);
    Tensor t;
    if (!weights.empty() && file.contains(stored)) {
      TESSEL_RETURN_IF_ERROR(file.readFloat(stored, t));
      if (t.shape != spec.shape)
        return errorf(weights, ": tensor ", stored, ": expected shape ",
                      formatShape(spec.shape), ", got ", formatShape(t.shape));
      ++fromFile;
    } else if (later.count(spec.name)) {
      t = Tensor::zeros(DType::F32, spec.shape);
    } else if (seed) {
      t = Tensor::zeros(DType::F32, spec.shape);
      TESSEL_RETURN_IF_ERROR(initialize(t, p.init, *seed, spec.name));
      ++seeded;
    } else {
      return errorf(weights.empty() ? std::string("parameters") : weights,
                    ": no tensor named ", spec.name,
                    weights.empty() ? " (give --weights or --seed)" : "");
    }
    if (spec.dtype == DType::F16 || spec.dtype == DType::BF16)
      halfValues[spec.name] = bufferOf(t, spec.dtype).f16;
    values[spec.name] = std::move(t);
  }
  // A checkpoint of another model would otherwise run on seeded values
  // alone, silently.
  if (!weights.empty() && fromFile == 0 && !params.empty())
    return errorf(weights, ": holds none of the model's ", params.size(),
                  " parameters (e.g. ", params.front().tensor.name, ")");
  return Status::ok();
}

const Tensor *Artifact::parameter(const std::string &name) const {
  return const_cast<Artifact *>(this)->mutableParameter(name);
}

Tensor *Artifact::mutableParameter(const std::string &name) {
  auto it = values.find(name);
  if (it == values.end() || halfValues.count(name))
    return nullptr;
  // The caller may change it: the device copies are refreshed at the next
  // call.
  parametersOnDevice = false;
  return &it->second;
}

Status Artifact::checkTokenIds(const Tensor &ids) const {
  if (vocab)
    for (size_t i = 0; i < ids.ints.size(); ++i)
      if (ids.ints[i] < 0 || ids.ints[i] >= vocab)
        return errorf("token id ", ids.ints[i], " at flat index ", i,
                      " is outside [0, ", vocab, ")");
  return Status::ok();
}

Status Artifact::checkInputs(const EntryPoint &e,
                             const std::vector<const Tensor *> &inputs) const {
  // The static parts of each shape and the dtypes are checked with the
  // descriptors; here, what relates inputs to each other and to the model,
  // which compiled code takes on trust (it indexes tables with ids and
  // positions, and caches with lengths).
  if (!e.kind || inputs.empty() || inputs[0]->rank() != 2)
    return Status::ok();
  const Tensor &ids = *inputs[0];
  if (Status idsOk = checkTokenIds(ids); !idsOk.isOk())
    return errorf(e.name, ": ", idsOk.message());
  if ((*e.kind == EntryPointKind::Loss || *e.kind == EntryPointKind::Grads) &&
      inputs.size() >= 2) {
    // Compiled cross-entropy reads the target's logit: an id in [0, vocab),
    // or the ignore index -100 (a position without a loss).
    const Tensor &targets = *inputs[1];
    if (targets.shape != ids.shape)
      return errorf(e.name, ": ids ", formatShape(ids.shape),
                    " need targets of the same shape, got ",
                    formatShape(targets.shape));
    if (vocab)
      for (size_t i = 0; i < targets.ints.size(); ++i)
        if (targets.ints[i] != kIgnoreIndex &&
            (targets.ints[i] < 0 || targets.ints[i] >= vocab))
          return errorf(e.name, ": target ", targets.ints[i], " at flat index ",
                        i, " is outside [0, ", vocab,
                        ") and is not the ignore index ", kIgnoreIndex);
    return Status::ok();
  }
  if (*e.kind == EntryPointKind::PolicyGrads && inputs.size() == 3) {
    // The seeds pair with the ids position by position.
    for (size_t i = 1; i < 3; ++i)
      if (inputs[i]->rank() != 3 || inputs[i]->shape[0] != ids.shape[0] ||
          inputs[i]->shape[1] != ids.shape[1])
        return errorf(e.name, ": ids ", formatShape(ids.shape), " need ",
                      i == 1 ? "dlogits" : "dvalues", " [", ids.shape[0], ", ",
                      ids.shape[1], ", ", i == 1 ? "V" : "1", "], got ",
                      formatShape(inputs[i]->shape));
    return Status::ok();
  }
  if (!takesKVCache(*e.kind) || inputs.size() < 2)
    return Status::ok();
  int64_t batch = ids.shape[0], count = ids.shape[1];
  const Tensor &positions = *inputs[1];
  if (positions.shape != std::vector<int64_t>{batch, count})
    return errorf(e.name, ": ids ", formatShape(ids.shape), " need positions ",
                  formatShape(ids.shape), ", got ",
                  formatShape(positions.shape));
  if (count == 0)
    return errorf(e.name, ": a ", name(*e.kind),
                  " step takes at least one token");
  // The caches are [B, H, T, D] with T their capacity: this step's keys and
  // values go at each sequence's positions, which must follow one another
  // and fit. Paged: pools [N, H, P, D] of one N and P, and block tables
  // [B, M] whose entries up to each sequence's last position name blocks
  // of the pools; the capacity is M * P.
  size_t first = firstCacheInput(e.inputs);
  bool paged = first == 3;
  int64_t capacity = -1, blocks = -1;
  for (size_t i = first; i < inputs.size(); ++i) {
    const Tensor &cache = *inputs[i];
    if (cache.rank() != 4 || (!paged && cache.shape[0] != batch))
      return errorf(e.name, ": ", e.inputs[i].name, ": shape ",
                    formatShape(cache.shape), " does not hold a batch of ",
                    batch);
    int64_t held = paged ? cache.shape[0] : cache.shape[2];
    int64_t &expected = paged ? blocks : capacity;
    if (expected < 0)
      expected = held;
    if (held != expected)
      return errorf(e.name, ": ", e.inputs[i].name, " holds ", held,
                    paged ? " blocks, " : " positions, ", e.inputs[first].name,
                    " ", expected, "; every cache must hold the same");
  }
  const Tensor *table = paged ? inputs[2] : nullptr;
  if (paged) {
    if (table->rank() != 2 || table->shape[0] != batch)
      return errorf(e.name, ": block_tables ", formatShape(table->shape),
                    " are not [", batch, ", blocks]");
    capacity = table->shape[1] * e.inputs[first].shape[2];
  }
  if (positions.ints.size() != static_cast<size_t>(batch * count) ||
      (table && table->ints.size() != static_cast<size_t>(table->numel())))
    return Status::ok(); // Not integers: the dtype check says so.
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t *row = positions.ints.data() + b * count;
    // Named by sequence only in a batch.
    std::string which = batch > 1 ? "sequence " + std::to_string(b) + ": " : "";
    int64_t start = row[0];
    for (int64_t i = 0; i < count; ++i)
      if (row[i] != start + i)
        return errorf(e.name, ": ", which,
                      "positions must follow one another (", start, "..",
                      start + count - 1, "), got ", row[i], " at index ", i);
    if (start < 0 || (capacity >= 0 && start + count > capacity))
      return errorf(e.name, ": ", which, "positions ", start, "..",
                    start + count - 1, " do not fit caches of ",
                    std::max<int64_t>(capacity, 0), " positions");
    if (maxPositionCount && start + count > maxPositionCount)
      return errorf(e.name, ": ", which, start + count,
                    " positions exceed the model's maximum of ",
                    maxPositionCount);
    if (!table)
      continue;
    int64_t perBlock = e.inputs[first].shape[2];
    for (int64_t i = 0; i <= (start + count - 1) / perBlock; ++i) {
      int64_t block = table->ints[b * table->shape[1] + i];
      if (block < 0 || block >= blocks)
        return errorf(e.name, ": ", which, "block table entry ", i, " is ",
                      block, ", not a block of pools of ", blocks);
    }
  }
  return Status::ok();
}

Status Artifact::entryFor(const std::string &name, size_t inputs,
                          const EntryPoint *&point) const {
  point = entry(name);
  if (!point)
    return errorf("no entry point ", name);
  if (inputs != point->inputs.size())
    return errorf(name, " takes ", point->inputs.size(), " inputs, got ",
                  inputs);
  return Status::ok();
}

Status Artifact::run(const std::string &name, const std::vector<Tensor> &inputs,
                     std::vector<Tensor> &results) const {
  const EntryPoint *e = nullptr;
  TESSEL_RETURN_IF_ERROR(entryFor(name, inputs.size(), e));
  // The inputs updated in place are updated in copies, which become their
  // results.
  std::vector<Tensor> copies(inputs.size());
  std::vector<const Tensor *> in;
  std::vector<Tensor *> updated(inputs.size(), nullptr);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (e->inPlaceInputs[i]) {
      copies[i] = inputs[i];
      updated[i] = &copies[i];
    }
    in.push_back(updated[i] ? updated[i] : &inputs[i]);
  }
  std::vector<Tensor> returned = std::move(results);
  TESSEL_RETURN_IF_ERROR(call(*e, in, updated, returned));
  results.clear();
  size_t next = 0;
  for (const TensorSpec &spec : e->results)
    results.push_back(spec.inPlace >= 0 ? std::move(copies[spec.inPlace])
                                        : std::move(returned[next++]));
  return Status::ok();
}

Status Artifact::runUpdating(const std::string &name,
                             std::vector<Tensor> &inputs,
                             std::vector<Tensor> &results) const {
  const EntryPoint *e = nullptr;
  TESSEL_RETURN_IF_ERROR(entryFor(name, inputs.size(), e));
  std::vector<const Tensor *> in;
  std::vector<Tensor *> updated(inputs.size(), nullptr);
  for (size_t i = 0; i < inputs.size(); ++i) {
    in.push_back(&inputs[i]);
    if (e->inPlaceInputs[i])
      updated[i] = &inputs[i];
  }
  return call(*e, in, updated, results);
}

Status Artifact::call(const EntryPoint &point,
                      const std::vector<const Tensor *> &inputs,
                      const std::vector<Tensor *> &updated,
                      std::vector<Tensor> &results) const {
  const std::string &name = point.name;
  const EntryPoint *e = &point;
  TESSEL_RETURN_IF_ERROR(checkInputs(*e, inputs));
  std::vector<Buffer> buffers;
  std::vector<const void *> inputData;
  std::vector<std::vector<int64_t>> descriptors;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSpec &spec = e->inputs[i];
    const Tensor &t = *inputs[i];
    bool shapeOk = t.shape.size() == spec.shape.size();
    for (size_t d = 0; shapeOk && d < t.shape.size(); ++d)
      shapeOk = spec.shape[d] < 0 || spec.shape[d] == t.shape[d];
    bool dtypeOk = t.dtype == spec.dtype ||
                   (spec.dtype == DType::BF16 && t.dtype == DType::F32);
    if (!shapeOk || !dtypeOk)
      return errorf(name, ": input ", spec.name, ": expected ",
                    tessel::name(spec.dtype), " ", formatShape(spec.shape),
                    ", got ", tessel::name(t.dtype), " ", formatShape(t.shape));
    // Compiled code writes only the inputs it updates in place (their
    // tensors are the caller's to update), so inputs already in its element
    // type are passed as they are; the rest are converted (and those
    // updated in place converted back after the call).
    const void *data = nullptr;
    if (t.dtype == spec.dtype && t.dtype == DType::F32)
      data = t.floats.data();
    else if (t.dtype == spec.dtype && t.dtype == DType::I64)
      data = t.ints.data();
    inputData.push_back(data);
    buffers.push_back(data ? Buffer() : bufferOf(t, spec.dtype));
  }
  if (device) {
    std::vector<const void *> hostData;
    for (size_t i = 0; i < inputs.size(); ++i)
      hostData.push_back(inputData[i] ? inputData[i] : buffers[i].data());
    return callOnDevice(*e, inputs, hostData, updated, results);
  }
  // Descriptors after all buffers exist (their data must not move).
  for (size_t i = 0; i < inputs.size(); ++i)
    descriptors.push_back(descriptor(
        inputData[i] ? inputData[i] : buffers[i].data(), inputs[i]->shape));
  // Parameters are passed as loaded: compiled code never writes them.
  for (const std::string &p : e->parameters) {
    auto it = values.find(p);
    auto half = halfValues.find(p);
    if (it == values.end() ||
        (half == halfValues.end() &&
         it->second.floats.size() != size_t(it->second.numel())))
      return errorf(name, ": parameter ", p, " is not loaded");
    const void *data = half != halfValues.end()
                           ? static_cast<const void *>(half->second.data())
                           : it->second.floats.data();
    descriptors.push_back(descriptor(data, it->second.shape));
  }
  // Several results come back as consecutive descriptors in one struct;
  // those updated in place are not returned.
  CallFrame frame(*e, descriptors);
  std::vector<void *> &args = frame.args;
  const std::vector<const TensorSpec *> &returned = frame.returned;
  std::vector<int64_t> workspaceDescriptor;
  if (!e->workspaceSymbol.empty()) {
    // The workspace function takes the same arguments, then {bytes,
    // unplanned}.
    int64_t sizes[2];
    TESSEL_RETURN_IF_ERROR(
        frame.sizeWorkspace(workspaceSymbols.at(name), name, sizes));
    size_t bytes = std::max<size_t>(sizes[0], 64);
    if (bytes > workspaceCapacity) {
      bytes = (bytes + 63) / 64 * 64;
      workspace.reset(std::aligned_alloc(64, bytes));
      if (!workspace) {
        workspaceCapacity = 0;
        return errorf(name, ": cannot allocate a workspace of ", bytes,
                      " bytes");
      }
      workspaceCapacity = bytes;
    }
    workspaceUses[name] = {sizes[0], sizes[1]};
    workspaceDescriptor = descriptor(workspace.get(), {sizes[0]});
    args.push_back(workspaceDescriptor.data());
  }
  auto entryPoint = reinterpret_cast<void (*)(void **)>(symbols.at(name));
  if (profiling) {
    std::vector<double> &times = stepTimes[name];
    times.resize(e->steps.size());
    activeStepTimes = &times;
    void *previousHook = *stepHook;
    *stepHook = reinterpret_cast<void *>(&timeStep);
    entryPoint(args.data());
    *stepHook = previousHook;
    activeStepTimes = nullptr;
    ++runs[name];
  } else {
    entryPoint(args.data());
  }

  for (size_t i = 0; i < inputs.size(); ++i)
    if (updated[i] && !inputData[i])
      for (int64_t flat = 0, n = updated[i]->numel(); flat < n; ++flat)
        readElement(static_cast<const char *>(buffers[i].data()), flat,
                    e->inputs[i].dtype, *updated[i], flat);

  // Copy each result out through its strides, then free the compiled code's
  // buffers (two results may share one). Every element is written, so a
  // tensor of the caller's from the previous call with the same dtype and
  // shape is reused as it is (no allocation, no zero fill per call).
  std::vector<Tensor> previous = std::move(results);
  results.clear();
  std::vector<void *> allocations;
  for (size_t r = 0; r < returned.size(); ++r) {
    const TensorSpec &spec = *returned[r];
    const int64_t *desc = frame.returnedDescriptor(r);
    Tensor out = frame.resultTensor(r, previous);
    copyOut(reinterpret_cast<const char *>(desc[1]), desc, spec.dtype, out);
    void *allocated = reinterpret_cast<void *>(desc[0]);
    if (std::find(allocations.begin(), allocations.end(), allocated) ==
        allocations.end())
      allocations.push_back(allocated);
    results.push_back(std::move(out));
  }
  for (void *allocated : allocations)
    std::free(allocated);
  return Status::ok();
}

WorkspaceUse Artifact::workspaceUse(const std::string &name) const {
  auto it = workspaceUses.find(name);
  return it == workspaceUses.end() ? WorkspaceUse() : it->second;
}

} // namespace tessel
