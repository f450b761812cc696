//===- Passes.h - GPU codegen passes ----------------------------*- C++ -*-===//
//
// Kernels gathered into one module, and the host side of GPU code lowered
// onto Tessel's launch interface: choices made for NVIDIA GPUs.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_CODEGEN_GPU_PASSES_H
#define TESSEL_PASSES_CODEGEN_GPU_PASSES_H

#include "mlir/Pass/Pass.h"

namespace tessel {

#define GEN_PASS_DECL
#include "passes/codegen/gpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/codegen/gpu/Passes.h.inc"

/// How `tessel.mma_attention` bufferizes: tesselc and tessel-opt register
/// it with the upstream models.
void registerGpuBufferizationModels(mlir::DialectRegistry &registry);

} // namespace tessel

#endif // TESSEL_PASSES_CODEGEN_GPU_PASSES_H
