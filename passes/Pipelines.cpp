//===- Pipelines.cpp - Tessel's named pass pipelines ----------------------===//

#include "passes/Pipelines.h"

#include "passes/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

namespace tessel {

void buildGraphPipeline(mlir::OpPassManager &pm) {
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(mlir::tessel::createTesselFuseAttention());
  pm.addPass(mlir::createCanonicalizerPass());
}

/// The CPU pipeline as text, so that it reads as the list a person would
/// pass to tessel-opt.
static const char *const kCpuPipeline =
    "tessel-parameters-to-arguments,"
    "tessel-fuse-attention,canonicalize,tessel-tile-attention,"
    "convert-tessel-to-linalg,canonicalize,cse,"
    "func.func(tessel-vectorize-contractions),canonicalize,cse,"
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "canonicalize,buffer-deallocation-pipeline,convert-bufferization-to-memref,"
    "tessel-strided-copies-to-linalg,"
    "scf-forall-to-parallel,"
    "convert-vector-to-scf{full-unroll=true},"
    "convert-linalg-to-parallel-loops,"
    "func.func(tessel-sequential-inner-loops),canonicalize,cse,"
    "tessel-approximate-math,"
    "convert-scf-to-openmp,canonicalize,"
    "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
    "convert-vector-to-llvm,finalize-memref-to-llvm,convert-to-llvm,"
    "canonicalize,cse,reconcile-unrealized-casts,"
    "tessel-emit-entry-points";

mlir::LogicalResult buildCpuPipeline(mlir::OpPassManager &pm) {
  return mlir::parsePassPipeline(kCpuPipeline, pm, llvm::errs());
}

void registerPipelines() {
  mlir::PassPipelineRegistration<>(
      "tessel-cpu-pipeline",
      "Tessel IR to the LLVM dialect for the host CPU (what tesselc -o "
      "model.tsl compiles)",
      [](mlir::OpPassManager &pm) { (void)buildCpuPipeline(pm); });
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
