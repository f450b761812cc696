//===- Pipelines.h - Tessel's pass pipelines, in phases ---------*- C++ -*-===//
//
// One named pipeline per end-to-end flow, used by both `tesselc` and the lit
// tests (through tessel-opt), so that what is tested is what is shipped.
// The flow from tessel IR to a target is built in phases, each from an
// options struct and each registered on its own, so that every phase can be
// run and printed alone:
//
//   tessel-graph-pipeline       graph-level clean-up and fusion (tessel IR)
//   tessel-to-linalg-pipeline   target-neutral: parameters as arguments,
//                               attention in its online (FlashAttention)
//                               form, every other op as linalg on tensors
//   tessel-cpu-codegen-pipeline the CPU's choices down to the LLVM dialect
//   tessel-cpu-pipeline         the last two, as tesselc -o runs them
//
// A GPU target adds its codegen phase beside the CPU's, after the same
// target-neutral phase (passes/codegen/gpu/README.md).
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_PIPELINES_PIPELINES_H
#define TESSEL_PASSES_PIPELINES_PIPELINES_H

#include "dialect/Support/LLVM.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <functional>
#include <string>

namespace tessel {

/// Called by the pipeline builders at the boundaries of the stages a reader
/// of the compilation wants to see (tesselc --print-stages): the hook may
/// add a pass that records the IR at that point. `stage` is a short name:
/// "online-attention", "linalg", "cpu-mapped", "vectorized", "bufferized",
/// "steps", "threads", "llvm".
using StageHook =
    std::function<void(OpPassManager &pm, llvm::StringRef stage)>;

/// The target-neutral phase: tessel IR (after the graph pipeline) to linalg
/// on tensors, attention tiled into its online form.
struct ToLinalgOptions {
  /// Tile attention (FlashAttention); false: the untiled lowering, which
  /// materializes the [S, T] logits (for comparison).
  bool flashAttention = true;
  /// Query and key rows per FlashAttention tile.
  int64_t blockQ = 64, blockK = 64;
  /// Decode attention's keys per chunk walked in parallel (FlashDecoding);
  /// 0: no split.
  int64_t splitKeys = 256;
  StageHook stageHook;
};

/// The CPU codegen phase: linalg on tensors (and online-attention steps) to
/// the LLVM dialect for the host CPU.
struct CpuCodegenOptions {
  /// Public functions take their workspace (the planned temporaries) as a
  /// trailing argument, sized by NAME_workspace, as in an artifact; false:
  /// they allocate it.
  bool workspaceArgument = false;
  StageHook stageHook;
};

/// Both phases of the CPU flow.
struct CpuPipelineOptions {
  ToLinalgOptions toLinalg;
  CpuCodegenOptions codegen;
  /// The CPU the object code is for: "native" (this machine's, every
  /// feature it has) or an LLVM CPU name (x86-64-v3, ...).
  std::string cpu = "native";
  /// Threads LLVM's code generation runs on (the module split into as
  /// many partitions); 0: the machine's hardware threads.
  unsigned codegenThreads = 0;
};

/// The CUDA codegen phase: linalg on tensors to a module of NVVM kernels
/// (PTX in a `gpu.binary`) and host code in the LLVM dialect that launches
/// them through Tessel's launch interface.
struct CudaCodegenOptions {
  /// The compute capability, major * 10 + minor: 80 (A100) or 90 (H100).
  int sm = 90;
  /// Threads per block of the mapped parallel loops.
  int64_t blockSize = 256;
  /// The CUDA toolkit whose libdevice is linked; empty: $CUDA_HOME, else
  /// /usr/local/cuda.
  std::string toolkit;
  /// As CpuCodegenOptions::workspaceArgument (a device buffer here).
  bool workspaceArgument = false;
  /// The tensor cores' input type for attention ("bf16" or "f16": the
  /// FlashAttention kernel, tessel-gpu-mma-attention); empty: attention
  /// stays f32, untiled.
  std::string attention = "bf16";
  /// The same for linear layers (tessel-gpu-mma-linear); empty: f32, one
  /// thread per output.
  std::string linear = "bf16";
  /// Tests only: also compile the kernels for the host CPU (the nested
  /// module @tessel_kernels_emulated; tessel-gpu-emulate-kernels), so that
  /// the test suite's stand-in for the CUDA driver can run them.
  bool emulate = false;
  StageHook stageHook;
};

/// Both phases of the CUDA flow.
struct CudaPipelineOptions {
  ToLinalgOptions toLinalg;
  CudaCodegenOptions codegen;
};

/// The toolkit `options` name, or $CUDA_HOME, or /usr/local/cuda.
std::string cudaToolkit(const CudaCodegenOptions &options);

/// Graph-level clean-up of `tessel` IR: autodiff of a loss,
/// canonicalization (transpose and reshape folding), common-subexpression
/// elimination, attention fusion (tessel-fuse-attention), then the
/// recomputation `schedule` of the grads entry point (tessel-recompute:
/// none, attention, blocks or blocks:K).
void buildGraphPipeline(OpPassManager &pm, llvm::StringRef recompute = "none");

/// Applies MLIR's pass-manager command-line options (--mlir-print-ir-*,
/// --mlir-pass-statistics, ...) to `pm`, and times its passes under
/// `timing` when that scope is active (--mlir-timing): what every pass
/// manager tesselc runs needs.
mlir::LogicalResult configurePassManager(mlir::PassManager &pm,
                                         mlir::TimingScope &timing);

/// What every target's codegen phase starts with: one-shot bufferization
/// of whole functions (identity layouts at their boundaries), each
/// `tensor.empty` split per use before it (tessel-split-empty-tensors), and
/// results updated in place leaving the signature (tessel-in-place-results).
void addBufferization(OpPassManager &pm);

/// Strided metadata, affine and structured control flow lowered: what the
/// conversions to the LLVM and NVVM dialects take.
void addToControlFlow(OpPassManager &pm);

/// The target-neutral phase.
void buildToLinalgPipeline(OpPassManager &pm, const ToLinalgOptions &options);

/// The CPU codegen phase: the online-attention steps mapped to the CPU,
/// contractions tiled and vectorized, one-shot bufferization, the memory
/// plan, steps outlined, deallocation, parallel loops over OpenMP,
/// polynomial math and the LLVM dialect with a `tessel_entry_NAME(void **)`
/// per public function.
void buildCpuCodegenPipeline(OpPassManager &pm,
                             const CpuCodegenOptions &options);

/// Tessel IR (after the graph pipeline) to the LLVM dialect for the host
/// CPU: the target-neutral phase, then the CPU's.
void buildCpuPipeline(OpPassManager &pm, const CpuPipelineOptions &options);

/// The CUDA codegen phase: one-shot bufferization, the memory plan (a
/// device workspace), every linalg op as parallel loops tiled into blocks
/// of `blockSize` threads and outlined as a kernel, the kernels gathered
/// into `@tessel_kernels` and compiled to PTX for `sm` with the toolkit's
/// libdevice, the host code to the LLVM dialect.
void buildCudaCodegenPipeline(OpPassManager &pm,
                              const CudaCodegenOptions &options);

/// Tessel IR to kernels and host code for an NVIDIA GPU: the
/// target-neutral phase with attention untiled (its tensor-core
/// FlashAttention kernel is not written yet), then the CUDA phase.
void buildCudaPipeline(OpPassManager &pm, const CudaPipelineOptions &options);

/// Registers the pipelines with the pass registry (`tessel-opt
/// --tessel-cpu-pipeline`), and the upstream passes they run, so that
/// `--mlir-print-ir-after=<pass>` can name them.
void registerPipelines();

} // namespace tessel

#endif // TESSEL_PASSES_PIPELINES_PIPELINES_H
