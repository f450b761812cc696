//===- tessel-opt.cpp - the tessel optimizer driver -----------------------===//
//
// MlirOptMain with the tessel dialect, every upstream dialect and pass, every
// tessel pass (passes/Passes.h, by layer) and the named pipelines and their
// phases (passes/pipelines/): the tool for lit tests and for looking at the
// IR after each pass (`--mlir-print-ir-after-all`).
//
//===----------------------------------------------------------------------===//

#include "dialect/TesselDialect.h"
#include "passes/Passes.h"
#include "passes/pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  tessel::registerPipelines();
  tessel::registerTesselPasses();
  mlir::DialectRegistry registry;
  registry.insert<tessel::TesselDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Tessel optimizer driver\n", registry));
}
