//===- LinalgBuilders.cpp - IR-building helpers of the passes -------------===//

#include "passes/utils/LinalgBuilders.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"

#include <limits>

using namespace mlir;

namespace tessel::builders {

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type,
                  ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> mixed;
  for (int64_t i = 0; i < type.getRank(); ++i)
    mixed.push_back(type.isDynamicDim(i)
                        ? sizes[i]
                        : OpFoldResult(b.getIndexAttr(type.getDimSize(i))));
  return tensor::EmptyOp::create(b, loc, mixed, type.getElementType());
}

Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                   ArrayRef<OpFoldResult> sizes, double value) {
  Value empty = emptyTensor(b, loc, type, sizes);
  Value scalar = arith::ConstantOp::create(
      b, loc, b.getFloatAttr(type.getElementType(), value));
  return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
}

Value castTo(OpBuilder &b, Location loc, Value value, RankedTensorType type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}

Value castFromF32(OpBuilder &b, Location loc, Value acc,
                  RankedTensorType type) {
  auto accType = cast<RankedTensorType>(acc.getType());
  Type element = type.getElementType();
  if (element.isF32())
    return castTo(b, loc, acc, type);
  int64_t rank = accType.getRank();
  AffineMap id = b.getMultiDimIdentityMap(rank);
  Value out = emptyTensor(b, loc, accType.clone(element),
                          tensor::getMixedSizes(b, loc, acc));
  Value converted = generic(b, loc, acc, out, {id, id}, iterators(rank),
                            [&](OpBuilder &nb, Location nl, ValueRange args) {
                              linalg::YieldOp::create(
                                  nb, nl, fromF32(nb, nl, args[0], element));
                            })[0];
  return castTo(b, loc, converted, type);
}

Value toF32(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

Value fromF32(OpBuilder &b, Location loc, Value v, Type elementType) {
  if (elementType.isF32())
    return v;
  return arith::TruncFOp::create(b, loc, elementType, v);
}

Value f32(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(value));
}

Value expViaExp2(OpBuilder &b, Location loc, Value d) {
  return math::Exp2Op::create(
      b, loc,
      arith::MulFOp::create(b, loc, d, f32(b, loc, 1.4426950408889634)));
}

Value loopIndex(OpBuilder &b, Location loc, int64_t dim) {
  return linalg::IndexOp::create(b, loc, dim);
}

ValueRange generic(OpBuilder &b, Location loc, ValueRange inputs,
                   ValueRange outputs, ArrayRef<AffineMap> maps,
                   ArrayRef<IteratorType> iterators, const BodyBuilder &body) {
  SmallVector<Type> resultTypes;
  for (Value out : outputs)
    resultTypes.push_back(out.getType());
  auto op = linalg::GenericOp::create(
      b, loc, resultTypes, inputs, outputs, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        body(nested, nestedLoc, args);
      });
  return op.getResults();
}

SmallVector<IteratorType> iterators(int64_t rank,
                                    ArrayRef<int64_t> reductions) {
  SmallVector<IteratorType> result(rank, IteratorType::parallel);
  for (int64_t r : reductions)
    result[r] = IteratorType::reduction;
  return result;
}

AffineMap projection(MLIRContext *context, int64_t rank,
                     ArrayRef<int64_t> dims) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d : dims)
    exprs.push_back(d < 0 ? getAffineConstantExpr(0, context)
                          : getAffineDimExpr(d, context));
  return AffineMap::get(rank, 0, exprs, context);
}

AffineMap broadcastMap(MLIRContext *context, int64_t rank,
                       RankedTensorType operand) {
  int64_t lead = rank - operand.getRank();
  SmallVector<int64_t> dims;
  for (int64_t d = 0; d < operand.getRank(); ++d)
    dims.push_back(operand.getDimSize(d) == 1 ? -1 : lead + d);
  return projection(context, rank, dims);
}

SmallVector<int64_t> range(int64_t begin, int64_t end) {
  SmallVector<int64_t> r;
  for (int64_t i = begin; i < end; ++i)
    r.push_back(i);
  return r;
}

Value multiplyAccumulate(OpBuilder &b, Location loc, Value lhs, Value rhs,
                         Value acc, ArrayRef<AffineMap> maps,
                         ArrayRef<IteratorType> iterators) {
  return generic(
      b, loc, ValueRange{lhs, rhs}, acc, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        // Reassociation lets LLVM vectorize the reduction over k, and
        // contraction fuse the multiply-add into an FMA; the sum's order
        // changes within f32 rounding.
        auto flags =
            arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
        Value product = arith::MulFOp::create(nb, nl, toF32(nb, nl, args[0]),
                                              toF32(nb, nl, args[1]), flags);
        linalg::YieldOp::create(
            nb, nl,
            arith::AddFOp::create(nb, nl, args[2], product, flags).getResult());
      })[0];
}

Value tileRows(OpBuilder &b, Location loc, Value start, Value end,
               int64_t block) {
  MLIRContext *ctx = b.getContext();
  AffineExpr remaining =
      getAffineSymbolExpr(1, ctx) - getAffineSymbolExpr(0, ctx);
  return affine::AffineMinOp::create(
      b, loc,
      AffineMap::get(0, 2, {getAffineConstantExpr(block, ctx), remaining}, ctx),
      ValueRange{start, end});
}

Value sliceOf(OpBuilder &b, Location loc, Value source,
              ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
              ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(source.getType());
  auto sliceType = RankedTensorType::get(shape, type.getElementType());
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, sliceType, source, offsets,
                                        sizes, strides);
}

Value extractIndex(OpBuilder &b, Location loc, Value tensor,
                   ValueRange indices) {
  Value x = tensor::ExtractOp::create(b, loc, tensor, indices);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), x);
}

Value safeMax(OpBuilder &b, Location loc, Value m) {
  Value isNegInf = arith::CmpFOp::create(
      b, loc, arith::CmpFPredicate::OEQ, m,
      f32(b, loc, -std::numeric_limits<double>::infinity()));
  return arith::SelectOp::create(b, loc, isNegInf, f32(b, loc, 0.0), m);
}

Value attentionLogit(
    OpBuilder &b, Location loc, Value qk, double scale, Value bias, Value shift,
    llvm::function_ref<std::pair<Value, Value>()> queryAndKey) {
  Value x =
      scale == 1.0
          ? qk
          : arith::MulFOp::create(b, loc, qk, f32(b, loc, scale)).getResult();
  if (bias)
    x = arith::AddFOp::create(b, loc, x, toF32(b, loc, bias));
  if (!shift)
    return x;
  auto [query, key] = queryAndKey();
  Value last = arith::AddIOp::create(b, loc, query, shift);
  Value visible =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, key, last);
  return arith::SelectOp::create(
      b, loc, visible, x,
      f32(b, loc, -std::numeric_limits<double>::infinity()));
}

} // namespace tessel::builders
