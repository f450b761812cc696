//===- CudaPipeline.cpp - the CUDA codegen phase --------------------------===//
//
// Beside Pipelines.cpp's CPU phase, in a file of its own: the GPU passes'
// headers are among the costliest to compile.
//
//===----------------------------------------------------------------------===//

#include "passes/pipelines/Pipelines.h"

#include "passes/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/BufferizationToMemRef/BufferizationToMemRef.h"
#include "mlir/Conversion/ConvertToLLVM/ToLLVMPass.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/NVGPUToNVVM/NVGPUToNVVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToGPU/SCFToGPUPass.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <cstdlib>

namespace tessel {

using mlir::func::FuncOp;

std::string cudaToolkit(const CudaCodegenOptions &options) {
  if (!options.toolkit.empty())
    return options.toolkit;
  if (const char *home = std::getenv("CUDA_HOME"); home && *home)
    return home;
  return "/usr/local/cuda";
}

void buildCudaCodegenPipeline(OpPassManager &pm,
                              const CudaCodegenOptions &options) {
  addBufferization(pm);
  if (options.stageHook)
    options.stageHook(pm, "bufferized");
  pm.addPass(createTesselPlanBuffers(
      TesselPlanBuffersOptions{options.workspaceArgument}));
  pm.addPass(mlir::createCSEPass());
  pm.addPass(mlir::createCanonicalizerPass());
  mlir::bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(mlir::createConvertBufferizationToMemRefPass());
  // Every copy is a kernel: the host cannot read device buffers.
  pm.addPass(createTesselStridedCopiesToLinalg(
      TesselStridedCopiesToLinalgOptions{/*all=*/true}));
  // Attention's and linear layers' own kernels, written before the rest is
  // mapped.
  pm.addNestedPass<FuncOp>(createTesselGpuFlashAttention());
  pm.addNestedPass<FuncOp>(createTesselGpuLinearKernel());

  // Parallel loops, their contiguous dimension first (it goes to the x
  // threads: coalesced accesses), tiled so that the inner loop is a block
  // of threads (a loop mapped untiled would run one thread per block),
  // mapped to blocks and threads and outlined into kernels.
  pm.addPass(mlir::createConvertLinalgToParallelLoopsPass());
  pm.addPass(mlir::createForallToParallelLoopPass());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addNestedPass<FuncOp>(createTesselGpuCoalesceLoops());
  pm.addNestedPass<FuncOp>(mlir::createParallelLoopTilingPass(
      {options.blockSize}, /*noMinMaxBounds=*/true));
  pm.addNestedPass<FuncOp>(mlir::createGpuMapParallelLoopsPass());
  pm.addNestedPass<FuncOp>(mlir::createConvertParallelLoopToGpuPass());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createGpuKernelOutliningPass());
  pm.addPass(createTesselGpuGatherKernels());
  if (options.emulate) {
    pm.addPass(createTesselGpuEmulateKernels());
    OpPassManager &host = pm.nest<mlir::ModuleOp>();
    addToControlFlow(host);
    // LLVM's intrinsics where it has them (exp, absi), libm's functions
    // for the rest (erf).
    host.addPass(mlir::createConvertMathToLLVMPass());
    host.addPass(mlir::createConvertMathToLibmPass());
    host.addPass(mlir::createFinalizeMemRefToLLVMConversionPass());
    host.addPass(mlir::createConvertToLLVMPass());
    host.addPass(mlir::createReconcileUnrealizedCastsPass());
  }
  if (options.stageHook)
    options.stageHook(pm, "kernels");

  // The kernels: NVVM, then PTX with libdevice linked.
  mlir::GpuNVVMAttachTargetOptions target;
  target.chip = "sm_" + std::to_string(options.sm);
  target.features = "+ptx80";
  target.optLevel = 3;
  pm.addPass(mlir::createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<mlir::gpu::GPUModuleOp>();
  addToControlFlow(kernels);
  kernels.addPass(mlir::createConvertNVGPUToNVVMPass());
  kernels.addPass(mlir::createConvertGpuOpsToNVVMOps());
  // What has no libdevice function (math.absi) becomes LLVM intrinsics.
  kernels.addPass(mlir::createConvertMathToLLVMPass());
  kernels.addPass(mlir::createReconcileUnrealizedCastsPass());
  mlir::GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = "isa";
  binary.toolkitPath = cudaToolkit(options);
  pm.addPass(mlir::createGpuModuleToBinaryPass(binary));

  // The host code.
  addToControlFlow(pm);
  pm.addPass(createTesselGpuLowerHost());
  pm.addPass(mlir::createCanonicalizerPass());
  pm.addPass(mlir::createReconcileUnrealizedCastsPass());
  pm.addPass(createTesselEmitEntryPoints());
  if (options.stageHook)
    options.stageHook(pm, "llvm");
}

void buildCudaPipeline(OpPassManager &pm, const CudaPipelineOptions &options) {
  ToLinalgOptions toLinalg = options.toLinalg;
  toLinalg.flashAttention = false;
  // The attention the tensor-core kernel computes, chosen on tessel ops;
  // the rest is lowered untiled.
  if (!options.codegen.attention.empty())
    pm.addNestedPass<FuncOp>(createTesselGpuMmaAttention(
        TesselGpuMmaAttentionOptions{options.codegen.attention}));
  if (!options.codegen.linear.empty())
    pm.addNestedPass<FuncOp>(createTesselGpuMmaLinear(
        TesselGpuMmaLinearOptions{options.codegen.linear}));
  buildToLinalgPipeline(pm, toLinalg);
  buildCudaCodegenPipeline(pm, options.codegen);
}

} // namespace tessel
