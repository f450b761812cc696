//===- CpuTarget.cpp - the LLVM dialect to a shared object for a CPU ------===//
//
// LLVM IR, LLVM's -O3 for the chosen CPU (by default the host's, with its
// features, AVX-512 included; or a named one such as x86-64-v3, for
// machines other than this one), object code generated on every hardware
// thread (the module split into partitions), and a shared object linked by
// the system's C compiler driver against the OpenMP runtime the compiled
// loops call.
//
//===----------------------------------------------------------------------===//

#include "passes/backend/CpuTarget.h"

#include "runtime/CpuFeatures.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Transforms/Utils/SplitModule.h"

#include <thread>

using namespace mlir;

namespace tessel {

namespace {

/// LLVM's -O3 function and module pipeline for `machine`, without LLVM's own
/// loop unrolling: the compiled hot loops arrive unrolled and vectorized
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

} // namespace

namespace {

/// A target machine for `cpu` on the host's triple, or null with `error`.
std::unique_ptr<llvm::TargetMachine> targetMachine(const std::string &cpu,
                                                   std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) {
    error = "no LLVM target for this host: " + error;
    return nullptr;
  }
  std::string name = cpu == "native" ? llvm::sys::getHostCPUName().str() : cpu;
  // Asked of the generic CPU's subtarget: one made for an unknown CPU
  // prints a warning of its own.
  std::unique_ptr<llvm::MCSubtargetInfo> generic(
      target->createMCSubtargetInfo(triple, "", ""));
  if (!generic || !generic->isCPUStringValid(name)) {
    error = "--cpu=" + cpu + ": not a CPU LLVM knows for " + triple.str() +
            " (try native, x86-64, x86-64-v2, x86-64-v3 or x86-64-v4)";
    return nullptr;
  }
  llvm::SubtargetFeatures features;
  if (cpu == "native")
    for (auto &feature : llvm::sys::getHostCPUFeatures())
      features.AddFeature(feature.first(), feature.second);
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, name, features.getString(), llvm::TargetOptions(),
      llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine) {
    error = "cannot create an LLVM target machine for " + triple.str();
    return nullptr;
  }
  return machine;
}

CpuTargetInfo describe(const llvm::TargetMachine &machine) {
  CpuTargetInfo info;
  info.triple = machine.getTargetTriple().str();
  info.name = machine.getTargetCPU().str();
  const llvm::MCSubtargetInfo *sub = machine.getMCSubtargetInfo();
  if (machine.getTargetTriple().isX86())
    for (const char *feature : kCheckedCpuFeatures)
      if (sub->checkFeatures(std::string("+") + feature))
        info.features.push_back(feature);
  return info;
}

/// Object code for `llvmModule` into `path`, with `machine`.
LogicalResult emitFile(llvm::Module &llvmModule, llvm::TargetMachine &machine,
                       const std::string &path, std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = "cannot write " + path + ": " + ec.message();
    return failure();
  }
  llvm::legacy::PassManager codegen;
  if (machine.addPassesToEmitFile(codegen, out, nullptr,
                                  llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit object files";
    return failure();
  }
  codegen.run(llvmModule);
  out.flush();
  if (out.has_error()) {
    error = "cannot write " + path;
    return failure();
  }
  return success();
}

/// Object code for the optimized `llvmModule`, split across the hardware
/// threads (`threads`; 0: the hardware's): the module is cut into partitions
/// (functions dealt out in turn; local symbols another partition uses become
/// hidden globals), each partition goes through bitcode into a context of its
/// own and is compiled on its own thread, with a target machine for `cpu` of
/// its own, into `path` numbered (model.o: model.0.o, model.1.o, ...). A small
/// module, or one thread, is compiled whole by `machine` into `path`. `parts`
/// receives the object files, all to be linked together.
LogicalResult generateCode(std::unique_ptr<llvm::Module> llvmModule,
                           llvm::TargetMachine &machine, const std::string &cpu,
                           unsigned threads, const std::string &path,
                           std::vector<std::string> &parts,
                           std::string &error) {
  int64_t functions = 0;
  for (llvm::Function &f : *llvmModule)
    functions += !f.isDeclaration();
  if (threads == 0)
    threads = std::max(1u, std::thread::hardware_concurrency());
  unsigned count = static_cast<unsigned>(
      std::clamp<int64_t>(std::min<int64_t>(threads, functions / 4), 1, 16));
  if (count == 1) {
    parts = {path};
    return emitFile(*llvmModule, machine, path, error);
  }
  std::vector<llvm::SmallString<0>> bitcode;
  llvm::SplitModule(
      *llvmModule, count,
      [&](std::unique_ptr<llvm::Module> part) {
        bitcode.emplace_back();
        llvm::raw_svector_ostream os(bitcode.back());
        llvm::WriteBitcodeToFile(*part, os);
      },
      /*PreserveLocals=*/false, /*RoundRobin=*/true);
  llvmModule.reset();
  parts.clear();
  llvm::StringRef stem = llvm::StringRef(path).drop_back(
      llvm::StringRef(path).ends_with(".o") ? 2 : 0);
  for (size_t i = 0; i < bitcode.size(); ++i)
    parts.push_back((stem + "." + llvm::Twine(i) + ".o").str());
  std::vector<std::string> errors(bitcode.size());
  std::vector<std::thread> workers;
  for (size_t i = 0; i < bitcode.size(); ++i)
    workers.emplace_back([&, i] {
      llvm::LLVMContext context;
      llvm::Expected<std::unique_ptr<llvm::Module>> part =
          llvm::parseBitcodeFile(
              llvm::MemoryBufferRef(
                  llvm::StringRef(bitcode[i].data(), bitcode[i].size()),
                  "partition"),
              context);
      if (!part) {
        errors[i] = "a code partition does not read back: " +
                    llvm::toString(part.takeError());
        return;
      }
      std::unique_ptr<llvm::TargetMachine> machine =
          targetMachine(cpu, errors[i]);
      if (machine)
        (void)emitFile(**part, *machine, parts[i], errors[i]);
    });
  for (std::thread &worker : workers)
    worker.join();
  for (const std::string &e : errors)
    if (!e.empty()) {
      error = e;
      return failure();
    }
  return success();
}

} // namespace

LogicalResult checkCpuName(const std::string &cpu, std::string &error) {
  return success(targetMachine(cpu, error) != nullptr);
}

LogicalResult emitObject(ModuleOp module, const std::string &path,
                         const std::string &cpu, unsigned threads,
                         CpuTargetInfo &info, std::vector<std::string> &parts,
                         TimingScope &timing) {
  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  module.getContext()->appendDialectRegistry(registry);

  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = targetMachine(cpu, error);
  if (!machine)
    return module.emitError(error);
  info = describe(*machine);
  llvm::LLVMContext llvmContext;
  TimingScope translateTiming = timing.nest("translate to LLVM IR");
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return module.emitError("translation to LLVM IR failed");
  translateTiming.stop();

  // Loops LLVM vectorizes itself (elementwise ops, reductions) use the full
  // AVX-512 width, as the contraction tiles do; LLVM's default for these
  // CPUs is 256 bits.
  if (llvm::is_contained(info.features, "avx512f"))
    for (llvm::Function &f : *llvmModule)
      f.addFnAttr("prefer-vector-width", "512");
  llvmModule->setDataLayout(machine->createDataLayout());
  llvmModule->setTargetTriple(machine->getTargetTriple());
  TimingScope optimizeTiming = timing.nest("LLVM -O3");
  optimize(*llvmModule, *machine);
  optimizeTiming.stop();

  TimingScope codegenTiming = timing.nest("LLVM code generation");
  if (failed(generateCode(std::move(llvmModule), *machine, cpu, threads, path,
                          parts, error)))
    return module.emitError(error);
  codegenTiming.stop();
  return success();
}

LogicalResult linkLibrary(ModuleOp module,
                          const std::vector<std::string> &objects,
                          const std::string &library, bool openmp) {
  llvm::ErrorOr<std::string> driver = llvm::sys::findProgramByName("cc");
  if (!driver)
    driver = llvm::sys::findProgramByName("clang");
  if (!driver)
    return module.emitError("no C compiler driver (cc) to link the compiled code");
  std::string log = library + ".link.log";
  SmallVector<StringRef> args = {*driver, "-shared", "-o", library};
  args.append(objects.begin(), objects.end());
  if (openmp)
    args.push_back("-l:libomp.so.5");
  args.push_back("-lm");
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
    return module.emitError(openmp ? "linking the compiled code failed (is "
                                     "libomp5-14 installed?): "
                                   : "linking the compiled code failed: ")
           << detail;
  }
  llvm::sys::fs::remove(log);
  return success();
}

} // namespace tessel
