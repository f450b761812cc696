//===- TesselDialect.h - The tessel dialect ---------------------*- C++ -*-===//

#ifndef TESSEL_DIALECT_TESSELDIALECT_H
#define TESSEL_DIALECT_TESSELDIALECT_H

#include "dialect/TesselAttrs.h"

#include "mlir/IR/Dialect.h"
#include "mlir/IR/Operation.h"

#include "dialect/TesselDialect.h.inc"

#endif // TESSEL_DIALECT_TESSELDIALECT_H
