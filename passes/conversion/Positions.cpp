//===- Positions.cpp - lowering of the tessel positions ops ---------------===//
//
// Per-feature and per-head constants (frequencies, ALiBi slopes) are known at
// compile time: they become arith.constant tensors read through an input
// map. Angles and trigonometry run in f32 (as HuggingFace computes them).
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/Passes.h"
#include "passes/utils/LinalgBuilders.h"

#include "dialect/TesselOps.h"

#include <cmath>

using namespace mlir;
using namespace tessel::builders;

namespace {

/// A rank-1 f32 constant tensor.
Value constantVector(OpBuilder &b, Location loc, ArrayRef<float> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    b.getF32Type());
  auto attr = DenseElementsAttr::get(type, values);
  return arith::ConstantOp::create(b, loc, cast<TypedAttr>(attr));
}

/// A position (i32 or i64) as i64.
Value toI64(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isInteger(64))
    return v;
  return arith::ExtSIOp::create(b, loc, b.getI64Type(), v);
}

/// A position as f32.
Value positionToF32(OpBuilder &b, Location loc, Value v) {
  return arith::SIToFPOp::create(b, loc, b.getF32Type(), v);
}

Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value cmpIndex(OpBuilder &b, Location loc, arith::CmpIPredicate p, Value x,
               int64_t c) {
  return arith::CmpIOp::create(b, loc, p, x, indexConstant(b, loc, c));
}

/// The size of dimension `dim` of `v` (static attribute or tensor.dim).
OpFoldResult sizeOf(OpBuilder &b, Location loc, Value v, int64_t dim) {
  auto type = cast<RankedTensorType>(v.getType());
  if (!type.isDynamicDim(dim))
    return b.getIndexAttr(type.getDimSize(dim));
  return tensor::DimOp::create(b, loc, v, dim).getResult();
}

/// rope: x [..., S, D], positions [S] or [B, S] (rank-4 input). A first
/// generic computes cos and sin of every (position, feature) once, of shape
/// positions.shape + [D]; the second rotates each feature with its partner
/// (read with tensor.extract) for every leading index (heads share them).
struct LowerRope : OpRewritePattern<tessel::RopeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::RopeOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank();
    int64_t d = type.getShape().back(), r = op.getNumRotaryDims(), half = r / 2;
    bool interleaved = op.getInterleaved();
    double theta = op.getTheta().convertToDouble();
    Value x = op.getInput(), positions = op.getPositions();
    auto posType = cast<RankedTensorType>(positions.getType());
    int64_t posRank = posType.getRank();

    // w of the pair each feature belongs to; 0 (no rotation) from r on.
    SmallVector<float> freqs(d, 0.0f);
    for (int64_t f = 0; f < r; ++f) {
      int64_t i = interleaved ? f / 2 : f % half;
      freqs[f] = static_cast<float>(std::pow(theta, -2.0 * i / r));
    }
    Value freqTable = constantVector(b, loc, freqs);

    // cos/sin tables: [S, D] or [B, S, D].
    SmallVector<OpFoldResult> tableSizes =
        tensor::getMixedSizes(b, loc, positions);
    tableSizes.push_back(b.getIndexAttr(d));
    SmallVector<int64_t> tableShape(posType.getShape());
    tableShape.push_back(d);
    auto tableType = RankedTensorType::get(tableShape, b.getF32Type());
    int64_t tr = posRank + 1;
    ValueRange tables = generic(
        b, loc, ValueRange{positions, freqTable},
        ValueRange{emptyTensor(b, loc, tableType, tableSizes),
                   emptyTensor(b, loc, tableType, tableSizes)},
        {projection(ctx, tr, range(0, posRank)), projection(ctx, tr, {posRank}),
         b.getMultiDimIdentityMap(tr), b.getMultiDimIdentityMap(tr)},
        iterators(tr), [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value p = positionToF32(nb, nl, toI64(nb, nl, args[0]));
          Value angle = arith::MulFOp::create(nb, nl, p, args[1]);
          if (op.getInverse())
            angle = arith::NegFOp::create(nb, nl, angle);
          linalg::YieldOp::create(
              nb, nl,
              ValueRange{math::CosOp::create(nb, nl, angle).getResult(),
                         math::SinOp::create(nb, nl, angle).getResult()});
        });

    // The rotation.
    SmallVector<int64_t> tableDims;
    if (posRank == 2)
      tableDims.push_back(0);
    tableDims.append({rank - 2, rank - 1});
    AffineMap tableMap = projection(ctx, rank, tableDims);
    Value out = emptyTensor(b, loc, type, tensor::getMixedSizes(b, loc, x));
    Type element = type.getElementType();
    Value result = generic(
        b, loc, ValueRange{x, tables[0], tables[1]}, out,
        {b.getMultiDimIdentityMap(rank), tableMap, tableMap,
         b.getMultiDimIdentityMap(rank)},
        iterators(rank), [&](OpBuilder &nb, Location nl, ValueRange args) {
          using P = arith::CmpIPredicate;
          Value f = loopIndex(nb, nl, rank - 1);
          // The partner feature, and whether this one is the first of the
          // pair (u -> u cos - v sin) or the second (v -> v cos + u sin).
          Value partner, first;
          // (Operands are built one statement at a time so that the IR does
          // not depend on the compiler's argument evaluation order.)
          Value offset;
          if (interleaved) {
            Value parity =
                arith::RemUIOp::create(nb, nl, f, indexConstant(nb, nl, 2));
            first = cmpIndex(nb, nl, P::eq, parity, 0);
            offset = indexConstant(nb, nl, 1);
          } else {
            first = cmpIndex(nb, nl, P::ult, f, half);
            offset = indexConstant(nb, nl, half);
          }
          Value up = arith::AddIOp::create(nb, nl, f, offset);
          Value down = arith::SubIOp::create(nb, nl, f, offset);
          partner = arith::SelectOp::create(nb, nl, first, up, down);
          // Features from r on pass through; they read themselves as the
          // partner so that the extract stays in bounds.
          Value rotated;
          if (r < d) {
            rotated = cmpIndex(nb, nl, P::ult, f, r);
            partner = arith::SelectOp::create(nb, nl, rotated, partner, f);
          }
          SmallVector<Value> indices;
          for (int64_t i = 0; i + 1 < rank; ++i)
            indices.push_back(loopIndex(nb, nl, i));
          indices.push_back(partner);
          Value other = tensor::ExtractOp::create(nb, nl, x, indices);
          Value self = toF32(nb, nl, args[0]);
          Value c = args[1], s = args[2];
          Value sc = arith::MulFOp::create(nb, nl, self, c);
          Value os = arith::MulFOp::create(nb, nl, toF32(nb, nl, other), s);
          Value minus = arith::SubFOp::create(nb, nl, sc, os);
          Value plus = arith::AddFOp::create(nb, nl, sc, os);
          Value y = arith::SelectOp::create(nb, nl, first, minus, plus);
          y = fromF32(nb, nl, y, element);
          if (r < d)
            y = arith::SelectOp::create(nb, nl, rotated, y, args[0]);
          linalg::YieldOp::create(nb, nl, y);
        })[0];
    b.replaceOp(op, result);
    return success();
  }
};

/// y[..., 2i] = sin(p / base^(2i/D)), y[..., 2i+1] = cos(p / base^(2i/D)).
struct LowerSinusoidalEmbedding
    : OpRewritePattern<tessel::SinusoidalEmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::SinusoidalEmbeddingOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank(), d = type.getShape().back();
    double base = op.getBase().convertToDouble();
    // base^(2i/D) of the pair i = f / 2 of each feature f.
    SmallVector<float> denominators;
    for (int64_t f = 0; f < d; ++f)
      denominators.push_back(
          static_cast<float>(std::pow(base, 2.0 * (f / 2) / d)));
    Value table = constantVector(b, loc, denominators);
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(b, loc, op.getPositions());
    sizes.push_back(b.getIndexAttr(d));
    Value out = emptyTensor(b, loc, type, sizes);
    Type element = type.getElementType();
    Value result = generic(
        b, loc, ValueRange{op.getPositions(), table}, out,
        {projection(ctx, rank, range(0, rank - 1)),
         projection(ctx, rank, {rank - 1}), b.getMultiDimIdentityMap(rank)},
        iterators(rank), [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value p = positionToF32(nb, nl, toI64(nb, nl, args[0]));
          Value angle = arith::DivFOp::create(nb, nl, p, args[1]);
          Value f = loopIndex(nb, nl, rank - 1);
          Value parity =
              arith::RemUIOp::create(nb, nl, f, indexConstant(nb, nl, 2));
          Value even = cmpIndex(nb, nl, arith::CmpIPredicate::eq, parity, 0);
          Value sin = math::SinOp::create(nb, nl, angle);
          Value cos = math::CosOp::create(nb, nl, angle);
          Value y = arith::SelectOp::create(nb, nl, even, sin, cos);
          linalg::YieldOp::create(nb, nl, fromF32(nb, nl, y, element));
        })[0];
    b.replaceOp(op, result);
    return success();
  }
};

/// HuggingFace T5's `_relative_position_bucket` of r = key - query, with the
/// logarithmic part in f32 as torch evaluates it, truncated toward zero.
Value t5Bucket(OpBuilder &b, Location loc, Value r, int64_t numBuckets,
               int64_t maxDistance, bool bidirectional) {
  auto i64 = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v).getResult();
  };
  using P = arith::CmpIPredicate;
  Value zero = i64(0), bucket = zero, n;
  if (bidirectional) {
    numBuckets /= 2;
    Value after = arith::CmpIOp::create(b, loc, P::sgt, r, zero);
    Value upper = i64(numBuckets);
    bucket = arith::SelectOp::create(b, loc, after, upper, zero);
    n = math::AbsIOp::create(b, loc, r);
  } else {
    Value negated = arith::SubIOp::create(b, loc, zero, r);
    n = arith::MaxSIOp::create(b, loc, negated, zero);
  }
  int64_t maxExact = numBuckets / 2;
  Value small = arith::CmpIOp::create(b, loc, P::slt, n, i64(maxExact));
  // The log is taken of max(n, maxExact) >= 1: its value is only used for
  // n >= maxExact, and stays finite and non-negative otherwise.
  Value safe = arith::MaxSIOp::create(b, loc, n, i64(maxExact));
  Value v = positionToF32(b, loc, safe);
  v = arith::DivFOp::create(b, loc, v,
                            f32(b, loc, static_cast<double>(maxExact)));
  v = math::LogOp::create(b, loc, v);
  v = arith::DivFOp::create(
      b, loc, v,
      f32(b, loc,
          static_cast<float>(std::log(static_cast<double>(maxDistance) /
                                      static_cast<double>(maxExact)))));
  v = arith::MulFOp::create(
      b, loc, v, f32(b, loc, static_cast<double>(numBuckets - maxExact)));
  Value steps = arith::FPToSIOp::create(b, loc, b.getI64Type(), v);
  Value large = arith::AddIOp::create(b, loc, i64(maxExact), steps);
  large = arith::MinSIOp::create(b, loc, large, i64(numBuckets - 1));
  Value inSide = arith::SelectOp::create(b, loc, small, n, large);
  return arith::AddIOp::create(b, loc, bucket, inSide);
}

/// The loop dimensions of a bias op's result [(B,) H, S, T] that its query
/// positions [(B,) S] follow, with `lead` = 1 for a batch dimension.
SmallVector<int64_t> queryDims(int64_t lead) {
  SmallVector<int64_t> dims;
  if (lead)
    dims.push_back(0);
  dims.push_back(lead + 1);
  return dims;
}

/// The sizes of a bias op's result: [(B,) H, S, T].
SmallVector<OpFoldResult> biasSizes(OpBuilder &b, Location loc, Value q,
                                    Value k, int64_t heads) {
  int64_t lead = cast<RankedTensorType>(q.getType()).getRank() - 1;
  SmallVector<OpFoldResult> sizes;
  if (lead)
    sizes.push_back(sizeOf(b, loc, q, 0));
  sizes.append(
      {b.getIndexAttr(heads), sizeOf(b, loc, q, lead), sizeOf(b, loc, k, 0)});
  return sizes;
}

/// The table row of every (query, key): [(B,) S, T] int64 of `rowsType`
/// (its static sizes), row(kpos[j] - qpos[(b,) i]) by T5's buckets or
/// shaw's clipped distance.
Value bucketRows(OpBuilder &b, Location loc, Value q, Value k,
                 RankedTensorType rowsType, bool t5, int64_t numBuckets,
                 int64_t maxDistance, bool bidirectional) {
  MLIRContext *ctx = b.getContext();
  int64_t lead = cast<RankedTensorType>(q.getType()).getRank() - 1;
  int64_t rank = 2 + lead;
  SmallVector<OpFoldResult> sizes;
  if (lead)
    sizes.push_back(sizeOf(b, loc, q, 0));
  sizes.append({sizeOf(b, loc, q, lead), sizeOf(b, loc, k, 0)});
  SmallVector<int64_t> qDims = queryDims(lead);
  qDims.back() -= 1;
  return generic(
      b, loc, ValueRange{q, k}, emptyTensor(b, loc, rowsType, sizes),
      {projection(ctx, rank, qDims), projection(ctx, rank, {rank - 1}),
       b.getMultiDimIdentityMap(rank)},
      iterators(rank), [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value key = toI64(nb, nl, args[1]);
        Value query = toI64(nb, nl, args[0]);
        Value r = arith::SubIOp::create(nb, nl, key, query);
        Value row;
        if (t5) {
          row = t5Bucket(nb, nl, r, numBuckets, maxDistance, bidirectional);
        } else {
          auto i64 = [&](int64_t v) {
            return arith::ConstantIntOp::create(nb, nl, nb.getI64Type(), v)
                .getResult();
          };
          row = arith::MaxSIOp::create(nb, nl, r, i64(-maxDistance));
          row = arith::MinSIOp::create(nb, nl, row, i64(maxDistance));
          row = arith::AddIOp::create(nb, nl, row, i64(maxDistance));
        }
        linalg::YieldOp::create(nb, nl, row);
      })[0];
}

/// y[(b,) h, i, j] = table[row(kpos[j] - qpos[(b,) i]), h]: a generic
/// computes the [(B,) S, T] rows (bucketRows), a second gathers the table
/// for every head.
struct LowerRelativeBias : OpRewritePattern<tessel::RelativeBiasOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::RelativeBiasOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    Value q = op.getQueryPositions(), k = op.getKeyPositions();
    Value table = op.getTable();
    auto tableShape = cast<RankedTensorType>(table.getType()).getShape();
    int64_t numBuckets = tableShape[0], heads = tableShape[1];
    int64_t lead = cast<RankedTensorType>(q.getType()).getRank() - 1;
    int64_t rank = 3 + lead;

    SmallVector<int64_t> rowShape(type.getShape());
    rowShape.erase(rowShape.begin() + lead);
    Value rows = bucketRows(
        b, loc, q, k, RankedTensorType::get(rowShape, b.getI64Type()),
        op.getKind() == tessel::RelativeBiasKind::t5, numBuckets,
        static_cast<int64_t>(op.getMaxDistance()), op.getBidirectional());

    SmallVector<int64_t> notHead;
    for (int64_t d = 0; d < rank; ++d)
      if (d != lead)
        notHead.push_back(d);
    Value result = generic(
        b, loc, rows, emptyTensor(b, loc, type, biasSizes(b, loc, q, k, heads)),
        {projection(ctx, rank, notHead), b.getMultiDimIdentityMap(rank)},
        iterators(rank), [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value row =
              arith::IndexCastOp::create(nb, nl, nb.getIndexType(), args[0]);
          Value h = loopIndex(nb, nl, lead);
          linalg::YieldOp::create(
              nb, nl,
              tensor::ExtractOp::create(nb, nl, table, ValueRange{row, h})
                  .getResult());
        })[0];
    b.replaceOp(op, result);
    return success();
  }
};

/// The rows of relative_bias (bucketRows) as the op's result.
struct LowerRelativeBuckets : OpRewritePattern<tessel::RelativeBucketsOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::RelativeBucketsOp op,
                                PatternRewriter &b) const override {
    b.replaceOp(op, bucketRows(b, op.getLoc(), op.getQueryPositions(),
                               op.getKeyPositions(), op.getType(),
                               op.getKind() == tessel::RelativeBiasKind::t5,
                               static_cast<int64_t>(op.getNumBuckets()),
                               static_cast<int64_t>(op.getMaxDistance()),
                               op.getBidirectional()));
    return success();
  }
};

/// The ALiBi slopes of `heads` heads (Press et al.).
SmallVector<double> alibiSlopes(int64_t heads) {
  auto powerOfTwo = [](int64_t n) {
    SmallVector<double> slopes;
    for (int64_t h = 0; h < n; ++h)
      slopes.push_back(std::pow(2.0, -8.0 * (h + 1) / n));
    return slopes;
  };
  int64_t closest = 1;
  while (closest * 2 <= heads)
    closest *= 2;
  SmallVector<double> slopes = powerOfTwo(closest);
  SmallVector<double> extra = powerOfTwo(2 * closest);
  for (int64_t i = 0; static_cast<int64_t>(slopes.size()) < heads; i += 2)
    slopes.push_back(extra[i]);
  return slopes;
}

/// y[(b,) h, i, j] = -m_h * |qpos[(b,) i] - kpos[j]|, the negated slopes a
/// constant [H] tensor.
struct LowerAlibi : OpRewritePattern<tessel::AlibiOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::AlibiOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    Value q = op.getQueryPositions(), k = op.getKeyPositions();
    int64_t lead = cast<RankedTensorType>(q.getType()).getRank() - 1;
    int64_t rank = 3 + lead;
    int64_t heads = type.getShape()[lead];
    SmallVector<float> negated;
    for (double m : alibiSlopes(heads))
      negated.push_back(static_cast<float>(-m));
    Value slopes = constantVector(b, loc, negated);
    Value out = emptyTensor(b, loc, type, biasSizes(b, loc, q, k, heads));
    Type element = type.getElementType();
    Value result =
        generic(b, loc, ValueRange{slopes, q, k}, out,
                {projection(ctx, rank, {lead}),
                 projection(ctx, rank, queryDims(lead)),
                 projection(ctx, rank, {rank - 1}),
                 b.getMultiDimIdentityMap(rank)},
                iterators(rank),
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  Value query = toI64(nb, nl, args[1]);
                  Value key = toI64(nb, nl, args[2]);
                  Value distance = math::AbsIOp::create(
                      nb, nl, arith::SubIOp::create(nb, nl, query, key));
                  Value y = arith::MulFOp::create(
                      nb, nl, args[0], positionToF32(nb, nl, distance));
                  linalg::YieldOp::create(nb, nl, fromF32(nb, nl, y, element));
                })[0];
    b.replaceOp(op, result);
    return success();
  }
};

} // namespace

void tessel::populatePositionLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerRope, LowerSinusoidalEmbedding, LowerRelativeBias,
               LowerRelativeBuckets, LowerAlibi>(patterns.getContext());
}
