//===- TesselAttrs.h - tessel attributes ------------------------*- C++ -*-===//

#ifndef TESSEL_DIALECT_TESSELATTRS_H
#define TESSEL_DIALECT_TESSELATTRS_H

#include "runtime/Enums.h"

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

namespace tessel {
/// Adds "unknown initializer 'KEYWORD'; expected one of ..." to `diag`.
mlir::InFlightDiagnostic emitUnknownInitializer(mlir::InFlightDiagnostic diag,
                                                llvm::StringRef keyword);
} // namespace tessel

#define GET_ATTRDEF_CLASSES
#include "dialect/TesselAttrs.h.inc"

#endif // TESSEL_DIALECT_TESSELATTRS_H
