//===- TesselOps.h - tessel ops ---------------------------------*- C++ -*-===//

#ifndef TESSEL_DIALECT_TESSELOPS_H
#define TESSEL_DIALECT_TESSELOPS_H

#include "dialect/TesselAttrs.h"
#include "dialect/TesselDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialect/TesselEnums.h.inc"
#include "dialect/TesselInterfaces.h.inc"

#define GET_OP_CLASSES
#include "dialect/TesselOps.h.inc"

#endif // TESSEL_DIALECT_TESSELOPS_H
