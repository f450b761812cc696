//===- TileAttention.cpp - tessel.attention to its online form ------------===//
//
// Rewrites tessel.attention into FlashAttention's online form, the algorithm
// without a schedule: query tiles (an scf.forall over batch, key/value head
// and query tile), and for each a walk over the key/value tiles (scf.for)
// whose running state -- row max m, row sum l, accumulator acc -- is carried
// explicitly and updated by one tessel.online_attention per key tile. No
// [S, T] logits tensor exists. The result is O = acc / l and the row
// log-sum-exp m + log(l), which the backward pass needs.
//
// Which thread takes which tile, in which order, how the inner products are
// vectorized and where scratch lives are a target's choices: on the CPU,
// tessel-cpu-map-attention makes them.
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
#define GEN_PASS_DEF_TESSELTILEATTENTION
#include "passes/graph/Passes.h.inc"
} // namespace tessel

using namespace mlir;
using namespace tessel::builders;

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

/// Where an attention's key or value tiles come from: the tensor itself,
/// or, for a tessel.paged_cache_read (or a slice of it along the features,
/// MLA's values), the pool through the block table, from feature `offset`.
struct TileSource {
  Value tensor;
  tessel::PagedCacheReadOp paged;
  int64_t offset = 0;
};

TileSource resolveSource(Value v) {
  if (auto read = v.getDefiningOp<tessel::PagedCacheReadOp>())
    return {v, read, 0};
  if (auto slice = v.getDefiningOp<tessel::SliceOp>())
    if (slice.getAxis() == 3)
      if (auto read =
              slice.getInput().getDefiningOp<tessel::PagedCacheReadOp>())
        return {v, read, static_cast<int64_t>(slice.getOffset())};
  return {v, {}, 0};
}

/// The body of lse = m + log(l) for (m, l, out), m taken as 0 where it is
/// -inf (a row that saw no key: log(0) = -inf).
void logSumExp(OpBuilder &b, Location loc, ValueRange args) {
  Value logL = math::LogOp::create(b, loc, args[1]);
  linalg::YieldOp::create(
      b, loc,
      arith::AddFOp::create(b, loc, safeMax(b, loc, args[0]), logL)
          .getResult());
}

/// Builds the online form of one attention op.
class AttentionTiler : tessel::TileBuilder {
public:
  /// `chunkK` > 0 (a multiple of blockK) splits the keys into chunks of
  /// that many, walked in parallel and merged (FlashDecoding).
  AttentionTiler(OpBuilder &b, tessel::AttentionOp op, TileSource keys,
                 TileSource values, int64_t blockQ, int64_t blockK,
                 int64_t chunkK = 0)
      : TileBuilder(b, op.getLoc()), op(op), blockQ(blockQ), blockK(blockK),
        chunkK(chunkK), keys(keys), values(values) {}

  /// Returns {O, log-sum-exp}, both f32.
  std::pair<Value, Value> build() {
    Value q = op.getQuery(), k = op.getKey(), v = op.getValue();
    auto qType = cast<RankedTensorType>(q.getType());
    auto kType = cast<RankedTensorType>(k.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    heads = qType.getDimSize(1);
    group = heads / kType.getDimSize(1);
    depth = qType.getDimSize(3);
    valueDepth = vType.getDimSize(3);
    SmallVector<OpFoldResult> qSizes = tensor::getMixedSizes(b, loc, q);
    sLen = index(qSizes[2]);
    tLen = index(tensor::getMixedSizes(b, loc, k)[2]);

    Type f32Type = b.getF32Type();
    auto oType = RankedTensorType::get(
        {qType.getDimSize(0), heads, qType.getDimSize(2), valueDepth}, f32Type);
    auto lseType = RankedTensorType::get(oType.getShape().drop_back(), f32Type);
    SmallVector<Value> outs;
    Value chunks;
    if (!chunkK) {
      outs.push_back(emptyTensor(
          b, loc, oType, {qSizes[0], qSizes[1], qSizes[2], b.getIndexAttr(0)}));
      outs.push_back(
          emptyTensor(b, loc, lseType, {qSizes[0], qSizes[1], qSizes[2]}));
    } else {
      // Split keys: each chunk's state m, l [B, Hq, S, chunks] and acc
      // [B, Hq, S, chunks, Dv], merged after the tiles.
      chunks = arith::CeilDivSIOp::create(b, loc, tLen, constant(chunkK));
      SmallVector<OpFoldResult> rowSizes = {qSizes[0], qSizes[1], qSizes[2],
                                            chunks};
      auto partRows =
          RankedTensorType::get({qType.getDimSize(0), heads,
                                 qType.getDimSize(2), ShapedType::kDynamic},
                                f32Type);
      outs.push_back(emptyTensor(b, loc, partRows, rowSizes));
      outs.push_back(emptyTensor(b, loc, partRows, rowSizes));
      SmallVector<OpFoldResult> accSizes(rowSizes);
      accSizes.push_back(b.getIndexAttr(valueDepth));
      SmallVector<int64_t> accShape(partRows.getShape());
      accShape.push_back(valueDepth);
      outs.push_back(emptyTensor(
          b, loc, RankedTensorType::get(accShape, f32Type), accSizes));
    }

    // Query tiles: (batch, key/value head, query tile), and with split keys
    // the key chunk. A key/value head's tiles serve all `group` query heads
    // that read it.
    SmallVector<OpFoldResult> lbs(chunkK ? 4 : 3, b.getIndexAttr(0));
    SmallVector<OpFoldResult> ubs = {qSizes[0], b.getIndexAttr(heads / group),
                                     qSizes[2]};
    SmallVector<OpFoldResult> steps = {b.getIndexAttr(1), b.getIndexAttr(1),
                                       b.getIndexAttr(blockQ)};
    if (chunkK) {
      ubs.push_back(chunks);
      steps.push_back(b.getIndexAttr(1));
    }
    auto forall =
        scf::ForallOp::create(b, loc, lbs, ubs, steps, outs, std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forall.getTerminator());
    ValueRange ivs = forall.getInductionVars();
    batch = ivs[0];
    kvHead = ivs[1];
    qStart = ivs[2];
    if (chunkK) {
      chunkStart = arith::MulIOp::create(b, loc, ivs[3], constant(chunkK));
      chunkEnd = arith::AddIOp::create(b, loc, chunkStart, constant(chunkK));
    }
    firstHead = arith::MulIOp::create(b, loc, kvHead, constant(group));
    qCount = tileSize(qStart, sLen, blockQ);

    // The query tile [G, bq, D] of all heads of the group.
    qTile = slice(q, {batch, firstHead, qStart, attr(0)},
                  {attr(1), attr(group), qCount, attr(depth)},
                  {group, ShapedType::kDynamic, depth});

    // The running state: m = -inf, l = 0, acc = 0.
    auto rowType =
        RankedTensorType::get({group, ShapedType::kDynamic}, f32Type);
    auto accType = RankedTensorType::get(
        {group, ShapedType::kDynamic, valueDepth}, f32Type);
    SmallVector<Value> state = {
        filledTensor(b, loc, rowType, {attr(group), qCount}, kNegInf),
        filledTensor(b, loc, rowType, {attr(group), qCount}, 0.0),
        filledTensor(b, loc, accType, {attr(group), qCount, attr(valueDepth)},
                     0.0)};

    if (op.getCausal()) {
      // Key j is visible to query i iff j <= i + shift, with shift = T - S,
      // or with positions (consecutive in a row) positions[b, 0]. The
      // tile's last query sees keys below kvEnd; its first query sees every
      // key below qStart + shift + 1, so tiles ending there need no mask.
      // Keys from kvEnd on are never read.
      if (Value positions = op.getPositions()) {
        shift = extractIndex(b, loc, positions, ValueRange{batch, constant(0)});
      } else {
        shift = arith::SubIOp::create(b, loc, tLen, sLen);
      }
      Value zeroIdx = constant(0);
      Value kvEnd = arith::AddIOp::create(
          b, loc, arith::AddIOp::create(b, loc, qStart, qCount), shift);
      kvEnd = arith::MaxSIOp::create(
          b, loc, zeroIdx, arith::MinSIOp::create(b, loc, kvEnd, tLen));
      Value fullEnd = arith::AddIOp::create(
          b, loc, arith::AddIOp::create(b, loc, qStart, shift), constant(1));
      fullEnd = arith::FloorDivSIOp::create(b, loc, fullEnd, constant(blockK));
      fullEnd = arith::MulIOp::create(b, loc, fullEnd, constant(blockK));
      fullEnd = arith::MaxSIOp::create(
          b, loc, zeroIdx, arith::MinSIOp::create(b, loc, fullEnd, kvEnd));
      state = keyLoop(zeroIdx, fullEnd, state, /*masked=*/false,
                      /*full=*/true);
      state = keyLoop(fullEnd, kvEnd, state, /*masked=*/true, /*full=*/false);
    } else {
      // Full key tiles first (static sizes), then the last, shorter one if
      // any.
      Value fullEnd = arith::MulIOp::create(
          b, loc, arith::FloorDivSIOp::create(b, loc, tLen, constant(blockK)),
          constant(blockK));
      state = keyLoop(constant(0), fullEnd, state, /*masked=*/false,
                      /*full=*/true);
      state = keyLoop(fullEnd, tLen, state, /*masked=*/false, /*full=*/false);
    }
    if (chunkK)
      return mergeChunks(forall, state, ivs[3]);

    // O = acc / l and lse = m + log(l) (m taken as 0 where a row saw no key,
    // so that its lse is log(0) = -inf), written into their slices of the
    // results.
    BlockArgument oOut = forall.getRegionIterArgs()[0];
    BlockArgument lseOut = forall.getRegionIterArgs()[1];
    SmallVector<OpFoldResult> oOffsets = {batch, firstHead, qStart, attr(0)};
    SmallVector<OpFoldResult> oSizes = {attr(1), attr(group), qCount,
                                        attr(valueDepth)};
    Value oSlice = slice(oOut, oOffsets, oSizes,
                         {group, ShapedType::kDynamic, valueDepth});
    AffineMap id3 = b.getMultiDimIdentityMap(3);
    AffineMap rows3 = projection(ctx, 3, {0, 1});
    Value oTile = generic(
        b, loc, ValueRange{state[1], state[2]}, oSlice, {rows3, id3, id3},
        iterators(3), [&](OpBuilder &nb, Location nl, ValueRange args) {
          linalg::YieldOp::create(
              nb, nl,
              arith::DivFOp::create(nb, nl, args[1], args[0]).getResult());
        })[0];
    AffineMap id2 = b.getMultiDimIdentityMap(2);
    Value lseTile = generic(b, loc, ValueRange{state[0], state[1]},
                            slice(lseOut, ArrayRef(oOffsets).drop_back(),
                                  ArrayRef(oSizes).drop_back(),
                                  {group, ShapedType::kDynamic}),
                            {id2, id2, id2}, iterators(2), logSumExp)[0];

    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, oTile, oOut, oOffsets, oSizes,
                                          unitStrides(4));
    tensor::ParallelInsertSliceOp::create(
        b, loc, lseTile, lseOut, ArrayRef(oOffsets).drop_back(),
        ArrayRef(oSizes).drop_back(), unitStrides(3));
    return {forall.getResult(0), forall.getResult(1)};
  }

private:
  /// With split keys, `v` clamped into this iteration's chunk [chunkStart,
  /// chunkEnd) (multiples of block-k): the key loops walk only its tiles.
  Value inChunk(Value v) {
    if (!chunkK)
      return v;
    return arith::MaxSIOp::create(b, loc, chunkStart,
                                  arith::MinSIOp::create(b, loc, v, chunkEnd));
  }

  /// FlashDecoding's second half: each tile writes its chunk's (m, l, acc)
  /// into the partial results; after the tiles, per row
  ///   M = max_c m_c,  L = sum_c exp(m_c - M) l_c,
  ///   O = sum_c exp(m_c - M) acc_c / L,  lse = M + log(L)
  /// (M taken as 0 where no chunk saw a key: L = 0, O = NaN, lse = -inf,
  /// as without the split).
  std::pair<Value, Value> mergeChunks(scf::ForallOp forall,
                                      ArrayRef<Value> state, Value chunk) {
    ValueRange parts = forall.getRegionIterArgs();
    SmallVector<OpFoldResult> offsets = {batch, firstHead, qStart, chunk};
    SmallVector<OpFoldResult> sizes = {attr(1), attr(group), qCount, attr(1)};
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(forall.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(b, loc, state[0], parts[0], offsets,
                                            sizes, unitStrides(4));
      tensor::ParallelInsertSliceOp::create(b, loc, state[1], parts[1], offsets,
                                            sizes, unitStrides(4));
      SmallVector<OpFoldResult> accOffsets(offsets), accSizes(sizes);
      accOffsets.push_back(attr(0));
      accSizes.push_back(attr(valueDepth));
      tensor::ParallelInsertSliceOp::create(
          b, loc, state[2], parts[2], accOffsets, accSizes, unitStrides(5));
    }
    b.setInsertionPointAfter(forall);
    Value m = forall.getResult(0), l = forall.getResult(1),
          acc = forall.getResult(2);
    auto mType = cast<RankedTensorType>(m.getType());
    SmallVector<OpFoldResult> mSizes = tensor::getMixedSizes(b, loc, m);
    SmallVector<OpFoldResult> rowSizes(mSizes.begin(), mSizes.end() - 1);
    auto rowType =
        RankedTensorType::get(mType.getShape().drop_back(), b.getF32Type());
    AffineMap id4 = b.getMultiDimIdentityMap(4);
    AffineMap rows4 = projection(ctx, 4, {0, 1, 2});
    Value maxM = generic(
        b, loc, m, filledTensor(b, loc, rowType, rowSizes, kNegInf),
        {id4, rows4}, iterators(4, {3}),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          linalg::YieldOp::create(
              nb, nl,
              arith::MaximumFOp::create(nb, nl, args[0], args[1]).getResult());
        })[0];
    // The chunks' weights exp(m_c - M) (M as 0 where it is -inf), once.
    Value weights =
        generic(b, loc, ValueRange{m, maxM}, emptyTensor(b, loc, mType, mSizes),
                {id4, rows4, id4}, iterators(4),
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  Value d = arith::SubFOp::create(nb, nl, args[0],
                                                  safeMax(nb, nl, args[1]));
                  linalg::YieldOp::create(
                      nb, nl, math::ExpOp::create(nb, nl, d).getResult());
                })[0];
    // sum_c w_c x_c into `init` (the body's args: w, x, the sum).
    auto weightedSum = [&](Value x, Value init, ArrayRef<AffineMap> maps,
                           int64_t rank) {
      return generic(
          b, loc, ValueRange{weights, x}, init, maps,
          iterators(rank, {rank - 1}),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value wx = arith::MulFOp::create(nb, nl, args[0], args[1]);
            linalg::YieldOp::create(
                nb, nl, arith::AddFOp::create(nb, nl, args[2], wx).getResult());
          })[0];
    };
    Value sumL = weightedSum(l, filledTensor(b, loc, rowType, rowSizes, 0.0),
                             {id4, id4, rows4}, 4);
    // O over loops (b, h, i, v, c), c reduced.
    SmallVector<OpFoldResult> oSizes(rowSizes);
    oSizes.push_back(attr(valueDepth));
    SmallVector<int64_t> oShape(rowType.getShape());
    oShape.push_back(valueDepth);
    auto oType = RankedTensorType::get(oShape, b.getF32Type());
    AffineMap mc5 = projection(ctx, 5, {0, 1, 2, 4});
    AffineMap acc5 = projection(ctx, 5, {0, 1, 2, 4, 3});
    AffineMap out5 = projection(ctx, 5, {0, 1, 2, 3});
    Value sumAcc = weightedSum(acc, filledTensor(b, loc, oType, oSizes, 0.0),
                               {mc5, acc5, out5}, 5);
    AffineMap id3 = b.getMultiDimIdentityMap(3);
    Value o = generic(
        b, loc, ValueRange{sumAcc, sumL}, emptyTensor(b, loc, oType, oSizes),
        {id4, rows4, id4}, iterators(4),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          linalg::YieldOp::create(
              nb, nl,
              arith::DivFOp::create(nb, nl, args[0], args[1]).getResult());
        })[0];
    Value lse = generic(b, loc, ValueRange{maxM, sumL},
                        emptyTensor(b, loc, rowType, rowSizes), {id3, id3, id3},
                        iterators(3), logSumExp)[0];
    return {o, lse};
  }

  /// One scf.for over the key/value tiles in [begin, end) (with split
  /// keys, of this chunk), carrying (m, l, acc); `masked`: the tiles cross
  /// the causal diagonal; `full`: every tile has block-k keys, so their
  /// sizes are static (else the last tile ends at `end`).
  SmallVector<Value> keyLoop(Value begin, Value end, ArrayRef<Value> init,
                             bool masked, bool full) {
    // One statement each: the IR's order must not depend on the
    // compiler's argument evaluation order.
    Value upper = inChunk(end);
    Value lower = inChunk(begin);
    return loop(lower, upper, blockK, init,
                [&](Value kStart, ValueRange carried) {
                  return SmallVector<Value>(
                      keyStep(kStart, end, carried, masked, full));
                });
  }

  /// The key/value tile at `kStart` (its keys end at `end` at the latest)
  /// and its online-softmax step.
  ValueRange keyStep(Value kStart, Value end, ValueRange carried, bool masked,
                     bool full) {
    OpFoldResult kCount =
        full ? attr(blockK) : OpFoldResult(tileSize(kStart, end, blockK));
    int64_t kExtent = full ? blockK : ShapedType::kDynamic;
    // One key tile [bk, D] and one value tile [bk, Dv], shared by the
    // group's query heads.
    Value kTile = tile(keys, kStart, kCount, kExtent, depth);
    Value vTile = tile(values, kStart, kCount, kExtent, valueDepth);
    Value bias = op.getBias() ? biasTile(kStart, kCount, kExtent) : Value();
    // Key j of the tile is visible to query i of the tile iff
    // kStart + j <= qStart + i + shift.
    Value diagonal;
    if (masked)
      diagonal = arith::SubIOp::create(
          b, loc, arith::AddIOp::create(b, loc, qStart, shift), kStart);
    auto step = tessel::OnlineAttentionOp::create(
        b, loc, qTile, kTile, vTile, carried[0], carried[1], carried[2], bias,
        diagonal, b.getF64FloatAttr(op.getScaleOrDefault()));
    return step.getResults();
  }

  /// The key or value tile [bk, width] at `kStart`: a slice of the tensor,
  /// or of the block the table names (paged: a tile is one block, and
  /// kStart a multiple of the block size).
  Value tile(TileSource source, Value kStart, OpFoldResult kCount,
             int64_t kExtent, int64_t width) {
    SmallVector<OpFoldResult> sizes = {attr(1), attr(1), kCount, attr(width)};
    if (!source.paged)
      return slice(source.tensor, {batch, kvHead, kStart, attr(0)}, sizes,
                   {kExtent, width});
    Value entry = arith::DivUIOp::create(b, loc, kStart, constant(blockK));
    Value block = extractIndex(b, loc, source.paged.getBlockTable(),
                               ValueRange{batch, entry});
    return slice(source.paged.getPool(),
                 {block, kvHead, attr(0), attr(source.offset)}, sizes,
                 {kExtent, width});
  }

  /// The bias entries of this (query tile, key tile): the bias sliced to
  /// [G, bq, bk] where it varies and kept at size 1 where it broadcasts,
  /// without its batch dimension, so that it broadcasts (NumPy rules) to
  /// the step's [G, Q, K] logits.
  Value biasTile(Value kStart, OpFoldResult kCount, int64_t kExtent) {
    Value bias = op.getBias();
    auto type = cast<RankedTensorType>(bias.getType());
    int64_t lead = 4 - type.getRank();
    SmallVector<OpFoldResult> full[2] = {
        {batch, firstHead, qStart, kStart},
        {attr(1), attr(group), qCount, kCount}};
    SmallVector<OpFoldResult> offsets, sizes;
    SmallVector<int64_t> shape;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      int64_t full4 = lead + d; // b, h, i, j
      bool broadcast = type.getDimSize(d) == 1;
      offsets.push_back(broadcast ? OpFoldResult(b.getIndexAttr(0))
                                  : full[0][full4]);
      sizes.push_back(broadcast ? OpFoldResult(b.getIndexAttr(1))
                                : full[1][full4]);
      if (full4 == 0)
        continue; // the batch dimension: one entry, dropped
      shape.push_back(broadcast    ? 1
                      : full4 == 1 ? group
                      : full4 == 3 ? kExtent
                                   : ShapedType::kDynamic);
    }
    auto tileType = RankedTensorType::get(shape, type.getElementType());
    return tensor::ExtractSliceOp::create(b, loc, tileType, bias, offsets,
                                          sizes, unitStrides(type.getRank()));
  }

  tessel::AttentionOp op;
  int64_t blockQ, blockK, chunkK;
  TileSource keys, values;
  /// With split keys: this iteration's chunk of keys.
  Value chunkStart, chunkEnd;
  int64_t heads = 0, group = 0, depth = 0, valueDepth = 0;
  Value sLen, tLen, shift;
  Value batch, kvHead, qStart, firstHead, qCount, qTile;
};

struct TileAttention : tessel::impl::TesselTileAttentionBase<TileAttention> {
  using Base::Base;

  void runOnOperation() override {
    if (blockQ <= 0 || blockK <= 0) {
      emitError(getOperation()->getLoc(),
                "tessel-tile-attention: block-q and block-k must be positive");
      return signalPassFailure();
    }
    SmallVector<tessel::AttentionOp> ops;
    getOperation()->walk([&](tessel::AttentionOp op) { ops.push_back(op); });
    for (tessel::AttentionOp op : ops) {
      auto qType = cast<RankedTensorType>(op.getQuery().getType());
      auto kType = cast<RankedTensorType>(op.getKey().getType());
      auto vType = cast<RankedTensorType>(op.getValue().getType());
      if (qType.isDynamicDim(1) || kType.isDynamicDim(1) ||
          qType.isDynamicDim(3) || vType.isDynamicDim(3))
        continue;
      // Keys read through a block table: one key tile per block.
      TileSource keys = resolveSource(op.getKey());
      TileSource values = resolveSource(op.getValue());
      int64_t pagedK = keys.paged ? keys.paged.getBlockSize() : 0;
      int64_t pagedV = values.paged ? values.paged.getBlockSize() : 0;
      if (pagedK && pagedV && pagedK != pagedV) {
        op.emitError("tessel-tile-attention: keys and values are paged with "
                     "different block sizes (")
            << pagedK << " and " << pagedV << ")";
        return signalPassFailure();
      }
      int64_t tileK = pagedK ? pagedK : pagedV ? pagedV : blockK;
      OpBuilder b(op);
      Location loc = op.getLoc();
      // Decode (attention at given positions: few queries, a long cache)
      // splits the keys into chunks of split-keys, rounded to whole tiles.
      int64_t chunkK = 0;
      if (op.getPositions() && splitKeys > 0)
        chunkK = (splitKeys + tileK - 1) / tileK * tileK;
      auto [o, lse] =
          AttentionTiler(b, op, keys, values, blockQ, tileK, chunkK).build();
      Value result = castFromF32(b, loc, o, op.getResult().getType());
      op.getResult().replaceAllUsesWith(result);
      if (Value lseResult = op.getLse()) {
        lseResult.replaceAllUsesWith(
            castTo(b, loc, lse, cast<RankedTensorType>(lseResult.getType())));
      }
      op.erase();
    }
  }
};

} // namespace
