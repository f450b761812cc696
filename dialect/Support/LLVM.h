//===- LLVM.h - MLIR and LLVM names in the tessel namespace -----*- C++ -*-===//
//
// Everything of Tessel's lives in `tessel::` (the dialect, the passes, the
// frontend, the runtime). This header imports the MLIR and LLVM names the
// compiler uses most, so that code inside `namespace tessel` reads as MLIR
// code does, without `mlir::` on every line.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_DIALECT_SUPPORT_LLVM_H
#define TESSEL_DIALECT_SUPPORT_LLVM_H

#include "mlir/Support/LLVM.h"

namespace mlir {
class AffineExpr;
class AffineMap;
class Attribute;
class Block;
class Builder;
class DialectRegistry;
class Location;
class MLIRContext;
class ModuleOp;
class OpBuilder;
class OpFoldResult;
class Operation;
class OpPassManager;
class PatternRewriter;
class RankedTensorType;
class Region;
class RewritePatternSet;
class ShapedType;
class Type;
class TypeRange;
class Value;
class ValueRange;
} // namespace mlir

namespace tessel {

// MLIR's IR classes.
using mlir::AffineExpr;
using mlir::AffineMap;
using mlir::Attribute;
using mlir::Block;
using mlir::Builder;
using mlir::DialectRegistry;
using mlir::Location;
using mlir::MLIRContext;
using mlir::ModuleOp;
using mlir::OpBuilder;
using mlir::OpFoldResult;
using mlir::Operation;
using mlir::OpPassManager;
using mlir::PatternRewriter;
using mlir::RankedTensorType;
using mlir::Region;
using mlir::RewritePatternSet;
using mlir::ShapedType;
using mlir::Type;
using mlir::TypeRange;
using mlir::Value;
using mlir::ValueRange;

// The LLVM names MLIR itself imports (mlir/Support/LLVM.h).
using mlir::APFloat;
using mlir::APInt;
using mlir::ArrayRef;
using mlir::cast;
using mlir::DenseMap;
using mlir::DenseSet;
using mlir::dyn_cast;
using mlir::dyn_cast_or_null;
using mlir::failed;
using mlir::failure;
using mlir::FailureOr;
using mlir::function_ref;
using mlir::isa;
using mlir::LogicalResult;
using mlir::MutableArrayRef;
using mlir::ParseResult;
using mlir::raw_ostream;
using mlir::SetVector;
using mlir::SmallString;
using mlir::SmallVector;
using mlir::SmallVectorImpl;
using mlir::StringRef;
using mlir::succeeded;
using mlir::success;
using mlir::Twine;
using mlir::TypeSwitch;

} // namespace tessel

#endif // TESSEL_DIALECT_SUPPORT_LLVM_H
