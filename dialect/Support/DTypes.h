//===- DTypes.h - tessel::DType and MLIR element types ----------*- C++ -*-===//

#ifndef TESSEL_DIALECT_SUPPORT_DTYPES_H
#define TESSEL_DIALECT_SUPPORT_DTYPES_H

#include "dialect/Support/LLVM.h"
#include "runtime/Enums.h"

#include <optional>

namespace tessel {

/// The DType of an MLIR element type (f32, f16, bf16, i32, i64); none for
/// any other.
std::optional<DType> dtypeOf(Type elementType);

/// The MLIR element type of `dtype`.
Type elementTypeOf(DType dtype, MLIRContext *context);

} // namespace tessel

#endif // TESSEL_DIALECT_SUPPORT_DTYPES_H
