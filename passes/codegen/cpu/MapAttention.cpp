//===- MapAttention.cpp - the online-attention form on the CPU ------------===//
//
// tessel-tile-attention leaves attention as query tiles (scf.forall) walking
// key tiles (scf.for) with one tessel.online_attention step per key tile.
// This pass makes the CPU's choices and turns each step into linalg ops that
// tessel-cpu-tile-and-vectorize then register-tiles:
//
// - causal query tiles run last to first: threads take tiles in iteration
//   order, so the costly ones (which see the most keys) go first and the
//   schedule ends on cheap ones;
// - the keys are transposed once, before the threads start ([B, Hkv, D, T]),
//   so that each key tile is a slice whose rows are vectors; except in a
//   decode entry point, whose keys are the KV cache: a step there has few
//   queries, and transposing the cache would copy it whole at every token,
//   so its key tiles are read where they are ([K, D], transposed in
//   registers);
// - each query tile is multiplied by the scale once, into an f32 buffer of
//   its own, so no logit is multiplied;
// - the logits tile and the row maxima are scratch tensors carried through
//   the key loops, so bufferization gives each query tile one buffer of
//   each, rewritten in place by every step.
//
// A step outside that structure (a test's function) is decomposed on its
// own: logits scaled where computed, a fresh scratch tensor.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/cpu/Passes.h"
#include "passes/utils/LinalgBuilders.h"

#include "dialect/TesselDialect.h"
#include "dialect/TesselOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SmallBitVector.h"

#include <limits>

namespace tessel {
#define GEN_PASS_DEF_TESSELCPUMAPATTENTION
#include "passes/codegen/cpu/Passes.h.inc"
} // namespace tessel

using namespace mlir;
using namespace tessel::builders;

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

/// The sizes of `tensor`: a slice's own size operands where it is one (so
/// that no tensor.dim keeps a slice alive), else tensor.dim.
SmallVector<OpFoldResult> sizesOfTile(OpBuilder &b, Location loc,
                                      Value tensor) {
  auto slice = tensor.getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice)
    return tensor::getMixedSizes(b, loc, tensor);
  llvm::SmallBitVector dropped = slice.getDroppedDims();
  SmallVector<OpFoldResult> sizes;
  for (auto [i, size] : llvm::enumerate(slice.getMixedSizes()))
    if (!dropped.test(i))
      sizes.push_back(size);
  return sizes;
}

/// Sets the insertion point of `b` just after the definition of `value`.
void setInsertionPointAfterValue(OpBuilder &b, Value value) {
  if (Operation *def = value.getDefiningOp())
    b.setInsertionPointAfter(def);
  else
    b.setInsertionPointToStart(cast<BlockArgument>(value).getOwner());
}

/// Maps the online-attention steps of one function onto the CPU; keeps
/// what several steps share (the transposed keys, the scaled query tiles,
/// the scratch handed from key loop to key loop).
class AttentionMapper {
public:
  explicit AttentionMapper(func::FuncOp func)
      : rewriter(func.getContext()), ctx(func.getContext()) {
    auto kind = tessel::TesselDialect::EntryPointAttrHelper(ctx).getAttr(func);
    transposeKeys = !kind || kind.getValue() != tessel::EntryPointKind::Decode;
  }

  /// Query tiles last to first in a forall whose steps are causal.
  void reverseCausalOrder(scf::ForallOp forall);
  /// Replaces `step` by linalg ops.
  LogicalResult decompose(tessel::OnlineAttentionOp step);

private:
  /// The f32 query tile times `scale`, once per (tile, scale).
  Value scaledQuery(Value query, double scale);
  /// The whole key tensor, transposed once ([B, Hkv, D, T]).
  Value transposedKeys(Value keys);
  /// For a key tile sliced out of a whole key tensor defined outside the
  /// tiles, the same tile of the transposed keys ([D, K]); else null.
  Value transposedKeyTile(tessel::OnlineAttentionOp step);
  /// The scratch (logits tile, row maxima) of `step`, carried through its
  /// key loop when it has one; returns {logits, rows, loop or null}.
  std::tuple<Value, Value, scf::ForOp>
  scratchFor(tessel::OnlineAttentionOp step);

  IRRewriter rewriter;
  MLIRContext *ctx;
  /// Whether key tiles are read from keys transposed once (not in decode).
  bool transposeKeys = true;
  /// Per query tile: the scale and the scaled tile.
  DenseMap<Value, std::pair<double, Value>> scaledQueries;
  DenseMap<Value, Value> keysTransposed;
  /// The scratch a key loop leaves (logits, rows, the loop), for the next
  /// key loop of the same query tile in its block.
  struct Scratch {
    Value logits, rows;
    Operation *loop;
  };
  DenseMap<std::pair<Block *, Value>, Scratch> scratchLeft;
};

/// An upper bound of the key tile's length: its static size, or the
/// constant bound of the affine.min that sizes its slice (as
/// tessel-tile-attention builds the last, short tile); none if unknown.
std::optional<int64_t> keyExtentBound(tessel::OnlineAttentionOp step) {
  int64_t extent = step.getKey().getType().getDimSize(0);
  if (!ShapedType::isDynamic(extent))
    return extent;
  auto slice = step.getKey().getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice)
    return std::nullopt;
  llvm::SmallBitVector dropped = slice.getDroppedDims();
  for (auto [i, size] : llvm::enumerate(slice.getMixedSizes())) {
    if (dropped.test(i))
      continue;
    // The first kept dimension is the key tile's length.
    auto min = dyn_cast_if_present<affine::AffineMinOp>(
        dyn_cast_if_present<Value>(size) ? cast<Value>(size).getDefiningOp()
                                         : nullptr);
    if (!min)
      return std::nullopt;
    std::optional<int64_t> bound;
    for (AffineExpr e : min.getAffineMap().getResults())
      if (auto c = dyn_cast<AffineConstantExpr>(e))
        bound = bound ? std::min(*bound, c.getValue()) : c.getValue();
    return bound;
  }
  return std::nullopt;
}

void AttentionMapper::reverseCausalOrder(scf::ForallOp forall) {
  tessel::OnlineAttentionOp causalStep;
  forall.walk([&](tessel::OnlineAttentionOp step) {
    if (step.getDiagonal())
      causalStep = step;
  });
  if (!causalStep)
    return;
  // The query tile's offset along S is the forall variable to reverse.
  auto slice = causalStep.getQuery().getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice || slice.getMixedOffsets().size() != 4)
    return;
  auto iv = dyn_cast_if_present<BlockArgument>(
      dyn_cast<Value>(slice.getMixedOffsets()[2]));
  if (!iv || iv.getOwner() != forall.getBody() ||
      iv.getArgNumber() >= forall.getRank())
    return;
  unsigned dim = iv.getArgNumber();
  std::optional<int64_t> lb =
      getConstantIntValue(forall.getMixedLowerBound()[dim]);
  std::optional<int64_t> step = getConstantIntValue(forall.getMixedStep()[dim]);
  if (!lb || *lb != 0 || !step || *step <= 0)
    return;
  // Iterations 0, bq, ..., last with last = floor((S - 1) / bq) * bq; tile
  // `it` becomes last - it.
  Location loc = forall.getLoc();
  rewriter.setInsertionPointToStart(forall.getBody());
  Value ub = getValueOrCreateConstantIndexOp(rewriter, loc,
                                             forall.getMixedUpperBound()[dim]);
  Value c1 = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value block = arith::ConstantIndexOp::create(rewriter, loc, *step);
  Value last = arith::MulIOp::create(
      rewriter, loc,
      arith::FloorDivSIOp::create(
          rewriter, loc, arith::SubIOp::create(rewriter, loc, ub, c1), block),
      block);
  auto reversed = arith::SubIOp::create(rewriter, loc, last, iv);
  rewriter.replaceAllUsesExcept(iv, reversed, reversed);
}

Value AttentionMapper::scaledQuery(Value query, double scale) {
  auto done = scaledQueries.find(query);
  if (done != scaledQueries.end() && done->second.first == scale)
    return done->second.second;
  OpBuilder::InsertionGuard guard(rewriter);
  setInsertionPointAfterValue(rewriter, query);
  Location loc = query.getLoc();
  auto type = cast<RankedTensorType>(query.getType());
  auto f32Type = type.clone(rewriter.getF32Type());
  AffineMap id = rewriter.getMultiDimIdentityMap(type.getRank());
  Value factor = f32(rewriter, loc, scale);
  Value scaled = generic(
      rewriter, loc, query,
      emptyTensor(rewriter, loc, f32Type, sizesOfTile(rewriter, loc, query)),
      {id, id}, iterators(type.getRank()),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(
            nb, nl,
            arith::MulFOp::create(nb, nl, toF32(nb, nl, args[0]), factor)
                .getResult());
      })[0];
  scaledQueries[query] = {scale, scaled};
  return scaled;
}

Value AttentionMapper::transposedKeys(Value keys) {
  if (Value done = keysTransposed.lookup(keys))
    return done;
  OpBuilder::InsertionGuard guard(rewriter);
  setInsertionPointAfterValue(rewriter, keys);
  Location loc = keys.getLoc();
  auto type = cast<RankedTensorType>(keys.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, keys);
  std::swap(sizes[2], sizes[3]);
  SmallVector<int64_t> shape(type.getShape());
  std::swap(shape[2], shape[3]);
  Value empty =
      emptyTensor(rewriter, loc,
                  RankedTensorType::get(shape, type.getElementType()), sizes);
  Value transposed = linalg::TransposeOp::create(rewriter, loc, keys, empty,
                                                 ArrayRef<int64_t>{0, 1, 3, 2})
                         .getResult()[0];
  keysTransposed[keys] = transposed;
  return transposed;
}

Value AttentionMapper::transposedKeyTile(tessel::OnlineAttentionOp step) {
  if (!transposeKeys)
    return {};
  // The key tile must be K[b, h, j0 : j0 + K, 0 : D] of a rank-4 K that is
  // defined outside the query tiles.
  auto slice = step.getKey().getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice || slice.getSourceType().getRank() != 4 || !slice.hasUnitStride())
    return {};
  auto forall = step->getParentOfType<scf::ForallOp>();
  Value keys = slice.getSource();
  if (!forall || forall->isAncestor(keys.getParentBlock()->getParentOp()))
    return {};
  SmallVector<OpFoldResult> offsets = slice.getMixedOffsets();
  SmallVector<OpFoldResult> sizes = slice.getMixedSizes();
  std::optional<int64_t> d0 = getConstantIntValue(offsets[3]);
  int64_t depth = slice.getSourceType().getDimSize(3);
  std::optional<int64_t> dSize = getConstantIntValue(sizes[3]);
  if (!d0 || *d0 != 0 || ShapedType::isDynamic(depth) || !dSize ||
      *dSize != depth || !isOneInteger(sizes[0]) || !isOneInteger(sizes[1]))
    return {};
  Value all = transposedKeys(keys);
  int64_t kExtent = step.getKey().getType().getDimSize(0);
  auto tileType = RankedTensorType::get({depth, kExtent},
                                        slice.getSourceType().getElementType());
  rewriter.setInsertionPoint(step);
  return tensor::ExtractSliceOp::create(
      rewriter, step.getLoc(), tileType, all,
      {offsets[0], offsets[1], rewriter.getIndexAttr(0), offsets[2]},
      {sizes[0], sizes[1], sizes[3], sizes[2]},
      SmallVector<OpFoldResult>(4, rewriter.getIndexAttr(1)));
}

std::tuple<Value, Value, scf::ForOp>
AttentionMapper::scratchFor(tessel::OnlineAttentionOp step) {
  Location loc = step.getLoc();
  auto qType = step.getQuery().getType();
  Type f32Type = rewriter.getF32Type();
  auto rowType = cast<RankedTensorType>(step.getMax().getType());
  auto loop = dyn_cast<scf::ForOp>(step->getParentOp());
  // The loop's constant step (block-k), or 0 when there is none.
  int64_t blockK =
      loop ? getConstantIntValue(loop.getStep()).value_or(0) : 0;
  bool invariant =
      loop && !loop.getRegion().isAncestor(step.getQuery().getParentRegion());
  // The scratch is [G, Q, block-k]: every key tile of the loop must fit.
  std::optional<int64_t> keys = keyExtentBound(step);
  if (blockK <= 0 || !invariant || !keys || *keys > blockK) {
    // No loop to carry it through: a fresh logits tile of the step's size.
    rewriter.setInsertionPoint(step);
    auto kType = cast<RankedTensorType>(step.getKey().getType());
    SmallVector<OpFoldResult> q = sizesOfTile(rewriter, loc, step.getQuery());
    SmallVector<OpFoldResult> k = sizesOfTile(rewriter, loc, step.getKey());
    auto sType = RankedTensorType::get(
        {qType.getDimSize(0), qType.getDimSize(1), kType.getDimSize(0)},
        f32Type);
    return {emptyTensor(rewriter, loc, sType, {q[0], q[1], k[0]}),
            emptyTensor(rewriter, loc, rowType, {q[0], q[1]}), nullptr};
  }

  // The scratch of the whole tile [G, Q, block-k], created before the first
  // key loop of the query tile and handed from loop to loop.
  auto sType = RankedTensorType::get(
      {qType.getDimSize(0), qType.getDimSize(1), blockK}, f32Type);
  Value sInit, rowInit;
  auto key = std::make_pair(loop->getBlock(), step.getQuery());
  auto left = scratchLeft.find(key);
  if (left != scratchLeft.end() && left->second.loop != loop &&
      left->second.loop->isBeforeInBlock(loop) &&
      left->second.logits.getType() == sType &&
      left->second.rows.getType() == rowType) {
    sInit = left->second.logits;
    rowInit = left->second.rows;
  } else {
    rewriter.setInsertionPoint(loop);
    SmallVector<OpFoldResult> q = sizesOfTile(rewriter, loc, step.getQuery());
    sInit = emptyTensor(rewriter, loc, sType,
                        {q[0], q[1], rewriter.getIndexAttr(blockK)});
    rowInit = emptyTensor(rewriter, loc, rowType, {q[0], q[1]});
  }
  unsigned first = loop.getNumRegionIterArgs();
  // Scratch this loop left for other query tiles must come from the grown
  // loop (same result numbers): the old loop is erased.
  SmallVector<std::tuple<Scratch *, unsigned, unsigned>> moved;
  for (auto &entry : scratchLeft)
    if (entry.second.loop == loop.getOperation())
      moved.push_back({&entry.second,
                       cast<OpResult>(entry.second.logits).getResultNumber(),
                       cast<OpResult>(entry.second.rows).getResultNumber()});
  FailureOr<LoopLikeOpInterface> grown =
      cast<LoopLikeOpInterface>(loop.getOperation())
          .replaceWithAdditionalIterOperands(rewriter, {sInit, rowInit},
                                             /*replaceInitOperandUsesInLoop=*/
                                             false);
  if (failed(grown))
    return {Value(), Value(), nullptr};
  auto newLoop = cast<scf::ForOp>(grown->getOperation());
  for (auto [scratch, logits, rows] : moved)
    *scratch = {newLoop.getResult(logits), newLoop.getResult(rows), newLoop};
  scratchLeft[key] = {newLoop.getResult(first), newLoop.getResult(first + 1),
                      newLoop};
  return {newLoop.getRegionIterArg(first), newLoop.getRegionIterArg(first + 1),
          newLoop};
}

LogicalResult AttentionMapper::decompose(tessel::OnlineAttentionOp step) {
  Location loc = step.getLoc();
  double scale = step.getScale().convertToDouble();
  auto [sScratch, rowScratch, loop] = scratchFor(step);
  if (!sScratch)
    return step.emitOpError("cannot carry the attention scratch through its "
                            "key loop");
  // A query tile that every key step of a loop reads is scaled once.
  Value query = step.getQuery();
  if (loop) {
    query = scaledQuery(query, scale);
    scale = 1.0;
  }
  Value keyT = transposedKeyTile(step);
  rewriter.setInsertionPoint(step);

  auto qType = step.getQuery().getType();
  auto kType = step.getKey().getType();
  auto sType = RankedTensorType::get(
      {qType.getDimSize(0), qType.getDimSize(1), kType.getDimSize(0)},
      rewriter.getF32Type());
  SmallVector<OpFoldResult> q = sizesOfTile(rewriter, loc, step.getQuery());
  SmallVector<OpFoldResult> k = sizesOfTile(rewriter, loc, step.getKey());
  SmallVector<OpFoldResult> sOffsets(3, rewriter.getIndexAttr(0));
  SmallVector<OpFoldResult> sSizes = {q[0], q[1], k[0]};
  SmallVector<OpFoldResult> unit(3, rewriter.getIndexAttr(1));
  // The step's slice of the scratch, zeroed (tessel-cpu-tile-and-vectorize
  // fuses the fill into each register tile: its accumulators start at 0).
  Value sTile = tensor::ExtractSliceOp::create(rewriter, loc, sType, sScratch,
                                               sOffsets, sSizes, unit);
  sTile = linalg::FillOp::create(rewriter, loc, f32(rewriter, loc, 0.0), sTile)
              .getResult(0);
  // s[g, i, j] = sum_d q[g, i, d] k[j, d] over loops (g, i, j, d), reading
  // the keys transposed ([D, K]) where they are.
  AffineMap keyMap =
      keyT ? projection(ctx, 4, {3, 2}) : projection(ctx, 4, {2, 3});
  Value s = multiplyAccumulate(
      rewriter, loc, query, keyT ? keyT : step.getKey(), sTile,
      {projection(ctx, 4, {0, 1, 3}), keyMap, projection(ctx, 4, {0, 1, 2})},
      iterators(4, {3}));

  // Scale (unless the query was), bias, mask; in place over (g, i, j).
  Value bias = step.getBias(), diagonal = step.getDiagonal();
  AffineMap id3 = rewriter.getMultiDimIdentityMap(3);
  if (bias || diagonal || scale != 1.0) {
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    if (bias) {
      // Right-aligned on (g, i, j); a static size-1 dimension broadcasts.
      inputs.push_back(bias);
      maps.push_back(
          broadcastMap(ctx, 3, cast<RankedTensorType>(bias.getType())));
    }
    maps.push_back(id3);
    s = generic(rewriter, loc, inputs, s, maps, iterators(3),
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  Value x =
                      attentionLogit(nb, nl, args.back(), scale,
                                     bias ? args[0] : Value(), diagonal, [&] {
                                       Value query = loopIndex(nb, nl, 1);
                                       Value key = loopIndex(nb, nl, 2);
                                       return std::pair(query, key);
                                     });
                  linalg::YieldOp::create(nb, nl, x);
                })[0];
  }

  // The row maxima of s, then m' = max(m, rowmax s) and alpha = exp(m - m')
  // in one op that updates m in place (every carried value is rewritten in
  // place after its last read, so the loop's state stays in the same
  // buffers).
  AffineMap rows = projection(ctx, 3, {0, 1});
  AffineMap id2 = rewriter.getMultiDimIdentityMap(2);
  Value rowMax =
      generic(rewriter, loc, s,
              linalg::FillOp::create(rewriter, loc, f32(rewriter, loc, kNegInf),
                                     rowScratch)
                  .getResult(0),
              {id3, rows}, iterators(3, {2}),
              [&](OpBuilder &nb, Location nl, ValueRange args) {
                // A row maximum LLVM can vectorize: maxnum with no-NaNs. A NaN
                // logit still makes its row NaN, through p = exp(s - m') (whose
                // operations carry no such flag), whatever the maximum.
                linalg::YieldOp::create(
                    nb, nl,
                    arith::MaxNumFOp::create(nb, nl, args[1], args[0],
                                             arith::FastMathFlags::nnan)
                        .getResult());
              })[0];
  // alpha is 0 while m is -inf, so an empty history drops out. alpha takes
  // the place of the row maxima.
  ValueRange updated = generic(
      rewriter, loc, ValueRange{}, ValueRange{step.getMax(), rowMax},
      {id2, id2}, iterators(2),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value mNew = arith::MaximumFOp::create(nb, nl, args[0], args[1]);
        Value d = arith::SubFOp::create(nb, nl, args[0], safeMax(nb, nl, mNew));
        linalg::YieldOp::create(nb, nl,
                                ValueRange{mNew, expViaExp2(nb, nl, d)});
      });
  Value mNew = updated[0], alpha = updated[1];
  auto rescale = [&](Value x) {
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    return generic(
        rewriter, loc, alpha, x,
        {projection(ctx, rank, {0, 1}), rewriter.getMultiDimIdentityMap(rank)},
        iterators(rank), [&](OpBuilder &nb, Location nl, ValueRange args) {
          linalg::YieldOp::create(
              nb, nl,
              arith::MulFOp::create(nb, nl, args[0], args[1]).getResult());
        })[0];
  };
  // p = exp(s - m') in place and l' = alpha * l + rowsum p, in one pass over
  // the tile.
  ValueRange pAndL =
      generic(rewriter, loc, mNew, ValueRange{s, rescale(step.getSum())},
              {rows, id3, rows}, iterators(3, {2}),
              [&](OpBuilder &nb, Location nl, ValueRange args) {
                Value d = arith::SubFOp::create(nb, nl, args[1],
                                                safeMax(nb, nl, args[0]));
                Value p = expViaExp2(nb, nl, d);
                Value sum = arith::AddFOp::create(
                    nb, nl, args[2], p, arith::FastMathFlags::reassoc);
                linalg::YieldOp::create(nb, nl, ValueRange{p, sum});
              });
  Value p = pAndL[0], lNew = pAndL[1];
  // acc' = alpha * acc + p . v over loops (g, i, c, j).
  Value accNew = multiplyAccumulate(
      rewriter, loc, p, step.getValue(), rescale(step.getAcc()),
      {projection(ctx, 4, {0, 1, 3}), projection(ctx, 4, {3, 2}),
       projection(ctx, 4, {0, 1, 2})},
      iterators(4, {3}));

  if (loop) {
    // The scratch goes round the loop: p's tile back into the logits
    // scratch, alpha in the row maxima's place.
    Value sNext = tensor::InsertSliceOp::create(rewriter, loc, p, sScratch,
                                                sOffsets, sSizes, unit);
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    unsigned n = yield.getNumOperands();
    rewriter.modifyOpInPlace(yield, [&] {
      yield->setOperand(n - 2, sNext);
      yield->setOperand(n - 1, alpha);
    });
  }
  Value keyTile = step.getKey();
  rewriter.replaceOp(step, ValueRange{mNew, lNew, accNew});
  // The key tile, when the transposed keys took its place, is dead.
  if (Operation *keySlice = keyTile.getDefiningOp())
    if (keyT && keySlice->use_empty())
      rewriter.eraseOp(keySlice);
  return success();
}

struct MapAttention : tessel::impl::TesselCpuMapAttentionBase<MapAttention> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    AttentionMapper mapper(func);
    func.walk([&](scf::ForallOp forall) { mapper.reverseCausalOrder(forall); });
    SmallVector<tessel::OnlineAttentionOp> steps;
    func.walk([&](tessel::OnlineAttentionOp step) { steps.push_back(step); });
    for (tessel::OnlineAttentionOp step : steps)
      if (failed(mapper.decompose(step)))
        return signalPassFailure();
  }
};

} // namespace
