//===- TesselDialect.cpp - The tessel dialect -----------------------------===//

#include "dialect/TesselDialect.h"
#include "dialect/TesselOps.h"

using namespace mlir;
using namespace mlir::tessel;

#include "dialect/TesselDialect.cpp.inc"
#include "dialect/TesselEnums.cpp.inc"

void TesselDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialect/TesselOps.cpp.inc"
      >();
}
