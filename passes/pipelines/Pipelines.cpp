//===- Pipelines.cpp - Tessel's pass pipelines, in phases -----------------===//
//
// Each phase reads as the list a person would give tessel-opt; the comments
// say why a pass is where it is.
//
//===----------------------------------------------------------------------===//

#include "passes/pipelines/Pipelines.h"

#include "passes/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Conversion/ConvertToLLVM/ToLLVMPass.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace tessel {

using mlir::func::FuncOp;

void buildGraphPipeline(OpPassManager &pm) {
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(createTesselFuseAttention());
  pm.addPass(mlir::createCanonicalizerPass());
}

void buildToLinalgPipeline(OpPassManager &pm, const ToLinalgOptions &options) {
  pm.addPass(createTesselParametersToArguments());
  if (options.flashAttention) {
    // Fusion again: IR that did not go through the graph pipeline (a test's
    // function) gets its attention fused too.
    pm.addPass(createTesselFuseAttention());
    pm.addPass(mlir::createCanonicalizerPass());
    pm.addPass(createTesselTileAttention(
        TesselTileAttentionOptions{options.blockQ, options.blockK}));
  }
  pm.addPass(createConvertTesselToLinalg());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
}

void buildCpuCodegenPipeline(OpPassManager &pm,
                             const CpuCodegenOptions &options) {
  // The online-attention steps on CPU threads, then register tiles and
  // vector FMAs, on tensors.
  pm.addNestedPass<FuncOp>(createTesselCpuMapAttention());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addNestedPass<FuncOp>(createTesselCpuTileAndVectorize());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());

  mlir::bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      mlir::bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(mlir::bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(mlir::createCanonicalizerPass());

  // The memory plan and the kernels, before deallocation is decided.
  pm.addPass(createTesselPlanBuffers(
      TesselPlanBuffersOptions{options.workspaceArgument}));
  // CSE then canonicalization: self-copies of CSE'd subviews are erased
  // before they become loops.
  pm.addPass(mlir::createCSEPass());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(createTesselOutlineSteps());
  mlir::bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(mlir::createConvertBufferizationToMemRefPass());
  pm.addPass(createTesselStridedCopiesToLinalg());

  // Loops: threads' tiles and linalg ops become parallel loops; innermost
  // loops stay sequential so that LLVM vectorizes them.
  pm.addPass(mlir::createForallToParallelLoopPass());
  pm.addPass(mlir::createConvertVectorToSCFPass(
      mlir::VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addPass(mlir::createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<FuncOp>(createTesselSequentialInnerLoops());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(createTesselApproximateMath());

  // Threads.
  pm.addPass(mlir::createConvertSCFToOpenMPPass());
  pm.addPass(createTesselCpuOpenMPSchedule());
  pm.addPass(mlir::createCanonicalizerPass());

  // The LLVM dialect.
  pm.addPass(mlir::memref::createExpandStridedMetadataPass());
  pm.addPass(mlir::createLowerAffinePass());
  pm.addPass(mlir::createSCFToControlFlowPass());
  pm.addPass(mlir::createConvertVectorToLLVMPass());
  pm.addPass(mlir::createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(mlir::createConvertToLLVMPass());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(mlir::createReconcileUnrealizedCastsPass());
  pm.addPass(createTesselEmitEntryPoints());
}

void buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options) {
  buildToLinalgPipeline(pm, options.toLinalg);
  buildCpuCodegenPipeline(pm, options.codegen);
}

namespace {

// The phases' options as tessel-opt takes them (`--tessel-cpu-pipeline=
// 'flash-attention=false block-q=32'`).

struct ToLinalgPipelineOptions
    : mlir::PassPipelineOptions<ToLinalgPipelineOptions> {
  Option<bool> flashAttention{
      *this, "flash-attention",
      llvm::cl::desc("Tile attention into its online (FlashAttention) form; "
                     "false: the untiled lowering that materializes the "
                     "[S, T] logits"),
      llvm::cl::init(true)};
  Option<int64_t> blockQ{*this, "block-q",
                         llvm::cl::desc("FlashAttention query rows per tile"),
                         llvm::cl::init(64)};
  Option<int64_t> blockK{*this, "block-k",
                         llvm::cl::desc("FlashAttention key rows per tile"),
                         llvm::cl::init(64)};

  ToLinalgOptions get() const { return {flashAttention, blockQ, blockK}; }
};

struct CpuCodegenPipelineOptions
    : mlir::PassPipelineOptions<CpuCodegenPipelineOptions> {
  Option<bool> workspaceArgument{
      *this, "workspace-argument",
      llvm::cl::desc("Public functions take their workspace (the planned "
                     "temporaries) as a trailing argument, sized by "
                     "NAME_workspace, as in an artifact; false: they "
                     "allocate it"),
      llvm::cl::init(false)};

  CpuCodegenOptions get() const { return {workspaceArgument}; }
};

/// Both phases' options, under the same names.
struct CpuPipelineRegistrationOptions
    : mlir::PassPipelineOptions<CpuPipelineRegistrationOptions> {
  Option<bool> flashAttention{
      *this, "flash-attention",
      llvm::cl::desc("Tile attention (FlashAttention); false: the untiled "
                     "lowering that materializes the [S, T] logits"),
      llvm::cl::init(true)};
  Option<int64_t> blockQ{*this, "block-q",
                         llvm::cl::desc("FlashAttention query rows per tile"),
                         llvm::cl::init(64)};
  Option<int64_t> blockK{*this, "block-k",
                         llvm::cl::desc("FlashAttention key rows per tile"),
                         llvm::cl::init(64)};
  Option<bool> workspaceArgument{
      *this, "workspace-argument",
      llvm::cl::desc("Public functions take their workspace as a trailing "
                     "argument, as in an artifact"),
      llvm::cl::init(false)};

  CpuPipelineOptions get() const {
    return {{flashAttention, blockQ, blockK}, {workspaceArgument}};
  }
};

} // namespace

void registerPipelines() {
  mlir::PassPipelineRegistration<>(
      "tessel-graph-pipeline",
      "Graph-level clean-up of tessel IR (what tesselc --emit=graph runs)",
      buildGraphPipeline);
  mlir::PassPipelineRegistration<ToLinalgPipelineOptions>(
      "tessel-to-linalg-pipeline",
      "The target-neutral phase: tessel IR to linalg on tensors, attention "
      "in its online form (what tesselc --emit=linalg runs after the graph "
      "pipeline)",
      [](OpPassManager &pm, const ToLinalgPipelineOptions &options) {
        buildToLinalgPipeline(pm, options.get());
      });
  mlir::PassPipelineRegistration<CpuCodegenPipelineOptions>(
      "tessel-cpu-codegen-pipeline",
      "The CPU codegen phase: linalg on tensors to the LLVM dialect for the "
      "host CPU",
      [](OpPassManager &pm, const CpuCodegenPipelineOptions &options) {
        buildCpuCodegenPipeline(pm, options.get());
      });
  mlir::PassPipelineRegistration<CpuPipelineRegistrationOptions>(
      "tessel-cpu-pipeline",
      "Tessel IR to the LLVM dialect for the host CPU: the target-neutral "
      "phase, then the CPU's (what tesselc -o model.tsl compiles)",
      [](OpPassManager &pm, const CpuPipelineRegistrationOptions &options) {
        buildCpuPipeline(pm, options.get());
      });
  // The passes the pipelines run, so that --mlir-print-ir-after=<pass> and
  // friends can name them.
  mlir::registerCanonicalizerPass();
  mlir::registerCSEPass();
}

} // namespace tessel
