//===- TileAttentionGrad.cpp - FlashAttention's backward pass, tiled ------===//
//
// Rewrites tessel.attention_grad into FlashAttention's backward form, which
// keeps nothing of size S x T: the probabilities are recomputed tile by
// tile from the saved log-sum-exp, p = exp(scale q.k - lse).
//
//   delta = rowsum(do * o)                                [B, Hq, S]
//   dQ pass: an scf.forall over (batch, query head, query tile); each walks
//     the key tiles the tile's queries see:
//       s = q kᵀ, dp = do vᵀ, ds = scale p (dp - delta),  dq += ds k
//   dK/dV pass: an scf.forall over (batch, key/value head, key tile); each
//     walks the query heads of its group and the query tiles that see its
//     keys, in the transposed orientation so that every product is a plain
//     matrix product:
//       sᵀ = k qᵀ, dpᵀ = v doᵀ, dv += pᵀ do,  dk += dsᵀ q
//
// A key/value head's dk and dv are summed over its group's query heads by
// the one thread that owns the key tile: no atomics, and the order of the
// sums is fixed, so results are deterministic. With `causal`, each pass
// visits only the tiles that the diagonal leaves visible, masks only the
// tiles that cross it, and runs the rest unmasked with static sizes.
// Masked entries and rows that saw no key (lse = -inf) contribute exactly
// zero, as in the reference.
//
// A bias (ALiBi's, a relative bias) is read tile by tile, as the forward
// reads it, and added to the recomputed logits. Ops whose bias needs a
// gradient (which is the [B, Hq, S, T] ds itself: a learned relative-bias
// table), with dynamic head counts or head sizes, or with elements other
// than f32 are left to the untiled lowering.
//
//===----------------------------------------------------------------------===//

#include "passes/graph/Passes.h"
#include "passes/graph/TileBuilder.h"
#include "passes/utils/LinalgBuilders.h"

#include "dialect/TesselOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <limits>

namespace tessel {
#define GEN_PASS_DEF_TESSELTILEATTENTIONGRAD
#include "passes/graph/Passes.h.inc"
} // namespace tessel

using namespace mlir;
using namespace tessel::builders;

namespace {

/// Builds the two passes of one attention_grad op.
class AttentionGradTiler : tessel::TileBuilder {
  /// The rows [qStart, qStart + count) of query head `head`: q [n, D],
  /// do [n, Dv], lse [n] and delta [n].
  struct QueryTile {
    Value start;
    OpFoldResult count;
    Value q, dout, lse, delta;
  };

  /// The rows [kStart, kStart + count) of the key/value head's keys and
  /// values: k [n, D], v [n, Dv].
  struct KeyTile {
    Value start, count, k, v;
  };

public:
  AttentionGradTiler(OpBuilder &b, tessel::AttentionGradOp op, int64_t blockQ,
                     int64_t blockK)
      : TileBuilder(b, op.getLoc()), op(op), blockQ(blockQ), blockK(blockK) {
    auto qType = cast<RankedTensorType>(op.getQuery().getType());
    auto kType = cast<RankedTensorType>(op.getKey().getType());
    auto vType = cast<RankedTensorType>(op.getValue().getType());
    heads = qType.getDimSize(1);
    group = heads / kType.getDimSize(1);
    depth = qType.getDimSize(3);
    valueDepth = vType.getDimSize(3);
    scale = op.getScale().convertToDouble();
  }

  /// Returns {dq, dk, dv}, f32.
  SmallVector<Value> build() {
    Value q = op.getQuery(), k = op.getKey();
    qSizes = tensor::getMixedSizes(b, loc, q);
    kSizes = tensor::getMixedSizes(b, loc, k);
    sLen = index(qSizes[2]);
    tLen = index(kSizes[2]);
    if (op.getCausal())
      shift = arith::SubIOp::create(b, loc, tLen, sLen);

    // delta = rowsum(do * o) [B, Hq, S].
    auto rowType = RankedTensorType::get(
        cast<RankedTensorType>(q.getType()).getShape().drop_back(),
        b.getF32Type());
    AffineMap id4 = b.getMultiDimIdentityMap(4);
    delta = multiplyAccumulate(
        b, loc, op.getResultGrad(), op.getResult(),
        filledTensor(b, loc, rowType, ArrayRef(qSizes).drop_back(), 0.0),
        {id4, id4, projection(ctx, 4, {0, 1, 2})}, iterators(4, {3}));

    Value dq = queryPass();
    auto [dk, dv] = keyValuePass();
    return {dq, dk, dv};
  }

private:
  //===--------------------------------------------------------------------===//
  // The dQ pass
  //===--------------------------------------------------------------------===//

  /// forall (b, h, query tile): dq of the tile over the keys it sees.
  Value queryPass() {
    Value q = op.getQuery();
    auto dqType = cast<RankedTensorType>(q.getType());
    Value init = emptyTensor(b, loc, dqType, qSizes);
    auto forall = scf::ForallOp::create(
        b, loc, SmallVector<OpFoldResult>(3, attr(0)),
        {qSizes[0], attr(heads), qSizes[2]}, {attr(1), attr(1), attr(blockQ)},
        ValueRange{init}, std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forall.getTerminator());
    ValueRange ivs = forall.getInductionVars();
    batch = ivs[0];
    head = ivs[1];
    Value qStart = ivs[2];
    kvHead = arith::DivUIOp::create(b, loc, head, constant(group));
    Value qCount = tileSize(qStart, sLen, blockQ);

    QueryTile tile = queryTile(qStart, qCount, ShapedType::kDynamic);
    auto accType =
        RankedTensorType::get({ShapedType::kDynamic, depth}, b.getF32Type());
    Value acc = filledTensor(b, loc, accType, {qCount, attr(depth)}, 0.0);

    // Key tiles from `begin` to `end` (the last one may be shorter).
    auto keyLoop = [&](Value begin, Value end, bool masked, bool full) {
      return loop(begin, end, blockK, acc,
                  [&](Value kStart, ValueRange carried) {
                    return SmallVector<Value>{
                        queryStep(tile, kStart, end, carried[0], masked, full)};
                  })[0];
    };
    if (op.getCausal()) {
      // Key j is visible to query i iff j <= i + shift. The tile's last
      // query sees the keys below kvEnd; its first sees every key below
      // qStart + shift + 1, so the tiles ending there need no mask.
      Value zero = constant(0);
      Value kvEnd = clamp(add(add(qStart, qCount), shift), zero, tLen);
      Value fullEnd = roundDown(add(add(qStart, shift), constant(1)), blockK);
      fullEnd = clamp(fullEnd, zero, kvEnd);
      acc = keyLoop(zero, fullEnd, /*masked=*/false, /*full=*/true);
      acc = keyLoop(fullEnd, kvEnd, /*masked=*/true, /*full=*/false);
    } else {
      Value fullEnd = roundDown(tLen, blockK);
      acc = keyLoop(constant(0), fullEnd, /*masked=*/false, /*full=*/true);
      acc = keyLoop(fullEnd, tLen, /*masked=*/false, /*full=*/false);
    }

    SmallVector<OpFoldResult> offsets = {batch, head, qStart, attr(0)};
    SmallVector<OpFoldResult> sizes = {attr(1), attr(1), qCount, attr(depth)};
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, acc,
                                          forall.getRegionIterArgs()[0],
                                          offsets, sizes, unitStrides(4));
    return forall.getResult(0);
  }

  /// One key tile of the dQ pass: dq + ds k.
  Value queryStep(const QueryTile &tile, Value kStart, Value end, Value dq,
                  bool masked, bool full) {
    OpFoldResult kCount =
        full ? attr(blockK) : OpFoldResult(tileSize(kStart, end, blockK));
    int64_t kExtent = full ? blockK : ShapedType::kDynamic;
    Value kTile = keyTile(op.getKey(), kStart, kCount, kExtent, depth);
    Value vTile = keyTile(op.getValue(), kStart, kCount, kExtent, valueDepth);

    // (i, j) tiles: s = q kᵀ and dp = do vᵀ.
    SmallVector<OpFoldResult> logitsSizes = {tile.count, kCount};
    Value s = timesTransposed(tile.q, kTile, logitsSizes, kExtent);
    Value dp = timesTransposed(tile.dout, vTile, logitsSizes, kExtent);
    // ds = scale p (dp - delta) written over dp, p over s.
    AffineMap id2 = b.getMultiDimIdentityMap(2);
    AffineMap row2 = projection(ctx, 2, {0});
    SmallVector<Value> ins = {tile.lse, tile.delta};
    SmallVector<AffineMap> maps = {row2, row2};
    if (op.getBias()) {
      ins.push_back(biasTile(tile.start, tile.count, ShapedType::kDynamic,
                             kStart, kCount, kExtent));
      maps.push_back(biasMap(/*transposed=*/false));
    }
    maps.append({id2, id2});
    Value ds = generic(
        b, loc, ins, ValueRange{s, dp}, maps, iterators(2),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value visible;
          if (masked)
            visible = isVisible(nb, nl, tile.start, loopIndex(nb, nl, 0),
                                kStart, loopIndex(nb, nl, 1));
          Value bias = ins.size() > 2 ? args[2] : Value();
          auto [p, g] =
              gradientOfLogit(nb, nl, args[ins.size()], args[0],
                              args[ins.size() + 1], args[1], visible, bias);
          linalg::YieldOp::create(nb, nl, ValueRange{p, g});
        })[1];
    // dq += ds k.
    return addProduct(dq, ds, kTile);
  }

  //===--------------------------------------------------------------------===//
  // The dK/dV pass
  //===--------------------------------------------------------------------===//

  /// forall (b, key/value head, key tile): dk and dv of the tile, summed
  /// over the group's query heads and the queries that see the keys.
  std::pair<Value, Value> keyValuePass() {
    Value k = op.getKey(), v = op.getValue();
    SmallVector<OpFoldResult> vSizes = tensor::getMixedSizes(b, loc, v);
    Value dkInit =
        emptyTensor(b, loc, cast<RankedTensorType>(k.getType()), kSizes);
    Value dvInit =
        emptyTensor(b, loc, cast<RankedTensorType>(v.getType()), vSizes);
    auto forall = scf::ForallOp::create(
        b, loc, SmallVector<OpFoldResult>(3, attr(0)),
        {kSizes[0], kSizes[1], kSizes[2]}, {attr(1), attr(1), attr(blockK)},
        ValueRange{dkInit, dvInit}, std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forall.getTerminator());
    ValueRange ivs = forall.getInductionVars();
    batch = ivs[0];
    kvHead = ivs[1];
    Value kStart = ivs[2];
    Value kCount = tileSize(kStart, tLen, blockK);
    Value kTile = keyTile(k, kStart, kCount, ShapedType::kDynamic, depth);
    Value vTile = keyTile(v, kStart, kCount, ShapedType::kDynamic, valueDepth);

    Type f32Type = b.getF32Type();
    SmallVector<Value> acc = {
        filledTensor(
            b, loc,
            RankedTensorType::get({ShapedType::kDynamic, depth}, f32Type),
            {kCount, attr(depth)}, 0.0),
        filledTensor(
            b, loc,
            RankedTensorType::get({ShapedType::kDynamic, valueDepth}, f32Type),
            {kCount, attr(valueDepth)}, 0.0)};

    // The query tiles that see this key tile, the same for every head:
    // with `causal`, query i sees key j iff i >= j - shift, so the first
    // tile that sees the tile's first key starts at qBegin, and from qFull
    // on every query sees all of its keys (no mask). Masked tiles run in
    // [qBegin, qFull), full unmasked ones to fullEnd, then the last,
    // shorter one (qFull > fullEnd only where qFull = S: nothing is left).
    Value fullEnd = roundDown(sLen, blockQ);
    Value qBegin = constant(0), qFull = qBegin;
    if (op.getCausal()) {
      qBegin = roundDown(
          arith::MaxSIOp::create(b, loc, qBegin,
                                 arith::SubIOp::create(b, loc, kStart, shift)),
          blockQ);
      qBegin = arith::MinSIOp::create(b, loc, qBegin, sLen);
      Value lastKey =
          arith::SubIOp::create(b, loc, add(kStart, kCount), constant(1));
      qFull = roundUp(arith::SubIOp::create(b, loc, lastKey, shift), blockQ);
      qFull = clamp(qFull, qBegin, sLen);
    }
    Value lastBegin = arith::MaxSIOp::create(b, loc, qFull, fullEnd);

    // The group's query heads, one after the other, in one thread.
    auto headLoop = scf::ForOp::create(
        b, loc, constant(0), constant(group), constant(1), acc,
        [&](OpBuilder &nb, Location nl, Value g, ValueRange carried) {
          OpBuilder::InsertionGuard inner(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          head = add(arith::MulIOp::create(b, loc, kvHead, constant(group)), g);
          KeyTile keys{kStart, kCount, kTile, vTile};
          SmallVector<Value> state(carried);
          auto step = [&](bool masked, bool full) {
            return [&, masked, full](Value qStart, ValueRange c) {
              return keyValueStep(keys, qStart, c, masked, full);
            };
          };
          if (op.getCausal())
            state = loop(qBegin, qFull, blockQ, state, step(true, false));
          state = loop(qFull, fullEnd, blockQ, state, step(false, true));
          state = loop(lastBegin, sLen, blockQ, state, step(false, false));
          scf::YieldOp::create(b, nl, state);
        });

    SmallVector<OpFoldResult> offsets = {batch, kvHead, kStart, attr(0)};
    SmallVector<OpFoldResult> kTileSizes = {attr(1), attr(1), kCount,
                                            attr(depth)};
    SmallVector<OpFoldResult> vTileSizes = {attr(1), attr(1), kCount,
                                            attr(valueDepth)};
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, headLoop.getResult(0),
                                          forall.getRegionIterArgs()[0],
                                          offsets, kTileSizes, unitStrides(4));
    tensor::ParallelInsertSliceOp::create(b, loc, headLoop.getResult(1),
                                          forall.getRegionIterArgs()[1],
                                          offsets, vTileSizes, unitStrides(4));
    return {forall.getResult(0), forall.getResult(1)};
  }

  /// One query tile of the dK/dV pass: dv + pᵀ do and dk + dsᵀ q.
  SmallVector<Value> keyValueStep(const KeyTile &keys, Value qStart,
                                  ValueRange acc, bool masked, bool full) {
    OpFoldResult qCount =
        full ? attr(blockQ) : OpFoldResult(tileSize(qStart, sLen, blockQ));
    int64_t qExtent = full ? blockQ : ShapedType::kDynamic;
    QueryTile tile = queryTile(qStart, qCount, qExtent);

    // (j, i) tiles: sᵀ = k qᵀ and dpᵀ = v doᵀ.
    SmallVector<OpFoldResult> logitsSizes = {keys.count, qCount};
    Value s = timesTransposed(keys.k, tile.q, logitsSizes, qExtent);
    Value dp = timesTransposed(keys.v, tile.dout, logitsSizes, qExtent);
    AffineMap id2 = b.getMultiDimIdentityMap(2);
    AffineMap col2 = projection(ctx, 2, {1});
    SmallVector<Value> ins = {tile.lse, tile.delta};
    SmallVector<AffineMap> maps = {col2, col2};
    if (op.getBias()) {
      ins.push_back(biasTile(qStart, qCount, qExtent, keys.start, keys.count,
                             ShapedType::kDynamic));
      maps.push_back(biasMap(/*transposed=*/true));
    }
    maps.append({id2, id2});
    ValueRange pds =
        generic(b, loc, ins, ValueRange{s, dp}, maps, iterators(2),
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  Value visible;
                  if (masked)
                    visible = isVisible(nb, nl, qStart, loopIndex(nb, nl, 1),
                                        keys.start, loopIndex(nb, nl, 0));
                  Value bias = ins.size() > 2 ? args[2] : Value();
                  auto [p, g] = gradientOfLogit(nb, nl, args[ins.size()],
                                                args[0], args[ins.size() + 1],
                                                args[1], visible, bias);
                  linalg::YieldOp::create(nb, nl, ValueRange{p, g});
                });
    // dk += dsᵀ q and dv += pᵀ do.
    return {addProduct(acc[0], pds[1], tile.q),
            addProduct(acc[1], pds[0], tile.dout)};
  }

  /// a bᵀ for a [n, c] and b [m, c], into a zero [n, m] tile (`sizes`; m
  /// static as `extent` where the tile is full).
  Value timesTransposed(Value a, Value bT, ArrayRef<OpFoldResult> sizes,
                        int64_t extent) {
    auto type =
        RankedTensorType::get({ShapedType::kDynamic, extent}, b.getF32Type());
    return multiplyAccumulate(
        b, loc, a, bT, filledTensor(b, loc, type, sizes, 0.0),
        {projection(ctx, 3, {0, 2}), projection(ctx, 3, {1, 2}),
         projection(ctx, 3, {0, 1})},
        iterators(3, {2}));
  }

  /// acc + a x for a [n, m] and x [m, c].
  Value addProduct(Value acc, Value a, Value x) {
    return multiplyAccumulate(b, loc, a, x, acc,
                              {projection(ctx, 3, {0, 2}),
                               projection(ctx, 3, {2, 1}),
                               projection(ctx, 3, {0, 1})},
                              iterators(3, {2}));
  }

  //===--------------------------------------------------------------------===//
  // Tiles and element bodies
  //===--------------------------------------------------------------------===//

  QueryTile queryTile(Value qStart, OpFoldResult count, int64_t extent) {
    SmallVector<OpFoldResult> offsets = {batch, head, qStart, attr(0)};
    SmallVector<OpFoldResult> sizes = {attr(1), attr(1), count, attr(depth)};
    QueryTile tile;
    tile.start = qStart;
    tile.count = count;
    tile.q = slice(op.getQuery(), offsets, sizes, {extent, depth});
    sizes[3] = attr(valueDepth);
    tile.dout = slice(op.getResultGrad(), offsets, sizes, {extent, valueDepth});
    ArrayRef<OpFoldResult> rowOffsets = ArrayRef(offsets).drop_back();
    ArrayRef<OpFoldResult> rowSizes = ArrayRef(sizes).drop_back();
    tile.lse = slice(op.getLse(), rowOffsets, rowSizes, {extent});
    tile.delta = slice(delta, rowOffsets, rowSizes, {extent});
    return tile;
  }

  /// Rows [kStart, kStart + count) of the key or value tensor at this
  /// iteration's batch and key/value head: [n, width].
  Value keyTile(Value tensor, Value kStart, OpFoldResult count, int64_t extent,
                int64_t width) {
    return slice(tensor, {batch, kvHead, kStart, attr(0)},
                 {attr(1), attr(1), count, attr(width)}, {extent, width});
  }

  /// Whether key kStart + j is visible to query qStart + i.
  Value isVisible(OpBuilder &nb, Location nl, Value qStart, Value i,
                  Value kStart, Value j) {
    Value query = arith::AddIOp::create(nb, nl, qStart, i);
    Value key = arith::AddIOp::create(nb, nl, kStart, j);
    return arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sle, key,
                                 arith::AddIOp::create(nb, nl, query, shift));
  }

  /// From one entry's q.k and do.v, its row's lse and delta, and its bias
  /// (when the op has one): the probability p = exp(scale q.k + bias -
  /// lse) and the logit's gradient scaled
  /// for dq and dk, scale p (do.v - delta). Both are exactly 0 where the
  /// key is not `visible` (when given) and where the row saw no key (lse
  /// = -inf), whatever the other operands hold.
  std::pair<Value, Value> gradientOfLogit(OpBuilder &nb, Location nl, Value qk,
                                          Value lse, Value dv, Value rowDelta,
                                          Value visible, Value bias) {
    Value logit = qk;
    if (scale != 1.0)
      logit = arith::MulFOp::create(nb, nl, qk, f32(nb, nl, scale));
    if (bias)
      logit = arith::AddFOp::create(nb, nl, logit, bias);
    Value p =
        math::ExpOp::create(nb, nl, arith::SubFOp::create(nb, nl, logit, lse));
    Value g = arith::MulFOp::create(
        nb, nl, arith::MulFOp::create(nb, nl, p, f32(nb, nl, scale)),
        arith::SubFOp::create(nb, nl, dv, rowDelta));
    Value keep = arith::CmpFOp::create(
        nb, nl, arith::CmpFPredicate::UNE, lse,
        f32(nb, nl, -std::numeric_limits<double>::infinity()));
    if (visible)
      keep = arith::AndIOp::create(nb, nl, keep, visible);
    Value zero = f32(nb, nl, 0.0);
    return {arith::SelectOp::create(nb, nl, keep, p, zero),
            arith::SelectOp::create(nb, nl, keep, g, zero)};
  }

  //===--------------------------------------------------------------------===//
  // Loops and index arithmetic
  //===--------------------------------------------------------------------===//

  Value roundDown(Value v, int64_t block) {
    return arith::MulIOp::create(
        b, loc, arith::FloorDivSIOp::create(b, loc, v, constant(block)),
        constant(block));
  }
  Value roundUp(Value v, int64_t block) {
    return arith::MulIOp::create(
        b, loc, arith::CeilDivSIOp::create(b, loc, v, constant(block)),
        constant(block));
  }
  Value clamp(Value v, Value lo, Value hi) {
    return arith::MaxSIOp::create(b, loc, lo,
                                  arith::MinSIOp::create(b, loc, v, hi));
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }

  /// The bias of this (batch, head) for the queries [qStart, + qCount) and
  /// the keys [kStart, + kCount): a [Q, K] tile, of size 1 along an axis
  /// where the bias broadcasts (its rank-3 form has no batch axis).
  Value biasTile(Value qStart, OpFoldResult qCount, int64_t qExtent,
                 Value kStart, OpFoldResult kCount, int64_t kExtent) {
    Value bias = op.getBias();
    auto type = cast<RankedTensorType>(bias.getType());
    int64_t lead = 4 - type.getRank();
    OpFoldResult starts[4] = {batch, head, qStart, kStart};
    OpFoldResult counts[4] = {attr(1), attr(1), qCount, kCount};
    int64_t extents[4] = {1, 1, qExtent, kExtent};
    SmallVector<OpFoldResult> offsets, sizes;
    SmallVector<int64_t> shape;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      int64_t axis = lead + d; // b, h, i, j
      bool broadcast = type.getDimSize(d) == 1;
      offsets.push_back(broadcast ? attr(0) : starts[axis]);
      sizes.push_back(broadcast ? attr(1) : counts[axis]);
      if (axis >= 2)
        shape.push_back(broadcast ? 1 : extents[axis]);
    }
    return tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), bias,
        offsets, sizes, unitStrides(type.getRank()));
  }

  /// How a step over (i, j) (`transposed`: over (j, i)) reads the bias
  /// tile: index 0 along an axis where it broadcasts.
  AffineMap biasMap(bool transposed) {
    auto type = cast<RankedTensorType>(op.getBias().getType());
    int64_t rank = type.getRank();
    AffineExpr i = b.getAffineDimExpr(transposed ? 1 : 0);
    AffineExpr j = b.getAffineDimExpr(transposed ? 0 : 1);
    AffineExpr zero = b.getAffineConstantExpr(0);
    return AffineMap::get(2, 0,
                          {type.getDimSize(rank - 2) == 1 ? zero : i,
                           type.getDimSize(rank - 1) == 1 ? zero : j},
                          ctx);
  }

  tessel::AttentionGradOp op;
  int64_t blockQ, blockK;
  int64_t heads = 0, group = 0, depth = 0, valueDepth = 0;
  double scale = 1.0;
  SmallVector<OpFoldResult> qSizes, kSizes;
  Value sLen, tLen, shift, delta;
  /// The forall's (and the head loop's) current indices.
  Value batch, head, kvHead;
};

/// Whether the tiled form handles `op` (else the untiled lowering does).
bool isTileable(tessel::AttentionGradOp op) {
  if (op.getBias() && (!cast<RankedTensorType>(op.getBias().getType())
                            .getElementType()
                            .isF32() ||
                       !op.getBiasGrad().use_empty()))
    return false;
  for (Value v : {op.getQuery(), op.getKey(), op.getValue(), op.getResult(),
                  op.getResultGrad()}) {
    auto type = cast<RankedTensorType>(v.getType());
    if (!type.getElementType().isF32() || type.isDynamicDim(1) ||
        type.isDynamicDim(3))
      return false;
  }
  return true;
}

struct TileAttentionGrad
    : tessel::impl::TesselTileAttentionGradBase<TileAttentionGrad> {
  using Base::Base;

  void runOnOperation() override {
    if (blockQ <= 0 || blockK <= 0) {
      emitError(getOperation()->getLoc(),
                "tessel-tile-attention-grad: block-q and block-k must be "
                "positive");
      return signalPassFailure();
    }
    SmallVector<tessel::AttentionGradOp> ops;
    getOperation()->walk([&](tessel::AttentionGradOp op) {
      if (isTileable(op))
        ops.push_back(op);
    });
    for (tessel::AttentionGradOp op : ops) {
      OpBuilder b(op);
      SmallVector<Value> grads =
          AttentionGradTiler(b, op, blockQ, blockK).build();
      for (auto [result, grad] : llvm::zip(op.getResults(), grads))
        result.replaceAllUsesWith(castTo(
            b, op.getLoc(), grad, cast<RankedTensorType>(result.getType())));
      op.erase();
    }
  }
};

} // namespace
