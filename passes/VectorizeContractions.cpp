//===- VectorizeContractions.cpp - register-tiled, vectorized contractions ===//
//
// Tiles each linalg contraction twice (threads, then registers), peels the
// register loops so that the main loops see full static tiles, vectorizes
// those tiles, keeps the accumulator in registers across the reduction loop
// and lowers the vector contractions to broadcast-FMA outer products.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"

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

namespace mlir::tessel {
#define GEN_PASS_DEF_TESSELVECTORIZECONTRACTIONS
#include "passes/Passes.h.inc"
} // namespace mlir::tessel

using namespace mlir;

namespace {

/// Marks the register-tile op until it is vectorized.
constexpr llvm::StringLiteral kMicroKernel = "tessel.register_tile";

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

struct VectorizeContractions
    : mlir::tessel::impl::TesselVectorizeContractionsBase<
          VectorizeContractions> {
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
    func.walk([&](linalg::LinalgOp op) {
      if (std::optional<Roles> roles = rolesOf(op))
        candidates.push_back({op, *roles});
    });
    if (candidates.empty())
      return;

    IRRewriter rewriter(&getContext());
    for (auto [op, roles] : candidates)
      if (failed(tile(rewriter, op, roles)))
        return signalPassFailure();

    // Fold the peeled bounds into static slice shapes.
    if (failed(applyPatternsGreedily(func, canonicalization)))
      return signalPassFailure();

    // Vectorize the full register tiles; the partial ones stay linalg.
    SmallVector<linalg::LinalgOp> tiles;
    func.walk([&](linalg::LinalgOp op) {
      if (op->hasAttr(kMicroKernel))
        tiles.push_back(op);
    });
    for (linalg::LinalgOp op : tiles) {
      op->removeAttr(kMicroKernel);
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
    int64_t loops = op.getNumLoops();
    auto sizes = [&](int64_t outer, int64_t rows, int64_t cols, int64_t k) {
      SmallVector<OpFoldResult> result;
      for (int64_t i = 0; i < loops; ++i) {
        int64_t size = outer;
        if (i == roles.rows)
          size = rows;
        else if (i == roles.cols)
          size = cols;
        else if (i == roles.reduction)
          size = k;
        result.push_back(rewriter.getIndexAttr(size));
      }
      return result;
    };

    // Inside a thread's loop already (FlashAttention tiles): registers only.
    TilingInterface chunk = cast<TilingInterface>(op.getOperation());
    if (!op->getParentOfType<scf::ForallOp>()) {
      rewriter.setInsertionPoint(op);
      scf::SCFTilingOptions threads;
      threads.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
      threads.setTileSizes(sizes(1, chunkRows, chunkCols, 0));
      FailureOr<scf::SCFTilingResult> chunked = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), threads);
      if (failed(chunked))
        return op.emitError("cannot tile this contraction for threads");
      rewriter.replaceOp(op, chunked->replacements);
      chunk = cast<TilingInterface>(chunked->tiledOps.back());
    }
    rewriter.setInsertionPoint(chunk);
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
    scf::SCFTilingOptions registers;
    registers.setTileSizes(
        sizes(1, fit(tileRows, roles.rows),
              fit(roles.colsInnermost ? wideTileCols : tileCols, roles.cols),
              fit(tileK, roles.reduction)));
    FailureOr<scf::SCFTilingResult> tiled =
        scf::tileUsingSCF(rewriter, chunk, registers);
    if (failed(tiled))
      return chunk->emitError("cannot tile this contraction for registers");
    rewriter.replaceOp(chunk, tiled->replacements);
    tiled->tiledOps.back()->setAttr(kMicroKernel, rewriter.getUnitAttr());

    // Peel outer to inner: the main loops then iterate full tiles only.
    for (LoopLikeOpInterface loop : tiled->loops) {
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
