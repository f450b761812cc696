//===- tessel-opt.cpp - the tessel optimizer driver -----------------------===//
//
// MlirOptMain with the tessel dialect, every upstream dialect and pass, every
// tessel pass (passes/Passes.h, by layer) and the named pipelines and their
// phases (passes/pipelines/): the tool for lit tests and for looking at the
// IR after each pass (`--mlir-print-ir-after-all`). The input is read first
// and refused in one line when nested beyond tools/common/IRFile.h's limit
// (deeper nesting overflows the parser's stack).
//
//===----------------------------------------------------------------------===//

#include "dialect/TesselDialect.h"
#include "passes/Passes.h"
#include "passes/pipelines/Pipelines.h"
#include "tools/common/IRFile.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/ToolOutputFile.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  tessel::registerPipelines();
  tessel::registerTesselPasses();
  mlir::DialectRegistry registry;
  registry.insert<tessel::TesselDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  tessel::registerGpuBufferizationModels(registry);
  mlir::registerAllGPUToLLVMIRTranslations(registry);
  auto [input, output] = mlir::registerAndParseCLIOptions(
      argc, argv, "Tessel optimizer driver\n", registry);
  mlir::MlirOptMainConfig config =
      mlir::MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects() || config.shouldListPasses())
    return mlir::asMainReturnCode(
        mlir::MlirOptMain(argc, argv, input, output, registry));
  std::string message;
  std::unique_ptr<llvm::MemoryBuffer> file =
      mlir::openInputFile(input, &message);
  if (!file) {
    llvm::errs() << "tessel-opt: error: " << message << "\n";
    return 1;
  }
  if (!tessel::checkIRNesting(*file, input, "tessel-opt"))
    return 1;
  std::unique_ptr<llvm::ToolOutputFile> out =
      mlir::openOutputFile(output, &message);
  if (!out) {
    llvm::errs() << "tessel-opt: error: " << message << "\n";
    return 1;
  }
  if (mlir::failed(
          mlir::MlirOptMain(out->os(), std::move(file), registry, config)))
    return 1;
  out->keep();
  return 0;
}
