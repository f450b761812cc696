//===- Pipelines.cpp - Tessel's named pass pipelines ----------------------===//

#include "passes/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace tessel {

void buildGraphPipeline(mlir::OpPassManager &pm) {
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
}

void registerPipelines() {
  // The passes the pipelines run, so that --mlir-print-ir-after=<pass> and
  // friends can name them.
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
  mlir::PassPipelineRegistration<>(
      "tessel-graph-pipeline",
      "Graph-level clean-up of tessel IR (what tesselc --emit=graph runs)",
      buildGraphPipeline);
}

} // namespace tessel
