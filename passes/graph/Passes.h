//===- Passes.h - graph-level, target-neutral passes ------------*- C++ -*-===//
//
// Transforms of tessel IR that hold for every target: fusion, the online
// (FlashAttention) form of attention; later autodiff and recomputation.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_GRAPH_PASSES_H
#define TESSEL_PASSES_GRAPH_PASSES_H

#include "mlir/Pass/Pass.h"

#include <cstdint>
#include <optional>

namespace tessel {

#define GEN_PASS_DECL
#include "passes/graph/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/graph/Passes.h.inc"

/// A tessel-recompute schedule: which layers' forward ops the backward
/// recomputes, and whether only their attention sublayers.
struct RecomputeSchedule {
  bool attentionOnly = false;
  int64_t layers = 0; ///< The first this many layers (INT64_MAX: all).
};

/// Parses none, attention, blocks or blocks:K; nullopt for anything else.
std::optional<RecomputeSchedule> parseRecomputeSchedule(llvm::StringRef text);

} // namespace tessel

#endif // TESSEL_PASSES_GRAPH_PASSES_H
