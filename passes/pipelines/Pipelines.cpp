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

void buildGraphPipeline(OpPassManager &pm, llvm::StringRef recompute) {
  // The loss's gradients, from the ops as the frontend wrote them (a no-op
  // without a loss entry point).
  pm.addPass(createTesselAutodiff());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(createTesselFuseAttention());
  pm.addPass(mlir::createCanonicalizerPass());
  if (recompute != "none") {
    pm.addNestedPass<FuncOp>(
        createTesselRecompute(TesselRecomputeOptions{recompute.str()}));
    pm.addPass(mlir::createCanonicalizerPass());
  }
}

mlir::LogicalResult configurePassManager(mlir::PassManager &pm,
                                         mlir::TimingScope &timing) {
  if (failed(mlir::applyPassManagerCLOptions(pm)))
    return mlir::failure();
  if (timing)
    pm.enableTiming(timing);
  return mlir::success();
}

namespace {

/// Lets `hook` (when set) see the IR at `stage`.
void stage(OpPassManager &pm, const StageHook &hook, llvm::StringRef name) {
  if (hook)
    hook(pm, name);
}

} // namespace

void addBufferization(OpPassManager &pm) {
  pm.addPass(createTesselSplitEmptyTensors());
  mlir::bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      mlir::bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(mlir::bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(createTesselInlineTensorSteps());
  // Results updated in place (decode's caches) are the arguments' own
  // buffers now; they leave the signature.
  pm.addPass(createTesselInPlaceResults());
  pm.addPass(mlir::createCanonicalizerPass());
}

void addToControlFlow(OpPassManager &pm) {
  pm.addPass(mlir::memref::createExpandStridedMetadataPass());
  pm.addPass(mlir::createLowerAffinePass());
  pm.addPass(mlir::createSCFToControlFlowPass());
}

void buildToLinalgPipeline(OpPassManager &pm, const ToLinalgOptions &options) {
  pm.addPass(createTesselParametersToArguments());
  if (options.flashAttention) {
    // Fusion again: IR that did not go through the graph pipeline (a test's
    // function) gets its attention fused too.
    pm.addPass(createTesselFuseAttention());
    pm.addPass(mlir::createCanonicalizerPass());
    pm.addPass(createTesselTileAttention(TesselTileAttentionOptions{
        options.blockQ, options.blockK, options.splitKeys}));
    pm.addPass(createTesselTileAttentionGrad(
        TesselTileAttentionGradOptions{options.blockQ, options.blockK}));
    stage(pm, options.stageHook, "online-attention");
  }
  pm.addPass(createConvertTesselToLinalg());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  stage(pm, options.stageHook, "linalg");
}

void buildCpuCodegenPipeline(OpPassManager &pm,
                             const CpuCodegenOptions &options) {
  // The online-attention steps on CPU threads, then register tiles and
  // vector FMAs, on tensors.
  pm.addNestedPass<FuncOp>(createTesselCpuMapAttention());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  stage(pm, options.stageHook, "cpu-mapped");
  // Identical ops (a stack of identical layers) share one function until
  // bufferization: tiling, vectorization and bufferization's analysis then
  // see each once. Each use of a new tensor its own first, so that an op
  // writing two results into one CSE'd tensor.empty gets two arguments.
  pm.addPass(createTesselSplitEmptyTensors());
  pm.addPass(createTesselShareTensorSteps());
  pm.addNestedPass<FuncOp>(createTesselCpuTileAndVectorize());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  stage(pm, options.stageHook, "vectorized");

  // After the last CSE: CSE's merged empty tensors make the bufferization
  // analysis cubic in the length of a chain of ops.
  addBufferization(pm);
  stage(pm, options.stageHook, "bufferized");

  // The memory plan and the steps, before deallocation is decided.
  pm.addPass(createTesselPlanBuffers(
      TesselPlanBuffersOptions{options.workspaceArgument}));
  // CSE then canonicalization: self-copies of CSE'd subviews are erased
  // before they become loops.
  pm.addPass(mlir::createCSEPass());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(createTesselOutlineSteps());
  stage(pm, options.stageHook, "steps");
  mlir::bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(mlir::createConvertBufferizationToMemRefPass());
  pm.addPass(createTesselStridedCopiesToLinalg());

  // Loops: linalg ops become parallel loops whose innermost dimension stays
  // sequential, so that LLVM vectorizes it; then the threads' chunks
  // (scf.forall) become parallel loops with every dimension parallel, so
  // that a matrix-vector product (decode: one row) still spreads its column
  // chunks over the threads.
  pm.addPass(mlir::createConvertVectorToSCFPass(
      mlir::VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addPass(mlir::createConvertLinalgToParallelLoopsPass());
  pm.addNestedPass<FuncOp>(createTesselCpuSequentialInnerLoops());
  pm.addPass(mlir::createForallToParallelLoopPass());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(createTesselCpuApproximateMath());

  // Threads.
  pm.addPass(mlir::createConvertSCFToOpenMPPass());
  pm.addPass(createTesselCpuOpenMPSchedule());
  pm.addPass(mlir::createCanonicalizerPass());
  stage(pm, options.stageHook, "threads");

  // The LLVM dialect.
  addToControlFlow(pm);
  pm.addPass(mlir::createConvertVectorToLLVMPass());
  pm.addPass(mlir::createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(mlir::createConvertToLLVMPass());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createCSEPass());
  pm.addPass(mlir::createReconcileUnrealizedCastsPass());
  pm.addPass(createTesselEmitEntryPoints());
  stage(pm, options.stageHook, "llvm");
}

void buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options) {
  buildToLinalgPipeline(pm, options.toLinalg);
  buildCpuCodegenPipeline(pm, options.codegen);
}

namespace {

// The phases' options as tessel-opt takes them (`--tessel-cpu-pipeline=
// 'flash-attention=false block-q=32'`). Each phase's options are declared
// once, in a mixin, and each registered pipeline gathers the mixins of its
// phases.

/// The target-neutral phase's options, for the PassPipelineOptions `Self`.
template <typename Self> struct ToLinalgFields {
  mlir::detail::PassOptions &options() { return static_cast<Self &>(*this); }
  mlir::detail::PassOptions::Option<bool> flashAttention{
      options(), "flash-attention",
      llvm::cl::desc("Tile attention into its online (FlashAttention) form; "
                     "false: the untiled lowering that materializes the "
                     "[S, T] logits"),
      llvm::cl::init(true)};
  mlir::detail::PassOptions::Option<int64_t> blockQ{
      options(), "block-q",
      llvm::cl::desc("FlashAttention query rows per tile"), llvm::cl::init(64)};
  mlir::detail::PassOptions::Option<int64_t> blockK{
      options(), "block-k", llvm::cl::desc("FlashAttention key rows per tile"),
      llvm::cl::init(64)};

  mlir::detail::PassOptions::Option<int64_t> splitKeys{
      options(), "split-keys",
      llvm::cl::desc("Decode attention's keys per chunk walked in parallel "
                     "and merged (FlashDecoding); 0: no split"),
      llvm::cl::init(256)};

  ToLinalgOptions toLinalg() const {
    return {flashAttention, blockQ, blockK, splitKeys};
  }
};

/// The CPU codegen phase's options, for the PassPipelineOptions `Self`.
template <typename Self> struct CpuCodegenFields {
  mlir::detail::PassOptions &options() { return static_cast<Self &>(*this); }
  mlir::detail::PassOptions::Option<bool> workspaceArgument{
      options(), "workspace-argument",
      llvm::cl::desc("Public functions take their workspace (the planned "
                     "temporaries) as a trailing argument, sized by "
                     "NAME_workspace, as in an artifact; false: they "
                     "allocate it"),
      llvm::cl::init(false)};

  CpuCodegenOptions codegen() const { return {workspaceArgument}; }
};

struct ToLinalgPipelineOptions
    : mlir::PassPipelineOptions<ToLinalgPipelineOptions>,
      ToLinalgFields<ToLinalgPipelineOptions> {};

struct CpuCodegenPipelineOptions
    : mlir::PassPipelineOptions<CpuCodegenPipelineOptions>,
      CpuCodegenFields<CpuCodegenPipelineOptions> {};

struct CpuPipelineRegistrationOptions
    : mlir::PassPipelineOptions<CpuPipelineRegistrationOptions>,
      ToLinalgFields<CpuPipelineRegistrationOptions>,
      CpuCodegenFields<CpuPipelineRegistrationOptions> {
  CpuPipelineOptions get() const { return {toLinalg(), codegen()}; }
};

} // namespace

void registerPipelines() {
  mlir::PassPipelineRegistration<>(
      "tessel-graph-pipeline",
      "Graph-level clean-up of tessel IR (what tesselc --emit=graph runs)",
      [](OpPassManager &pm) { buildGraphPipeline(pm); });
  mlir::PassPipelineRegistration<ToLinalgPipelineOptions>(
      "tessel-to-linalg-pipeline",
      "The target-neutral phase: tessel IR to linalg on tensors, attention "
      "in its online form (what tesselc --emit=linalg runs after the graph "
      "pipeline)",
      [](OpPassManager &pm, const ToLinalgPipelineOptions &options) {
        buildToLinalgPipeline(pm, options.toLinalg());
      });
  mlir::PassPipelineRegistration<CpuCodegenPipelineOptions>(
      "tessel-cpu-codegen-pipeline",
      "The CPU codegen phase: linalg on tensors to the LLVM dialect for the "
      "host CPU",
      [](OpPassManager &pm, const CpuCodegenPipelineOptions &options) {
        buildCpuCodegenPipeline(pm, options.codegen());
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
