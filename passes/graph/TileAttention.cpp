//===- TileAttention.cpp - tessel.attention to FlashAttention tiles -------===//
//
// Rewrites tessel.attention into its tiled form: threads share (batch,
// key/value head, query tile); each walks the key/value tiles with an online
// softmax (running row max m, running sum l, accumulator rescaled by
// exp(m_old - m_new)), so no [S, T] logits tensor exists. The result is O
// and the row log-sum-exp m + log(l), which the backward pass needs.
//
//===----------------------------------------------------------------------===//

#include "passes/graph/Passes.h"
#include "passes/utils/LinalgBuilders.h"

#include "dialect/TesselOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <limits>

namespace tessel {
#define GEN_PASS_DEF_TESSELTILEATTENTION
#include "passes/graph/Passes.h.inc"
} // namespace tessel

using namespace mlir;
using namespace tessel::lowering;

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

/// Builds the tiled form of one attention op.
class AttentionTiler {
public:
  AttentionTiler(OpBuilder &b, tessel::AttentionOp op, int64_t blockQ,
                 int64_t blockK)
      : b(b), op(op), loc(op.getLoc()), ctx(b.getContext()), blockQ(blockQ),
        blockK(blockK) {}

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
    qSizes = sizesOf(b, loc, q);
    kSizes = sizesOf(b, loc, k);
    sLen = index(qSizes[2]);
    tLen = index(kSizes[2]);

    Type f32Type = b.getF32Type();
    auto oType = RankedTensorType::get(
        {qType.getDimSize(0), heads, qType.getDimSize(2), valueDepth}, f32Type);
    auto lseType = RankedTensorType::get(oType.getShape().drop_back(), f32Type);
    Value oInit = emptyTensor(
        b, loc, oType, {qSizes[0], qSizes[1], qSizes[2], b.getIndexAttr(0)});
    Value lseInit =
        emptyTensor(b, loc, lseType, {qSizes[0], qSizes[1], qSizes[2]});

    // The keys transposed once, [B, Hkv, D, T], so that the inner products
    // read rows of keys as vectors; each key tile is a slice of it.
    keysT = linalg::TransposeOp::create(
                b, loc, k,
                emptyTensor(b, loc,
                            RankedTensorType::get({kType.getDimSize(0),
                                                   kType.getDimSize(1), depth,
                                                   kType.getDimSize(2)},
                                                  kType.getElementType()),
                            {kSizes[0], kSizes[1], attr(depth), kSizes[2]}),
                ArrayRef<int64_t>{0, 1, 3, 2})
                .getResult()[0];

    // Threads: (batch, key/value head, query tile). A key/value head's
    // tiles serve all `group` query heads that read it.
    SmallVector<OpFoldResult> lbs(3, b.getIndexAttr(0));
    SmallVector<OpFoldResult> ubs = {qSizes[0], b.getIndexAttr(heads / group),
                                     qSizes[2]};
    SmallVector<OpFoldResult> steps = {b.getIndexAttr(1), b.getIndexAttr(1),
                                       b.getIndexAttr(blockQ)};
    auto forall = scf::ForallOp::create(
        b, loc, lbs, ubs, steps, ValueRange{oInit, lseInit}, std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(forall.getTerminator());
    ValueRange ivs = forall.getInductionVars();
    batch = ivs[0];
    kvHead = ivs[1];
    qStart = ivs[2];
    if (op.getCausal()) {
      // Causal: a query tile further down sees more keys and costs more.
      // Threads take tiles in iteration order, so the costly ones go first
      // (last tile, ..., first tile) and the schedule ends on cheap ones.
      Value last = arith::MulIOp::create(
          b, loc,
          arith::FloorDivSIOp::create(
              b, loc, arith::SubIOp::create(b, loc, sLen, one()),
              constant(blockQ)),
          constant(blockQ));
      qStart = arith::SubIOp::create(b, loc, last, qStart);
    }
    firstHead = mul(kvHead, group);
    qCount = tileSize(qStart, sLen, blockQ);

    // The query tile [G, bq, D] of all heads of the group, scaled once and
    // in f32, in a buffer of its own: the inner products read it with static
    // strides, and no logit needs its own multiplication by the scale.
    Value qSlice = slice(q, {batch, firstHead, qStart, attr(0)},
                         {attr(1), attr(group), qCount, attr(depth)},
                         {group, ShapedType::kDynamic, depth});
    AffineMap id3 = b.getMultiDimIdentityMap(3);
    Value scale = f32(b, loc, op.getScaleOrDefault());
    Value qTile = generic(
        b, loc, qSlice,
        emptyTensor(b, loc,
                    RankedTensorType::get({group, ShapedType::kDynamic, depth},
                                          f32Type),
                    {attr(group), qCount, attr(depth)}),
        {id3, id3}, iterators(3),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          linalg::YieldOp::create(
              nb, nl,
              arith::MulFOp::create(nb, nl, toF32(nb, nl, args[0]), scale)
                  .getResult());
        })[0];

    auto rowType =
        RankedTensorType::get({group, ShapedType::kDynamic}, f32Type);
    auto accType = RankedTensorType::get(
        {group, ShapedType::kDynamic, valueDepth}, f32Type);
    Value m = filledTensor(b, loc, rowType, {constant(group), qCount}, kNegInf);
    Value l = filledTensor(b, loc, rowType, {constant(group), qCount}, 0.0);
    Value acc = filledTensor(
        b, loc, accType, {constant(group), qCount, constant(valueDepth)}, 0.0);
    // Scratch for the logits tile [G, bq, bk] and its row maxima, carried
    // through the key loop so that every step reuses the same buffers.
    Value sScratch = emptyTensor(
        b, loc,
        RankedTensorType::get({group, ShapedType::kDynamic, blockK}, f32Type),
        {constant(group), qCount, attr(blockK)});
    Value rowScratch = emptyTensor(b, loc, rowType, {constant(group), qCount});
    SmallVector<Value> state = {m, l, acc, sScratch, rowScratch};

    if (op.getCausal()) {
      // Key j is visible to query i iff j <= i + (T - S). The tile's last
      // query sees keys below kvEnd; its first query sees every key below
      // qStart + shift + 1, so tiles ending there need no mask. Tiles past
      // kvEnd are never visited.
      shift = arith::SubIOp::create(b, loc, tLen, sLen);
      Value zeroIdx = zero();
      Value kvEnd = arith::AddIOp::create(
          b, loc, arith::AddIOp::create(b, loc, qStart, qCount), shift);
      kvEnd = arith::MaxSIOp::create(
          b, loc, zeroIdx, arith::MinSIOp::create(b, loc, kvEnd, tLen));
      Value fullEnd = arith::AddIOp::create(
          b, loc, arith::AddIOp::create(b, loc, qStart, shift), one());
      fullEnd = arith::FloorDivSIOp::create(b, loc, fullEnd, constant(blockK));
      fullEnd = arith::MulIOp::create(b, loc, fullEnd, constant(blockK));
      fullEnd = arith::MaxSIOp::create(
          b, loc, zeroIdx, arith::MinSIOp::create(b, loc, fullEnd, kvEnd));
      state = keyLoop(qTile, zeroIdx, fullEnd, state, /*masked=*/false,
                      /*full=*/true);
      state = keyLoop(qTile, fullEnd, kvEnd, state, /*masked=*/true,
                      /*full=*/false);
    } else {
      // Full key tiles first (static sizes: no remainder loops inside),
      // then the last, shorter one if any.
      Value fullEnd = arith::MulIOp::create(
          b, loc, arith::FloorDivSIOp::create(b, loc, tLen, constant(blockK)),
          constant(blockK));
      state = keyLoop(qTile, zero(), fullEnd, state, /*masked=*/false,
                      /*full=*/true);
      state = keyLoop(qTile, fullEnd, tLen, state, /*masked=*/false,
                      /*full=*/false);
    }

    // O = acc / l and lse = m + log(l) (m taken as 0 where a row saw no key),
    // written straight into their slices of the results (no copy).
    BlockArgument oOut = forall.getRegionIterArgs()[0];
    BlockArgument lseOut = forall.getRegionIterArgs()[1];
    SmallVector<OpFoldResult> oOffsets = {batch, firstHead, qStart, attr(0)};
    SmallVector<OpFoldResult> oSizes = {attr(1), attr(group), qCount,
                                        attr(valueDepth)};
    Value oSlice = slice(oOut, oOffsets, oSizes,
                         {group, ShapedType::kDynamic, valueDepth});
    AffineMap rows3 = projection(ctx, 3, {0, 1});
    Value oTile = generic(
        b, loc, ValueRange{state[1], state[2]}, oSlice, {rows3, id3, id3},
        iterators(3), [&](OpBuilder &nb, Location nl, ValueRange args) {
          linalg::YieldOp::create(
              nb, nl,
              arith::DivFOp::create(nb, nl, args[1], args[0]).getResult());
        })[0];
    AffineMap id2 = b.getMultiDimIdentityMap(2);
    Value lseTile = generic(
        b, loc, ValueRange{state[0], state[1]},
        slice(lseOut, ArrayRef(oOffsets).drop_back(),
              ArrayRef(oSizes).drop_back(), {group, ShapedType::kDynamic}),
        {id2, id2, id2}, iterators(2),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value logL = math::LogOp::create(nb, nl, args[1]);
          linalg::YieldOp::create(
              nb, nl,
              arith::AddFOp::create(nb, nl, safeMax(nb, nl, args[0]), logL)
                  .getResult());
        })[0];

    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, oTile, oOut, oOffsets, oSizes,
                                          unitStrides(4));
    tensor::ParallelInsertSliceOp::create(
        b, loc, lseTile, lseOut, ArrayRef(oOffsets).drop_back(),
        ArrayRef(oSizes).drop_back(), unitStrides(3));
    return {forall.getResult(0), forall.getResult(1)};
  }

private:
  /// One scf.for over the key/value tiles in [begin, end), carrying
  /// (m, l, acc) and the scratch (logits tile, row maxima); `masked` applies
  /// the causal mask (diagonal tiles only); `full` says every tile has
  /// block-k keys, so their sizes are static.
  SmallVector<Value> keyLoop(Value qTile, Value begin, Value end,
                             ArrayRef<Value> init, bool masked, bool full) {
    auto loop = scf::ForOp::create(
        b, loc, begin, end, constant(blockK), init,
        [&](OpBuilder &nb, Location nl, Value kStart, ValueRange carried) {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          SmallVector<Value> next =
              keyStep(qTile, kStart, carried, masked, full);
          scf::YieldOp::create(b, nl, next);
        });
    return SmallVector<Value>(loop.getResults());
  }

  /// The online-softmax update for the key/value tile at `kStart`:
  ///   s = scale * q.k^T (+ bias) (masked: -inf where j > i + T - S)
  ///   m' = max(m, rowmax s);  p = exp(s - m');  alpha = exp(m - m')
  ///   l' = alpha * l + rowsum p;  acc' = alpha * acc + p.v
  SmallVector<Value> keyStep(Value qTile, Value kStart, ValueRange carried,
                             bool masked, bool full) {
    Value m = carried[0], l = carried[1], acc = carried[2];
    Value sScratch = carried[3], rowScratch = carried[4];
    OpFoldResult kCount =
        full ? attr(blockK) : OpFoldResult(tileSize(kStart, tLen, blockK));
    int64_t kExtent = full ? blockK : ShapedType::kDynamic;
    // One key tile [D, bk] and one value tile [bk, Dv], shared by the
    // group's query heads.
    Value kT = slice(keysT, {batch, kvHead, attr(0), kStart},
                     {attr(1), attr(1), attr(depth), kCount}, {depth, kExtent});
    Value vTile = slice(op.getValue(), {batch, kvHead, kStart, attr(0)},
                        {attr(1), attr(1), kCount, attr(valueDepth)},
                        {kExtent, valueDepth});

    Type f32Type = b.getF32Type();
    auto sType =
        RankedTensorType::get({group, ShapedType::kDynamic, kExtent}, f32Type);
    SmallVector<OpFoldResult> sOffsets(3, attr(0));
    SmallVector<OpFoldResult> sSizes = {attr(group), qCount, kCount};
    // The tile's slice of the scratch, zeroed (tessel-vectorize-contractions
    // fuses the fill into each register tile: its accumulators start at 0).
    Value sTile = tensor::ExtractSliceOp::create(
        b, loc, sType, sScratch, sOffsets, sSizes, unitStrides(3));
    sTile =
        linalg::FillOp::create(b, loc, f32(b, loc, 0.0), sTile).getResult(0);
    // s[g, i, j] = sum_d q[g, i, d] kT[d, j] over loops (g, i, j, d).
    Value s = multiplyAccumulate(b, loc, qTile, kT, sTile,
                                 {projection(ctx, 4, {0, 1, 3}),
                                  projection(ctx, 4, {3, 2}),
                                  projection(ctx, 4, {0, 1, 2})},
                                 iterators(4, {3}));

    // Bias, mask; in place over (g, i, j) (q is already scaled).
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    Value bias = op.getBias();
    if (bias) {
      auto [biasTile, biasMap] = biasSlice(bias, kStart, kCount, kExtent);
      inputs.push_back(biasTile);
      maps.push_back(biasMap);
    }
    AffineMap id3 = b.getMultiDimIdentityMap(3);
    maps.push_back(id3);
    if (bias || masked)
      s = generic(
          b, loc, inputs, s, maps, iterators(3),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value x = attentionLogit(
                nb, nl, args.back(), /*scale=*/1.0, bias ? args[0] : Value(),
                masked ? shift : Value(), [&] {
                  Value query = arith::AddIOp::create(nb, nl, qStart,
                                                      loopIndex(nb, nl, 1));
                  Value key = arith::AddIOp::create(nb, nl, kStart,
                                                    loopIndex(nb, nl, 2));
                  return std::pair(query, key);
                });
            linalg::YieldOp::create(nb, nl, x);
          })[0];

    // The row maxima of s, then m' = max(m, rowmax s) and alpha = exp(m - m')
    // in one op that updates m in place (every carried value is rewritten in
    // place after its last read, so the loop's state stays in the same
    // buffers).
    AffineMap rows = projection(ctx, 3, {0, 1});
    AffineMap id2 = b.getMultiDimIdentityMap(2);
    Value rowMax =
        generic(b, loc, s,
                linalg::FillOp::create(b, loc, f32(b, loc, kNegInf), rowScratch)
                    .getResult(0),
                {id3, rows}, iterators(3, {2}),
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  // A row maximum LLVM can vectorize: maxnum with no-NaNs. A
                  // NaN logit still makes its row NaN, through p = exp(s - m')
                  // (whose operations carry no such flag), whatever the
                  // maximum.
                  linalg::YieldOp::create(
                      nb, nl,
                      arith::MaxNumFOp::create(nb, nl, args[1], args[0],
                                               arith::FastMathFlags::nnan)
                          .getResult());
                })[0];
    // alpha is 0 while m is -inf, so an empty history drops out. alpha
    // takes the place of the row maxima.
    ValueRange updated = generic(
        b, loc, ValueRange{}, ValueRange{m, rowMax}, {id2, id2}, iterators(2),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value mNew = arith::MaximumFOp::create(nb, nl, args[0], args[1]);
          Value d =
              arith::SubFOp::create(nb, nl, args[0], safeMax(nb, nl, mNew));
          linalg::YieldOp::create(nb, nl,
                                  ValueRange{mNew, expViaExp2(nb, nl, d)});
        });
    Value mNew = updated[0], alpha = updated[1];
    // p = exp(s - m') in place and l' = alpha * l + rowsum p, in one pass
    // over the tile.
    ValueRange pAndL = generic(
        b, loc, mNew, ValueRange{s, rescale(alpha, l)}, {rows, id3, rows},
        iterators(3, {2}), [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value d =
              arith::SubFOp::create(nb, nl, args[1], safeMax(nb, nl, args[0]));
          Value p = expViaExp2(nb, nl, d);
          Value sum = arith::AddFOp::create(nb, nl, args[2], p,
                                            arith::FastMathFlags::reassoc);
          linalg::YieldOp::create(nb, nl, ValueRange{p, sum});
        });
    Value p = pAndL[0], lNew = pAndL[1];
    // acc' = alpha * acc + p . v over loops (g, i, c, j).
    Value accScaled = rescale(alpha, acc);
    Value accNew = multiplyAccumulate(b, loc, p, vTile, accScaled,
                                      {projection(ctx, 4, {0, 1, 3}),
                                       projection(ctx, 4, {3, 2}),
                                       projection(ctx, 4, {0, 1, 2})},
                                      iterators(4, {3}));
    Value sNext = tensor::InsertSliceOp::create(b, loc, p, sScratch, sOffsets,
                                                sSizes, unitStrides(3));
    return {mNew, lNew, accNew, sNext, alpha};
  }

  /// min(block, end - start): the rows of the tile at `start`. (A plain
  /// affine.min: a key loop is still being built when this is called, and
  /// composing would inspect its detached block.)
  Value tileSize(Value start, Value end, int64_t block) {
    AffineExpr remaining =
        getAffineSymbolExpr(1, ctx) - getAffineSymbolExpr(0, ctx);
    return affine::AffineMinOp::create(
        b, loc,
        AffineMap::get(0, 2, {getAffineConstantExpr(block, ctx), remaining},
                       ctx),
        ValueRange{start, end});
  }

  /// `x` [G, bq, ...] with each row multiplied by `alpha` [G, bq], in place.
  Value rescale(Value alpha, Value x) {
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    return generic(
        b, loc, alpha, x,
        {projection(ctx, rank, {0, 1}), b.getMultiDimIdentityMap(rank)},
        iterators(rank), [&](OpBuilder &nb, Location nl, ValueRange args) {
          linalg::YieldOp::create(
              nb, nl,
              arith::MulFOp::create(nb, nl, args[0], args[1]).getResult());
        })[0];
  }

  /// The bias entries of this (query tile, key tile), and the map from the
  /// tile loops (g, i, j) to them; size-1 dimensions broadcast.
  std::pair<Value, AffineMap> biasSlice(Value bias, Value kStart,
                                        OpFoldResult kCount, int64_t kExtent) {
    auto type = cast<RankedTensorType>(bias.getType());
    int64_t lead = 4 - type.getRank();
    SmallVector<OpFoldResult> full[2] = {
        {batch, firstHead, qStart, kStart},
        {attr(1), attr(group), qCount, kCount}};
    SmallVector<OpFoldResult> offsets, sizes;
    SmallVector<int64_t> shape, dims;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      int64_t full4 = lead + d; // b, h, i, j
      bool broadcast = type.getDimSize(d) == 1;
      offsets.push_back(broadcast ? OpFoldResult(b.getIndexAttr(0))
                                  : full[0][full4]);
      sizes.push_back(broadcast ? OpFoldResult(b.getIndexAttr(1))
                                : full[1][full4]);
      if (broadcast || full4 == 0) {
        shape.push_back(1);
        dims.push_back(-1);
      } else {
        shape.push_back(full4 == 1   ? group
                        : full4 == 3 ? kExtent
                                     : ShapedType::kDynamic);
        dims.push_back(full4 - 1); // tile loops are (g, i, j)
      }
    }
    auto sliceType = RankedTensorType::get(shape, type.getElementType());
    Value tile = tensor::ExtractSliceOp::create(
        b, loc, sliceType, bias, offsets, sizes, unitStrides(type.getRank()));
    return {tile, projection(ctx, 3, dims)};
  }

  /// `m`, or 0 where `m` is -inf (a row with no visible key yet), so that
  /// exp(x - m) stays 0 instead of NaN.
  static Value safeMax(OpBuilder &nb, Location nl, Value m) {
    Value isNegInf = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ, m,
                                           f32(nb, nl, kNegInf));
    return arith::SelectOp::create(nb, nl, isNegInf, f32(nb, nl, 0.0), m);
  }

  Value slice(Value source, ArrayRef<OpFoldResult> offsets,
              ArrayRef<OpFoldResult> sizes, ArrayRef<int64_t> shape) {
    auto type = cast<RankedTensorType>(source.getType());
    auto sliceType = RankedTensorType::get(shape, type.getElementType());
    return tensor::ExtractSliceOp::create(b, loc, sliceType, source, offsets,
                                          sizes, unitStrides(type.getRank()));
  }

  SmallVector<OpFoldResult> unitStrides(int64_t rank) {
    return SmallVector<OpFoldResult>(rank, b.getIndexAttr(1));
  }
  Value index(OpFoldResult v) {
    return getValueOrCreateConstantIndexOp(b, loc, v);
  }
  Value constant(int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  Value zero() { return constant(0); }
  OpFoldResult attr(int64_t v) { return b.getIndexAttr(v); }
  Value one() { return constant(1); }
  Value mul(Value v, int64_t c) {
    return arith::MulIOp::create(b, loc, v, constant(c));
  }

  OpBuilder &b;
  tessel::AttentionOp op;
  Location loc;
  MLIRContext *ctx;
  int64_t blockQ, blockK;
  int64_t heads = 0, group = 0, depth = 0, valueDepth = 0;
  SmallVector<OpFoldResult> qSizes, kSizes;
  Value sLen, tLen, shift;
  Value keysT; ///< [B, Hkv, D, T]
  Value batch, kvHead, qStart, firstHead, qCount;
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
      OpBuilder b(op);
      auto [o, lse] = AttentionTiler(b, op, blockQ, blockK).build();
      (void)lse; // The forward pass needs only O; training keeps lse.
      RankedTensorType type = op.getType();
      Value result = o;
      if (!type.getElementType().isF32()) {
        AffineMap id = b.getMultiDimIdentityMap(4);
        result = generic(
            b, op.getLoc(), o,
            emptyTensor(b, op.getLoc(), type, sizesOf(b, op.getLoc(), o)),
            {id, id}, iterators(4),
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              linalg::YieldOp::create(
                  nb, nl, fromF32(nb, nl, args[0], type.getElementType()));
            })[0];
      }
      if (result.getType() != type)
        result = tensor::CastOp::create(b, op.getLoc(), type, result);
      op.replaceAllUsesWith(result);
      op.erase();
    }
  }
};

} // namespace
