//===- TesselDialect.h - The tessel dialect ---------------------*- C++ -*-===//

#ifndef TESSEL_DIALECT_TESSELDIALECT_H
#define TESSEL_DIALECT_TESSELDIALECT_H

#include "dialect/TesselAttrs.h"

#include "mlir/IR/Dialect.h"
#include "mlir/IR/Operation.h"

#include "dialect/TesselDialect.h.inc"

namespace tessel {

/// An entry of a module's `tessel.kernels`: a kernel's name, or a
/// dictionary {name, dynamic_shared_bytes} for a kernel launched with
/// dynamic shared memory. kernelName is null for anything else.
mlir::StringAttr kernelName(mlir::Attribute entry);
int64_t kernelDynamicSharedBytes(mlir::Attribute entry);
mlir::Attribute kernelEntry(mlir::StringAttr name, int64_t dynamicSharedBytes);

} // namespace tessel

#endif // TESSEL_DIALECT_TESSELDIALECT_H
