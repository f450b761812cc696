//===- ArtifactWriter.cpp - tessel IR to a runnable artifact --------------===//
//
// Manifest first (parameters and entry points, read off the IR once
// parameters have become arguments), then the CPU pipeline, LLVM IR, -O3,
// an object file for the host CPU, and a shared object linked by the
// system's C compiler driver against the OpenMP runtime.
//
//===----------------------------------------------------------------------===//

#include "passes/backend/ArtifactWriter.h"

#include "dialect/Support/DTypes.h"
#include "dialect/TesselOps.h"
#include "passes/Passes.h"
#include "passes/pipelines/Pipelines.h"
#include "runtime/Artifact.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

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

/// LLVM's -O3 function and module pipeline for `machine`, without LLVM's own
/// loop unrolling: the kernels' hot loops arrive unrolled and vectorized
/// from MLIR, and unrolling the rest multiplies code (and compile time,
/// mostly in loop strength reduction and register allocation) for little.
void optimize(llvm::Module &llvmModule, llvm::TargetMachine &machine) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopUnrolling = false;
  llvm::PassBuilder builder(&machine, tuning);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  builder.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3)
      .run(llvmModule, mam);
}

/// LLVM IR of `module` (LLVM dialect), optimized at -O3 for the host, to an
/// object file.
LogicalResult emitObject(ModuleOp module, const std::string &path) {
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  module.getContext()->appendDialectRegistry(registry);

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return module.emitError("translation to LLVM IR failed");

  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return module.emitError("no LLVM target for this host: ") << error;
  llvm::SubtargetFeatures features;
  for (auto &feature : llvm::sys::getHostCPUFeatures())
    features.AddFeature(feature.first(), feature.second);
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, llvm::sys::getHostCPUName(), features.getString(),
      llvm::TargetOptions(), llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  // Loops LLVM vectorizes itself (elementwise ops, reductions) use the full
  // AVX-512 width, as the contraction tiles do; LLVM's default for these
  // CPUs is 256 bits.
  auto avx512 = llvm::sys::getHostCPUFeatures().lookup("avx512f");
  if (avx512)
    for (llvm::Function &f : *llvmModule)
      f.addFnAttr("prefer-vector-width", "512");
  llvmModule->setDataLayout(machine->createDataLayout());
  llvmModule->setTargetTriple(triple);
  optimize(*llvmModule, *machine);

  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return module.emitError("cannot write ") << path << ": " << ec.message();
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, out, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return module.emitError("the target cannot emit object files");
  codegen.run(*llvmModule);
  out.flush();
  return success(!out.has_error());
}

/// Links `object` into the shared object `library` with the system's C
/// compiler driver, against the OpenMP runtime the kernels call.
LogicalResult linkLibrary(ModuleOp module, const std::string &object,
                          const std::string &library) {
  llvm::ErrorOr<std::string> driver = llvm::sys::findProgramByName("cc");
  if (!driver)
    driver = llvm::sys::findProgramByName("clang");
  if (!driver)
    return module.emitError("no C compiler driver (cc) to link the kernels");
  std::string log = library + ".link.log";
  SmallVector<StringRef> args = {*driver, "-shared",        "-o", library,
                                 object,  "-l:libomp.so.5", "-lm"};
  std::optional<StringRef> redirects[] = {std::nullopt, StringRef(log),
                                          StringRef(log)};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, redirects, 0,
                                     0, &message);
  if (rc != 0) {
    auto text = llvm::MemoryBuffer::getFile(log);
    std::string detail = text ? (*text)->getBuffer().str() : message;
    for (char &c : detail)
      if (c == '\n')
        c = ' ';
    return module.emitError("linking the kernels failed (is libomp5-14 "
                            "installed?): ")
           << detail;
  }
  llvm::sys::fs::remove(log);
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
