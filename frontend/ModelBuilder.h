//===- ModelBuilder.h - ModelConfig to tessel IR ----------------*- C++ -*-===//

#ifndef TESSEL_FRONTEND_MODELBUILDER_H
#define TESSEL_FRONTEND_MODELBUILDER_H

#include "frontend/JsonSource.h"
#include "frontend/ModelConfig.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace tessel::frontend {

/// Builds the model's entry points, each marked with its kind
/// (tessel.entry_point): `forward(tokens: [B, S] i64) -> logits: [B, S, V]`
/// and `decode(tokens, positions: [B, S] i64, k/v cache per layer) ->
/// (logits, the caches updated in place)`, each sequence of the batch at
/// its own positions, and the `tessel.parameter` declarations they read,
/// named as the model's checkpoints name them. Op locations point into
/// `source`: the part of the model (`layers.0.attention`) around the JSON
/// path (`.attention`) around file:line:col, so a verifier error points at
/// the model definition. Returns null after emitting an error if the module
/// does not verify.
mlir::OwningOpRef<mlir::ModuleOp> buildModel(mlir::MLIRContext &context,
                                             const ModelConfig &config,
                                             const JsonSource &source);

} // namespace tessel::frontend

#endif // TESSEL_FRONTEND_MODELBUILDER_H
