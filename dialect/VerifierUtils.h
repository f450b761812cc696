//===- VerifierUtils.h - what the op verifiers share ------------*- C++ -*-===//
//
// Formatting of shapes for messages and the checks several ops make. Every
// check emits its own error, naming the operand and the shapes.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_DIALECT_VERIFIERUTILS_H
#define TESSEL_DIALECT_VERIFIERUTILS_H

#include "dialect/Support/LLVM.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <string>
#include <utility>

namespace tessel::verifier {

/// Prints a shape as `[2, ?, 4]`.
std::string fmtShape(ArrayRef<int64_t> shape);
/// Prints the shape of the tensor `v`.
std::string fmtShape(Value v);
/// Prints one dimension: its size, or `?`.
std::string fmtDim(int64_t d);

ArrayRef<int64_t> shapeOf(Value v);

/// The memory effects of a destination-style kernel op on memrefs (none on
/// tensors): it reads every operand but `init` and writes `init`.
void kernelOpEffects(mlir::Operation *op, mlir::OpOperand &init,
                     SmallVectorImpl<mlir::SideEffects::EffectInstance<
                         mlir::MemoryEffects::Effect>> &effects);
Type elementTypeOf(Value v);

/// Two dimensions may be equal at run time.
bool compatible(int64_t a, int64_t b);

/// Checks that the named values (null ones are skipped) all have the element
/// type of the first one.
LogicalResult
verifySameElementType(Operation *op,
                      ArrayRef<std::pair<StringRef, Value>> namedValues);

/// Checks that `result` has the shape `expected`, dimension by dimension.
LogicalResult verifyResultShape(Operation *op, Value result,
                                ArrayRef<int64_t> expected, StringRef because);

/// Checks that `value` is `[size]` where `size` is the feature count of
/// `input` (its last dimension).
LogicalResult verifyFeatureVector(Operation *op, StringRef name, Value value,
                                  Value input);

LogicalResult verifyEpsilon(Operation *op, double epsilon);

LogicalResult verifyNonScalar(Operation *op, StringRef name, Value value);

/// Checks that `targets` has the shape of `logits` without its last (class)
/// dimension.
LogicalResult verifyTargets(Operation *op, Value logits, Value targets);
/// Computes the NumPy broadcast of two shapes into `result`; fails when two
/// static dimensions differ and neither is 1.
LogicalResult broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b,
                              SmallVectorImpl<int64_t> &result);

/// Checks an optional per-row statistic (mean, rstd, log-sum-exp): null, or
/// of the shape `rows`.
LogicalResult verifyRowStatistic(Operation *op, StringRef name, Value stat,
                                 ArrayRef<int64_t> rows, StringRef because);

} // namespace tessel::verifier

#endif // TESSEL_DIALECT_VERIFIERUTILS_H
