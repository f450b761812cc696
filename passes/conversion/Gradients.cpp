//===- Gradients.cpp - lowering of the backward ops -----------------------===//
//
// sum_to, linear_weight_grad, embedding_grad and slice_grad to linalg on
// tensors. The
// elementwise backward ops lower beside their forward ops (Dense.cpp), the
// loss's backward beside the loss (Attention.cpp).
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/Passes.h"
#include "passes/utils/LinalgBuilders.h"

#include "dialect/TesselOps.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace tessel::builders;

namespace {

/// One generic over the input's dimensions, reducing the axes that
/// broadcasting added or stretched, into an f32 accumulator.
struct LowerSumTo : OpRewritePattern<tessel::SumToOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::SumToOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t r = cast<RankedTensorType>(op.getInput().getType()).getRank();
    int64_t lead = r - type.getRank();
    SmallVector<OpFoldResult> in = tensor::getMixedSizes(b, loc, op.getInput());
    SmallVector<OpFoldResult> sizes;
    SmallVector<int64_t> dims, reduced;
    for (int64_t d = 0; d < r; ++d) {
      if (op.isReduced(d))
        reduced.push_back(d);
      if (d < lead)
        continue;
      dims.push_back(op.isReduced(d) ? -1 : d);
      sizes.push_back(op.isReduced(d) ? OpFoldResult(b.getIndexAttr(1))
                                      : in[d]);
    }
    auto accType = RankedTensorType::get(type.getShape(), b.getF32Type());
    Value acc = filledTensor(b, loc, accType, sizes, 0.0);
    Value sum = generic(
        b, loc, op.getInput(), acc,
        {b.getMultiDimIdentityMap(r), projection(b.getContext(), r, dims)},
        iterators(r, reduced),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          linalg::YieldOp::create(
              nb, nl,
              arith::AddFOp::create(nb, nl, args[1], toF32(nb, nl, args[0]))
                  .getResult());
        })[0];
    b.replaceOp(op, castFromF32(b, loc, sum, type));
    return success();
  }
};

/// dw[n, k] = sum_i dy[i, n] x[i, k]: loops (i..., n, k), the leading ones
/// reduced.
struct LowerLinearWeightGrad : OpRewritePattern<tessel::LinearWeightGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::LinearWeightGradOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    int64_t r = cast<RankedTensorType>(op.getInput().getType()).getRank();
    auto accType = RankedTensorType::get(type.getShape(), b.getF32Type());
    Value acc = filledTensor(b, loc, accType, {}, 0.0);
    SmallVector<int64_t> dyDims = range(0, r - 1), xDims = range(0, r - 1);
    dyDims.push_back(r - 1);
    xDims.push_back(r);
    Value result = multiplyAccumulate(
        b, loc, op.getResultGrad(), op.getInput(), acc,
        {projection(ctx, r + 1, dyDims), projection(ctx, r + 1, xDims),
         projection(ctx, r + 1, {r - 1, r})},
        iterators(r + 1, range(0, r - 1)));
    b.replaceOp(op, castFromF32(b, loc, result, type));
    return success();
  }
};

/// dtable[ids[p]] += dy[p] for p in order: ids and dy collapsed to [P] and
/// [P, D], then an scf.for that carries the f32 table and adds one row per
/// id. An id outside [0, V) is clamped into it, as in the forward lookup
/// (the interpreter reports it as an error).
struct LowerEmbeddingGrad : OpRewritePattern<tessel::EmbeddingGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::EmbeddingGradOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t rows = type.getDimSize(0), dim = type.getDimSize(1);
    Value ids = op.getIds(), dy = op.getResultGrad();
    int64_t idRank = cast<RankedTensorType>(ids.getType()).getRank();
    if (idRank != 1) {
      ReassociationIndices all = range(0, idRank);
      ids = tensor::CollapseShapeOp::create(
          b, loc, ids, SmallVector<ReassociationIndices>{all});
      dy = tensor::CollapseShapeOp::create(
          b, loc, dy,
          SmallVector<ReassociationIndices>{all, ReassociationIndices{idRank}});
    } else if (idRank == 0) {
      return failure();
    }
    auto accType = RankedTensorType::get(type.getShape(), b.getF32Type());
    Value acc = filledTensor(b, loc, accType, {}, 0.0);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value count = tensor::DimOp::create(b, loc, ids, 0);
    Value last = arith::ConstantIndexOp::create(b, loc, rows - 1);
    SmallVector<OpFoldResult> rowSizes = {b.getIndexAttr(1),
                                          b.getIndexAttr(dim)};
    SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
    auto rowType = RankedTensorType::get({1, dim}, b.getF32Type());
    auto loop = scf::ForOp::create(
        b, loc, zero, count, one, ValueRange{acc},
        [&](OpBuilder &nb, Location nl, Value p, ValueRange carried) {
          Value id = extractIndex(nb, nl, ids, p);
          id = arith::MaxSIOp::create(nb, nl, id, zero);
          id = arith::MinSIOp::create(nb, nl, id, last);
          SmallVector<OpFoldResult> from = {p, nb.getIndexAttr(0)};
          SmallVector<OpFoldResult> to = {id, nb.getIndexAttr(0)};
          Value update = tensor::ExtractSliceOp::create(nb, nl, dy, from,
                                                        rowSizes, strides);
          Value row = tensor::ExtractSliceOp::create(
              nb, nl, rowType, carried[0], to, rowSizes, strides);
          AffineMap id2 = nb.getMultiDimIdentityMap(2);
          Value sum = generic(nb, nl, update, row, {id2, id2}, iterators(2),
                              [&](OpBuilder &bb, Location bl, ValueRange args) {
                                linalg::YieldOp::create(
                                    bb, bl,
                                    arith::AddFOp::create(
                                        bb, bl, args[1], toF32(bb, bl, args[0]))
                                        .getResult());
                              })[0];
          Value written = tensor::InsertSliceOp::create(nb, nl, sum, carried[0],
                                                        to, rowSizes, strides);
          scf::YieldOp::create(nb, nl, written);
        });
    b.replaceOp(op, castFromF32(b, loc, loop.getResult(0), type));
    return success();
  }
};

/// Zeros of the input's shape with dy inserted at the offset: a fill and a
/// tensor.insert_slice.
struct LowerSliceGrad : OpRewritePattern<tessel::SliceGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::SliceGradOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Value dy = op.getResultGrad();
    int64_t axis = op.getAxis();
    SmallVector<OpFoldResult> dySizes = tensor::getMixedSizes(b, loc, dy);
    SmallVector<OpFoldResult> sizes(dySizes);
    sizes[axis] = b.getIndexAttr(type.getDimSize(axis));
    Value zeros = filledTensor(b, loc, type, sizes, 0.0);
    SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
    offsets[axis] = b.getIndexAttr(op.getOffset());
    SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
    Value result = tensor::InsertSliceOp::create(b, loc, dy, zeros, offsets,
                                                 dySizes, strides);
    b.replaceOp(op, castTo(b, loc, result, type));
    return success();
  }
};

} // namespace

void tessel::populateGradientLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerSumTo, LowerLinearWeightGrad, LowerEmbeddingGrad,
               LowerSliceGrad>(patterns.getContext());
}
