//===- ArtifactWriter.cpp - tessel IR to a runnable artifact --------------===//
//
// Manifest first (parameters and entry points, read off the IR once
// parameters have become arguments), then the CPU pipeline, the schedule
// the pipeline decided (steps, memory plan), and the CPU backend's shared
// object (CpuTarget.cpp), all written under a temporary name and moved into
// place when complete.
//
//===----------------------------------------------------------------------===//

#include "passes/backend/ArtifactWriter.h"

#include "llvm/Config/llvm-config.h"

#include "passes/backend/CpuTarget.h"
#include "passes/backend/CudaTarget.h"

#include "dialect/Support/DTypes.h"
#include "dialect/TesselOps.h"
#include "passes/Passes.h"
#include "passes/pipelines/Pipelines.h"
#include "runtime/Artifact.h"
#include "runtime/Files.h"
#include "runtime/tokenizer/Tokenizer.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include <fcntl.h>
#include <sys/stat.h>

using namespace mlir;

namespace tessel {

namespace {

/// The manifest's name of an element type.
std::string dtypeName(Type type) {
  std::optional<DType> dtype = dtypeOf(type);
  return dtype ? name(*dtype) : "unsupported";
}

/// A shape for the manifest: -1 for a dynamic size.
std::vector<int64_t> shapeOf(ShapedType type) {
  std::vector<int64_t> shape;
  for (int64_t d : type.getShape())
    shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
  return shape;
}

/// The manifest's description of a tensor of `type`; none when the runtime
/// has no such tensors (an element type other than f32, f16, bf16, i32,
/// i64, or not a ranked tensor).
std::optional<TensorSpec> tensorSpecOf(const std::string &name, Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  std::optional<DType> dtype =
      ranked ? dtypeOf(ranked.getElementType()) : std::nullopt;
  if (!dtype)
    return std::nullopt;
  return TensorSpec{name, *dtype, shapeOf(ranked)};
}

nlohmann::ordered_json toJson(const TensorSpec &spec) {
  nlohmann::ordered_json j = {{"name", spec.name},
                              {"dtype", tessel::name(spec.dtype)},
                              {"shape", spec.shape}};
  if (spec.inPlace >= 0)
    j["in_place"] = spec.inPlace;
  return j;
}

nlohmann::ordered_json toJson(const std::vector<TensorSpec> &specs) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const TensorSpec &spec : specs)
    list.push_back(toJson(spec));
  return list;
}

/// Names of the inputs and results, from the entry point's kind; a decode
/// entry point's caches are named by their arguments' tessel.cache.
std::string argumentName(func::FuncOp func, EntryPointKindAttr kind, size_t i) {
  if (kind && i == 0)
    return "tokens";
  if (kind && i == 1 &&
      (kind.getValue() == EntryPointKind::Loss ||
       kind.getValue() == EntryPointKind::Grads))
    return "targets";
  if (kind && i == 2 &&
      (kind.getValue() == EntryPointKind::Loss ||
       kind.getValue() == EntryPointKind::Grads))
    return "rng"; // Dropout's [seed, step].
  if (kind && kind.getValue() == EntryPointKind::PolicyGrads && i <= 2)
    return i == 1 ? "dlogits" : "dvalues";
  if (kind && takesKVCache(kind.getValue())) {
    if (i == 1)
      return "positions";
    // A paged cache's block tables [B, blocks] come before the pools.
    if (i == 2 && cast<RankedTensorType>(func.getArgument(i).getType())
                      .getElementType()
                      .isInteger())
      return "block_tables";
    if (auto cache = func.getArgAttrOfType<StringAttr>(
            i, TesselDialect::CacheAttrHelper::getNameStr()))
      return cache.str();
    return "cache." + std::to_string(i - 2);
  }
  return "arg" + std::to_string(i);
}

/// Parameters and entry points, read after tessel-parameters-to-arguments
/// (the declarations are gone by then, so they are read first).
LogicalResult buildManifest(ModuleOp module,
                            const frontend::ModelConfig *config,
                            nlohmann::ordered_json &manifest) {
  manifest["tessel_artifact"] = kArtifactVersion;
  manifest["library"] = "model.so";
  nlohmann::ordered_json model = {
      {"name", module.getSymName() ? module.getSymName()->str() : "model"}};
  if (config) {
    model["vocab_size"] = config->vocabSize;
    model["max_positions"] = config->maxPositions;
  }
  manifest["model"] = model;
  nlohmann::ordered_json params = nlohmann::ordered_json::array();
  for (auto p : module.getOps<tessel::ParameterOp>()) {
    std::optional<TensorSpec> tensor =
        tensorSpecOf(p.getSymName().str(), p.getType());
    if (!tensor)
      return p.emitError("the runtime has no parameters of type ")
             << p.getType();
    nlohmann::ordered_json spec = toJson(*tensor);
    nlohmann::ordered_json init = {{"kind", name(p.getInit())}};
    if (auto std = p.getStd())
      init["std"] = std->convertToDouble();
    if (auto value = p.getValue())
      init["value"] = value->convertToDouble();
    spec["init"] = init;
    if (p.getFrozen())
      spec["frozen"] = true;
    params.push_back(spec);
  }
  manifest["parameters"] = params;
  // LoRA: what PEFT's adapter_config.json says, and the adapted modules.
  if (config && config->lora.enabled()) {
    nlohmann::ordered_json modules = nlohmann::ordered_json::array();
    for (auto p : module.getOps<tessel::ParameterOp>())
      if (StringRef name = p.getSymName(); name.consume_back(".lora_A.weight"))
        modules.push_back(name.str());
    manifest["lora"] = {
        {"rank", config->lora.rank},
        {"alpha", config->lora.alpha},
        {"dropout", config->lora.dropout},
        {"targets", config->lora.targets},
        {"fan_in_fan_out", config->naming == frontend::Naming::GPT2},
        {"modules", modules}};
  }

  // Prefix tuning: what the runtime needs to put the prefix into decode's
  // caches.
  if (config && config->prefix.enabled())
    manifest["prefix"] = {{"tokens", config->prefix.tokens},
                          {"layers", config->numLayers},
                          {"kv_heads", config->attention.kvHeads},
                          {"head_dim", config->attention.qkHeadDim()},
                          {"projection", config->prefix.projection}};

  // LoReFT: the rotations whose rows the runtime keeps orthonormal, and the
  // positions (decode cannot apply `last`).
  if (config && config->reft.enabled()) {
    nlohmann::ordered_json rotations = nlohmann::ordered_json::array();
    for (auto p : module.getOps<tessel::ParameterOp>())
      if (StringRef name = p.getSymName();
          name.starts_with("reft.") && name.ends_with(".rotation"))
        rotations.push_back(name.str());
    manifest["reft"] = {{"layers", config->reft.layers},
                        {"rank", config->reft.rank},
                        {"first", config->reft.first},
                        {"last", config->reft.last},
                        {"rotations", rotations}};
  }

  PassManager pm(module.getContext());
  pm.addPass(tessel::createTesselParametersToArguments());
  if (failed(pm.run(module)))
    return failure();
  nlohmann::ordered_json entries = nlohmann::ordered_json::object();
  StringAttr parameterAttr =
      TesselDialect::ParameterAttrHelper(module.getContext()).getName();
  std::set<EntryPointKind> kinds;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func.isPublic() || func.isExternal())
      continue;
    nlohmann::ordered_json entry;
    std::string symbol = "tessel_entry_" + func.getSymName().str();
    entry["symbol"] = symbol;
    EntryPointKindAttr kind =
        TesselDialect::EntryPointAttrHelper(module.getContext()).getAttr(func);
    if (kind) {
      entry["kind"] = name(kind.getValue());
      if (!kinds.insert(kind.getValue()).second)
        return func.emitError("a second ")
               << name(kind.getValue()) << " entry point";
    }
    std::vector<TensorSpec> inputs, results;
    nlohmann::ordered_json parameters = nlohmann::ordered_json::array();
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      if (auto name = func.getArgAttrOfType<StringAttr>(i, parameterAttr)) {
        parameters.push_back(name.str());
        continue;
      }
      Type type = func.getArgument(i).getType();
      std::optional<TensorSpec> spec =
          tensorSpecOf(argumentName(func, kind, inputs.size()), type);
      if (!spec)
        return func.emitError("argument ")
               << i << " has type " << type
               << ", which an artifact cannot take (tensors of f32, f16, "
                  "bf16, i32 or i64)";
      inputs.push_back(*spec);
    }
    for (auto [i, type] : llvm::enumerate(func.getResultTypes())) {
      // A result updated in place is named after its argument.
      auto inPlace = func.getResultAttrOfType<IntegerAttr>(
          i, TesselDialect::InPlaceAttrHelper::getNameStr());
      // A gradient is named after its parameter.
      auto gradient = func.getResultAttrOfType<StringAttr>(
          i, TesselDialect::GradientAttrHelper::getNameStr());
      // A parameter's new value (batch norm's running statistics).
      auto update = func.getResultAttrOfType<StringAttr>(
          i, TesselDialect::UpdateAttrHelper::getNameStr());
      bool loss = kind && (kind.getValue() == EntryPointKind::Loss ||
                           kind.getValue() == EntryPointKind::Grads);
      bool policy = kind && kind.getValue() == EntryPointKind::Policy;
      std::string name = gradient           ? "grad." + gradient.str()
                         : kind && i == 0   ? (loss ? "loss" : "logits")
                         : policy && i == 1 ? "values"
                         : update           ? "update." + update.str()
                         : inPlace && inPlace.getInt() >= 0 &&
                                 size_t(inPlace.getInt()) < inputs.size()
                             ? inputs[inPlace.getInt()].name
                             : "result" + std::to_string(i);
      std::optional<TensorSpec> spec = tensorSpecOf(name, type);
      if (!spec)
        return func.emitError("result ")
               << i << " has type " << type
               << ", which an artifact cannot return (tensors of f32, f16, "
                  "bf16, i32 or i64)";
      if (inPlace)
        spec->inPlace = inPlace.getInt();
      results.push_back(*spec);
    }
    if (kind) {
      Status fits = checkEntryPointKind(kind.getValue(), inputs, results);
      if (!fits.isOk())
        return func.emitError() << fits.message();
    }
    entry["inputs"] = toJson(inputs);
    entry["parameters"] = parameters;
    entry["results"] = toJson(results);
    entries[func.getSymName().str()] = entry;
    // The names are in the manifest now; LLVM has no use for them.
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      func.removeArgAttr(i, parameterAttr);
      func.removeArgAttr(i, TesselDialect::CacheAttrHelper::getNameStr());
    }
  }
  manifest["entry_points"] = entries;
  return success();
}

/// What the CPU pipeline decided for each entry point, read off the LLVM
/// dialect: the workspace its memory plan needs (`tessel.buffer_plan`,
/// sized by the NAME_workspace function), and the steps its host code
/// calls, in order (`tessel.steps`).
LogicalResult describeSchedule(ModuleOp module,
                               nlohmann::ordered_json &manifest) {
  for (auto &[name, entry] : manifest["entry_points"].items()) {
    auto func = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
    if (!func)
      return module.emitError("the CPU pipeline lost entry point ") << name;
    MLIRContext *ctx = module.getContext();
    nlohmann::ordered_json steps = nlohmann::ordered_json::array();
    if (ArrayAttr list = TesselDialect::StepsAttrHelper(ctx).getAttr(func))
      for (auto step : list.getAsRange<StepAttr>()) {
        nlohmann::ordered_json s = {
            {"function", step.getFunction().getValue().str()},
            {"op", step.getOp().str()}};
        if (step.getAt())
          s["at"] = step.getAt().str();
        steps.push_back(s);
      }
    entry["steps"] = steps;
    BufferPlanAttr plan =
        TesselDialect::BufferPlanAttrHelper(ctx).getAttr(func);
    if (!plan)
      continue;
    nlohmann::ordered_json buffers = nlohmann::ordered_json::array();
    for (auto buffer : plan.getBuffers().getAsRange<PlannedBufferAttr>()) {
      nlohmann::ordered_json b = {
          {"slot", buffer.getSlot()},
          {"dtype", dtypeName(buffer.getType().getElementType())},
          {"shape", shapeOf(buffer.getType())}};
      if (buffer.getAt())
        b["at"] = buffer.getAt().str();
      buffers.push_back(b);
    }
    entry["workspace"] = {{"symbol", "tessel_entry_" + name + "_workspace"},
                          {"slots", plan.getSlots()},
                          {"buffers", buffers}};
  }
  return success();
}

/// Exports `signature` (runtime/Artifact.h's codeSignature of the
/// manifest) from the compiled code as the C string `tessel_signature`,
/// which the loader compares with the manifest it reads.
void exportSignature(ModuleOp module, const std::string &signature) {
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  std::string text = signature + '\0';
  auto type = LLVM::LLVMArrayType::get(b.getI8Type(), text.size());
  LLVM::GlobalOp::create(b, module.getLoc(), type, /*isConstant=*/true,
                         LLVM::Linkage::External, "tessel_signature",
                         b.getStringAttr(text));
}

/// Copies the model's tokenizer into `staging`/tokenizer, only the files
/// it is read from and under the names loadTokenizer looks for, after
/// checking that it loads and fits the model's vocabulary; names it in the
/// manifest. A tokenizer found beside a HuggingFace config (not named by
/// the user) that cannot be read is a warning, and the artifact has none.
LogicalResult copyTokenizer(ModuleOp module,
                            const frontend::ModelConfig &config,
                            const std::string &staging,
                            nlohmann::ordered_json &manifest) {
  if (config.tokenizerPath.empty() && config.tokenizerJson.empty())
    return success();
  std::string target = staging + "/tokenizer";
  if (std::error_code ec = llvm::sys::fs::create_directories(target))
    return module.emitError("cannot create ") << target << ": "
                                              << ec.message();
  std::unique_ptr<Tokenizer> tokenizer;
  if (!config.tokenizerJson.empty()) {
    std::string file = target + "/tokenizer.json";
    if (Status written = writeFile(file, config.tokenizerJson + "\n");
        !written.isOk())
      return module.emitError("cannot write the tokenizer: ")
             << written.message();
    Status loaded = loadTokenizer(file, tokenizer);
    if (!loaded.isOk()) {
      // Name the definition's field, not the staging copy.
      std::string message = loaded.message();
      if (message.rfind(file, 0) == 0)
        message = "the inline tokenizer" + message.substr(file.size());
      return module.emitError("tokenizer: ") << message;
    }
  } else {
    Status loaded = loadTokenizer(config.tokenizerPath, tokenizer);
    if (!loaded.isOk() && config.tokenizerFound) {
      module.emitWarning("the tokenizer beside the config is not used: ")
          << loaded.message();
      llvm::sys::fs::remove_directories(target);
      return success();
    }
    if (!loaded.isOk())
      return module.emitError("tokenizer: ") << loaded.message();
    for (const std::string &from : tokenizer->sourceFiles()) {
      llvm::StringRef name = llvm::sys::path::filename(from);
      const char *as = name.ends_with("merges.txt")   ? "merges.txt"
                       : name.ends_with("vocab.json") ? "vocab.json"
                       : name.ends_with(".json")      ? "tokenizer.json"
                                                      : "tokenizer.model";
      if (std::error_code ec =
              llvm::sys::fs::copy_file(from, target + "/" + as))
        return module.emitError("cannot copy the tokenizer file ")
               << from << ": " << ec.message();
    }
  }
  if (config.vocabSize && tokenizer->vocabSize() > config.vocabSize)
    return module.emitError("the tokenizer has ")
           << tokenizer->vocabSize()
           << " tokens, more than the model's vocabulary of "
           << config.vocabSize;
  manifest["tokenizer"] = "tokenizer";
  return success();
}

/// What -o may replace: nothing, or a Tessel artifact (a directory whose
/// manifest says so). A symbolic link, a file, or a directory of anything
/// else is never deleted.
LogicalResult checkReplaceable(ModuleOp module, const std::string &directory) {
  struct stat info;
  if (lstat(directory.c_str(), &info) != 0)
    return success();
  if (S_ISLNK(info.st_mode))
    return module.emitError(directory)
           << ": is a symbolic link; give the artifact directory itself";
  if (!S_ISDIR(info.st_mode))
    return module.emitError(directory)
           << ": exists and is not an artifact directory; not replaced";
  std::string text;
  nlohmann::json manifest;
  if (!readFile(directory + "/manifest.json", text).isOk() ||
      !(manifest = nlohmann::json::parse(text, nullptr, false)).is_object() ||
      !manifest.contains("tessel_artifact"))
    return module.emitError(directory)
           << ": exists and is not a Tessel artifact; not replaced";
  return success();
}

/// Moves the finished `staging` to `directory`. An existing artifact is
/// exchanged with the new one in one step (no moment without either) and
/// then removed.
LogicalResult moveIntoPlace(ModuleOp module, const std::string &staging,
                            const std::string &directory) {
  if (::rename(staging.c_str(), directory.c_str()) == 0)
    return success();
  if (errno != ENOTEMPTY && errno != EEXIST)
    return module.emitError("cannot move the artifact into ")
           << directory << ": " << std::strerror(errno);
  if (failed(checkReplaceable(module, directory)))
    return failure();
  if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, directory.c_str(),
                  RENAME_EXCHANGE) != 0)
    return module.emitError("cannot replace the artifact ")
           << directory << ": " << std::strerror(errno);
  // `staging` now holds the old artifact.
  llvm::sys::fs::remove_directories(staging);
  return success();
}

} // namespace

namespace {

/// What a target adds to an artifact being written in `staging`: it runs
/// its pipeline on the module, writes its files and fills its part of the
/// manifest (the compiled code's library among them).
using CompileStep = llvm::function_ref<LogicalResult(
    const std::string &staging, nlohmann::ordered_json &manifest,
    TimingScope &scope)>;

/// The steps every target shares: the manifest, the replaceability check,
/// the staging directory and the tokenizer before `compile`; the
/// library's fingerprint, the compiler and the manifest after it; then
/// the move into place.
LogicalResult writeWith(ModuleOp module, const frontend::ModelConfig *config,
                        const std::string &directory, TimingScope *timing,
                        CompileStep compile) {
  TimingScope none;
  TimingScope &scope = timing ? *timing : none;
  nlohmann::ordered_json manifest;
  if (failed(buildManifest(module, config, manifest)))
    return failure();

  // Refuse before the long compile what may not be replaced. Build under a
  // name of this process's own (two compiles to one -o both succeed) and
  // move into place only when complete.
  if (failed(checkReplaceable(module, directory)))
    return failure();
  std::string staging = uniqueSibling(directory);
  if (std::error_code ec = llvm::sys::fs::create_directories(staging))
    return module.emitError("cannot create ")
           << staging << ": " << ec.message();
  auto removeStaging = [&] { llvm::sys::fs::remove_directories(staging); };
  llvm::scope_exit<decltype(removeStaging)> cleanup(std::move(removeStaging));
  // The tokenizer first: a bad one fails before the long compile.
  if (config && failed(copyTokenizer(module, *config, staging, manifest)))
    return failure();

  if (failed(compile(staging, manifest, scope)))
    return failure();
  // Which library the manifest describes; the loader checks it.
  std::string fingerprint;
  if (Status st = fingerprintFile(staging + "/model.so", fingerprint);
      !st.isOk())
    return module.emitError(st.message());
  manifest["library_fingerprint"] = fingerprint;
  // Which compiler wrote it (the format version is what the loader
  // requires; this says where an artifact came from).
  manifest["compiler"] = {{"tessel", TESSEL_VERSION},
                          {"llvm", LLVM_VERSION_STRING}};
  if (Status written =
          writeFile(staging + "/manifest.json", manifest.dump(2) + "\n");
      !written.isOk())
    return module.emitError("cannot write the manifest: ")
           << written.message();
  return moveIntoPlace(module, staging, directory);
}

/// Host code (the LLVM dialect, with the signature exported) to
/// `staging`/model.so for `cpu`; what it was compiled for goes to the
/// manifest.
LogicalResult buildLibrary(ModuleOp module, const std::string &staging,
                           const std::string &cpuName, unsigned threads,
                           bool openmp, nlohmann::ordered_json &manifest,
                           TimingScope &scope) {
  exportSignature(module,
                  codeSignature(nlohmann::json::parse(manifest.dump())));
  std::string object = staging + "/model.o";
  CpuTargetInfo cpu;
  std::vector<std::string> objects;
  if (failed(emitObject(module, object, cpuName, threads, cpu, objects, scope)))
    return failure();
  TimingScope linkTiming = scope.nest("link");
  if (failed(linkLibrary(module, objects, staging + "/model.so", openmp)))
    return failure();
  linkTiming.stop();
  for (const std::string &file : objects)
    llvm::sys::fs::remove(file);
  // What the code needs of the CPU that runs it; the loader checks it.
  manifest["cpu"] = {
      {"triple", cpu.triple}, {"name", cpu.name}, {"features", cpu.features}};
  return success();
}

} // namespace

LogicalResult writeArtifact(ModuleOp module,
                            const frontend::ModelConfig *config,
                            const std::string &directory,
                            const CpuPipelineOptions &options,
                            TimingScope *timing) {
  return writeWith(module, config, directory, timing,
                   [&](const std::string &staging,
                       nlohmann::ordered_json &manifest,
                       TimingScope &scope) -> LogicalResult {
                     PassManager pm(module.getContext());
                     TimingScope pipelineTiming = scope.nest("CPU pipeline");
                     if (failed(configurePassManager(pm, pipelineTiming)))
                       return failure();
                     // The runtime passes each entry point its workspace,
                     // whatever the caller asked for.
                     CpuPipelineOptions artifactOptions = options;
                     artifactOptions.codegen.workspaceArgument = true;
                     buildCpuPipeline(pm, artifactOptions);
                     if (failed(pm.run(module)) ||
                         failed(describeSchedule(module, manifest)))
                       return failure();
                     pipelineTiming.stop();
                     return buildLibrary(module, staging, options.cpu,
                                         options.codegenThreads,
                                         /*openmp=*/true, manifest, scope);
                   });
}

LogicalResult writeCudaArtifact(ModuleOp module,
                                const frontend::ModelConfig *config,
                                const std::string &directory,
                                const CudaPipelineOptions &options,
                                TimingScope *timing) {
  std::string toolkit = cudaToolkit(options.codegen);
  if (std::string error; failed(checkCudaToolkit(toolkit, error)))
    return module.emitError(error);
  return writeWith(
      module, config, directory, timing,
      [&](const std::string &staging, nlohmann::ordered_json &manifest,
          TimingScope &scope) -> LogicalResult {
        PassManager pm(module.getContext());
        TimingScope pipelineTiming = scope.nest("CUDA pipeline");
        if (failed(configurePassManager(pm, pipelineTiming)))
          return failure();
        CudaPipelineOptions artifactOptions = options;
        artifactOptions.codegen.workspaceArgument = true;
        buildCudaPipeline(pm, artifactOptions);
        if (failed(pm.run(module)) ||
            failed(describeSchedule(module, manifest)))
          return failure();
        pipelineTiming.stop();

        // Tests only: the kernels for the host, as a shared object in place
        // of the cubin.
        std::string cubin = "kernels.cubin";
        if (options.codegen.emulate) {
          OwningOpRef<ModuleOp> kernels;
          CpuTargetInfo info;
          std::vector<std::string> objects;
          cubin = "kernels.emulated.so";
          if (failed(takeEmulatedKernels(module, kernels)) ||
              failed(emitObject(*kernels, staging + "/kernels.emulated.o",
                                "x86-64", 1, info, objects, scope)) ||
              failed(linkLibrary(*kernels, objects, staging + "/" + cubin,
                                 /*openmp=*/false)))
            return failure();
          for (const std::string &file : objects)
            llvm::sys::fs::remove(file);
        }

        TimingScope ptxasTiming = scope.nest("ptxas");
        std::string ptx;
        if (failed(takePtx(module, ptx)))
          return failure();
        if (Status st = writeFile(staging + "/kernels.ptx", ptx); !st.isOk())
          return module.emitError("cannot write the PTX: ") << st.message();
        // In launch-index order (the module's list), described by the PTX.
        std::vector<CudaKernelInfo> found = kernelsOfPtx(ptx), kernels;
        TesselDialect::KernelsAttrHelper kernelsAttr(module.getContext());
        ArrayAttr names = kernelsAttr.getAttr(module);
        if (!names)
          return module.emitError("the CUDA pipeline listed no kernels");
        for (Attribute entry : names) {
          StringAttr name = kernelName(entry);
          auto it = llvm::find_if(found, [&](const CudaKernelInfo &k) {
            return k.name == name.getValue();
          });
          if (it == found.end())
            return module.emitError("kernel ")
                   << name << " is missing from the PTX";
          kernels.push_back(*it);
          kernels.back().dynamicSharedBytes = kernelDynamicSharedBytes(entry);
        }
        kernelsAttr.removeAttr(module);
        if (failed(assembleCubin(module, toolkit, options.codegen.sm,
                                 staging + "/kernels.ptx",
                                 staging + "/kernels.cubin", kernels)))
          return failure();
        if (options.codegen.emulate)
          llvm::sys::fs::remove(staging + "/kernels.cubin");
        ptxasTiming.stop();
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (const CudaKernelInfo &k : kernels)
          list.push_back({{"name", k.name},
                          {"block", k.block},
                          {"dynamic_shared_bytes", k.dynamicSharedBytes},
                          {"shared_bytes", k.sharedBytes},
                          {"registers", k.registers},
                          {"stack_bytes", k.stackBytes},
                          {"spill_bytes", k.spillStores + k.spillLoads}});
        std::string cubinFingerprint;
        if (Status st =
                fingerprintFile(staging + "/" + cubin, cubinFingerprint);
            !st.isOk())
          return module.emitError(st.message());
        manifest["target"] = "cuda";
        manifest["cuda"] = {{"sm", options.codegen.sm},
                            {"ptx", "kernels.ptx"},
                            {"cubin", cubin},
                            {"cubin_fingerprint", cubinFingerprint},
                            {"kernels", list}};
        if (options.codegen.emulate)
          manifest["cuda"]["emulated"] = true;
        // Host code for any x86-64 (the GPU machine's CPU is not this one),
        // and no OpenMP: its loops are kernels.
        return buildLibrary(module, staging, "x86-64", /*threads=*/0,
                            /*openmp=*/false, manifest, scope);
      });
}

} // namespace tessel
