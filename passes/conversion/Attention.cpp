//===- Attention.cpp - lowering of the tessel attention ops ---------------===//
//
// softmax, attention (naive: the [B, Hq, S, T] logits are materialized; a
// later pass swaps in FlashAttention) and cross_entropy. Everything is
// accumulated in f32.
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/Passes.h"
#include "passes/utils/LinalgBuilders.h"

#include "dialect/TesselOps.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

#include <limits>

using namespace mlir;
using namespace tessel::builders;

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

/// `dims` without the entry at `drop`.
SmallVector<int64_t> without(ArrayRef<int64_t> dims, int64_t drop) {
  SmallVector<int64_t> r;
  for (auto [i, d] : llvm::enumerate(dims))
    if (static_cast<int64_t>(i) != drop)
      r.push_back(d);
  return r;
}

//===----------------------------------------------------------------------===//
// softmax
//===----------------------------------------------------------------------===//

/// The maximum of `x` along `axis`, and the sum of exp(x - max) along it,
/// both f32 over the lines of sizes `lineSizes`: what a softmax and a
/// log-sum-exp start from.
static std::pair<Value, Value>
maxAndSumOfExp(OpBuilder &b, Location loc, Value x, int64_t axis,
               ArrayRef<OpFoldResult> lineSizes) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t r = type.getRank();
  auto lineType =
      RankedTensorType::get(without(type.getShape(), axis), b.getF32Type());
  AffineMap all = b.getMultiDimIdentityMap(r);
  AffineMap lines = projection(ctx, r, without(range(0, r), axis));
  SmallVector<IteratorType> reduce = iterators(r, {axis});

  Value max = generic(
      b, loc, x, filledTensor(b, loc, lineType, lineSizes, kNegInf),
      {all, lines}, reduce, [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(
            nb, nl,
            arith::MaximumFOp::create(nb, nl, args[1], toF32(nb, nl, args[0]))
                .getResult());
      })[0];
  Value sum = generic(
      b, loc, ValueRange{x, max},
      filledTensor(b, loc, lineType, lineSizes, 0.0), {all, lines, lines},
      reduce, [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value e = expViaExp2(
            nb, nl,
            arith::SubFOp::create(nb, nl, toF32(nb, nl, args[0]), args[1]));
        linalg::YieldOp::create(
            nb, nl, arith::AddFOp::create(nb, nl, args[2], e).getResult());
      })[0];
  return {max, sum};
}

/// exp(x - max(x)) / sum(exp(x - max(x))) along `axis` of `x`, whose other
/// sizes are `lineSizes`. The result is written into `out` (its element
/// type); when `out` is `x` itself (f32), in place. A line whose maximum is
/// -inf (every entry masked) gives NaN, as in the interpreter. `lse`, when
/// given, receives each line's log-sum-exp, max + log(sum) (f32).
Value softmaxAlong(OpBuilder &b, Location loc, Value x, int64_t axis,
                   ArrayRef<OpFoldResult> lineSizes, Value out,
                   Value *lse = nullptr) {
  MLIRContext *ctx = b.getContext();
  int64_t r = cast<RankedTensorType>(x.getType()).getRank();
  AffineMap all = b.getMultiDimIdentityMap(r);
  AffineMap lines = projection(ctx, r, without(range(0, r), axis));
  auto [max, sum] = maxAndSumOfExp(b, loc, x, axis, lineSizes);
  if (lse) {
    // Before the softmax, which may overwrite x (and so not max and sum).
    auto lineType = cast<RankedTensorType>(max.getType());
    AffineMap id = b.getMultiDimIdentityMap(r - 1);
    *lse = generic(
        b, loc, ValueRange{max, sum}, emptyTensor(b, loc, lineType, lineSizes),
        {id, id, id}, iterators(r - 1),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          // A line of -inf (every key masked) has no sum to
          // take the log of: its log-sum-exp is -inf.
          Value log = math::LogOp::create(nb, nl, args[1]);
          Value lineLse = arith::AddFOp::create(nb, nl, args[0], log);
          Value masked = arith::CmpFOp::create(
              nb, nl, arith::CmpFPredicate::OEQ, args[0], f32(nb, nl, kNegInf));
          linalg::YieldOp::create(
              nb, nl,
              arith::SelectOp::create(nb, nl, masked, args[0], lineLse)
                  .getResult());
        })[0];
  }
  bool inPlace = out == x;
  SmallVector<Value> inputs = {max, sum};
  SmallVector<AffineMap> maps = {lines, lines, all};
  if (!inPlace) {
    inputs.insert(inputs.begin(), x);
    maps.insert(maps.begin(), all);
  }
  Type elementType = cast<RankedTensorType>(out.getType()).getElementType();
  return generic(
      b, loc, inputs, out, maps, iterators(r),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        // (x, max, sum, out) or, in place, (max, sum, x).
        Value value = inPlace ? args[2] : toF32(nb, nl, args[0]);
        Value lineMax = inPlace ? args[0] : args[1];
        Value lineSum = inPlace ? args[1] : args[2];
        Value e =
            expViaExp2(nb, nl, arith::SubFOp::create(nb, nl, value, lineMax));
        Value p = arith::DivFOp::create(nb, nl, e, lineSum);
        linalg::YieldOp::create(nb, nl, fromF32(nb, nl, p, elementType));
      })[0];
}

/// Softmax along the op's axis (softmaxAlong).
struct LowerSoftmax : OpRewritePattern<tessel::SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::SoftmaxOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t axis = static_cast<int64_t>(op.getAxis()); // I64Attr: uint64_t.
    if (axis < 0)
      axis += type.getRank();
    Value x = op.getInput();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
    SmallVector<OpFoldResult> lineSizes(sizes);
    lineSizes.erase(lineSizes.begin() + axis);
    Value y = softmaxAlong(b, loc, x, axis, lineSizes,
                           emptyTensor(b, loc, type, sizes));
    b.replaceOp(op, y);
    return success();
  }
};

/// dx = y (dy - sum(dy y)) along the axis: the sum per line (a
/// reduction), then one elementwise pass.
struct LowerSoftmaxGrad : OpRewritePattern<tessel::SoftmaxGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::SoftmaxGradOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    int64_t r = type.getRank();
    int64_t axis = static_cast<int64_t>(op.getAxis());
    if (axis < 0)
      axis += r;
    Value y = op.getResult(), dy = op.getResultGrad();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, y);
    SmallVector<OpFoldResult> lineSizes(sizes);
    lineSizes.erase(lineSizes.begin() + axis);
    auto lineType =
        RankedTensorType::get(without(type.getShape(), axis), b.getF32Type());
    AffineMap all = b.getMultiDimIdentityMap(r);
    AffineMap lines = projection(ctx, r, without(range(0, r), axis));
    Value dot = multiplyAccumulate(
        b, loc, dy, y, filledTensor(b, loc, lineType, lineSizes, 0.0),
        {all, all, lines}, iterators(r, {axis}));
    Type element = type.getElementType();
    Value dx = generic(
        b, loc, ValueRange{y, dy, dot}, emptyTensor(b, loc, type, sizes),
        {all, all, lines, all}, iterators(r),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value diff =
              arith::SubFOp::create(nb, nl, toF32(nb, nl, args[1]), args[2]);
          Value g = arith::MulFOp::create(nb, nl, toF32(nb, nl, args[0]), diff);
          linalg::YieldOp::create(nb, nl, fromF32(nb, nl, g, element));
        })[0];
    b.replaceOp(op, dx);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

/// Naive scaled dot-product attention with GQA, bias and bottom-right
/// causal masking:
///   s[b,h,i,j] = scale * sum_d q[b,h,i,d] k[b,h/G,j,d] + bias[b,h,i,j]
///                (-inf where causal and j > i + (T - S), or with positions
///                where j > positions[b,i])
///   p = softmax_j(s),  y[b,h,i,c] = sum_j p[b,h,i,j] v[b,h/G,j,c]
/// with G = Hq / Hkv. All in f32; a fully masked row gives NaN. The
/// log-sum-exp of each row, when the op returns it, comes from the
/// softmax's own maximum and sum.
/// The map from `rank` loops (b, query head, ...) to a key or value tensor
/// [B, Hkv, T, D]: its head is the query head floordiv G (GQA), its rows
/// loop `seq`, its columns loop `last`.
AffineMap keyValueMap(MLIRContext *ctx, int64_t group, int64_t rank,
                      int64_t seq, int64_t last) {
  AffineExpr head = getAffineDimExpr(1, ctx);
  if (group != 1)
    head = head.floorDiv(group);
  return AffineMap::get(rank, 0,
                        {getAffineDimExpr(0, ctx), head,
                         getAffineDimExpr(seq, ctx),
                         getAffineDimExpr(last, ctx)},
                        ctx);
}

struct LowerAttention : OpRewritePattern<tessel::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::AttentionOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getResult().getType();
    Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
    auto qType = cast<RankedTensorType>(q.getType());
    auto kType = cast<RankedTensorType>(k.getType());
    int64_t hq = qType.getDimSize(1), hkv = kType.getDimSize(1);
    int64_t group = hq / hkv;
    double scale = op.getScaleOrDefault();

    SmallVector<OpFoldResult> qSizes = tensor::getMixedSizes(b, loc, q);
    SmallVector<OpFoldResult> kSizes = tensor::getMixedSizes(b, loc, k);
    SmallVector<OpFoldResult> vSizes = tensor::getMixedSizes(b, loc, v);
    // Logits [B, Hq, S, T], row statistics [B, Hq, S], output [B, Hq, S, Dv].
    SmallVector<OpFoldResult> sSizes = {qSizes[0], qSizes[1], qSizes[2],
                                        kSizes[2]};
    SmallVector<OpFoldResult> rowSizes = {qSizes[0], qSizes[1], qSizes[2]};
    SmallVector<OpFoldResult> ySizes = {qSizes[0], qSizes[1], qSizes[2],
                                        vSizes[3]};
    Type f32Type = b.getF32Type();
    auto sType = RankedTensorType::get(
        {qType.getDimSize(0), hq, qType.getDimSize(2), kType.getDimSize(2)},
        f32Type);
    auto vType = cast<RankedTensorType>(v.getType());
    auto yType = RankedTensorType::get(
        {qType.getDimSize(0), hq, qType.getDimSize(2), vType.getDimSize(3)},
        f32Type);

    auto kvMap = [&](int64_t rank, int64_t seq, int64_t last) {
      return keyValueMap(ctx, group, rank, seq, last);
    };

    // s = q . k over loops (b, h, i, j, d).
    Value s = multiplyAccumulate(
        b, loc, q, k, filledTensor(b, loc, sType, sSizes, 0.0),
        {projection(ctx, 5, {0, 1, 2, 4}), kvMap(5, 3, 4),
         projection(ctx, 5, {0, 1, 2, 3})},
        iterators(5, {4}));

    // s = scale * s + bias, then the causal mask; in place over (b, h, i, j).
    Value bias = op.getBias(), positions = op.getPositions();
    bool causal = op.getCausal();
    Value shift; // T - S, for the causal mask.
    if (causal && !positions) {
      Value sLen = getValueOrCreateConstantIndexOp(b, loc, qSizes[2]);
      Value tLen = getValueOrCreateConstantIndexOp(b, loc, kSizes[2]);
      shift = arith::SubIOp::create(b, loc, tLen, sLen);
    }
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    if (bias) {
      inputs.push_back(bias);
      maps.push_back(
          broadcastMap(ctx, 4, cast<RankedTensorType>(bias.getType())));
    }
    if (positions) {
      inputs.push_back(positions);
      maps.push_back(projection(ctx, 4, {0, 2}));
    }
    AffineMap id4 = b.getMultiDimIdentityMap(4);
    maps.push_back(id4);
    s = generic(b, loc, inputs, s, maps, iterators(4),
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  // Key j is visible to query i iff j <= i + (T - S), or with
                  // positions iff j <= positions[b, i].
                  Value rowShift = shift;
                  if (positions)
                    rowShift = arith::ConstantIndexOp::create(nb, nl, 0);
                  Value x = attentionLogit(
                      nb, nl, args.back(), scale, bias ? args[0] : Value(),
                      rowShift, [&] {
                        Value query = loopIndex(nb, nl, 2);
                        if (positions)
                          query = arith::IndexCastOp::create(
                              nb, nl, nb.getIndexType(), args[args.size() - 2]);
                        return std::pair(query, loopIndex(nb, nl, 3));
                      });
                  linalg::YieldOp::create(nb, nl, x);
                })[0];

    // p = softmax over the keys j, in place.
    Value lse;
    Value p =
        softmaxAlong(b, loc, s, 3, rowSizes, s, op.getLse() ? &lse : nullptr);

    // y = p . v over loops (b, h, i, c, j).
    Value y = multiplyAccumulate(
        b, loc, p, v, filledTensor(b, loc, yType, ySizes, 0.0),
        {projection(ctx, 5, {0, 1, 2, 4}), kvMap(5, 4, 3),
         projection(ctx, 5, {0, 1, 2, 3})},
        iterators(5, {4}));
    SmallVector<Value> results = {castFromF32(b, loc, y, type)};
    if (op.getLse())
      results.push_back(castTo(b, loc, lse, op.getLse().getType()));
    b.replaceOp(op, results);
    return success();
  }
};

/// The backward pass written out, materializing the [B, Hq, S, T]
/// probabilities and their gradient (the reference form; a tiled one that
/// keeps nothing of size S x T is FlashAttention's backward):
///   p = exp(s - lse), s recomputed from q and k (0 where masked),
///   ds = p * (do . v - rowsum(do * o)),
///   dq = scale ds . k,  dk = scale dsᵀ . q,  dv = pᵀ . do,
/// with a key/value head's dk and dv summed over its group's query heads
/// (loops over the group and the queries, reduced).
struct LowerAttentionGrad : OpRewritePattern<tessel::AttentionGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::AttentionGradOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
    Value o = op.getResult(), dout = op.getResultGrad(), bias = op.getBias();
    auto qType = cast<RankedTensorType>(q.getType());
    auto kType = cast<RankedTensorType>(k.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    int64_t hq = qType.getDimSize(1), hkv = kType.getDimSize(1);
    int64_t group = hq / hkv;
    double scale = op.getScale().convertToDouble();
    SmallVector<OpFoldResult> qSizes = tensor::getMixedSizes(b, loc, q);
    SmallVector<OpFoldResult> kSizes = tensor::getMixedSizes(b, loc, k);
    SmallVector<OpFoldResult> vSizes = tensor::getMixedSizes(b, loc, v);
    SmallVector<OpFoldResult> sSizes = {qSizes[0], qSizes[1], qSizes[2],
                                        kSizes[2]};
    SmallVector<OpFoldResult> rowSizes = {qSizes[0], qSizes[1], qSizes[2]};
    Type f32Type = b.getF32Type();
    auto f32Of = [&](RankedTensorType t) { return t.clone(f32Type); };
    auto sType = RankedTensorType::get(
        {qType.getDimSize(0), hq, qType.getDimSize(2), kType.getDimSize(2)},
        f32Type);
    auto rowType = RankedTensorType::get(
        {qType.getDimSize(0), hq, qType.getDimSize(2)}, f32Type);
    auto kvMap = [&](int64_t rank, int64_t seq, int64_t last) {
      return keyValueMap(ctx, group, rank, seq, last);
    };
    AffineMap id4 = b.getMultiDimIdentityMap(4);
    AffineMap rows4 = projection(ctx, 4, {0, 1, 2});
    SmallVector<AffineMap> rowOfLogits = {projection(ctx, 5, {0, 1, 2, 4}),
                                          kvMap(5, 3, 4),
                                          projection(ctx, 5, {0, 1, 2, 3})};

    // p = exp(scale q.k + bias - lse), 0 where masked or the row sees
    // nothing (lse = -inf).
    Value s = multiplyAccumulate(b, loc, q, k,
                                 filledTensor(b, loc, sType, sSizes, 0.0),
                                 rowOfLogits, iterators(5, {4}));
    Value shift;
    if (op.getCausal())
      shift = arith::SubIOp::create(
          b, loc, getValueOrCreateConstantIndexOp(b, loc, kSizes[2]),
          getValueOrCreateConstantIndexOp(b, loc, qSizes[2]));
    SmallVector<Value> inputs = {op.getLse()};
    SmallVector<AffineMap> maps = {rows4};
    if (bias) {
      inputs.push_back(bias);
      maps.push_back(
          broadcastMap(ctx, 4, cast<RankedTensorType>(bias.getType())));
    }
    maps.push_back(id4);
    Value p = generic(
        b, loc, inputs, s, maps, iterators(4),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value x = attentionLogit(
              nb, nl, args.back(), scale, bias ? args[1] : Value(), shift, [&] {
                return std::pair(loopIndex(nb, nl, 2), loopIndex(nb, nl, 3));
              });
          Value lse = args[0];
          Value e = math::ExpOp::create(nb, nl,
                                        arith::SubFOp::create(nb, nl, x, lse));
          Value empty = arith::CmpFOp::create(
              nb, nl, arith::CmpFPredicate::OEQ, lse,
              f32(nb, nl, -std::numeric_limits<double>::infinity()));
          linalg::YieldOp::create(
              nb, nl,
              arith::SelectOp::create(nb, nl, empty, f32(nb, nl, 0.0), e)
                  .getResult());
        })[0];

    // delta = rowsum(do * o); ds = p * (do . v - delta).
    Value delta = multiplyAccumulate(
        b, loc, dout, o, filledTensor(b, loc, rowType, rowSizes, 0.0),
        {id4, id4, rows4}, iterators(4, {3}));
    Value dp = multiplyAccumulate(b, loc, dout, v,
                                  filledTensor(b, loc, sType, sSizes, 0.0),
                                  rowOfLogits, iterators(5, {4}));
    Value ds = generic(
        b, loc, ValueRange{p, delta}, dp, {id4, rows4, id4}, iterators(4),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value diff = arith::SubFOp::create(nb, nl, args[2], args[1]);
          linalg::YieldOp::create(
              nb, nl, arith::MulFOp::create(nb, nl, args[0], diff).getResult());
        })[0];

    // dq = scale ds . k over loops (b, h, i, c, j).
    Value dq = multiplyAccumulate(
        b, loc, ds, k, filledTensor(b, loc, f32Of(qType), qSizes, 0.0),
        {projection(ctx, 5, {0, 1, 2, 4}), kvMap(5, 4, 3),
         projection(ctx, 5, {0, 1, 2, 3})},
        iterators(5, {4}));
    // dk = scale dsᵀ . q and dv = pᵀ . do over loops (b, hk, j, c, g, i),
    // the query heads split into [Hkv, G] (query head hk * G + g) so that
    // every loop indexes an operand directly.
    auto splitHeads = [&](Value x) {
      auto type = cast<RankedTensorType>(x.getType());
      auto split =
          RankedTensorType::get({type.getDimSize(0), hkv, group,
                                 type.getDimSize(2), type.getDimSize(3)},
                                type.getElementType());
      return tensor::ExpandShapeOp::create(
                 b, loc, split, x,
                 SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}})
          .getResult();
    };
    AffineMap kvOut = projection(ctx, 6, {0, 1, 2, 3});
    auto groupSum = [&](Value lhs, Value rhs, RankedTensorType type,
                        ArrayRef<OpFoldResult> sizes) {
      return multiplyAccumulate(b, loc, splitHeads(lhs), splitHeads(rhs),
                                filledTensor(b, loc, f32Of(type), sizes, 0.0),
                                {projection(ctx, 6, {0, 1, 4, 5, 2}),
                                 projection(ctx, 6, {0, 1, 4, 5, 3}), kvOut},
                                iterators(6, {4, 5}));
    };
    Value dk = groupSum(ds, q, kType, kSizes);
    Value dv = groupSum(p, dout, vType, vSizes);

    auto scaled = [&](Value acc, RankedTensorType type,
                      ArrayRef<OpFoldResult> sizes) {
      return generic(
          b, loc, acc, emptyTensor(b, loc, type, sizes), {id4, id4},
          iterators(4), [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value x =
                arith::MulFOp::create(nb, nl, args[0], f32(nb, nl, scale));
            linalg::YieldOp::create(nb, nl,
                                    fromF32(nb, nl, x, type.getElementType()));
          })[0];
    };
    SmallVector<Value> results = {scaled(dq, qType, qSizes),
                                  scaled(dk, kType, kSizes),
                                  castFromF32(b, loc, dv, vType)};
    if (op.getBiasGrad())
      results.push_back(castFromF32(
          b, loc, ds, cast<RankedTensorType>(op.getBiasGrad().getType())));
    b.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// cross_entropy
//===----------------------------------------------------------------------===//

/// Mean over the rows whose target is not ignore_index of
/// logsumexp(row) - row[target]; NaN (0 / 0) when every row is ignored.
/// A target outside [0, C) is clamped into it so that the gather stays in
/// bounds (the interpreter reports it as an error).
struct LowerCrossEntropy : OpRewritePattern<tessel::CrossEntropyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::CrossEntropyOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    Value logits = op.getLogits(), targets = op.getTargets();
    auto logitsType = cast<RankedTensorType>(logits.getType());
    int64_t r = logitsType.getRank(), rows = r - 1;
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, logits);
    Value lastClass = arith::SubIOp::create(
        b, loc, getValueOrCreateConstantIndexOp(b, loc, sizes.back()),
        arith::ConstantIndexOp::create(b, loc, 1));

    // Row max, then row sum of exp(x - max).
    SmallVector<OpFoldResult> rowSizes(sizes.begin(), sizes.end() - 1);
    auto [max, sum] = maxAndSumOfExp(b, loc, logits, rows, rowSizes);

    // Total loss and count of the counted rows, over every row dimension.
    auto scalarF32 = RankedTensorType::get({}, b.getF32Type());
    Value total = filledTensor(b, loc, scalarF32, {}, 0.0);
    Value count =
        linalg::FillOp::create(
            b, loc,
            arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0))
                .getResult(),
            tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, b.getI64Type())
                .getResult())
            .getResult(0);
    AffineMap rowId = b.getMultiDimIdentityMap(rows);
    AffineMap toScalar = AffineMap::get(rows, 0, {}, ctx);
    int64_t ignoreIndex = op.getIgnoreIndex();
    ValueRange sums = generic(
        b, loc, ValueRange{max, sum, targets}, ValueRange{total, count},
        {rowId, rowId, rowId, toScalar, toScalar},
        iterators(rows, range(0, rows)),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value target = args[2];
          if (!target.getType().isInteger(64))
            target = arith::ExtSIOp::create(nb, nl, nb.getI64Type(), target);
          Value ignored = arith::CmpIOp::create(
              nb, nl, arith::CmpIPredicate::eq, target,
              arith::ConstantOp::create(nb, nl,
                                        nb.getI64IntegerAttr(ignoreIndex)));
          Value c =
              arith::IndexCastOp::create(nb, nl, nb.getIndexType(), target);
          c = arith::MaxSIOp::create(nb, nl, c,
                                     arith::ConstantIndexOp::create(nb, nl, 0));
          c = arith::MinSIOp::create(nb, nl, c, lastClass);
          SmallVector<Value> at;
          for (int64_t d = 0; d < rows; ++d)
            at.push_back(loopIndex(nb, nl, d));
          at.push_back(c);
          Value picked =
              toF32(nb, nl, tensor::ExtractOp::create(nb, nl, logits, at));
          // loss = max + log(sum) - x[target]
          Value loss = arith::SubFOp::create(
              nb, nl,
              arith::AddFOp::create(nb, nl, args[0],
                                    math::LogOp::create(nb, nl, args[1])),
              picked);
          Value newTotal = arith::SelectOp::create(
              nb, nl, ignored, args[3],
              arith::AddFOp::create(nb, nl, args[3], loss));
          Value newCount = arith::SelectOp::create(
              nb, nl, ignored, args[4],
              arith::AddIOp::create(
                  nb, nl, args[4],
                  arith::ConstantOp::create(nb, nl, nb.getI64IntegerAttr(1))));
          linalg::YieldOp::create(nb, nl, ValueRange{newTotal, newCount});
        });

    // mean = total / count (0 / 0 = NaN when every row is ignored).
    AffineMap scalar = AffineMap::get(0, 0, {}, ctx);
    Value mean = generic(
        b, loc, ValueRange{sums[0], sums[1]},
        tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{},
                                type.getElementType())
            .getResult(),
        {scalar, scalar, scalar}, {},
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value n = arith::SIToFPOp::create(nb, nl, nb.getF32Type(), args[1]);
          Value m = arith::DivFOp::create(nb, nl, args[0], n);
          linalg::YieldOp::create(nb, nl,
                                  fromF32(nb, nl, m, type.getElementType()));
        })[0];
    b.replaceOp(op, mean);
    return success();
  }
};

/// dloss * (softmax(row) - onehot(target)) / n, 0 on ignored rows: n
/// counted by a reduction over the targets first, then each row's max and
/// sum of exp, then one elementwise generic. Targets are clamped into
/// [0, C) as in the forward op.
struct LowerCrossEntropyGrad : OpRewritePattern<tessel::CrossEntropyGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::CrossEntropyGradOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    Value logits = op.getLogits(), targets = op.getTargets();
    int64_t r = type.getRank(), rows = r - 1;
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, logits);
    SmallVector<OpFoldResult> rowSizes(sizes.begin(), sizes.end() - 1);
    int64_t ignoreIndex = op.getIgnoreIndex();
    auto isIgnored = [&](OpBuilder &nb, Location nl, Value target) {
      if (!target.getType().isInteger(64))
        target = arith::ExtSIOp::create(nb, nl, nb.getI64Type(), target);
      return arith::CmpIOp::create(
                 nb, nl, arith::CmpIPredicate::eq, target,
                 arith::ConstantOp::create(nb, nl,
                                           nb.getI64IntegerAttr(ignoreIndex)))
          .getResult();
    };

    // n, the rows counted, as f32.
    auto scalarF32 = RankedTensorType::get({}, b.getF32Type());
    AffineMap rowId = b.getMultiDimIdentityMap(rows);
    Value count = generic(
        b, loc, targets, filledTensor(b, loc, scalarF32, {}, 0.0),
        {rowId, AffineMap::get(rows, 0, {}, ctx)},
        iterators(rows, range(0, rows)),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value add = arith::AddFOp::create(nb, nl, args[1], f32(nb, nl, 1.0));
          linalg::YieldOp::create(
              nb, nl,
              arith::SelectOp::create(nb, nl, isIgnored(nb, nl, args[0]),
                                      args[1], add)
                  .getResult());
        })[0];

    auto [max, sum] = maxAndSumOfExp(b, loc, logits, rows, rowSizes);
    AffineMap all = b.getMultiDimIdentityMap(r);
    AffineMap lines = projection(ctx, r, range(0, rows));
    AffineMap scalar = AffineMap::get(r, 0, {}, ctx);
    Value out = emptyTensor(b, loc, type, sizes);
    Value result = generic(
        b, loc, ValueRange{logits, max, sum, targets, count, op.getLossGrad()},
        out, {all, lines, lines, lines, scalar, scalar, all}, iterators(r),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value target = args[3];
          Value ignored = isIgnored(nb, nl, target);
          Value c = loopIndex(nb, nl, r - 1);
          Value t =
              arith::IndexCastOp::create(nb, nl, nb.getIndexType(), target);
          Value hit =
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, c, t);
          Value p = arith::DivFOp::create(
              nb, nl,
              math::ExpOp::create(nb, nl,
                                  arith::SubFOp::create(
                                      nb, nl, toF32(nb, nl, args[0]), args[1])),
              args[2]);
          Value diff = arith::SubFOp::create(
              nb, nl, p,
              arith::SelectOp::create(nb, nl, hit, f32(nb, nl, 1.0),
                                      f32(nb, nl, 0.0)));
          Value scale =
              arith::DivFOp::create(nb, nl, toF32(nb, nl, args[5]), args[4]);
          Value g = arith::SelectOp::create(
              nb, nl, ignored, f32(nb, nl, 0.0),
              arith::MulFOp::create(nb, nl, diff, scale));
          linalg::YieldOp::create(nb, nl,
                                  fromF32(nb, nl, g, type.getElementType()));
        })[0];
    b.replaceOp(op, result);
    return success();
  }
};

} // namespace

void tessel::populateAttentionLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerSoftmax, LowerSoftmaxGrad, LowerAttention,
               LowerAttentionGrad, LowerCrossEntropy, LowerCrossEntropyGrad>(
      patterns.getContext());
}
