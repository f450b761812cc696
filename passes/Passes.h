//===- Passes.h - every Tessel pass, by layer -------------------*- C++ -*-===//
//
// The passes live with their layer (see docs/architecture.md):
//   graph/           target-neutral transforms of tessel IR
//   conversion/      tessel to linalg
//   codegen/common/  what every target's compiled code shares
//   codegen/cpu/     the host CPU's choices
//   codegen/gpu/     NVIDIA GPUs' choices
// This header includes them all and registers them together, for tools
// that offer every pass (tessel-opt, tesselc's --mlir-print-ir-after).
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_PASSES_H
#define TESSEL_PASSES_PASSES_H

#include "passes/codegen/common/Passes.h"
#include "passes/codegen/cpu/Passes.h"
#include "passes/codegen/gpu/Passes.h"
#include "passes/conversion/Passes.h"
#include "passes/graph/Passes.h"

namespace tessel {

/// Registers every Tessel pass with the pass registry.
inline void registerTesselPasses() {
  registerTesselGraphPasses();
  registerTesselConversionPasses();
  registerTesselCodegenCommonPasses();
  registerTesselCodegenCpuPasses();
  registerTesselCodegenGpuPasses();
}

} // namespace tessel

#endif // TESSEL_PASSES_PASSES_H
