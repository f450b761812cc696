//===- Passes.h - graph-level, target-neutral passes ------------*- C++ -*-===//
//
// Transforms of tessel IR that hold for every target: fusion, the online
// (FlashAttention) form of attention; later autodiff and recomputation.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_GRAPH_PASSES_H
#define TESSEL_PASSES_GRAPH_PASSES_H

#include "mlir/Pass/Pass.h"

namespace tessel {

#define GEN_PASS_DECL
#include "passes/graph/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/graph/Passes.h.inc"

} // namespace tessel

#endif // TESSEL_PASSES_GRAPH_PASSES_H
