//===- Shape.cpp - lowering of the tessel shape ops
//-------------------------===//

#include "passes/Passes.h"
#include "passes/lowering/LoweringUtils.h"

#include "dialect/TesselOps.h"

using namespace mlir;
namespace ts = mlir::tessel;
using namespace mlir::tessel::lowering;

void mlir::tessel::populateShapeLoweringPatterns(RewritePatternSet &patterns) {}
