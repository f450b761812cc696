//===- tessel-run.cpp - run tessel programs -------------------------------===//
//
//   tessel-run interpret FILE.mlir [--entry NAME] [--input X.npy]...
//                                  [--output OUT.npy]... [--print]
//
// evaluates a function with the reference interpreter: the oracle every
// compiled path is compared against.
//
//===----------------------------------------------------------------------===//

#include "dialect/TesselDialect.h"
#include "runtime/Artifact.h"
#include "runtime/Npy.h"
#include "tools/common/Diagnostics.h"
#include "tools/tessel-run/Interpreter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>

using namespace mlir;
namespace cl = llvm::cl;

namespace {

constexpr const char *kTool = "tessel-run";

cl::SubCommand
    interpretCommand("interpret",
                     "Evaluate a function with the reference interpreter");
cl::opt<std::string> inputFile(cl::Positional, cl::sub(interpretCommand),
                               cl::desc("<file.mlir>"), cl::Required);
cl::opt<std::string>
    entryName("entry", cl::sub(interpretCommand),
              cl::desc("Function to run (default: the only function)"),
              cl::value_desc("name"));
cl::list<std::string> inputNpys("input", cl::sub(interpretCommand),
                                cl::desc("Argument as .npy, in order"),
                                cl::value_desc("file.npy"));
cl::list<std::string> outputNpys("output", cl::sub(interpretCommand),
                                 cl::desc("Where to write each result"),
                                 cl::value_desc("file.npy"));
cl::opt<std::string>
    paramsDir("params", cl::sub(interpretCommand),
              cl::desc("Directory with one <name>.npy per tessel.parameter"),
              cl::value_desc("dir"));
cl::opt<uint64_t>
    initSeed("seed", cl::sub(interpretCommand),
             cl::desc("Initialize parameters not in --params from this seed"),
             cl::value_desc("n"));
cl::opt<bool> printResults("print", cl::sub(interpretCommand),
                           cl::desc("Print the results to stdout"));

cl::SubCommand runCommand("run", "Run an entry point of a compiled artifact");
cl::SubCommand
    forwardCommand("forward",
                   "Run forward(tokens) -> logits of a compiled model");
cl::opt<std::string> artifactDir(cl::Positional, cl::sub(runCommand),
                                 cl::sub(forwardCommand),
                                 cl::desc("<model.tsl>"), cl::Required);
cl::opt<std::string> runEntry("entry", cl::sub(runCommand),
                              cl::desc("Entry point (default: forward)"),
                              cl::init("forward"));
cl::list<std::string> runInputs("input", cl::sub(runCommand),
                                cl::desc("Input as .npy, in order"),
                                cl::value_desc("file.npy"));
cl::list<std::string> runOutputs("output", cl::sub(runCommand),
                                 cl::desc("Where to write each result"),
                                 cl::value_desc("file.npy"));
cl::opt<std::string> weights("weights", cl::sub(runCommand),
                             cl::sub(forwardCommand),
                             cl::desc("Parameters from a safetensors file"),
                             cl::value_desc("file.safetensors"));
cl::opt<uint64_t> weightSeed(
    "seed", cl::sub(runCommand), cl::sub(forwardCommand),
    cl::desc("Initialize parameters missing from --weights from this seed"),
    cl::value_desc("n"));
cl::opt<std::string> tokensFile("tokens", cl::sub(forwardCommand),
                                cl::desc("Token ids [B, S], int32 or int64"),
                                cl::value_desc("ids.npy"), cl::Required);
cl::opt<unsigned> repeat(
    "repeat", cl::sub(forwardCommand),
    cl::desc("Also time the forward pass N more times; print the median"),
    cl::init(0));
cl::opt<std::string> logitsFile("out", cl::sub(forwardCommand),
                                cl::desc("Where to write the logits [B, S, V]"),
                                cl::value_desc("logits.npy"), cl::Required);

/// Loads the artifact and its parameters; prints the error on failure.
bool loadArtifact(::tessel::Artifact &artifact) {
  ::tessel::Status status = artifact.load(artifactDir);
  if (status.isOk()) {
    uint64_t seed = weightSeed;
    status = artifact.loadParameters(
        weights, weightSeed.getNumOccurrences() ? &seed : nullptr);
  }
  if (!status.isOk())
    ::tessel::printError(kTool, status.message());
  return status.isOk();
}

int runArtifact(const std::string &entry,
                std::vector<::tessel::Tensor> inputs) {
  ::tessel::Artifact artifact;
  if (!loadArtifact(artifact))
    return 1;
  const ::tessel::EntryPoint *point = artifact.entry(entry);
  if (point && !runOutputs.empty() &&
      runOutputs.size() != point->results.size()) {
    ::tessel::printError(
        kTool, entry + " returns " + std::to_string(point->results.size()) +
                   " results, got " + std::to_string(runOutputs.size()) +
                   " --output files");
    return 1;
  }
  std::vector<::tessel::Tensor> results;
  ::tessel::Status status = artifact.run(entry, inputs, results);
  for (size_t i = 0; status.isOk() && i < runOutputs.size(); ++i)
    status = ::tessel::writeNpy(runOutputs[i], results[i]);
  if (!status.isOk()) {
    ::tessel::printError(kTool, status.message());
    return 1;
  }
  return 0;
}

int runForward() {
  ::tessel::Tensor tokens;
  ::tessel::Status status = ::tessel::readNpy(tokensFile, tokens);
  if (status.isOk() && (tokens.dtype != ::tessel::DType::I32 &&
                        tokens.dtype != ::tessel::DType::I64))
    status = ::tessel::errorf(tokensFile,
                              ": token ids must be int32 or int64, "
                              "got ",
                              ::tessel::numpyName(tokens.dtype));
  if (status.isOk() && tokens.rank() != 2)
    status = ::tessel::errorf(tokensFile,
                              ": token ids must be [batch, "
                              "sequence], got shape ",
                              ::tessel::formatShape(tokens.shape));
  if (!status.isOk()) {
    ::tessel::printError(kTool, status.message());
    return 1;
  }
  ::tessel::Artifact artifact;
  if (!loadArtifact(artifact))
    return 1;
  if (artifact.maxPositions() && tokens.shape[1] > artifact.maxPositions()) {
    ::tessel::printError(kTool, tokensFile + ": " +
                                    std::to_string(tokens.shape[1]) +
                                    " tokens exceed the model's maximum of " +
                                    std::to_string(artifact.maxPositions()));
    return 1;
  }
  for (auto [i, id] : llvm::enumerate(tokens.ints))
    if (id < 0 || (artifact.vocabSize() && id >= artifact.vocabSize())) {
      ::tessel::printError(kTool, tokensFile + ": token id " +
                                      std::to_string(id) + " at flat index " +
                                      std::to_string(i) + " is outside [0, " +
                                      std::to_string(artifact.vocabSize()) +
                                      ")");
      return 1;
    }
  tokens.dtype = ::tessel::DType::I64;
  std::vector<::tessel::Tensor> results;
  status = artifact.run("forward", {tokens}, results);
  // Timing in-process, parameters loaded once: what a benchmark compares.
  std::vector<double> times;
  for (unsigned i = 0; status.isOk() && i < repeat; ++i) {
    auto start = std::chrono::steady_clock::now();
    status = artifact.run("forward", {tokens}, results);
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }
  if (!times.empty()) {
    std::sort(times.begin(), times.end());
    llvm::outs() << "forward: median "
                 << llvm::format("%.3f", times[times.size() / 2]) << " ms over "
                 << times.size() << " runs\n";
  }
  if (status.isOk())
    status = ::tessel::writeNpy(logitsFile, results[0]);
  if (!status.isOk()) {
    ::tessel::printError(kTool, status.message());
    return 1;
  }
  return 0;
}

/// Prints a tensor as nested lists, six significant digits.
void printTensor(llvm::raw_ostream &os, const ::tessel::Tensor &t) {
  std::vector<int64_t> strides(t.shape.size(), 1);
  for (size_t d = t.shape.size(); d-- > 1;)
    strides[d - 1] = strides[d] * t.shape[d];
  std::function<void(size_t, int64_t)> print = [&](size_t axis,
                                                   int64_t offset) {
    if (axis == t.shape.size()) {
      if (::tessel::isFloat(t.dtype)) {
        char buffer[32];
        std::snprintf(buffer, sizeof(buffer), "%.6g", t.floats[offset]);
        os << buffer;
      } else {
        os << t.ints[offset];
      }
      return;
    }
    os << '[';
    for (int64_t i = 0; i < t.shape[axis]; ++i) {
      if (i)
        os << ", ";
      print(axis + 1, offset + i * strides[axis]);
    }
    os << ']';
  };
  print(0, 0);
}

int runInterpret() {
  DialectRegistry registry;
  registry.insert<mlir::tessel::TesselDialect, func::FuncDialect,
                  arith::ArithDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  ::tessel::OneLineDiagnostics diagnostics(context, kTool);

  std::string message;
  auto file = openInputFile(inputFile, &message);
  if (!file) {
    ::tessel::printError(kTool, inputFile + ": " + message);
    return 1;
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  // Find the entry point.
  func::FuncOp entry;
  SmallVector<std::string> names;
  module->walk([&](func::FuncOp f) {
    names.push_back(f.getSymName().str());
    if (f.getSymName() == entryName)
      entry = f;
  });
  if (entryName.empty() && names.size() == 1)
    entry = *module->getOps<func::FuncOp>().begin();
  if (!entry) {
    std::string known = llvm::join(names, ", ");
    ::tessel::printError(
        kTool,
        inputFile + ": " +
            (entryName.empty()
                 ? "several functions (" + known + "); choose one with --entry"
                 : "no function @" + entryName + " (functions: " +
                       (known.empty() ? "none" : known) + ")"));
    return 1;
  }
  std::string fn = "@" + entry.getSymName().str();
  FunctionType type = entry.getFunctionType();
  if (inputNpys.size() != type.getNumInputs()) {
    ::tessel::printError(
        kTool, fn + " takes " + std::to_string(type.getNumInputs()) +
                   " arguments, got " + std::to_string(inputNpys.size()) +
                   " --input files");
    return 1;
  }
  if (!outputNpys.empty() && outputNpys.size() != type.getNumResults()) {
    ::tessel::printError(
        kTool, fn + " returns " + std::to_string(type.getNumResults()) +
                   " results, got " + std::to_string(outputNpys.size()) +
                   " --output files");
    return 1;
  }

  std::vector<::tessel::Tensor> inputs(inputNpys.size());
  for (auto [i, path] : llvm::enumerate(inputNpys)) {
    ::tessel::Status status = ::tessel::readNpy(path, inputs[i]);
    if (status.isOk())
      status = ::tessel::checkArgument(inputs[i], type.getInput(i));
    if (!status.isOk()) {
      std::string what = status.message();
      // readNpy already names the file.
      if (what.rfind(path, 0) != 0)
        what = path + ": argument " + std::to_string(i) + " of " + fn + ": " +
               what;
      ::tessel::printError(kTool, what);
      return 1;
    }
  }

  std::vector<::tessel::Tensor> outputs;
  ::tessel::ParameterOptions parameters;
  parameters.directory = paramsDir;
  if (!paramsDir.empty() && !llvm::sys::fs::is_directory(paramsDir)) {
    ::tessel::printError(kTool, paramsDir + ": --params is not a directory");
    return 1;
  }
  if (initSeed.getNumOccurrences())
    parameters.seed = initSeed;
  if (failed(
          ::tessel::interpret(entry, std::move(inputs), parameters, outputs)))
    return 1;

  for (auto [path, tensor] : llvm::zip(outputNpys, outputs)) {
    ::tessel::Status status = ::tessel::writeNpy(path, tensor);
    if (!status.isOk()) {
      ::tessel::printError(kTool, status.message());
      return 1;
    }
  }
  if (printResults)
    for (auto [i, tensor] : llvm::enumerate(outputs)) {
      llvm::outs() << "result " << i << ": " << type.getResult(i) << " = ";
      printTensor(llvm::outs(), tensor);
      llvm::outs() << "\n";
    }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "Tessel runner\n\n"
                                   "  tessel-run interpret FILE.mlir --entry "
                                   "NAME --input X.npy ... --output OUT.npy\n"
                                   "  tessel-run forward MODEL.tsl --tokens "
                                   "ids.npy --out logits.npy [--weights "
                                   "W.safetensors] [--seed N]\n"
                                   "  tessel-run run MODEL.tsl --entry NAME "
                                   "--input X.npy ... --output OUT.npy\n",
                                   &llvm::errs()))
    return 1;
  if (interpretCommand)
    return runInterpret();
  if (forwardCommand)
    return runForward();
  if (runCommand) {
    std::vector<::tessel::Tensor> inputs(runInputs.size());
    for (auto [i, path] : llvm::enumerate(runInputs)) {
      ::tessel::Status status = ::tessel::readNpy(path, inputs[i]);
      if (!status.isOk()) {
        ::tessel::printError(kTool, status.message());
        return 1;
      }
    }
    return runArtifact(runEntry, std::move(inputs));
  }
  ::tessel::printError(kTool,
                       "expected a command: interpret, run or forward (see "
                       "--help)");
  return 1;
}
