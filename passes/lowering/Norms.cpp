//===- Norms.cpp - lowering of the tessel norms ops
//-------------------------===//

#include "passes/Passes.h"
#include "passes/lowering/LoweringUtils.h"

#include "dialect/TesselOps.h"

using namespace mlir;
namespace ts = mlir::tessel;
using namespace mlir::tessel::lowering;

void mlir::tessel::populateNormLoweringPatterns(RewritePatternSet &patterns) {}
