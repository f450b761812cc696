//===- VerifierUtils.cpp - what the op verifiers share --------------------===//

#include "dialect/VerifierUtils.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;

namespace tessel::verifier {

/// Prints a shape as `[2, ?, 4]`.
std::string fmtShape(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << '[';
  llvm::interleaveComma(shape, os, [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      os << '?';
    else
      os << d;
  });
  os << ']';
  return s;
}

/// Prints one dimension: its size, or `?`.
std::string fmtDim(int64_t d) {
  return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
}

std::string fmtShape(Value v) {
  return fmtShape(cast<RankedTensorType>(v.getType()).getShape());
}

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

Type elementTypeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

/// Two dimensions may be equal at run time.
bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// Checks that the named values all have the element type of the first one.
LogicalResult
verifySameElementType(Operation *op,
                      ArrayRef<std::pair<StringRef, Value>> namedValues) {
  if (namedValues.empty())
    return success();
  Type expected = elementTypeOf(namedValues.front().second);
  for (auto [name, value] : namedValues.drop_front()) {
    if (!value)
      continue;
    Type got = elementTypeOf(value);
    if (got != expected)
      return op->emitOpError()
             << name << " element type " << got << " differs from "
             << namedValues.front().first << " element type " << expected;
  }
  return success();
}

/// Checks that `result` has the shape `expected`, dimension by dimension.
LogicalResult verifyResultShape(Operation *op, Value result,
                                ArrayRef<int64_t> expected, StringRef because) {
  ArrayRef<int64_t> got = shapeOf(result);
  bool ok = got.size() == expected.size();
  for (size_t i = 0; ok && i < got.size(); ++i)
    ok = compatible(got[i], expected[i]);
  if (!ok)
    return op->emitOpError()
           << "result shape " << fmtShape(got) << " does not match expected "
           << fmtShape(expected) << " (" << because << ")";
  return success();
}

/// Checks that `value` is `[size]` where `size` is the feature count of
/// `input` (its last dimension).
LogicalResult verifyFeatureVector(Operation *op, StringRef name, Value value,
                                  Value input) {
  ArrayRef<int64_t> shape = shapeOf(value);
  int64_t features = shapeOf(input).back();
  if (shape.size() != 1 || !compatible(shape[0], features))
    return op->emitOpError()
           << name << " shape " << fmtShape(shape) << " must be ["
           << fmtDim(features) << "], the last dimension of input shape "
           << fmtShape(input);
  return success();
}

LogicalResult verifyEpsilon(Operation *op, double epsilon) {
  if (!(epsilon >= 0.0) || std::isinf(epsilon))
    return op->emitOpError()
           << "epsilon must be finite and non-negative, got " << epsilon;
  return success();
}

LogicalResult verifyNonScalar(Operation *op, StringRef name, Value value) {
  if (shapeOf(value).empty())
    return op->emitOpError() << name << " must have rank >= 1, got shape []";
  return success();
}

/// Computes the NumPy broadcast of two shapes into `result`; fails when two
/// static dimensions differ and neither is 1.
LogicalResult broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b,
                              SmallVectorImpl<int64_t> &result) {
  size_t rank = std::max(a.size(), b.size());
  result.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    int64_t &out = result[rank - 1 - i];
    if (da == 1)
      out = db;
    else if (db == 1)
      out = da;
    else if (ShapedType::isDynamic(da))
      out = db;
    else if (ShapedType::isDynamic(db) || da == db)
      out = da;
    else
      return failure();
  }
  return success();
}

/// Checks an optional per-row statistic (mean, rstd, log-sum-exp): the
/// shape `rows`, the input's shape without its last axis.
LogicalResult verifyRowStatistic(Operation *op, StringRef name, Value stat,
                                 ArrayRef<int64_t> rows, StringRef because) {
  if (!stat)
    return success();
  ArrayRef<int64_t> got = shapeOf(stat);
  bool ok = got.size() == rows.size();
  for (size_t i = 0; ok && i < got.size(); ++i)
    ok = compatible(got[i], rows[i]);
  if (!ok)
    return op->emitOpError()
           << name << " shape " << fmtShape(got) << " does not match expected "
           << fmtShape(rows) << " (" << because << ")";
  return success();
}

LogicalResult verifyTargets(Operation *op, Value logits, Value targets) {
  ArrayRef<int64_t> l = shapeOf(logits), t = shapeOf(targets);
  bool ok = t.size() + 1 == l.size();
  for (size_t i = 0; ok && i < t.size(); ++i)
    ok = compatible(t[i], l[i]);
  if (!ok)
    return op->emitOpError()
           << "targets shape " << fmtShape(t) << " must be the logits shape "
           << fmtShape(l) << " without its class dimension";
  return success();
}

void kernelOpEffects(
    Operation *op, OpOperand &init,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  if (!isa<MemRefType>(init.get().getType()))
    return;
  for (OpOperand &input : op->getOpOperands())
    if (&input != &init)
      effects.emplace_back(MemoryEffects::Read::get(), &input,
                           SideEffects::DefaultResource::get());
  effects.emplace_back(MemoryEffects::Write::get(), &init,
                       SideEffects::DefaultResource::get());
}

} // namespace tessel::verifier
