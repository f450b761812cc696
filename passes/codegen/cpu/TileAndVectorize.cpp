//===- TileAndVectorize.cpp - thread chunks, register tiles, vectors ------===//
//
// Tiles each linalg contraction twice (threads, then registers), peels the
// register loops so that the main loops see full static tiles, vectorizes
// those tiles, keeps the accumulator in registers across the reduction loop
// and lowers the vector contractions to broadcast-FMA outer products.
// Transposes of the last two dimensions get the same treatment, with 16x16
// register tiles transposed by shuffles.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/cpu/Passes.h"

#include "dialect/TesselDialect.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Rewrite/FrozenRewritePatternSet.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELCPUTILEANDVECTORIZE
#include "passes/codegen/cpu/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

/// Marks the register-tile op until it is vectorized.
constexpr llvm::StringLiteral kRegisterTile =
    tessel::TesselDialect::RegisterTileAttrHelper::getNameStr();

/// The loops of a contraction by role: the output's last dimension (columns,
/// the vector lanes), the one before it (rows), the reduction, and the rest.
struct Roles {
  int64_t cols = -1;
  int64_t rows = -1;
  int64_t reduction = -1;
  /// Whether the input that spans the columns has them innermost ([k, cols]):
  /// its rows load as vectors without a transpose.
  bool colsInnermost = false;
};

/// A contraction this pass handles: one reduction, one result whose last two
/// dimensions are parallel loops.
static std::optional<Roles> rolesOf(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumDpsInputs() != 2 || !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  if (op.getNumReductionLoops() != 1)
    return std::nullopt;
  if (!llvm::all_of(op.getRegionOutputArgs(),
                    [](BlockArgument arg) { return arg.getType().isF32(); }))
    return std::nullopt;
  AffineMap out = op.getIndexingMapMatchingResult(op->getResult(0));
  if (out.getNumResults() < 2 || !out.isProjectedPermutation())
    return std::nullopt;
  Roles roles;
  roles.cols = cast<AffineDimExpr>(out.getResults().back()).getPosition();
  roles.rows = cast<AffineDimExpr>(out.getResults()[out.getNumResults() - 2])
                   .getPosition();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  for (auto [i, it] : llvm::enumerate(iters))
    if (it == utils::IteratorType::reduction)
      roles.reduction = i;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (map.getNumResults() != 0 &&
        map.isFunctionOfDim(static_cast<unsigned>(roles.cols)))
      roles.colsInnermost = map.getResults().back() ==
                            getAffineDimExpr(roles.cols, op.getContext());
  }
  return roles;
}

/// Whether `op` is a contraction of a decode step: marked so by
/// tessel-share-tensor-steps, or in a decode entry point.
static bool isDecodeContraction(Operation *op) {
  using tessel::TesselDialect;
  if (op->hasAttr(TesselDialect::DecodeContractionAttrHelper::getNameStr()))
    return true;
  auto func = op->getParentOfType<func::FuncOp>();
  auto kind =
      func ? TesselDialect::EntryPointAttrHelper(op->getContext()).getAttr(func)
           : nullptr;
  return kind && kind.getValue() == tessel::EntryPointKind::Decode;
}

/// Whether `perm` swaps the last two dimensions and keeps the others.
static bool swapsLastTwo(ArrayRef<int64_t> perm) {
  int64_t rank = static_cast<int64_t>(perm.size());
  if (rank < 2)
    return false;
  for (int64_t i = 0; i < rank - 2; ++i)
    if (perm[i] != i)
      return false;
  return perm[rank - 2] == rank - 1 && perm[rank - 1] == rank - 2;
}

/// A transpose this pass handles: 32-bit elements, the last two dimensions
/// swapped (keys to [B, H, D, T], say).
static bool isLastTwoTranspose(linalg::TransposeOp op) {
  Type element = op.getInit().getType().getElementType();
  return op.hasPureTensorSemantics() && element.isIntOrFloat() &&
         element.getIntOrFloatBitWidth() == 32 &&
         swapsLastTwo(op.getPermutation());
}

/// A vector.transpose of the last two dimensions with unit dimensions before
/// them, as a 2-D transpose between shape casts, so that the shuffle
/// lowering of 16x16 transposes applies.
struct TransposeWithoutUnitDims : OpRewritePattern<vector::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(vector::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    VectorType type = op.getSourceVectorType();
    int64_t rank = type.getRank();
    if (rank <= 2 || type.isScalable() || !swapsLastTwo(op.getPermutation()))
      return failure();
    for (int64_t i = 0; i < rank - 2; ++i)
      if (type.getDimSize(i) != 1)
        return failure();
    auto flat =
        VectorType::get(type.getShape().take_back(2), type.getElementType());
    Location loc = op.getLoc();
    Value source =
        vector::ShapeCastOp::create(rewriter, loc, flat, op.getVector());
    Value transposed = vector::TransposeOp::create(rewriter, loc, source,
                                                   ArrayRef<int64_t>{1, 0});
    rewriter.replaceOpWithNewOp<vector::ShapeCastOp>(
        op, op.getResultVectorType(), transposed);
    return success();
  }
};

/// Tile sizes for a contraction of `loops` loops: `rows`, `cols` and `k`
/// for those roles, `outer` for the others.
static SmallVector<OpFoldResult> tileSizes(OpBuilder &builder, int64_t loops,
                                           const Roles &roles, int64_t outer,
                                           int64_t rows, int64_t cols,
                                           int64_t k) {
  SmallVector<OpFoldResult> result;
  for (int64_t i = 0; i < loops; ++i) {
    int64_t size = outer;
    if (i == roles.rows)
      size = rows;
    else if (i == roles.cols)
      size = cols;
    else if (i == roles.reduction)
      size = k;
    result.push_back(builder.getIndexAttr(size));
  }
  return result;
}

struct TileAndVectorize
    : tessel::impl::TesselCpuTileAndVectorizeBase<TileAndVectorize> {
  using Base::Base;

  /// The pattern sets, built once per pass instance rather than per
  /// function (the canonicalization set spans every registered op).
  LogicalResult initialize(MLIRContext *ctx) override {
    RewritePatternSet canonical(ctx);
    for (Dialect *dialect : ctx->getLoadedDialects())
      dialect->getCanonicalizationPatterns(canonical);
    for (RegisteredOperationName op : ctx->getRegisteredOperations())
      op.getCanonicalizationPatterns(canonical, ctx);
    canonicalization = FrozenRewritePatternSet(std::move(canonical));

    RewritePatternSet cleanup(ctx);
    vector::populateVectorTransferPermutationMapLoweringPatterns(cleanup);
    vector::populateVectorReductionToContractPatterns(cleanup);
    vector::populateSinkVectorOpsPatterns(cleanup);
    tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(cleanup);
    vector::TransferReadOp::getCanonicalizationPatterns(cleanup, ctx);
    vector::TransferWriteOp::getCanonicalizationPatterns(cleanup, ctx);
    vectorCleanup = FrozenRewritePatternSet(std::move(cleanup));

    RewritePatternSet lowering(ctx);
    vector::populateVectorContractLoweringPatterns(
        lowering, vector::VectorContractLowering::OuterProduct);
    lowering.add<TransposeWithoutUnitDims>(ctx, /*benefit=*/2);
    vector::populateVectorTransposeLoweringPatterns(
        lowering, vector::VectorTransposeLowering::Shuffle16x16);
    vector::populateVectorOuterProductLoweringPatterns(lowering);
    vector::populateVectorTransferPermutationMapLoweringPatterns(lowering);
    contractLowering = FrozenRewritePatternSet(std::move(lowering));
    return success();
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<std::pair<linalg::LinalgOp, Roles>> candidates;
    SmallVector<linalg::TransposeOp> transposes;
    func.walk([&](linalg::LinalgOp op) {
      if (std::optional<Roles> roles = rolesOf(op))
        candidates.push_back({op, *roles});
      else if (auto transpose = dyn_cast<linalg::TransposeOp>(*op))
        if (isLastTwoTranspose(transpose))
          transposes.push_back(transpose);
    });
    if (candidates.empty() && transposes.empty())
      return;

    IRRewriter rewriter(&getContext());
    for (auto [op, roles] : candidates)
      if (failed(tile(rewriter, op, roles)))
        return signalPassFailure();
    for (linalg::TransposeOp op : transposes)
      if (failed(tileTranspose(rewriter, op)))
        return signalPassFailure();

    // Fold the peeled bounds into static slice shapes.
    if (failed(applyPatternsGreedily(func, canonicalization)))
      return signalPassFailure();

    // Vectorize the full register tiles; the partial ones stay linalg.
    SmallVector<linalg::LinalgOp> tiles;
    func.walk([&](linalg::LinalgOp op) {
      if (op->hasAttr(kRegisterTile))
        tiles.push_back(op);
    });
    for (linalg::LinalgOp op : tiles) {
      op->removeAttr(kRegisterTile);
      if (op.hasDynamicShape())
        continue;
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::VectorizationResult> result =
          linalg::vectorize(rewriter, op);
      if (failed(result)) {
        op.emitError("cannot vectorize this register tile");
        return signalPassFailure();
      }
      rewriter.replaceOp(op, result->replacements);
    }
    if (failed(applyPatternsGreedily(func, vectorCleanup)))
      return signalPassFailure();

    // Keep each accumulator tile in registers across its reduction loop.
    func.walk([&](scf::ForOp loop) {
      hoistLoopInvariantSubsets(rewriter,
                                cast<LoopLikeOpInterface>(loop.getOperation()));
    });

    // vector.contract -> outer products -> FMAs.
    if (failed(applyPatternsGreedily(func, contractLowering)))
      return signalPassFailure();
  }

  /// Threads' chunks (scf.forall), then register tiles (scf.for, peeled).
  LogicalResult tile(IRRewriter &rewriter, linalg::LinalgOp op,
                     const Roles &roles) {
    auto sizes = [&](int64_t outer, int64_t rows, int64_t cols, int64_t k) {
      return tileSizes(rewriter, op.getNumLoops(), roles, outer, rows, cols, k);
    };
    // The threads take column chunks outer, row chunks inner: threads that
    // run at once take row chunks of one weight panel, which is read from
    // memory once rather than once per row chunk (GPT-2-124M's forward at
    // 128 tokens: MLP 111 -> 86 ms). A decode step's contractions keep the
    // rows outer: with the columns outer its one row was slower (+7 % in
    // the MLP, not understood).
    SmallVector<int64_t> order;
    bool decode = isDecodeContraction(op);
    op->removeAttr(
        tessel::TesselDialect::DecodeContractionAttrHelper::getNameStr());
    if (!decode) {
      order = llvm::to_vector(llvm::seq<int64_t>(0, op.getNumLoops()));
      std::swap(order[roles.rows], order[roles.cols]);
    }
    FailureOr<TilingInterface> chunk =
        tileForThreads(rewriter, op, sizes(1, chunkRows, chunkCols, 0), order);
    if (failed(chunk))
      return failure();
    // Rows that do not fill a register tile (decode's one row per sequence,
    // a few drafted tokens) get one-row tiles inside blocks of the
    // reduction: every leftover row goes through a block of the weights
    // while it is in cache, so the weights stream from memory once, not
    // once per row. A chunk whose row count is not known to be a multiple
    // of the tile is split there.
    // Below two full tiles' rows (a batch of 8 sequences decoding), all
    // rows take that path: one pass over the weights in long runs beats a
    // full tile's narrower ones when the rows are this few.
    int64_t rowsExtent = cast<linalg::LinalgOp>(chunk->getOperation())
                             .getStaticLoopRanges()[roles.rows];
    int64_t fewRows = roles.colsInnermost ? 2 * tileRows : tileRows;
    if (!ShapedType::isDynamic(rowsExtent) && rowsExtent < fewRows)
      return tileLeftoverRows(rewriter, *chunk, roles);
    if (!ShapedType::isDynamic(rowsExtent) && rowsExtent % tileRows == 0)
      return tileChunk(rewriter, *chunk, roles, tileRows);
    rewriter.setInsertionPoint(*chunk);
    Location loc = chunk->getLoc();
    Range rows = chunk->getIterationDomain(rewriter)[roles.rows];
    AffineExpr extent = rewriter.getAffineSymbolExpr(0);
    Value whole = getValueOrCreateConstantIndexOp(
        rewriter, loc,
        affine::makeComposedFoldedAffineApply(
            rewriter, loc, extent.floorDiv(tileRows) * tileRows, {rows.size}));
    Value size = getValueOrCreateConstantIndexOp(rewriter, loc, rows.size);
    Value few = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::slt, size,
        arith::ConstantIndexOp::create(rewriter, loc, fewRows));
    OpFoldResult split =
        arith::SelectOp::create(
            rewriter, loc, few,
            arith::ConstantIndexOp::create(rewriter, loc, 0), whole)
            .getResult();
    auto [full, rest] = linalg::splitOp(rewriter, *chunk, roles.rows, split);
    if (!full)
      return chunk->emitError("cannot split this contraction's rows");
    if (rest)
      separateDestinations(rewriter, rest);
    sliceFilledDestination(rewriter, full);
    if (failed(tileChunk(rewriter, full, roles, tileRows)))
      return failure();
    return rest ? tileLeftoverRows(rewriter, rest, roles) : success();
  }

  /// One-row register tiles of `part`. Against a [k, cols] operand, inside
  /// a loop over blocks of `rowBlockK` steps of the reduction (the output
  /// accumulates across blocks; each tile keeps its accumulators in
  /// registers within one): a chunk's columns over the whole reduction may
  /// not fit in cache, a block does (a reduction of one block is not
  /// blocked; its tiles start from a fused fill). (A [cols, k] operand gains
  /// nothing measurable from blocks or from column tiles outside the rows: its
  /// one-row tiles reduce across vector lanes and are bound by that.)
  LogicalResult tileLeftoverRows(IRRewriter &rewriter, TilingInterface part,
                                 const Roles &roles) {
    auto linalgOp = cast<linalg::LinalgOp>(part.getOperation());
    int64_t reduction = linalgOp.getStaticLoopRanges()[roles.reduction];
    if (!roles.colsInnermost ||
        (!ShapedType::isDynamic(reduction) && reduction <= rowBlockK))
      return tileChunk(rewriter, part, roles, 1);
    int64_t loops = linalgOp.getNumLoops();
    SmallVector<OpFoldResult> blocks(loops, rewriter.getIndexAttr(0));
    blocks[roles.reduction] = rewriter.getIndexAttr(rowBlockK);
    FailureOr<scf::SCFTilingResult> blocked =
        tileWithLoops(rewriter, part, blocks, "cannot tile this reduction");
    if (failed(blocked))
      return failure();
    return tileChunk(rewriter, cast<TilingInterface>(blocked->tiledOps.back()),
                     roles, 1);
  }

  /// `op` tiled by `sizes` in scf.for loops, replacing it; `error` when it
  /// cannot be.
  static FailureOr<scf::SCFTilingResult>
  tileWithLoops(IRRewriter &rewriter, TilingInterface op,
                ArrayRef<OpFoldResult> sizes, const char *error) {
    rewriter.setInsertionPoint(op);
    scf::SCFTilingOptions options;
    options.setTileSizes(sizes);
    FailureOr<scf::SCFTilingResult> tiled =
        scf::tileUsingSCF(rewriter, op, options);
    if (failed(tiled))
      return op->emitError(error);
    rewriter.replaceOp(op, tiled->replacements);
    return tiled;
  }

  /// After splitOp, the second part's destination is a slice of the first
  /// part's result inserted into the chunk's destination, at rows the first
  /// part does not write. When the chunk's destination is a fill, the first
  /// part's result goes into the fill's own destination instead and the
  /// second part's slice is filled: the two parts write every row, so the
  /// fill of the whole chunk (a pass over memory) goes away, and each part
  /// can fuse its fill into its register tiles.
  static void separateDestinations(IRRewriter &rewriter, TilingInterface rest) {
    auto dps = cast<DestinationStyleOpInterface>(rest.getOperation());
    OpOperand &init = *dps.getDpsInitsMutable().begin();
    auto slice = init.get().getDefiningOp<tensor::ExtractSliceOp>();
    auto first = slice
                     ? slice.getSource().getDefiningOp<tensor::InsertSliceOp>()
                     : nullptr;
    auto fill =
        first ? first.getDest().getDefiningOp<linalg::FillOp>() : nullptr;
    if (!fill)
      return;
    rewriter.modifyOpInPlace(
        first, [&] { first.getDestMutable().assign(fill.getOutputs()[0]); });
    rewriter.setInsertionPoint(rest);
    Value filled = linalg::FillOp::create(rewriter, slice.getLoc(),
                                          fill.getInputs(), ValueRange{slice})
                       .getResult(0);
    rewriter.modifyOpInPlace(rest, [&] { init.set(filled); });
  }

  /// A destination of `op` that is a slice of a fill becomes a fill of the
  /// slice (what splitting a contraction leaves), so that tile-and-fuse
  /// still fuses the fill into each register tile.
  static void sliceFilledDestination(IRRewriter &rewriter, TilingInterface op) {
    auto dps = cast<DestinationStyleOpInterface>(op.getOperation());
    for (OpOperand &init : dps.getDpsInitsMutable()) {
      auto slice = init.get().getDefiningOp<tensor::ExtractSliceOp>();
      auto fill =
          slice ? slice.getSource().getDefiningOp<linalg::FillOp>() : nullptr;
      if (!fill)
        continue;
      rewriter.setInsertionPoint(op);
      Location loc = slice.getLoc();
      Value dest = tensor::ExtractSliceOp::create(
          rewriter, loc, fill.getOutputs()[0], slice.getMixedOffsets(),
          slice.getMixedSizes(), slice.getMixedStrides());
      Value filled = linalg::FillOp::create(rewriter, loc, fill.getInputs(),
                                            ValueRange{dest})
                         .getResult(0);
      rewriter.modifyOpInPlace(op, [&] { init.set(filled); });
    }
  }

  /// Register tiles of rows `rowTile` for one thread's `chunk` of a
  /// contraction.
  LogicalResult tileChunk(IRRewriter &rewriter, TilingInterface chunk,
                          const Roles &roles, int64_t rowTile) {
    int64_t loops = cast<linalg::LinalgOp>(chunk.getOperation()).getNumLoops();
    // A dimension smaller than its tile (a head size of 8, say) gets a tile
    // of its own size, so that it still has full tiles to vectorize.
    SmallVector<int64_t> extents =
        cast<linalg::LinalgOp>(chunk.getOperation()).getStaticLoopRanges();
    auto fit = [&](int64_t tile, int64_t loop) {
      int64_t extent = extents[loop];
      return ShapedType::isDynamic(extent) || extent <= 0
                 ? tile
                 : std::min(tile, extent);
    };
    int64_t cols = tileCols, k = tileK;
    if (roles.colsInnermost && rowTile == 1)
      cols = rowTileCols, k = rowTileK;
    else if (roles.colsInnermost)
      cols = wideTileCols, k = wideTileK;
    SmallVector<OpFoldResult> tile =
        tileSizes(rewriter, loops, roles, 1, fit(rowTile, roles.rows),
                  fit(cols, roles.cols), fit(k, roles.reduction));
    // Output tiles first, with a fill of the output fused into each (the
    // accumulators then start as a splat, with no pass over memory), then
    // the reduction within each output tile.
    SmallVector<OpFoldResult> outputTile = tile;
    outputTile[roles.reduction] = rewriter.getIndexAttr(0);
    SmallVector<OpFoldResult> reductionTile(loops, rewriter.getIndexAttr(0));
    reductionTile[roles.reduction] = tile[roles.reduction];
    scf::SCFTileAndFuseOptions fuseFill;
    fuseFill.tilingOptions.setTileSizes(outputTile);
    fuseFill.setFusionControlFn(
        [](tensor::ExtractSliceOp, OpResult producer, bool isDestination)
            -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
          if (isDestination && isa<linalg::FillOp>(producer.getOwner()))
            return scf::SCFTileAndFuseOptions::ControlFnResult{};
          return std::nullopt;
        });
    rewriter.setInsertionPoint(chunk);
    FailureOr<scf::SCFTileAndFuseResult> outputs =
        scf::tileConsumerAndFuseProducersUsingSCF(rewriter, chunk, fuseFill);
    if (failed(outputs))
      return chunk->emitError("cannot tile this contraction for registers");
    for (OpResult result : chunk->getResults())
      if (Value replacement = outputs->replacements.lookup(result))
        rewriter.replaceAllUsesWith(result, replacement);
    rewriter.eraseOp(chunk);
    auto tiled = cast<TilingInterface>(outputs->tiledAndFusedOps.front());
    for (Operation *fused : outputs->tiledAndFusedOps)
      if (isa<linalg::FillOp>(fused))
        fused->setAttr(kRegisterTile, rewriter.getUnitAttr());
    SmallVector<LoopLikeOpInterface> loopNest(outputs->loops);
    return tileForRegisters(rewriter, tiled, reductionTile, loopNest);
  }

  /// A transpose of the last two dimensions: threads share 64 x 64 chunks of
  /// them; each chunk is a loop over 16 x 16 register tiles, which
  /// vectorize to 16 row loads, a shuffle transpose and 16 row stores.
  LogicalResult tileTranspose(IRRewriter &rewriter, linalg::TransposeOp op) {
    int64_t loops = op.getInit().getType().getRank();
    auto sizes = [&](int64_t last2) {
      SmallVector<OpFoldResult> result(loops - 2, rewriter.getIndexAttr(1));
      result.append(2, rewriter.getIndexAttr(last2));
      return result;
    };
    FailureOr<TilingInterface> chunk = tileForThreads(
        rewriter, cast<linalg::LinalgOp>(op.getOperation()), sizes(64));
    if (failed(chunk))
      return failure();
    return tileForRegisters(rewriter, *chunk, sizes(16), {});
  }

  /// The threads' chunks of `op` (an scf.forall), or `op` itself when it is
  /// inside a thread's loop already (FlashAttention tiles); the forall's
  /// dimensions in `order` (a permutation of the loops; empty: as they are).
  FailureOr<TilingInterface> tileForThreads(IRRewriter &rewriter,
                                            linalg::LinalgOp op,
                                            ArrayRef<OpFoldResult> sizes,
                                            ArrayRef<int64_t> order = {}) {
    if (op->getParentOfType<scf::ForallOp>())
      return cast<TilingInterface>(op.getOperation());
    rewriter.setInsertionPoint(op);
    scf::SCFTilingOptions threads;
    threads.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    threads.setTileSizes(sizes);
    if (!order.empty())
      threads.setInterchange(order);
    FailureOr<scf::SCFTilingResult> chunked = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), threads);
    if (failed(chunked))
      return op.emitError("cannot tile this op for threads");
    rewriter.replaceOp(op, chunked->replacements);
    return cast<TilingInterface>(chunked->tiledOps.back());
  }

  /// Register tiles of `chunk` (scf.for loops), marked for vectorization;
  /// then `outer` (loops already around `chunk`, outer to inner) and the new
  /// loops are peeled outer to inner, so that the main loops iterate full
  /// tiles only.
  LogicalResult tileForRegisters(IRRewriter &rewriter, TilingInterface chunk,
                                 ArrayRef<OpFoldResult> sizes,
                                 SmallVector<LoopLikeOpInterface> outer) {
    FailureOr<scf::SCFTilingResult> tiled = tileWithLoops(
        rewriter, chunk, sizes, "cannot tile this op for registers");
    if (failed(tiled))
      return failure();
    tiled->tiledOps.back()->setAttr(kRegisterTile, rewriter.getUnitAttr());
    outer.append(tiled->loops.begin(), tiled->loops.end());
    for (LoopLikeOpInterface loop : outer) {
      auto forOp = cast<scf::ForOp>(loop.getOperation());
      scf::ForOp remainder;
      rewriter.setInsertionPoint(forOp);
      (void)scf::peelForLoopAndSimplifyBounds(rewriter, forOp, remainder);
    }
    return success();
  }

  FrozenRewritePatternSet canonicalization, vectorCleanup, contractLowering;
};

} // namespace
