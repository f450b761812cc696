//===- TesselCanonicalize.cpp - folders and canonicalization patterns -----===//

#include "dialect/TesselOps.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace tessel;

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  // The identity permutation changes nothing.
  for (auto [i, p] : llvm::enumerate(getPermutation()))
    if (static_cast<int64_t>(i) != p)
      return {};
  if (getInput().getType() != getType())
    return {};
  return getInput();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

namespace {

/// transpose(transpose(x, p1), p2) -> transpose(x, p1 ∘ p2): result dim i is
/// x dim p1[p2[i]]. An identity composition is then removed by the folder.
struct MergeTransposes : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<TransposeOp>();
    if (!inner)
      return failure();
    SmallVector<int64_t> composed;
    for (int64_t p : op.getPermutation())
      composed.push_back(inner.getPermutation()[p]);
    rewriter.replaceOpWithNewOp<TransposeOp>(op, op.getType(), inner.getInput(),
                                             composed);
    return success();
  }
};

/// reshape(reshape(x)) -> reshape(x): only the final shape matters. Both
/// reshapes keep the same dynamic prefix, so the merged one is valid.
struct MergeReshapes : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<ReshapeOp>();
    if (!inner)
      return failure();
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), inner.getInput());
    return success();
  }
};

/// The op rebuilt without its optional statistics (log-sum-exp, mean,
/// rstd): its first result alone.
Value withoutStatistics(PatternRewriter &rewriter, AttentionOp op) {
  return AttentionOp::create(rewriter, op.getLoc(), op.getResult().getType(),
                             Type(), op.getQuery(), op.getKey(), op.getValue(),
                             op.getBias(), op.getPositions(), op.getScaleAttr(),
                             op.getCausalAttr())
      .getResult();
}
Value withoutStatistics(PatternRewriter &rewriter, LayerNormOp op) {
  return LayerNormOp::create(rewriter, op.getLoc(), op.getInput(),
                             op.getGamma(), op.getBeta(), op.getEpsilon())
      .getResult();
}
Value withoutStatistics(PatternRewriter &rewriter, RMSNormOp op) {
  return RMSNormOp::create(rewriter, op.getLoc(), op.getInput(), op.getGamma(),
                           op.getEpsilon())
      .getResult();
}

/// An op whose saved statistics nobody reads computes them no more (one of
/// them read keeps them all).
template <typename OpTy> struct DropUnusedStatistics : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    auto statistics = op->getResults().drop_front();
    if (statistics.empty() ||
        !llvm::all_of(statistics, [](Value v) { return v.use_empty(); }))
      return failure();
    rewriter.replaceAllUsesWith(op.getResult(),
                                withoutStatistics(rewriter, op));
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void AttentionOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<DropUnusedStatistics<AttentionOp>>(context);
}

void LayerNormOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<DropUnusedStatistics<LayerNormOp>>(context);
}

void RMSNormOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<DropUnusedStatistics<RMSNormOp>>(context);
}

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<MergeTransposes>(context);
}

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<MergeReshapes>(context);
}
