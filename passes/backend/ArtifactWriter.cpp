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

#include "passes/backend/CpuTarget.h"

#include "dialect/Support/DTypes.h"
#include "dialect/TesselOps.h"
#include "passes/Passes.h"
#include "passes/pipelines/Pipelines.h"
#include "runtime/Artifact.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

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

nlohmann::ordered_json tensorSpec(const std::string &name, Type type) {
  auto ranked = cast<RankedTensorType>(type);
  return {{"name", name},
          {"dtype", dtypeName(ranked.getElementType())},
          {"shape", shapeOf(ranked)}};
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
    nlohmann::ordered_json spec = tensorSpec(p.getSymName().str(), p.getType());
    nlohmann::ordered_json init = {{"kind", name(p.getInit())}};
    if (auto std = p.getStd())
      init["std"] = std->convertToDouble();
    if (auto value = p.getValue())
      init["value"] = value->convertToDouble();
    spec["init"] = init;
    params.push_back(spec);
  }
  manifest["parameters"] = params;

  PassManager pm(module.getContext());
  pm.addPass(tessel::createTesselParametersToArguments());
  if (failed(pm.run(module)))
    return failure();
  nlohmann::ordered_json entries = nlohmann::ordered_json::object();
  StringAttr parameterAttr =
      TesselDialect::ParameterAttrHelper(module.getContext()).getName();
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func.isPublic() || func.isExternal())
      continue;
    nlohmann::ordered_json entry;
    std::string symbol = "tessel_entry_" + func.getSymName().str();
    entry["symbol"] = symbol;
    if (EntryPointKindAttr kind =
            TesselDialect::EntryPointAttrHelper(module.getContext())
                .getAttr(func))
      entry["kind"] = name(kind.getValue());
    nlohmann::ordered_json inputs = nlohmann::ordered_json::array(),
                           parameters = nlohmann::ordered_json::array(),
                           results = nlohmann::ordered_json::array();
    for (unsigned i = 0; i < func.getNumArguments(); ++i) {
      if (auto name = func.getArgAttrOfType<StringAttr>(i, parameterAttr))
        parameters.push_back(name.str());
      else
        inputs.push_back(tensorSpec(func.getSymName() == "forward" && i == 0
                                        ? "tokens"
                                        : "arg" + std::to_string(i),
                                    func.getArgument(i).getType()));
    }
    for (auto [i, type] : llvm::enumerate(func.getResultTypes()))
      results.push_back(
          tensorSpec(i == 0 ? "logits" : "result" + std::to_string(i), type));
    entry["inputs"] = inputs;
    entry["parameters"] = parameters;
    entry["results"] = results;
    entries[func.getSymName().str()] = entry;
    // The names are in the manifest now; LLVM has no use for them.
    for (unsigned i = 0; i < func.getNumArguments(); ++i)
      func.removeArgAttr(i, parameterAttr);
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

} // namespace

LogicalResult writeArtifact(ModuleOp module,
                            const frontend::ModelConfig *config,
                            const std::string &directory,
                            const CpuPipelineOptions &options) {
  nlohmann::ordered_json manifest;
  if (failed(buildManifest(module, config, manifest)))
    return failure();
  PassManager pm(module.getContext());
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  buildCpuPipeline(pm, options);
  if (failed(pm.run(module)) || failed(describeSchedule(module, manifest)))
    return failure();

  // Build under a temporary name; rename into place only when complete.
  std::string staging = directory + ".partial";
  llvm::sys::fs::remove_directories(staging);
  if (std::error_code ec = llvm::sys::fs::create_directories(staging))
    return module.emitError("cannot create ")
           << staging << ": " << ec.message();
  auto removeStaging = [&] { llvm::sys::fs::remove_directories(staging); };
  llvm::scope_exit<decltype(removeStaging)> cleanup(std::move(removeStaging));
  std::string object = staging + "/model.o";
  if (failed(emitObject(module, object)) ||
      failed(linkLibrary(module, object, staging + "/model.so")))
    return failure();
  llvm::sys::fs::remove(object);
  {
    std::error_code ec;
    llvm::raw_fd_ostream out(staging + "/manifest.json", ec);
    if (ec)
      return module.emitError("cannot write the manifest: ") << ec.message();
    out << manifest.dump(2) << "\n";
  }
  llvm::sys::fs::remove_directories(directory);
  if (std::error_code ec = llvm::sys::fs::rename(staging, directory))
    return module.emitError("cannot move the artifact into ")
           << directory << ": " << ec.message();
  return success();
}

} // namespace tessel
