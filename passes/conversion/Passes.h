//===- Passes.h - tessel to linalg ------------------------------*- C++ -*-===//
//
// convert-tessel-to-linalg and its patterns, one file per op family.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_CONVERSION_PASSES_H
#define TESSEL_PASSES_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"

namespace tessel {

#define GEN_PASS_DECL
#include "passes/conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/conversion/Passes.h.inc"

/// Patterns of convert-tessel-to-linalg, by op family.
void populateDenseLoweringPatterns(mlir::RewritePatternSet &patterns);
void populateNormLoweringPatterns(mlir::RewritePatternSet &patterns);
void populatePositionLoweringPatterns(mlir::RewritePatternSet &patterns);
void populateAttentionLoweringPatterns(mlir::RewritePatternSet &patterns);
void populateShapeLoweringPatterns(mlir::RewritePatternSet &patterns);
void populateGradientLoweringPatterns(mlir::RewritePatternSet &patterns);

} // namespace tessel

#endif // TESSEL_PASSES_CONVERSION_PASSES_H
