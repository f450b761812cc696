//===- Pipelines.cpp - Tessel's named pass pipelines ----------------------===//

#include "passes/pipelines/Pipelines.h"

#include "passes/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

namespace tessel {

void buildGraphPipeline(mlir::OpPassManager &pm) {
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(tessel::createTesselFuseAttention());
  pm.addPass(mlir::createCanonicalizerPass());
}

/// The CPU pipeline as text, so that it reads as the list a person would
/// pass to tessel-opt.
static const char *const kCpuFlashAttention =
    "tessel-fuse-attention,canonicalize,tessel-tile-attention,";
static const char *const kCpuPipeline =
    "convert-tessel-to-linalg,canonicalize,cse,"
    "func.func(tessel-vectorize-contractions),canonicalize,cse,"
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "canonicalize,%PLAN%,cse,canonicalize,tessel-outline-kernels,"
    "buffer-deallocation-pipeline,convert-bufferization-to-memref,"
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

mlir::LogicalResult buildCpuPipeline(mlir::OpPassManager &pm,
                                     bool flashAttention,
                                     bool workspaceArgument) {
  std::string text = "tessel-parameters-to-arguments,";
  if (flashAttention)
    text += kCpuFlashAttention;
  text += kCpuPipeline;
  std::string plan = workspaceArgument
                         ? "tessel-plan-buffers{workspace-argument=true}"
                         : "tessel-plan-buffers";
  text.replace(text.find("%PLAN%"), 6, plan);
  return mlir::parsePassPipeline(text, pm, llvm::errs());
}

namespace {
struct CpuPipelineOptions : mlir::PassPipelineOptions<CpuPipelineOptions> {
  Option<bool> flashAttention{
      *this, "flash-attention",
      llvm::cl::desc("Tile attention (FlashAttention); false: the naive "
                     "lowering that materializes the [S, T] logits"),
      llvm::cl::init(true)};
  Option<bool> workspaceArgument{
      *this, "workspace-argument",
      llvm::cl::desc("Public functions take their workspace (the planned "
                     "temporaries) as a trailing argument, sized by "
                     "NAME_workspace, as in an artifact; false: they "
                     "allocate it"),
      llvm::cl::init(false)};
};
} // namespace

void registerPipelines() {
  mlir::PassPipelineRegistration<CpuPipelineOptions>(
      "tessel-cpu-pipeline",
      "Tessel IR to the LLVM dialect for the host CPU (what tesselc -o "
      "model.tsl compiles)",
      [](mlir::OpPassManager &pm, const CpuPipelineOptions &options) {
        (void)buildCpuPipeline(pm, options.flashAttention,
                               options.workspaceArgument);
      });
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
