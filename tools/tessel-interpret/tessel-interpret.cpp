//===- tessel-interpret.cpp - the reference interpreter's driver ----------===//
//
//   tessel-interpret FILE.mlir [--entry NAME] [--input X.npy]...
//                    [--output OUT.npy]... [--params DIR] [--seed N] [--print]
//
// Evaluates a function of tessel IR with the reference interpreter: plain,
// obviously correct loops, the oracle every compiled path is compared
// against. It parses IR, so it exists only in the full (compiler) build;
// compiled artifacts run with tessel-run, which needs no MLIR.
//
//===----------------------------------------------------------------------===//

#include "dialect/TesselDialect.h"
#include "runtime/Npy.h"
#include "tools/common/Diagnostics.h"
#include "tools/common/IRFile.h"
#include "tools/tessel-interpret/Interpreter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <functional>

using namespace mlir;
namespace cl = llvm::cl;

namespace {

constexpr const char *kTool = "tessel-interpret";

/// --help lists these, not the LLVM backend's flags linked in with MLIR.
cl::OptionCategory interpretCategory("tessel-interpret options");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<file.mlir>"),
                               cl::Required, cl::cat(interpretCategory));
cl::opt<std::string>
    entryName("entry", cl::desc("Function to run (default: the only function)"),
              cl::value_desc("name"), cl::cat(interpretCategory));
cl::list<std::string> inputNpys("input", cl::desc("Argument as .npy, in order"),
                                cl::value_desc("file.npy"),
                                cl::cat(interpretCategory));
cl::list<std::string> outputNpys("output",
                                 cl::desc("Where to write each result"),
                                 cl::value_desc("file.npy"),
                                 cl::cat(interpretCategory));
cl::opt<std::string>
    paramsDir("params",
              cl::desc("Directory with one <name>.npy per tessel.parameter"),
              cl::value_desc("dir"), cl::cat(interpretCategory));
cl::opt<uint64_t>
    initSeed("seed",
             cl::desc("Initialize parameters not in --params from this seed"),
             cl::value_desc("n"), cl::cat(interpretCategory));
cl::opt<bool> printResults("print", cl::desc("Print the results to stdout"),
                           cl::cat(interpretCategory));

/// Prints a tensor as nested lists, six significant digits.
void printTensor(llvm::raw_ostream &os, const tessel::Tensor &t) {
  std::vector<int64_t> strides(t.shape.size(), 1);
  for (size_t d = t.shape.size(); d-- > 1;)
    strides[d - 1] = strides[d] * t.shape[d];
  std::function<void(size_t, int64_t)> print = [&](size_t axis,
                                                   int64_t offset) {
    if (axis == t.shape.size()) {
      if (tessel::isFloat(t.dtype)) {
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
  registry
      .insert<tessel::TesselDialect, func::FuncDialect, arith::ArithDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  tessel::OneLineDiagnostics diagnostics(context, kTool);

  OwningOpRef<ModuleOp> module = tessel::parseIRFile(inputFile, context, kTool);
  if (!module)
    return 1;

  // Find the entry point among the module's functions.
  func::FuncOp entry;
  SmallVector<std::string> names;
  for (func::FuncOp f : module->getOps<func::FuncOp>()) {
    names.push_back(f.getSymName().str());
    if (f.getSymName() == entryName || (entryName.empty() && !entry))
      entry = f;
  }
  if (entryName.empty() && names.size() != 1)
    entry = nullptr;
  if (names.empty()) {
    tessel::printError(kTool, inputFile + ": no function to interpret");
    return 1;
  }
  if (!entry) {
    std::string known = llvm::join(names, ", ");
    tessel::printError(
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
    tessel::printError(kTool,
                       fn + " takes " + std::to_string(type.getNumInputs()) +
                           " arguments, got " +
                           std::to_string(inputNpys.size()) + " --input files");
    return 1;
  }
  if (!outputNpys.empty() && outputNpys.size() != type.getNumResults()) {
    tessel::printError(
        kTool, fn + " returns " + std::to_string(type.getNumResults()) +
                   " results, got " + std::to_string(outputNpys.size()) +
                   " --output files");
    return 1;
  }

  std::vector<tessel::Tensor> inputs(inputNpys.size());
  for (auto [i, path] : llvm::enumerate(inputNpys)) {
    tessel::Status status = tessel::readNpy(path, inputs[i]);
    if (status.isOk())
      status = tessel::checkArgument(inputs[i], type.getInput(i));
    if (!status.isOk()) {
      std::string what = status.message();
      // readNpy already names the file.
      if (what.rfind(path, 0) != 0)
        what = path + ": argument " + std::to_string(i) + " of " + fn + ": " +
               what;
      tessel::printError(kTool, what);
      return 1;
    }
  }

  std::vector<tessel::Tensor> outputs;
  tessel::ParameterOptions parameters;
  parameters.directory = paramsDir;
  if (!paramsDir.empty() && !llvm::sys::fs::is_directory(paramsDir)) {
    tessel::printError(kTool, paramsDir + ": --params is not a directory");
    return 1;
  }
  if (initSeed.getNumOccurrences())
    parameters.seed = initSeed;
  if (failed(tessel::interpret(entry, std::move(inputs), parameters, outputs)))
    return 1;

  for (auto [path, tensor] : llvm::zip(outputNpys, outputs)) {
    tessel::Status status = tessel::writeNpy(path, tensor);
    if (!status.isOk()) {
      tessel::printError(kTool, status.message());
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
  cl::HideUnrelatedOptions(interpretCategory);
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "Tessel's reference interpreter\n\n"
          "  tessel-interpret FILE.mlir --entry NAME --input X.npy ... "
          "--output OUT.npy\n",
          &llvm::errs()))
    return 1;
  return runInterpret();
}
