//===- Pipelines.h - Tessel's named pass pipelines --------------*- C++ -*-===//
//
// One named pipeline per end-to-end flow, used by both `tesselc` and the lit
// tests (through `tessel-opt --tessel-graph-pipeline`), so that what is
// tested is what is shipped.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_PIPELINES_PIPELINES_H
#define TESSEL_PASSES_PIPELINES_PIPELINES_H

#include "mlir/Support/LLVM.h"

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace tessel {

/// Graph-level clean-up of `tessel` IR: canonicalization (transpose and
/// reshape folding), common-subexpression elimination and attention fusion
/// (tessel-fuse-attention).
void buildGraphPipeline(mlir::OpPassManager &pm);

/// Tessel IR (after the graph pipeline) to the LLVM dialect for the host
/// CPU: parameters become arguments, attention is fused and tiled
/// (FlashAttention; `flashAttention` false keeps the naive lowering, for
/// comparison), ops become linalg, contractions are tiled and vectorized,
/// then one-shot bufferization, the memory plan (one workspace per function;
/// `workspaceArgument`: the caller passes it, as the runtime does for an
/// artifact), deallocation, parallel loops over OpenMP,
/// polynomial math and the LLVM dialect with a `tessel_entry_NAME(void **)`
/// per public function. Needs the upstream passes registered
/// (registerAllPasses).
mlir::LogicalResult buildCpuPipeline(mlir::OpPassManager &pm,
                                     bool flashAttention = true,
                                     bool workspaceArgument = false);

/// Registers the pipelines with the pass registry (`tessel-opt
/// --tessel-graph-pipeline`).
void registerPipelines();

} // namespace tessel

#endif // TESSEL_PASSES_PIPELINES_PIPELINES_H
