//===- MmaAttention.cpp - attention on tensor cores, chosen on tensors ----===//
//
// The CUDA target's choice, made before attention is lowered to linalg:
// each `tessel.attention` that the tensor-core kernel computes becomes a
// `tessel.mma_attention` on bf16 (or f16) copies of its query, key and
// value. The copies are fresh, contiguous [B, H, S, D] buffers once
// bufferized, so the kernel can stage 16-byte rows with cp.async whatever
// layout the projections left; they cost O(S D) beside attention's
// O(S T D). A head dimension that is not a multiple of 16 (mma.sync's k)
// is padded with zeros, which add nothing to q . k, and the padded output
// columns are dropped. A position bias is computed in the tile: ALiBi from
// its positions, a relative bias (T5, Shaw) from its positions and a table
// of its value at each distance, [H, 2L + 1] where the [H, S, T] bias was.
// The rest stays `tessel.attention`, lowered untiled.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/gpu/MmaOps.h"
#include "passes/codegen/gpu/Passes.h"
#include "passes/utils/LinalgBuilders.h"

#include "dialect/TesselDialect.h"
#include "dialect/TesselOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELGPUMMAATTENTION
#include "passes/codegen/gpu/Passes.h.inc"
} // namespace tessel

using namespace mlir;
using namespace tessel::builders;

namespace {

/// The largest head dimension the kernel keeps in registers without
/// spilling: a warp's 16 query rows and 16 output rows of 128 columns.
constexpr int64_t kMaxHeadDim = 128;

/// `n` rounded up to a multiple of 16.
int64_t padded(int64_t n) { return (n + 15) / 16 * 16; }

/// `x` with its last dimension padded with zeros to a multiple of 16.
/// (In x's own type: a bf16 pad value would become a bf16 kernel argument,
/// which the host's compiler runtime may not pass.)
Value padLast(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t last = type.getShape().back();
  if (padded(last) == last)
    return x;
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = padded(last);
  SmallVector<int64_t> low(shape.size(), 0), high(shape.size(), 0);
  high.back() = padded(last) - last;
  auto pad = tensor::PadOp::create(b, loc, type.clone(shape), x, low, high,
                                   ValueRange{}, ValueRange{});
  OpBuilder::InsertionGuard guard(b);
  Block *block = b.createBlock(
      &pad.getRegion(), {}, SmallVector<Type>(shape.size(), b.getIndexType()),
      SmallVector<Location>(shape.size(), loc));
  b.setInsertionPointToStart(block);
  tensor::YieldOp::create(
      b, loc,
      arith::ConstantOp::create(b, loc,
                                b.getFloatAttr(type.getElementType(), 0.0))
          .getResult());
  return pad;
}

/// `x` converted (or copied) into a fresh tensor of element type `element`,
/// its last dimension padded with zeros to a multiple of 16.
Value freshCopy(OpBuilder &b, Location loc, Value x, Type element) {
  x = padLast(b, loc, x);
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  Value init = emptyTensor(b, loc, type.clone(element), sizes);
  AffineMap id = b.getMultiDimIdentityMap(type.getRank());
  return generic(
      b, loc, x, init, {id, id},
      SmallVector<IteratorType>(type.getRank(), IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(
            nb, nl, fromF32(nb, nl, toF32(nb, nl, args[0]), element));
      })[0];
}

/// A bias the kernel computes in the tile from query and key positions:
/// ALiBi, or a relative bias (tabulated per distance). Its heads are the
/// query heads, its key positions [T].
struct PositionBias {
  Value queryPositions, keyPositions;
  tessel::AlibiOp alibi;
  tessel::RelativeBiasOp relative;
};

std::optional<PositionBias> positionBiasOf(tessel::AttentionOp op) {
  Value bias = op.getBias();
  if (!bias)
    return std::nullopt;
  auto type = cast<RankedTensorType>(bias.getType());
  int64_t heads = cast<RankedTensorType>(op.getQuery().getType()).getShape()[1];
  int64_t rank = type.getRank();
  if ((rank != 3 && rank != 4) || ShapedType::isDynamic(heads) ||
      type.getShape()[rank - 3] != heads || !type.getElementType().isF32())
    return std::nullopt;
  PositionBias found;
  if (auto alibi = bias.getDefiningOp<tessel::AlibiOp>()) {
    found.alibi = alibi;
    found.queryPositions = alibi.getQueryPositions();
    found.keyPositions = alibi.getKeyPositions();
  } else if (auto relative = bias.getDefiningOp<tessel::RelativeBiasOp>()) {
    found.relative = relative;
    found.queryPositions = relative.getQueryPositions();
    found.keyPositions = relative.getKeyPositions();
  } else {
    return std::nullopt;
  }
  if (cast<RankedTensorType>(found.keyPositions.getType()).getRank() != 1)
    return std::nullopt;
  return found;
}

/// The relative bias of every distance r in [-L, L], L = S + T (more than
/// any visible query-key pair is apart): `relative` evaluated for one query
/// at position L and keys 0..2L, as [H, 2L + 1].
Value distanceTable(OpBuilder &b, Location loc, tessel::RelativeBiasOp relative,
                    tessel::AttentionOp op) {
  Type i64 = b.getI64Type();
  Value seq = tensor::DimOp::create(b, loc, op.getQuery(), 2);
  Value len = tensor::DimOp::create(b, loc, op.getKey(), 2);
  Value l = arith::AddIOp::create(b, loc, seq, len);
  Value count =
      arith::AddIOp::create(b, loc, arith::AddIOp::create(b, loc, l, l),
                            arith::ConstantIndexOp::create(b, loc, 1));
  auto keysType = RankedTensorType::get({ShapedType::kDynamic}, i64);
  Value keys =
      generic(b, loc, ValueRange{}, emptyTensor(b, loc, keysType, {count}),
              {b.getMultiDimIdentityMap(1)}, {IteratorType::parallel},
              [&](OpBuilder &nb, Location nl, ValueRange) {
                linalg::YieldOp::create(nb, nl,
                                        arith::IndexCastOp::create(
                                            nb, nl, i64, loopIndex(nb, nl, 0))
                                            .getResult());
              })[0];
  // The query at position L: a slice of the keys (a one-element buffer of
  // its own would be written by the host, which cannot write device
  // memory).
  Value query = tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({1}, i64), keys, ArrayRef<OpFoldResult>{l},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  int64_t heads =
      cast<RankedTensorType>(relative.getTable().getType()).getShape()[1];
  auto type =
      RankedTensorType::get({heads, 1, ShapedType::kDynamic}, b.getF32Type());
  auto table = tessel::RelativeBiasOp::create(
      b, loc, type, relative.getKindAttr(), relative.getTable(), query, keys,
      relative.getMaxDistanceAttr(), relative.getBidirectionalAttr());
  return tensor::CollapseShapeOp::create(
      b, loc,
      RankedTensorType::get({heads, ShapedType::kDynamic}, b.getF32Type()),
      table, ArrayRef<ReassociationIndices>{{0}, {1, 2}});
}

/// Why the kernel does not compute `op`, or "" when it does.
std::string unsupported(tessel::AttentionOp op) {
  if (op.getBias() && !positionBiasOf(op))
    return "a bias other than ALiBi or a relative bias of the query heads";
  if (op.getLse() && !op.getLse().use_empty())
    return "its log-sum-exp";
  auto d = cast<RankedTensorType>(op.getQuery().getType()).getShape().back();
  auto dv = cast<RankedTensorType>(op.getValue().getType()).getShape().back();
  for (int64_t dim : {d, dv})
    if (ShapedType::isDynamic(dim) || padded(dim) > kMaxHeadDim)
      return "head dimension " +
             (ShapedType::isDynamic(dim) ? std::string("?")
                                         : std::to_string(dim)) +
             " (the kernel keeps up to " + std::to_string(kMaxHeadDim) +
             " in registers)";
  return "";
}

struct MmaAttention : tessel::impl::TesselGpuMmaAttentionBase<MmaAttention> {
  using TesselGpuMmaAttentionBase::TesselGpuMmaAttentionBase;

  void runOnOperation() override {
    OpBuilder b(&getContext());
    FailureOr<Type> parsed = tessel::mma::mmaElementType(
        getOperation(), "tessel-gpu-mma-attention", elementType);
    if (failed(parsed))
      return signalPassFailure();
    Type element = *parsed;
    SmallVector<tessel::AttentionOp> ops;
    getOperation().walk([&](tessel::AttentionOp op) {
      if (unsupported(op).empty())
        ops.push_back(op);
    });
    for (tessel::AttentionOp op : ops) {
      b.setInsertionPoint(op);
      Location loc = op.getLoc();
      Value q = freshCopy(b, loc, op.getQuery(), element);
      Value k = freshCopy(b, loc, op.getKey(), element);
      Value v = freshCopy(b, loc, op.getValue(), element);
      auto resultType = cast<RankedTensorType>(op.getResult().getType());
      SmallVector<int64_t> shape(resultType.getShape());
      int64_t dv = shape.back();
      shape.back() = padded(dv);
      SmallVector<OpFoldResult> sizes =
          tensor::getMixedSizes(b, loc, op.getQuery());
      sizes.back() = b.getIndexAttr(shape.back());
      Value init = emptyTensor(b, loc, resultType.clone(shape), sizes);
      std::optional<PositionBias> bias = positionBiasOf(op);
      Value table = bias && bias->relative
                        ? distanceTable(b, loc, bias->relative, op)
                        : Value();
      auto mma = tessel::MmaAttentionOp::create(
          b, loc, TypeRange{init.getType()}, q, k, v, op.getPositions(),
          bias ? bias->queryPositions : Value(),
          bias ? bias->keyPositions : Value(), table, init,
          b.getF64FloatAttr(op.getScaleOrDefault()), op.getCausalAttr(),
          bias && bias->alibi ? b.getUnitAttr() : UnitAttr());
      Value result = mma.getResult()[0];
      if (shape.back() != dv) {
        SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0)),
            strides(4, b.getIndexAttr(1));
        sizes.back() = b.getIndexAttr(dv);
        result = tensor::ExtractSliceOp::create(b, loc, resultType, result,
                                                offsets, sizes, strides);
      }
      op.getResult().replaceAllUsesWith(result);
      op.erase();
      // The [H, S, T] bias is not needed any more, unless something else
      // reads it.
      if (bias) {
        Operation *biasOp = bias->alibi ? bias->alibi.getOperation()
                                        : bias->relative.getOperation();
        if (biasOp->use_empty())
          biasOp->erase();
      }
    }
  }
};

} // namespace
