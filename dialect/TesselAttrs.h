//===- TesselAttrs.h - tessel attributes ------------------------*- C++ -*-===//

#ifndef TESSEL_DIALECT_TESSELATTRS_H
#define TESSEL_DIALECT_TESSELATTRS_H

#include "runtime/Enums.h"

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"

namespace tessel {
/// Parses the keyword of an enum shared with the runtime (runtime/Enums.h):
/// `normal`, `decode`, ...; an unknown one is an error listing the valid
/// ones.
mlir::ParseResult parseEnumKeyword(mlir::AsmParser &parser, InitKind &kind);
mlir::ParseResult parseEnumKeyword(mlir::AsmParser &parser,
                                   EntryPointKind &kind);
void printEnumKeyword(mlir::AsmPrinter &printer, InitKind kind);
void printEnumKeyword(mlir::AsmPrinter &printer, EntryPointKind kind);
} // namespace tessel

#define GET_ATTRDEF_CLASSES
#include "dialect/TesselAttrs.h.inc"

#endif // TESSEL_DIALECT_TESSELATTRS_H
