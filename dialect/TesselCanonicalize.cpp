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

/// An attention whose log-sum-exp nobody reads computes it no more.
struct DropUnusedLse : OpRewritePattern<AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getLse() || !op.getLse().use_empty())
      return failure();
    auto replacement = AttentionOp::create(
        rewriter, op.getLoc(), op.getResult().getType(), Type(), op.getQuery(),
        op.getKey(), op.getValue(), op.getBias(), op.getScaleAttr(),
        op.getCausalAttr());
    rewriter.replaceAllUsesWith(op.getResult(), replacement.getResult());
    rewriter.eraseOp(op);
    return success();
  }
};

/// A layer norm whose statistics nobody reads computes them no more.
struct DropUnusedLayerNormStats : OpRewritePattern<LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LayerNormOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getMean() || !op.getMean().use_empty() || !op.getRstd().use_empty())
      return failure();
    auto replacement =
        LayerNormOp::create(rewriter, op.getLoc(), op.getInput(), op.getGamma(),
                            op.getBeta(), op.getEpsilon());
    rewriter.replaceAllUsesWith(op.getResult(), replacement.getResult());
    rewriter.eraseOp(op);
    return success();
  }
};

/// An RMS norm whose statistic nobody reads computes it no more.
struct DropUnusedRMSNormStats : OpRewritePattern<RMSNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RMSNormOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getRstd() || !op.getRstd().use_empty())
      return failure();
    auto replacement = RMSNormOp::create(rewriter, op.getLoc(), op.getInput(),
                                         op.getGamma(), op.getEpsilon());
    rewriter.replaceAllUsesWith(op.getResult(), replacement.getResult());
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void AttentionOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<DropUnusedLse>(context);
}

void LayerNormOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<DropUnusedLayerNormStats>(context);
}

void RMSNormOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<DropUnusedRMSNormStats>(context);
}

void TransposeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                              MLIRContext *context) {
  results.add<MergeTransposes>(context);
}

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<MergeReshapes>(context);
}
