//===- ArtifactWriter.h - tessel IR to a runnable artifact ------*- C++ -*-===//

#ifndef TESSEL_PASSES_BACKEND_ARTIFACTWRITER_H
#define TESSEL_PASSES_BACKEND_ARTIFACTWRITER_H

#include "frontend/ModelConfig.h"
#include "passes/pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"
#include "mlir/Support/Timing.h"

#include <string>

namespace tessel {

/// Compiles `module` (tessel IR after the graph pipeline) with the CPU
/// pipeline into `directory`: model.so (native code for this CPU) and
/// manifest.json (see runtime/Artifact.h). The directory is written under a
/// temporary name of this process's own and moved into place, so a failure
/// leaves nothing; an existing artifact is exchanged for the new one in one
/// step, and anything else at `directory` (a file, a link, a directory that
/// is not an artifact) is refused before compiling, never deleted.
/// `options` are the CPU pipeline's; workspace-argument is turned on
/// whatever they say, since the runtime passes the workspace. With an
/// active `timing`, the pipeline's passes, LLVM's work and the link are
/// timed under it.
mlir::LogicalResult writeArtifact(mlir::ModuleOp module,
                                  const frontend::ModelConfig *config,
                                  const std::string &directory,
                                  const CpuPipelineOptions &options,
                                  mlir::TimingScope *timing = nullptr);

/// Compiles `module` like writeArtifact, with the CUDA pipeline for
/// `options.codegen.sm`: model.so is the host code (for any x86-64 CPU, no
/// OpenMP), kernels.ptx and kernels.cubin the kernels, and the manifest
/// says `"target": "cuda"` and lists each kernel with its block size,
/// registers and shared memory. A toolkit without libdevice or ptxas is
/// refused before compiling.
mlir::LogicalResult writeCudaArtifact(mlir::ModuleOp module,
                                      const frontend::ModelConfig *config,
                                      const std::string &directory,
                                      const CudaPipelineOptions &options,
                                      mlir::TimingScope *timing = nullptr);

} // namespace tessel

#endif // TESSEL_PASSES_BACKEND_ARTIFACTWRITER_H
