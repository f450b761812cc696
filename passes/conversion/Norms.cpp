//===- Norms.cpp - lowering of the tessel norms ops -----------------------===//
//
// Every norm normalizes over the last axis (of size D). Statistics are
// reduced in f32 (two passes: the mean, then the squared deviations) and the
// final elementwise generic converts to the op's element type.
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/Passes.h"
#include "passes/utils/LinalgBuilders.h"

#include "dialect/TesselOps.h"

using namespace mlir;
using namespace tessel::builders;

namespace {

using Combine =
    std::function<Value(OpBuilder &, Location, ValueRange /*f32 args*/)>;

/// An index-typed size as an f32 value (outside any body).
Value sizeAsF32(OpBuilder &b, Location loc, OpFoldResult size) {
  if (auto attr = dyn_cast<Attribute>(size))
    return f32(b, loc, static_cast<double>(cast<IntegerAttr>(attr).getInt()));
  Value i =
      arith::IndexCastOp::create(b, loc, b.getI64Type(), cast<Value>(size));
  return arith::SIToFPOp::create(b, loc, b.getF32Type(), i);
}

/// The size of the last dimension of `x` as an f32 value.
Value lastSizeAsF32(OpBuilder &b, Location loc, Value x) {
  auto type = cast<RankedTensorType>(x.getType());
  return sizeAsF32(b, loc, tensor::getMixedSize(b, loc, x, type.getRank() - 1));
}

/// The product of `sizes` as an f32 value.
Value productAsF32(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
  int64_t constant = 1;
  Value dynamic;
  for (OpFoldResult s : sizes) {
    if (auto attr = dyn_cast<Attribute>(s)) {
      constant *= cast<IntegerAttr>(attr).getInt();
      continue;
    }
    Value v = cast<Value>(s);
    dynamic =
        dynamic ? arith::MulIOp::create(b, loc, dynamic, v).getResult() : v;
  }
  if (!dynamic)
    return f32(b, loc, static_cast<double>(constant));
  Value n = sizeAsF32(b, loc, dynamic);
  if (constant == 1)
    return n;
  return arith::MulFOp::create(b, loc, n,
                               f32(b, loc, static_cast<double>(constant)));
}

/// A reduction of `x` ([..., D]) into an f32 tensor of the dimensions
/// `kept` (the others are reduced): acc = combine(acc, f32(x), f32(extra...))
/// where each of `extras` is indexed like the result.
Value reduceF32(
    OpBuilder &b, Location loc, Value x, ArrayRef<int64_t> kept,
    ValueRange extras, double init,
    const std::function<Value(OpBuilder &, Location, Value acc, Value element,
                              ValueRange extras)> &combine) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> sizes;
  SmallVector<int64_t> shape, reductions;
  for (int64_t d : kept) {
    sizes.push_back(tensor::getMixedSize(b, loc, x, d));
    shape.push_back(type.getShape()[d]);
  }
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(kept, d))
      reductions.push_back(d);
  auto outType = RankedTensorType::get(shape, b.getF32Type());
  Value acc = filledTensor(b, loc, outType, sizes, init);
  AffineMap keptMap = projection(ctx, rank, kept);
  SmallVector<Value> inputs{x};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  for (Value e : extras) {
    inputs.push_back(e);
    maps.push_back(keptMap);
  }
  maps.push_back(keptMap);
  return generic(b, loc, inputs, acc, maps, iterators(rank, reductions),
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   SmallVector<Value> more;
                   for (Value a : args.slice(1, extras.size()))
                     more.push_back(toF32(nb, nl, a));
                   Value r = combine(nb, nl, args.back(),
                                     toF32(nb, nl, args[0]), more);
                   linalg::YieldOp::create(nb, nl, r);
                 })[0];
}

/// An elementwise map of tensors of one shape, computed in f32, into an f32
/// tensor.
Value mapF32(OpBuilder &b, Location loc, ValueRange inputs, const Combine &fn) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  int64_t rank = type.getRank();
  auto outType = RankedTensorType::get(type.getShape(), b.getF32Type());
  Value out =
      emptyTensor(b, loc, outType, tensor::getMixedSizes(b, loc, inputs[0]));
  SmallVector<AffineMap> maps(inputs.size() + 1,
                              b.getMultiDimIdentityMap(rank));
  return generic(b, loc, inputs, out, maps, iterators(rank),
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   SmallVector<Value> xs;
                   for (Value a : args.drop_back())
                     xs.push_back(toF32(nb, nl, a));
                   linalg::YieldOp::create(nb, nl, fn(nb, nl, xs));
                 })[0];
}

/// The result of a norm: out[...] = fn(f32 x, f32 row..., f32 feature...)
/// with `rows` indexed by the leading dimensions of `x`, `features` by its
/// last, and `scalars` rank 0; converted to `type`'s element type.
Value normalize(
    OpBuilder &b, Location loc, RankedTensorType type, Value x, ValueRange rows,
    ValueRange features, ValueRange scalars,
    const std::function<Value(OpBuilder &, Location, Value x, ValueRange rows,
                              ValueRange features, ValueRange scalars)> &fn) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = type.getRank();
  Value out = emptyTensor(b, loc, type, tensor::getMixedSizes(b, loc, x));
  SmallVector<Value> inputs{x};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  for (Value v : rows) {
    inputs.push_back(v);
    maps.push_back(projection(ctx, rank, range(0, rank - 1)));
  }
  for (Value v : features) {
    inputs.push_back(v);
    maps.push_back(projection(ctx, rank, {rank - 1}));
  }
  for (Value v : scalars) {
    inputs.push_back(v);
    maps.push_back(projection(ctx, rank, {}));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  size_t nr = rows.size(), nf = features.size(), ns = scalars.size();
  return generic(b, loc, inputs, out, maps, iterators(rank),
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   SmallVector<Value> f;
                   for (Value a : args.drop_back())
                     f.push_back(toF32(nb, nl, a));
                   ValueRange all(f);
                   Value y =
                       fn(nb, nl, all[0], all.slice(1, nr),
                          all.slice(1 + nr, nf), all.slice(1 + nr + nf, ns));
                   linalg::YieldOp::create(
                       nb, nl, fromF32(nb, nl, y, type.getElementType()));
                 })[0];
}

Value addF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AddFOp::create(b, loc, x, y);
}
Value subF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::SubFOp::create(b, loc, x, y);
}
Value mulF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MulFOp::create(b, loc, x, y);
}
Value divF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::DivFOp::create(b, loc, x, y);
}
/// 1 / sqrt(v + epsilon).
Value invSqrt(OpBuilder &b, Location loc, Value v, double epsilon) {
  Value s = math::SqrtOp::create(b, loc, addF(b, loc, v, f32(b, loc, epsilon)));
  return divF(b, loc, f32(b, loc, 1.0), s);
}

/// The per-row mean of `x` over its last dimension (f32), and the
/// per-row 1 / sqrt(biased variance + epsilon).
std::pair<Value, Value> rowMoments(OpBuilder &b, Location loc, Value x,
                                   double epsilon) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  Value d = lastSizeAsF32(b, loc, x);
  SmallVector<int64_t> lead = range(0, rank - 1);
  Value sum = reduceF32(b, loc, x, lead, {}, 0.0,
                        [](OpBuilder &nb, Location nl, Value acc, Value e,
                           ValueRange) { return addF(nb, nl, acc, e); });
  Value mean =
      mapF32(b, loc, sum, [&](OpBuilder &nb, Location nl, ValueRange a) {
        return divF(nb, nl, a[0], d);
      });
  Value squares = reduceF32(
      b, loc, x, lead, mean, 0.0,
      [](OpBuilder &nb, Location nl, Value acc, Value e, ValueRange m) {
        Value c = subF(nb, nl, e, m[0]);
        return addF(nb, nl, acc, mulF(nb, nl, c, c));
      });
  Value inv =
      mapF32(b, loc, squares, [&](OpBuilder &nb, Location nl, ValueRange a) {
        return invSqrt(nb, nl, divF(nb, nl, a[0], d), epsilon);
      });
  return {mean, inv};
}

/// y = (x - mean) * inv * gamma + beta, with mean and inv per row; they are
/// also the op's statistics (mean, rstd) when it returns them.
struct LowerLayerNorm : OpRewritePattern<tessel::LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::LayerNormOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    auto [mean, inv] = rowMoments(b, loc, x, op.getEpsilon().convertToDouble());
    SmallVector<Value> results = {
        normalize(b, loc, op.getResult().getType(), x, {mean, inv},
                  {op.getGamma(), op.getBeta()}, {},
                  [](OpBuilder &nb, Location nl, Value e, ValueRange row,
                     ValueRange f, ValueRange) {
                    Value n = mulF(nb, nl, subF(nb, nl, e, row[0]), row[1]);
                    return addF(nb, nl, mulF(nb, nl, n, f[0]), f[1]);
                  })};
    if (op.getMean()) {
      results.push_back(castTo(b, loc, mean, op.getMean().getType()));
      results.push_back(castTo(b, loc, inv, op.getRstd().getType()));
    }
    b.replaceOp(op, results);
    return success();
  }
};

/// y = x * (1 / sqrt(mean(x^2) + epsilon)) * gamma; the per-row factor is
/// also the op's rstd when it returns it.
struct LowerRMSNorm : OpRewritePattern<tessel::RMSNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::RMSNormOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    RankedTensorType type = op.getResult().getType();
    int64_t rank = type.getRank();
    double epsilon = op.getEpsilon().convertToDouble();
    Value d = lastSizeAsF32(b, loc, x);
    Value squares = reduceF32(
        b, loc, x, range(0, rank - 1), {}, 0.0,
        [](OpBuilder &nb, Location nl, Value acc, Value e, ValueRange) {
          return addF(nb, nl, acc, mulF(nb, nl, e, e));
        });
    Value inv =
        mapF32(b, loc, squares, [&](OpBuilder &nb, Location nl, ValueRange a) {
          return invSqrt(nb, nl, divF(nb, nl, a[0], d), epsilon);
        });
    SmallVector<Value> results = {
        normalize(b, loc, type, x, inv, op.getGamma(), {},
                  [](OpBuilder &nb, Location nl, Value e, ValueRange row,
                     ValueRange f, ValueRange) {
                    return mulF(nb, nl, mulF(nb, nl, e, row[0]), f[0]);
                  })};
    if (op.getRstd())
      results.push_back(castTo(b, loc, inv, op.getRstd().getType()));
    b.replaceOp(op, results);
    return success();
  }
};

/// The backward pass of layer_norm (with `mean`) or rms_norm (without):
/// with xhat = (x - mean) * rstd and g = dy * gamma,
///   dx = rstd * (g - [mean_row(g)] - xhat * mean_row(g * xhat)),
///   dgamma = sum over rows of dy * xhat,  dbeta = sum over rows of dy.
/// Three generics: the two row sums, dx, and the two column sums.
SmallVector<Value> normGrad(OpBuilder &b, Location loc, Value x, Value gamma,
                            Value mean, Value rstd, Value dy,
                            RankedTensorType gammaType, bool withBeta) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  AffineMap all = b.getMultiDimIdentityMap(rank);
  AffineMap rowMap = projection(ctx, rank, range(0, rank - 1));
  AffineMap featureMap = projection(ctx, rank, {rank - 1});
  // xhat and g of one element, from f32 x, dy, gamma, mean?, rstd.
  auto xhatAndG = [&](OpBuilder &nb, Location nl, ValueRange args) {
    Value centered = mean ? subF(nb, nl, args[0], args[3]) : args[0];
    Value xhat = mulF(nb, nl, centered, args[mean ? 4 : 3]);
    return std::make_pair(xhat, mulF(nb, nl, args[1], args[2]));
  };
  SmallVector<Value> inputs = {x, dy, gamma};
  SmallVector<AffineMap> maps = {all, all, featureMap};
  if (mean) {
    inputs.push_back(mean);
    maps.push_back(rowMap);
  }
  inputs.push_back(rstd);
  maps.push_back(rowMap);
  size_t n = inputs.size();

  auto rowType =
      RankedTensorType::get(type.getShape().drop_back(), b.getF32Type());
  SmallVector<OpFoldResult> rowSizes(sizes.begin(), sizes.end() - 1);
  Value zeroRows = filledTensor(b, loc, rowType, rowSizes, 0.0);
  SmallVector<AffineMap> rowSumMaps(maps);
  rowSumMaps.append({rowMap, rowMap});
  ValueRange rowSums = generic(
      b, loc, inputs, ValueRange{zeroRows, zeroRows}, rowSumMaps,
      iterators(rank, {rank - 1}),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        SmallVector<Value> f;
        for (Value a : args.take_front(n))
          f.push_back(toF32(nb, nl, a));
        auto [xhat, g] = xhatAndG(nb, nl, f);
        linalg::YieldOp::create(
            nb, nl,
            ValueRange{addF(nb, nl, args[n], g),
                       addF(nb, nl, args[n + 1], mulF(nb, nl, g, xhat))});
      });

  Value d = lastSizeAsF32(b, loc, x);
  SmallVector<Value> dxInputs(inputs);
  dxInputs.append({rowSums[0], rowSums[1]});
  SmallVector<AffineMap> dxMaps(maps);
  dxMaps.append({rowMap, rowMap, all});
  Value dx = generic(
      b, loc, dxInputs, emptyTensor(b, loc, type, sizes), dxMaps,
      iterators(rank), [&](OpBuilder &nb, Location nl, ValueRange args) {
        SmallVector<Value> f;
        for (Value a : args.take_front(n))
          f.push_back(toF32(nb, nl, a));
        auto [xhat, g] = xhatAndG(nb, nl, f);
        Value inner =
            subF(nb, nl, g, mulF(nb, nl, xhat, divF(nb, nl, args[n + 1], d)));
        if (mean)
          inner = subF(nb, nl, inner, divF(nb, nl, args[n], d));
        linalg::YieldOp::create(nb, nl,
                                fromF32(nb, nl, mulF(nb, nl, f.back(), inner),
                                        type.getElementType()));
      })[0];

  auto columnType =
      RankedTensorType::get({type.getShape().back()}, b.getF32Type());
  Value zeroColumns = filledTensor(b, loc, columnType, {sizes.back()}, 0.0);
  SmallVector<AffineMap> columnMaps(maps);
  columnMaps.append({featureMap, featureMap});
  ValueRange columnSums =
      generic(b, loc, inputs, ValueRange{zeroColumns, zeroColumns}, columnMaps,
              iterators(rank, range(0, rank - 1)),
              [&](OpBuilder &nb, Location nl, ValueRange args) {
                SmallVector<Value> f;
                for (Value a : args.take_front(n))
                  f.push_back(toF32(nb, nl, a));
                auto [xhat, g] = xhatAndG(nb, nl, f);
                (void)g;
                linalg::YieldOp::create(
                    nb, nl,
                    ValueRange{addF(nb, nl, args[n], mulF(nb, nl, f[1], xhat)),
                               addF(nb, nl, args[n + 1], f[1])});
              });
  SmallVector<Value> results = {dx,
                                castFromF32(b, loc, columnSums[0], gammaType)};
  if (withBeta)
    results.push_back(castFromF32(b, loc, columnSums[1], gammaType));
  return results;
}

struct LowerLayerNormGrad : OpRewritePattern<tessel::LayerNormGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::LayerNormGradOp op,
                                PatternRewriter &b) const override {
    b.replaceOp(op, normGrad(b, op.getLoc(), op.getInput(), op.getGamma(),
                             op.getMean(), op.getRstd(), op.getResultGrad(),
                             op.getGammaGrad().getType(), /*withBeta=*/true));
    return success();
  }
};

struct LowerRMSNormGrad : OpRewritePattern<tessel::RMSNormGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::RMSNormGradOp op,
                                PatternRewriter &b) const override {
    b.replaceOp(op, normGrad(b, op.getLoc(), op.getInput(), op.getGamma(),
                             Value(), op.getRstd(), op.getResultGrad(),
                             op.getGammaGrad().getType(), /*withBeta=*/false));
    return success();
  }
};

/// dx = (g / n) (dy - [x (x . dy) / n^2]), n = max(||x||, eps), the bracket
/// only where the norm is not clamped; dg = sum of dy x / n. Row sums of
/// x^2 and x dy first, then dx, then the total for dg.
struct LowerScaleNormGrad : OpRewritePattern<tessel::ScaleNormGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::ScaleNormGradOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    Value x = op.getInput(), dy = op.getResultGrad(), g = op.getScale();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank();
    double epsilon = op.getEpsilon().convertToDouble();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
    SmallVector<OpFoldResult> rowSizes(sizes.begin(), sizes.end() - 1);
    AffineMap all = b.getMultiDimIdentityMap(rank);
    AffineMap rows = projection(ctx, rank, range(0, rank - 1));
    AffineMap scalar = projection(ctx, rank, {});
    auto rowType =
        RankedTensorType::get(type.getShape().drop_back(), b.getF32Type());
    Value zeroRows = filledTensor(b, loc, rowType, rowSizes, 0.0);
    ValueRange sums =
        generic(b, loc, ValueRange{x, dy}, ValueRange{zeroRows, zeroRows},
                {all, all, rows, rows}, iterators(rank, {rank - 1}),
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  Value e = toF32(nb, nl, args[0]), d = toF32(nb, nl, args[1]);
                  linalg::YieldOp::create(
                      nb, nl,
                      ValueRange{addF(nb, nl, args[2], mulF(nb, nl, e, e)),
                                 addF(nb, nl, args[3], mulF(nb, nl, e, d))});
                });
    // Per element: (n, whether clamped) from the row's sum of squares.
    auto normOf = [&](OpBuilder &nb, Location nl, Value squares) {
      Value norm = math::SqrtOp::create(nb, nl, squares);
      Value clamped = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::ULE,
                                            norm, f32(nb, nl, epsilon));
      Value n = arith::MaximumFOp::create(nb, nl, norm, f32(nb, nl, epsilon));
      return std::pair<Value, Value>(n, clamped);
    };
    Value dx = generic(
        b, loc, ValueRange{x, dy, g, sums[0], sums[1]},
        emptyTensor(b, loc, type, sizes), {all, all, scalar, rows, rows, all},
        iterators(rank), [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value e = toF32(nb, nl, args[0]), d = toF32(nb, nl, args[1]);
          auto [n, clamped] = normOf(nb, nl, args[3]);
          Value correction =
              divF(nb, nl, mulF(nb, nl, e, args[4]), mulF(nb, nl, n, n));
          Value v = arith::SelectOp::create(nb, nl, clamped, d,
                                            subF(nb, nl, d, correction));
          Value r = mulF(nb, nl, divF(nb, nl, toF32(nb, nl, args[2]), n), v);
          linalg::YieldOp::create(nb, nl,
                                  fromF32(nb, nl, r, type.getElementType()));
        })[0];
    AffineMap rowIds = b.getMultiDimIdentityMap(rank - 1);
    AffineMap toScalar = projection(ctx, rank - 1, {});
    auto scalarF32 = RankedTensorType::get({}, b.getF32Type());
    Value total = generic(
        b, loc, ValueRange{sums[0], sums[1]},
        filledTensor(b, loc, scalarF32, {}, 0.0), {rowIds, rowIds, toScalar},
        iterators(rank - 1, range(0, rank - 1)),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          auto [n, clamped] = normOf(nb, nl, args[0]);
          (void)clamped;
          linalg::YieldOp::create(
              nb, nl, addF(nb, nl, args[2], divF(nb, nl, args[1], n)));
        })[0];
    b.replaceOp(op, {dx, castFromF32(b, loc, total,
                                     cast<RankedTensorType>(g.getType()))});
    return success();
  }
};

/// y = g * x / max(||x||, epsilon), g a rank-0 tensor.
struct LowerScaleNorm : OpRewritePattern<tessel::ScaleNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::ScaleNormOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    int64_t rank = op.getType().getRank();
    double epsilon = op.getEpsilon().convertToDouble();
    Value squares = reduceF32(
        b, loc, x, range(0, rank - 1), {}, 0.0,
        [](OpBuilder &nb, Location nl, Value acc, Value e, ValueRange) {
          return addF(nb, nl, acc, mulF(nb, nl, e, e));
        });
    Value norm =
        mapF32(b, loc, squares, [&](OpBuilder &nb, Location nl, ValueRange a) {
          Value root = math::SqrtOp::create(nb, nl, a[0]);
          return arith::MaximumFOp::create(nb, nl, root, f32(nb, nl, epsilon))
              .getResult();
        });
    b.replaceOp(op, normalize(b, loc, op.getType(), x, norm, {}, op.getScale(),
                              [](OpBuilder &nb, Location nl, Value e,
                                 ValueRange row, ValueRange, ValueRange g) {
                                return divF(nb, nl, mulF(nb, nl, g[0], e),
                                            row[0]);
                              }));
    return success();
  }
};

/// The batch statistics of x[..., c] per feature, over every other axis:
/// the count n (f32), the mean and the sum of squared deviations (f32 [C]).
struct BatchStatistics {
  Value n, mean, squares;
};
BatchStatistics batchStatistics(OpBuilder &b, Location loc, Value x) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<OpFoldResult> sizes;
  for (int64_t i = 0; i + 1 < rank; ++i)
    sizes.push_back(tensor::getMixedSize(b, loc, x, i));
  Value n = productAsF32(b, loc, sizes);
  Value sum = reduceF32(b, loc, x, {rank - 1}, {}, 0.0,
                        [](OpBuilder &nb, Location nl, Value acc, Value e,
                           ValueRange) { return addF(nb, nl, acc, e); });
  Value mean =
      mapF32(b, loc, sum, [&](OpBuilder &nb, Location nl, ValueRange a) {
        return divF(nb, nl, a[0], n);
      });
  Value squares = reduceF32(
      b, loc, x, {rank - 1}, mean, 0.0,
      [](OpBuilder &nb, Location nl, Value acc, Value e, ValueRange m) {
        Value c = subF(nb, nl, e, m[0]);
        return addF(nb, nl, acc, mulF(nb, nl, c, c));
      });
  return {n, mean, squares};
}

/// Per feature c of x[..., c]: training uses the batch statistics over every
/// other axis (biased variance) and updates the running ones (unbiased
/// variance); inference uses and returns the running statistics.
struct LowerBatchNorm : OpRewritePattern<tessel::BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::BatchNormOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    auto type = cast<RankedTensorType>(op.getResult().getType());
    double epsilon = op.getEpsilon().convertToDouble();
    double momentum = op.getMomentum().convertToDouble();
    Value runningMean = op.getRunningMean(), runningVar = op.getRunningVar();
    Value mean = runningMean, inv, newMean = runningMean, newVar = runningVar;
    if (op.getTraining()) {
      auto statType = cast<RankedTensorType>(runningMean.getType());
      SmallVector<OpFoldResult> statSizes =
          tensor::getMixedSizes(b, loc, runningMean);
      auto f32Stat = RankedTensorType::get(statType.getShape(), b.getF32Type());
      AffineMap id1 = b.getMultiDimIdentityMap(1);
      BatchStatistics stats = batchStatistics(b, loc, x);
      Value n = stats.n, squares = stats.squares;
      mean = stats.mean;
      // One generic for inv and the two running statistics.
      SmallVector<Value> outs{emptyTensor(b, loc, f32Stat, statSizes),
                              emptyTensor(b, loc, statType, statSizes),
                              emptyTensor(b, loc, statType, statSizes)};
      Type element = statType.getElementType();
      ValueRange results = generic(
          b, loc, ValueRange{mean, squares, runningMean, runningVar}, outs,
          SmallVector<AffineMap>(7, id1), iterators(1),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            // Operands are built one statement at a time so that the IR
            // does not depend on the compiler's argument evaluation order.
            Value var = divF(nb, nl, args[1], n);
            Value scaled = mulF(nb, nl, var, n);
            Value nMinus1 = subF(nb, nl, n, f32(nb, nl, 1.0));
            Value unbiased = divF(nb, nl, scaled, nMinus1);
            Value keep = f32(nb, nl, 1.0 - momentum);
            Value m = f32(nb, nl, momentum);
            auto update = [&](Value running, Value batch) {
              Value old = mulF(nb, nl, keep, toF32(nb, nl, running));
              Value v = addF(nb, nl, old, mulF(nb, nl, m, batch));
              return fromF32(nb, nl, v, element);
            };
            linalg::YieldOp::create(nb, nl,
                                    ValueRange{invSqrt(nb, nl, var, epsilon),
                                               update(args[2], args[0]),
                                               update(args[3], unbiased)});
          });
      inv = results[0];
      newMean = results[1];
      newVar = results[2];
    } else {
      // The running mean is read as it is; 1 / sqrt(var + epsilon) once
      // per feature.
      inv = mapF32(b, loc, runningVar,
                   [&](OpBuilder &nb, Location nl, ValueRange a) {
                     return invSqrt(nb, nl, a[0], epsilon);
                   });
    }
    Value y = normalize(b, loc, type, x, {},
                        {mean, inv, op.getGamma(), op.getBeta()}, {},
                        [](OpBuilder &nb, Location nl, Value e, ValueRange,
                           ValueRange f, ValueRange) {
                          Value n = mulF(nb, nl, subF(nb, nl, e, f[0]), f[1]);
                          return addF(nb, nl, mulF(nb, nl, n, f[2]), f[3]);
                        });
    b.replaceOp(op, ValueRange{y, newMean, newVar});
    return success();
  }
};

/// Per feature: the statistics (the batch's, recomputed, in training; else
/// the running ones) and rstd; one reduction for sum dy and sum dy xhat;
/// then dx elementwise. dgamma and dbeta are the two sums.
struct LowerBatchNormGrad : OpRewritePattern<tessel::BatchNormGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::BatchNormGradOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    Value x = op.getInput(), dy = op.getResultGrad(), gamma = op.getGamma();
    auto type = cast<RankedTensorType>(x.getType());
    int64_t rank = type.getRank();
    double epsilon = op.getEpsilon().convertToDouble();
    bool training = op.getTraining();
    Value mean = op.getRunningMean(), rstd, n;
    if (training) {
      BatchStatistics stats = batchStatistics(b, loc, x);
      n = stats.n;
      mean = stats.mean;
      rstd = mapF32(b, loc, stats.squares,
                    [&](OpBuilder &nb, Location nl, ValueRange a) {
                      return invSqrt(nb, nl, divF(nb, nl, a[0], n), epsilon);
                    });
    } else {
      rstd = mapF32(b, loc, op.getRunningVar(),
                    [&](OpBuilder &nb, Location nl, ValueRange a) {
                      return invSqrt(nb, nl, a[0], epsilon);
                    });
    }
    AffineMap all = b.getMultiDimIdentityMap(rank);
    AffineMap feature = projection(ctx, rank, {rank - 1});
    auto featureType =
        RankedTensorType::get({type.getShape().back()}, b.getF32Type());
    Value zeros = filledTensor(
        b, loc, featureType, {tensor::getMixedSize(b, loc, x, rank - 1)}, 0.0);
    auto xhatOf = [&](OpBuilder &nb, Location nl, Value e, Value m, Value r) {
      return mulF(nb, nl, subF(nb, nl, e, toF32(nb, nl, m)), r);
    };
    SmallVector<int64_t> reduced = range(0, rank - 1);
    ValueRange sums =
        generic(b, loc, ValueRange{x, dy, mean, rstd}, ValueRange{zeros, zeros},
                {all, all, feature, feature, feature, feature},
                iterators(rank, reduced),
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  Value d = toF32(nb, nl, args[1]);
                  Value xhat =
                      xhatOf(nb, nl, toF32(nb, nl, args[0]), args[2], args[3]);
                  linalg::YieldOp::create(
                      nb, nl,
                      ValueRange{addF(nb, nl, args[4], d),
                                 addF(nb, nl, args[5], mulF(nb, nl, d, xhat))});
                });
    Value sumDy = sums[0], sumDyXhat = sums[1];
    Type element = type.getElementType();
    Value dx = generic(
        b, loc, ValueRange{x, dy, mean, rstd, gamma, sumDy, sumDyXhat},
        emptyTensor(b, loc, type, tensor::getMixedSizes(b, loc, x)),
        {all, all, feature, feature, feature, feature, feature, all},
        iterators(rank), [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value d = toF32(nb, nl, args[1]);
          Value scale = mulF(nb, nl, toF32(nb, nl, args[4]), args[3]);
          Value v;
          if (training) {
            // gamma rstd (dy - mean(dy) - xhat mean(dy xhat)): the means
            // first, so no term is n times larger than dy.
            Value xhat =
                xhatOf(nb, nl, toF32(nb, nl, args[0]), args[2], args[3]);
            Value inner = subF(nb, nl, d, divF(nb, nl, args[5], n));
            Value meanDyXhat = divF(nb, nl, args[6], n);
            inner = subF(nb, nl, inner, mulF(nb, nl, xhat, meanDyXhat));
            v = mulF(nb, nl, scale, inner);
          } else {
            v = mulF(nb, nl, scale, d);
          }
          linalg::YieldOp::create(nb, nl, fromF32(nb, nl, v, element));
        })[0];
    auto gammaType = cast<RankedTensorType>(gamma.getType());
    b.replaceOp(op, ValueRange{dx, castFromF32(b, loc, sumDyXhat, gammaType),
                               castFromF32(b, loc, sumDy, gammaType)});
    return success();
  }
};

} // namespace

void tessel::populateNormLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerLayerNorm, LowerRMSNorm, LowerScaleNorm, LowerBatchNorm,
               LowerBatchNormGrad, LowerLayerNormGrad, LowerRMSNormGrad,
               LowerScaleNormGrad>(patterns.getContext());
}
