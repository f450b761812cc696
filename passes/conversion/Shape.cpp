//===- Shape.cpp - lowering of the tessel shape ops -----------------------===//
//
// slice, concat, broadcast, position_ids and the KV cache's reads and
// writes: data movement and indices only.
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/Passes.h"
#include "passes/utils/LinalgBuilders.h"

#include "dialect/TesselOps.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace tessel::builders;

namespace {

/// A tensor.empty of `type`, with `sizes` materialized as index values where
/// `type` is dynamic (a size may be static although the type is not).
Value emptyOf(OpBuilder &b, Location loc, RankedTensorType type,
              ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> mixed(sizes);
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      mixed[i] = getValueOrCreateConstantIndexOp(b, loc, sizes[i]);
  return emptyTensor(b, loc, type, mixed);
}

/// result = input[..., offset : offset + n, ...] along `axis`.
struct LowerSlice : OpRewritePattern<tessel::SliceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::SliceOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t r = type.getRank(), axis = op.getAxis();
    SmallVector<OpFoldResult> offsets(r, b.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(r, b.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(b, loc, op.getInput());
    int64_t offset = op.getOffset();
    offsets[axis] = b.getIndexAttr(offset);
    if (offset < 0) {
      // Counted from the end: the input's size + offset, at run time when
      // the size is dynamic.
      if (std::optional<int64_t> size = getConstantIntValue(sizes[axis]))
        offsets[axis] = b.getIndexAttr(*size + offset);
      else
        offsets[axis] = arith::AddIOp::create(
                            b, loc, cast<Value>(sizes[axis]),
                            arith::ConstantIndexOp::create(b, loc, offset))
                            .getResult();
    }
    if (type.isDynamicDim(axis))
      // The rest of the axis.
      sizes[axis] = b.createOrFold<arith::SubIOp>(
          loc, getValueOrCreateConstantIndexOp(b, loc, sizes[axis]),
          arith::ConstantIndexOp::create(b, loc, offset));
    else
      sizes[axis] = b.getIndexAttr(type.getDimSize(axis));
    Value slice = tensor::ExtractSliceOp::create(b, loc, op.getInput(), offsets,
                                                 sizes, strides);
    b.replaceOp(op, castTo(b, loc, slice, type));
    return success();
  }
};

/// tensor.empty of the joined shape, then one tensor.insert_slice per
/// input at the running offset along `axis`.
struct LowerConcat : OpRewritePattern<tessel::ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::ConcatOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t r = type.getRank(), axis = op.getAxis();
    // Every dimension but the axis: the first input whose size there is
    // dynamic gives it at run time when the result's is dynamic.
    SmallVector<OpFoldResult> sizes(r);
    for (int64_t d = 0; d < r; ++d) {
      if (d == axis)
        continue;
      if (!type.isDynamicDim(d)) {
        sizes[d] = b.getIndexAttr(type.getDimSize(d));
        continue;
      }
      for (Value v : op.getInputs()) {
        auto t = cast<RankedTensorType>(v.getType());
        if (t.isDynamicDim(d)) {
          sizes[d] = tensor::DimOp::create(b, loc, v, d).getResult();
          break;
        }
      }
      if (!sizes[d]) // Cannot happen when the verifier passed; be safe.
        sizes[d] = tensor::DimOp::create(b, loc, op.getInputs().front(), d)
                       .getResult();
    }
    // The axis: the sum of the inputs' sizes there; each input's offset is
    // the sum of those before it.
    SmallVector<OpFoldResult> offsets;
    OpFoldResult total = b.getIndexAttr(0);
    for (Value v : op.getInputs()) {
      offsets.push_back(total);
      auto t = cast<RankedTensorType>(v.getType());
      std::optional<int64_t> before = getConstantIntValue(total);
      if (!t.isDynamicDim(axis) && before) {
        total = b.getIndexAttr(*before + t.getDimSize(axis));
      } else {
        Value own =
            t.isDynamicDim(axis)
                ? tensor::DimOp::create(b, loc, v, axis).getResult()
                : arith::ConstantIndexOp::create(b, loc, t.getDimSize(axis))
                      .getResult();
        total = before == 0
                    ? own
                    : arith::AddIOp::create(
                          b, loc,
                          getValueOrCreateConstantIndexOp(b, loc, total), own)
                          .getResult();
      }
    }
    sizes[axis] = total;
    Value result = emptyOf(b, loc, type, sizes);
    SmallVector<OpFoldResult> strides(r, b.getIndexAttr(1));
    for (auto [v, offset] : llvm::zip(op.getInputs(), offsets)) {
      SmallVector<OpFoldResult> at(r, b.getIndexAttr(0));
      at[axis] = offset;
      result = tensor::InsertSliceOp::create(b, loc, v, result, at,
                                             tensor::getMixedSizes(b, loc, v),
                                             strides)
                   .getResult();
    }
    b.replaceOp(op, result);
    return success();
  }
};

/// NumPy broadcast_to: leading result dimensions are new, a static size-1
/// input dimension is stretched (constant-0 map entry), the others kept;
/// new and stretched axes of dynamic size take `like`'s.
struct LowerBroadcast : OpRewritePattern<tessel::BroadcastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::BroadcastOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value input = op.getInput();
    auto inType = cast<RankedTensorType>(input.getType());
    int64_t r = type.getRank(), lead = r - inType.getRank();
    SmallVector<OpFoldResult> sizes(r);
    SmallVector<int64_t> dims;
    for (int64_t d = 0; d < r; ++d)
      sizes[d] = b.getIndexAttr(type.getDimSize(d));
    for (int64_t j = 0; j < inType.getRank(); ++j) {
      bool stretched = inType.getDimSize(j) == 1;
      dims.push_back(stretched ? -1 : lead + j);
      // The verifier ties a dynamic result dimension to a dynamic input one
      // (or, stretched, to `like`'s, below).
      if (type.isDynamicDim(lead + j) && !stretched)
        sizes[lead + j] = tensor::DimOp::create(b, loc, input, j).getResult();
    }
    // New and stretched axes of dynamic size: `like`'s.
    for (int64_t d = 0; d < r; ++d)
      if (type.isDynamicDim(d) && (d < lead || dims[d - lead] == -1))
        sizes[d] = tensor::DimOp::create(b, loc, op.getLike(), d).getResult();
    Value out = emptyOf(b, loc, type, sizes);
    b.replaceOp(op, generic(b, loc, input, out,
                            {projection(b.getContext(), r, dims),
                             b.getMultiDimIdentityMap(r)},
                            iterators(r),
                            [](OpBuilder &nb, Location nl, ValueRange args) {
                              linalg::YieldOp::create(nb, nl, args[0]);
                            })[0]);
    return success();
  }
};

/// result[i] = offset + i for i < input.shape[axis], in i32 or i64.
struct LowerPositionIds : OpRewritePattern<tessel::PositionIdsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::PositionIdsOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    OpFoldResult n = tensor::getMixedSizes(b, loc, op.getInput())[op.getAxis()];
    Value out = emptyOf(b, loc, type, {n});
    Type element = type.getElementType();
    int64_t offset = op.getOffset();
    b.replaceOp(
        op, generic(b, loc, ValueRange{}, out, {b.getMultiDimIdentityMap(1)},
                    iterators(1), [&](OpBuilder &nb, Location nl, ValueRange) {
                      Value i = arith::IndexCastOp::create(
                          nb, nl, nb.getI64Type(), loopIndex(nb, nl, 0));
                      Value pos = arith::AddIOp::create(
                          nb, nl, i,
                          arith::ConstantOp::create(
                              nb, nl, nb.getI64IntegerAttr(offset)));
                      if (!element.isInteger(64))
                        pos = arith::TruncIOp::create(nb, nl, element, pos);
                      linalg::YieldOp::create(nb, nl, pos);
                    })[0]);
    return success();
  }
};

/// result[..., s, 0] = positions[..., s] < first || s >= S - last, as
/// 1.0 or 0.0.
struct LowerPositionMask : OpRewritePattern<tessel::PositionMaskOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::PositionMaskOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value positions = op.getPositions();
    int64_t r = type.getRank(), axis = r - 2;
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, positions);
    sizes.push_back(b.getIndexAttr(1));
    Value out = emptyOf(b, loc, type, sizes);
    // Positions from S - last on are the last ones.
    Value lastFrom = arith::SubIOp::create(
        b, loc, getValueOrCreateConstantIndexOp(b, loc, sizes[axis]),
        arith::ConstantIndexOp::create(b, loc, op.getLast()));
    int64_t first = op.getFirst();
    b.replaceOp(
        op,
        generic(b, loc, positions, out,
                {projection(b.getContext(), r, range(0, r - 1)),
                 b.getMultiDimIdentityMap(r)},
                iterators(r), [&](OpBuilder &nb, Location nl, ValueRange args) {
                  Value pos = args[0];
                  if (!pos.getType().isInteger(64))
                    pos = arith::ExtSIOp::create(nb, nl, nb.getI64Type(), pos);
                  Value early = arith::CmpIOp::create(
                      nb, nl, arith::CmpIPredicate::slt, pos,
                      arith::ConstantOp::create(nb, nl,
                                                nb.getI64IntegerAttr(first)));
                  Value late =
                      arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge,
                                            loopIndex(nb, nl, axis), lastFrom);
                  Value on = arith::OrIOp::create(nb, nl, early, late);
                  linalg::YieldOp::create(
                      nb, nl,
                      arith::SelectOp::create(nb, nl, on, f32(nb, nl, 1.0),
                                              f32(nb, nl, 0.0))
                          .getResult());
                })[0]);
    return success();
  }
};

/// tensor.insert_slice of the update at [0, 0, positions[0], 0]: in place
/// into the cache's buffer when bufferization can (an argument the entry
/// point updates). With positions [B, S], one insert_slice per sequence at
/// [b, 0, positions[b, 0], 0], in an scf.for that carries the cache.
struct LowerCacheWrite : OpRewritePattern<tessel::CacheWriteOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::CacheWriteOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value positions = op.getPositions(), update = op.getUpdate();
    SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, update);
    if (cast<RankedTensorType>(positions.getType()).getRank() == 1) {
      offsets[2] = extractIndex(b, loc, positions, zero);
      b.replaceOpWithNewOp<tensor::InsertSliceOp>(op, update, op.getCache(),
                                                  offsets, sizes, strides);
      return success();
    }
    Value batch = tensor::DimOp::create(b, loc, update, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto loop = scf::ForOp::create(
        b, loc, zero, batch, one, ValueRange{op.getCache()},
        [&](OpBuilder &nb, Location nl, Value row, ValueRange carried) {
          SmallVector<OpFoldResult> at(offsets);
          at[0] = row;
          SmallVector<OpFoldResult> rowSizes(sizes);
          rowSizes[0] = nb.getIndexAttr(1);
          Value rowUpdate = tensor::ExtractSliceOp::create(nb, nl, update, at,
                                                           rowSizes, strides);
          at[2] = extractIndex(nb, nl, positions, ValueRange{row, zero});
          Value written = tensor::InsertSliceOp::create(
              nb, nl, rowUpdate, carried[0], at, rowSizes, strides);
          scf::YieldOp::create(nb, nl, written);
        });
    b.replaceOp(op, loop.getResult(0));
    return success();
  }
};

/// The positions a step reads: positions[S - 1] + 1, or with positions
/// [B, S] max_b positions[b, S - 1] + 1 (an scf.for over the batch).
static Value readLength(OpBuilder &b, Location loc, Value positions) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  int64_t rank = cast<RankedTensorType>(positions.getType()).getRank();
  Value count = tensor::DimOp::create(b, loc, positions, rank - 1);
  Value lastIndex = arith::SubIOp::create(b, loc, count, one);
  Value last;
  if (rank == 1) {
    last = extractIndex(b, loc, positions, lastIndex);
  } else {
    Value batch = tensor::DimOp::create(b, loc, positions, 0);
    Value none = arith::ConstantIndexOp::create(b, loc, -1);
    auto loop = scf::ForOp::create(
        b, loc, zero, batch, one, ValueRange{none},
        [&](OpBuilder &nb, Location nl, Value row, ValueRange carried) {
          Value p = extractIndex(nb, nl, positions, ValueRange{row, lastIndex});
          scf::YieldOp::create(
              nb, nl,
              arith::MaxSIOp::create(nb, nl, carried[0], p).getResult());
        });
    last = loop.getResult(0);
  }
  return arith::AddIOp::create(b, loc, last, one);
}

/// tensor.extract_slice of the first positions[S - 1] + 1 rows; with
/// positions [B, S], of max_b positions[b, S - 1] + 1 (an scf.for over the
/// batch).
struct LowerCacheRead : OpRewritePattern<tessel::CacheReadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::CacheReadOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(b, loc, op.getCache());
    sizes[2] = readLength(b, loc, op.getPositions());
    SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
    Value slice = tensor::ExtractSliceOp::create(b, loc, op.getCache(), offsets,
                                                 sizes, strides);
    b.replaceOp(op, castTo(b, loc, slice, op.getType()));
    return success();
  }
};

/// Sequence b's position p: block block_table[b, p / P], slot p % P.
static std::pair<Value, Value> blockAndSlot(OpBuilder &b, Location loc,
                                            Value table, Value row, Value p,
                                            int64_t blockSize) {
  Value size = arith::ConstantIndexOp::create(b, loc, blockSize);
  Value entry = arith::DivUIOp::create(b, loc, p, size);
  Value block = extractIndex(b, loc, table, ValueRange{row, entry});
  return {block, arith::RemUIOp::create(b, loc, p, size)};
}

/// One insert_slice of update[b, :, j, :] into pool[block, :, slot, :] per
/// (sequence b, row j), in two scf.for loops carrying the pool.
struct LowerPagedCacheWrite : OpRewritePattern<tessel::PagedCacheWriteOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::PagedCacheWriteOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value update = op.getUpdate(), positions = op.getPositions();
    auto poolType = op.getPool().getType();
    int64_t blockSize = poolType.getDimSize(2);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value batch = tensor::DimOp::create(b, loc, update, 0);
    Value count = tensor::DimOp::create(b, loc, update, 2);
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, update);
    sizes[0] = sizes[2] = b.getIndexAttr(1);
    SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
    auto outer = scf::ForOp::create(
        b, loc, zero, batch, one, ValueRange{op.getPool()},
        [&](OpBuilder &ob, Location ol, Value row, ValueRange pool) {
          auto inner = scf::ForOp::create(
              ob, ol, zero, count, one, pool,
              [&](OpBuilder &nb, Location nl, Value j, ValueRange carried) {
                SmallVector<OpFoldResult> from = {row, nb.getIndexAttr(0), j,
                                                  nb.getIndexAttr(0)};
                Value rowUpdate = tensor::ExtractSliceOp::create(
                    nb, nl, update, from, sizes, strides);
                Value p = extractIndex(nb, nl, positions, ValueRange{row, j});
                auto [block, slot] =
                    blockAndSlot(nb, nl, op.getBlockTable(), row, p, blockSize);
                SmallVector<OpFoldResult> to = {block, nb.getIndexAttr(0), slot,
                                                nb.getIndexAttr(0)};
                Value written = tensor::InsertSliceOp::create(
                    nb, nl, rowUpdate, carried[0], to, sizes, strides);
                scf::YieldOp::create(nb, nl, written);
              });
          scf::YieldOp::create(ob, ol, inner.getResult(0));
        });
    b.replaceOp(op, outer.getResult(0));
    return success();
  }
};

/// A gather: result[b, h, p, d] = pool[table[b, p / P], h, p % P, d], up to
/// the furthest sequence's last position. (An attention that reads it is
/// tiled through the table instead; then only its sizes are used, and the
/// gather folds away.)
struct LowerPagedCacheRead : OpRewritePattern<tessel::PagedCacheReadOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::PagedCacheReadOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value pool = op.getPool(), table = op.getBlockTable();
    int64_t blockSize = op.getBlockSize();
    SmallVector<OpFoldResult> sizes = {
        tensor::DimOp::create(b, loc, op.getPositions(), 0).getResult(),
        b.getIndexAttr(type.getDimSize(1)),
        readLength(b, loc, op.getPositions()),
        b.getIndexAttr(type.getDimSize(3))};
    Value result = generic(
        b, loc, ValueRange{}, emptyOf(b, loc, type, sizes),
        {b.getMultiDimIdentityMap(4)}, iterators(4),
        [&](OpBuilder &nb, Location nl, ValueRange) {
          auto [block, slot] = blockAndSlot(nb, nl, table, loopIndex(nb, nl, 0),
                                            loopIndex(nb, nl, 2), blockSize);
          Value x =
              tensor::ExtractOp::create(nb, nl, pool,
                                        ValueRange{block, loopIndex(nb, nl, 1),
                                                   slot, loopIndex(nb, nl, 3)});
          linalg::YieldOp::create(nb, nl, x);
        })[0];
    b.replaceOp(op, result);
    return success();
  }
};

/// A copy into a fresh buffer: bufferization.alloc_tensor allocates, so CSE
/// neither merges it with another nor with what reads its input.
struct LowerRecomputeBarrier : OpRewritePattern<tessel::RecomputeBarrierOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::RecomputeBarrierOp op,
                                PatternRewriter &b) const override {
    b.replaceOpWithNewOp<bufferization::AllocTensorOp>(
        op, cast<RankedTensorType>(op.getType()), ValueRange(), op.getInput());
    return success();
  }
};

} // namespace

void tessel::populateShapeLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerRecomputeBarrier>(patterns.getContext());
  patterns.add<LowerSlice, LowerConcat, LowerBroadcast, LowerPositionIds,
               LowerPositionMask, LowerCacheWrite, LowerCacheRead,
               LowerPagedCacheWrite, LowerPagedCacheRead>(
      patterns.getContext());
}
