//===- Dense.cpp - lowering of the dense tessel ops -----------------------===//

#include "passes/conversion/Passes.h"
#include "passes/utils/LinalgBuilders.h"

#include "dialect/TesselOps.h"
#include "runtime/Philox.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

using namespace mlir;
using namespace tessel::builders;

namespace {

/// The matrix `w` is the transpose of, when it is one (a 2-D transpose, as
/// a tessel op or already lowered); null otherwise.
static Value storedTransposed(Value w) {
  if (auto t = w.getDefiningOp<tessel::TransposeOp>())
    return t.getInput();
  if (auto t = w.getDefiningOp<linalg::TransposeOp>())
    return t.getInput();
  return Value();
}

/// y[..., n] = sum_k x[..., k] * w[n, k] + b[n], accumulated in f32. The
/// leading dimensions are collapsed into one row dimension first (a view):
/// decode's batch of sequences, one row each, is then one block of rows
/// that reads each weight once, not one pass over the weights per sequence.
struct LowerLinear : OpRewritePattern<tessel::LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::LinearOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    int64_t rank = type.getRank(), n = type.getShape().back();
    Value x = op.getInput();
    SmallVector<OpFoldResult> inSizes = tensor::getMixedSizes(b, loc, x);
    if (rank > 2) {
      SmallVector<ReassociationIndices> rows = {ReassociationIndices(),
                                                ReassociationIndices{rank - 1}};
      for (int64_t i = 0; i < rank - 1; ++i)
        rows[0].push_back(i);
      x = tensor::CollapseShapeOp::create(b, loc, x, rows);
    }
    // A vector is one row.
    SmallVector<ReassociationIndices> vector = {{0, 1}};
    if (rank == 1) {
      auto xType = cast<RankedTensorType>(x.getType());
      x = tensor::ExpandShapeOp::create(
          b, loc,
          RankedTensorType::get({1, xType.getDimSize(0)},
                                xType.getElementType()),
          x, vector);
    }
    // From here on: x [M, K], the result [M, N].
    int64_t m = cast<RankedTensorType>(x.getType()).getShape()[0];
    SmallVector<OpFoldResult> sizes = {tensor::getMixedSizes(b, loc, x)[0],
                                       b.getIndexAttr(n)};
    auto accType = RankedTensorType::get({m, n}, b.getF32Type());
    Value acc;
    if (Value bias = op.getBias()) {
      Value empty = emptyTensor(b, loc, accType, sizes);
      acc = generic(b, loc, bias, empty,
                    {projection(ctx, 2, {1}), b.getMultiDimIdentityMap(2)},
                    iterators(2),
                    [&](OpBuilder &nb, Location nl, ValueRange args) {
                      linalg::YieldOp::create(nb, nl, toF32(nb, nl, args[0]));
                    })[0];
    } else {
      acc = filledTensor(b, loc, accType, sizes, 0.0);
    }
    // A weight stored [in, out] (GPT-2's Conv1D) reaches the linear through
    // a transpose; the contraction reads it in its stored layout instead,
    // with no copy: decode, which reads each weight once per token, would
    // otherwise write and read it twice more.
    Value weight = op.getWeight();
    AffineMap weightMap = projection(ctx, 3, {1, 2});
    if (Value stored = storedTransposed(weight)) {
      weight = stored;
      weightMap = projection(ctx, 3, {2, 1});
    }
    Value result = multiplyAccumulate(
        b, loc, x, weight, acc,
        {projection(ctx, 3, {0, 2}), weightMap, projection(ctx, 3, {0, 1})},
        iterators(3, {2}));
    if (rank > 2) {
      // Back to the input's leading dimensions: a tensor.reshape, since
      // expand_shape with two dynamic sizes from one (batch and sequence)
      // is what MLIR 22's expand-strided-metadata cannot lower.
      SmallVector<Value> dims;
      for (OpFoldResult size : ArrayRef(inSizes).drop_back())
        dims.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
      dims.push_back(arith::ConstantIndexOp::create(b, loc, n));
      Value shape = tensor::FromElementsOp::create(
          b, loc, RankedTensorType::get({rank}, b.getIndexType()), dims);
      result = tensor::ReshapeOp::create(
          b, loc, RankedTensorType::get(type.getShape(), b.getF32Type()),
          result, shape);
    }
    if (rank == 1)
      result = tensor::CollapseShapeOp::create(b, loc, result, vector);
    b.replaceOp(op, castFromF32(b, loc, result, type));
    return success();
  }
};

/// c[..., i, j] = sum_k a[..., i, k] * b[..., k, j] (b[..., j, k] with
/// transpose_rhs); b's batch dimensions are a's last ones.
struct LowerMatmul : OpRewritePattern<tessel::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::MatmulOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    int64_t r = type.getRank();
    int64_t rhsRank = cast<RankedTensorType>(op.getRhs().getType()).getRank();
    bool transposed = op.getTransposeRhs();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(b, loc, op.getLhs());
    SmallVector<OpFoldResult> rhsSizes =
        tensor::getMixedSizes(b, loc, op.getRhs());
    sizes.back() = rhsSizes[rhsRank - (transposed ? 2 : 1)];
    auto accType = RankedTensorType::get(type.getShape(), b.getF32Type());
    Value acc = filledTensor(b, loc, accType, sizes, 0.0);
    // Loops: the result's r dimensions, then k (dimension r).
    SmallVector<int64_t> lhs = range(0, r - 2), rhs = range(r - rhsRank, r - 2);
    lhs.append({r - 2, r});
    if (transposed)
      rhs.append({r - 1, r});
    else
      rhs.append({r, r - 1});
    Value result = multiplyAccumulate(b, loc, op.getLhs(), op.getRhs(), acc,
                                      {projection(ctx, r + 1, lhs),
                                       projection(ctx, r + 1, rhs),
                                       projection(ctx, r + 1, range(0, r))},
                                      iterators(r + 1, {r}));
    b.replaceOp(op, castFromF32(b, loc, result, type));
    return success();
  }
};

/// y[..., d] = table[ids[...], d]; ids are clamped into the table (the
/// runtime rejects out-of-range token ids before they get here).
struct LowerEmbedding : OpRewritePattern<tessel::EmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::EmbeddingOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    int64_t r = type.getRank();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(b, loc, op.getIds());
    sizes.push_back(b.getIndexAttr(type.getShape().back()));
    Value out = emptyTensor(b, loc, type, sizes);
    // The last row ids are clamped to: a constant, or the table's size at
    // run time when it is dynamic.
    Value table = op.getTable();
    int64_t rows = cast<RankedTensorType>(table.getType()).getShape()[0];
    Value last =
        ShapedType::isDynamic(rows)
            ? arith::SubIOp::create(b, loc,
                                    tensor::DimOp::create(b, loc, table, 0),
                                    arith::ConstantIndexOp::create(b, loc, 1))
                  .getResult()
            : arith::ConstantIndexOp::create(b, loc, rows - 1).getResult();
    Value result = generic(
        b, loc, op.getIds(), out,
        {projection(ctx, r, range(0, r - 1)), b.getMultiDimIdentityMap(r)},
        iterators(r), [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value id =
              arith::IndexCastOp::create(nb, nl, nb.getIndexType(), args[0]);
          Value zero = arith::ConstantIndexOp::create(nb, nl, 0);
          id = arith::MaxSIOp::create(nb, nl, id, zero);
          id = arith::MinSIOp::create(nb, nl, id, last);
          Value d = loopIndex(nb, nl, r - 1);
          Value v = tensor::ExtractOp::create(nb, nl, table, ValueRange{id, d});
          linalg::YieldOp::create(nb, nl, v);
        })[0];
    b.replaceOp(op, result);
    return success();
  }
};

/// Elementwise binary with NumPy broadcasting.
template <typename OpTy> struct LowerBroadcastBinary : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &b) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = b.getContext();
    RankedTensorType type = op.getType();
    int64_t r = type.getRank();
    Value operands[2] = {op.getLhs(), op.getRhs()};
    SmallVector<AffineMap> maps;
    SmallVector<OpFoldResult> sizes(r);
    for (int64_t i = 0; i < r; ++i)
      sizes[i] = b.getIndexAttr(type.getShape()[i]);
    for (Value v : operands) {
      auto t = cast<RankedTensorType>(v.getType());
      int64_t lead = r - t.getRank();
      SmallVector<int64_t> dims;
      for (int64_t j = 0; j < t.getRank(); ++j) {
        // A static 1 under a larger result dimension is broadcast.
        bool stretched = t.getShape()[j] == 1 && type.getShape()[lead + j] != 1;
        dims.push_back(stretched ? -1 : lead + j);
        if (type.isDynamicDim(lead + j) && !stretched &&
            !isa<Value>(sizes[lead + j]))
          sizes[lead + j] = tensor::DimOp::create(b, loc, v, j).getResult();
      }
      maps.push_back(projection(ctx, r, dims));
    }
    maps.push_back(b.getMultiDimIdentityMap(r));
    Value out = emptyTensor(b, loc, type, sizes);
    Type element = type.getElementType();
    Value result =
        generic(b, loc, ValueRange(operands), out, maps, iterators(r),
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  Value x = toF32(nb, nl, args[0]), y = toF32(nb, nl, args[1]);
                  Value z;
                  if constexpr (std::is_same_v<OpTy, tessel::AddOp>)
                    z = arith::AddFOp::create(nb, nl, x, y);
                  else
                    z = arith::MulFOp::create(nb, nl, x, y);
                  linalg::YieldOp::create(nb, nl, fromF32(nb, nl, z, element));
                })[0];
    b.replaceOp(op, result);
    return success();
  }
};

/// An elementwise map of `inputs` (same shape as the result) through `fn`
/// computed in f32.
Value mapElementwise(
    OpBuilder &b, Location loc, RankedTensorType type, ValueRange inputs,
    const std::function<Value(OpBuilder &, Location, ValueRange)> &fn) {
  int64_t r = type.getRank();
  Value out =
      emptyTensor(b, loc, type, tensor::getMixedSizes(b, loc, inputs[0]));
  SmallVector<AffineMap> maps(inputs.size() + 1, b.getMultiDimIdentityMap(r));
  return generic(b, loc, inputs, out, maps, iterators(r),
                 [&](OpBuilder &nb, Location nl, ValueRange args) {
                   SmallVector<Value> xs;
                   for (Value a : args.drop_back())
                     xs.push_back(toF32(nb, nl, a));
                   linalg::YieldOp::create(
                       nb, nl,
                       fromF32(nb, nl, fn(nb, nl, xs), type.getElementType()));
                 })[0];
}

/// silu(x) = x / (1 + exp(-x)).
Value silu(OpBuilder &b, Location loc, Value x) {
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  Value denom = arith::AddFOp::create(b, loc, f32(b, loc, 1.0), e);
  return arith::DivFOp::create(b, loc, x, denom);
}

struct LowerGelu : OpRewritePattern<tessel::GeluOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::GeluOp op,
                                PatternRewriter &b) const override {
    bool tanhForm = op.getApproximate() == tessel::GeluApproximation::tanh;
    b.replaceOp(
        op,
        mapElementwise(
            b, op.getLoc(), op.getType(), op.getInput(),
            [&](OpBuilder &nb, Location nl, ValueRange xs) {
              Value x = xs[0];
              Value half = f32(nb, nl, 0.5), one = f32(nb, nl, 1.0);
              Value inner;
              if (tanhForm) {
                // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
                Value x3 = arith::MulFOp::create(
                    nb, nl, x, arith::MulFOp::create(nb, nl, x, x));
                Value t = arith::AddFOp::create(
                    nb, nl, x,
                    arith::MulFOp::create(nb, nl, f32(nb, nl, 0.044715), x3));
                t = arith::MulFOp::create(
                    nb, nl, f32(nb, nl, std::sqrt(2.0 / M_PI)), t);
                inner = math::TanhOp::create(nb, nl, t);
              } else {
                // 0.5 x (1 + erf(x / sqrt 2))
                inner = math::ErfOp::create(
                    nb, nl,
                    arith::MulFOp::create(nb, nl, x,
                                          f32(nb, nl, 1.0 / std::sqrt(2.0))));
              }
              Value cdf = arith::MulFOp::create(
                  nb, nl, half, arith::AddFOp::create(nb, nl, one, inner));
              return arith::MulFOp::create(nb, nl, x, cdf).getResult();
            }));
    return success();
  }
};

struct LowerTanh : OpRewritePattern<tessel::TanhOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::TanhOp op,
                                PatternRewriter &b) const override {
    b.replaceOp(
        op,
        mapElementwise(b, op.getLoc(), op.getType(), op.getInput(),
                       [](OpBuilder &nb, Location nl, ValueRange xs) {
                         return math::TanhOp::create(nb, nl, xs[0]).getResult();
                       }));
    return success();
  }
};

struct LowerSilu : OpRewritePattern<tessel::SiluOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::SiluOp op,
                                PatternRewriter &b) const override {
    b.replaceOp(op,
                mapElementwise(b, op.getLoc(), op.getType(), op.getInput(),
                               [](OpBuilder &nb, Location nl, ValueRange xs) {
                                 return silu(nb, nl, xs[0]);
                               }));
    return success();
  }
};

/// An i32 constant of the bits of `v`.
Value i32Constant(OpBuilder &b, Location loc, uint32_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI32Type(),
                                      static_cast<int32_t>(v));
}

/// Philox4x32-10's key of each round, from `key`: computed once, outside
/// the loops.
SmallVector<std::array<Value, 2>> philoxRoundKeys(OpBuilder &b, Location loc,
                                                  std::array<Value, 2> key) {
  namespace px = tessel::philox;
  Value w0 = i32Constant(b, loc, px::kWeyl0);
  Value w1 = i32Constant(b, loc, px::kWeyl1);
  SmallVector<std::array<Value, 2>> keys = {key};
  for (int round = 1; round < px::kRounds; ++round)
    keys.push_back({arith::AddIOp::create(b, loc, keys.back()[0], w0),
                    arith::AddIOp::create(b, loc, keys.back()[1], w1)});
  return keys;
}

/// Philox4x32-10 of `counter` with the round keys `keys`, on i32 values
/// (runtime/Philox.h is the same function in C++).
std::array<Value, 4> philoxRounds(OpBuilder &b, Location loc,
                                  std::array<Value, 4> c,
                                  ArrayRef<std::array<Value, 2>> keys) {
  namespace px = tessel::philox;
  Value m0 = i32Constant(b, loc, px::kMultiplier0);
  Value m1 = i32Constant(b, loc, px::kMultiplier1);
  auto xor3 = [&](Value x, Value y, Value z) {
    return arith::XOrIOp::create(b, loc, arith::XOrIOp::create(b, loc, x, y), z)
        .getResult();
  };
  for (const std::array<Value, 2> &k : keys) {
    auto p0 = arith::MulUIExtendedOp::create(b, loc, m0, c[0]);
    auto p1 = arith::MulUIExtendedOp::create(b, loc, m1, c[2]);
    c = {xor3(p1.getHigh(), c[1], k[0]), p1.getLow(),
         xor3(p0.getHigh(), c[3], k[1]), p0.getLow()};
  }
  return c;
}

/// The low and high 32 bits of an i64.
std::array<Value, 2> halves(OpBuilder &b, Location loc, Value v) {
  Value high = arith::ShRUIOp::create(
      b, loc, v, arith::ConstantIntOp::create(b, loc, b.getI64Type(), 32));
  return {arith::TruncIOp::create(b, loc, b.getI32Type(), v),
          arith::TruncIOp::create(b, loc, b.getI32Type(), high)};
}

/// x / (1 - rate) where Philox keeps the element, else 0: the element's
/// row-major index, built from linalg.index, is Philox's counter.
struct LowerDropout : OpRewritePattern<tessel::DropoutOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::DropoutOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    double rate = op.getRate().convertToDouble();
    SmallVector<Value> dims;
    for (int64_t i = 0; i < type.getRank(); ++i)
      dims.push_back(tensor::DimOp::create(b, loc, op.getInput(), i));
    auto element = [&](int64_t i) {
      return tensor::ExtractOp::create(
                 b, loc, op.getRng(),
                 ValueRange{arith::ConstantIndexOp::create(b, loc, i)})
          .getResult();
    };
    SmallVector<std::array<Value, 2>> keys =
        philoxRoundKeys(b, loc, halves(b, loc, element(0)));
    Value step = arith::TruncIOp::create(b, loc, b.getI32Type(), element(1));
    Value stream = i32Constant(b, loc, op.getStream());
    b.replaceOp(
        op,
        mapElementwise(
            b, loc, type, op.getInput(),
            [&](OpBuilder &nb, Location nl, ValueRange xs) {
              Value index = loopIndex(nb, nl, 0);
              for (int64_t i = 1; i < type.getRank(); ++i)
                index = arith::AddIOp::create(
                    nb, nl, arith::MulIOp::create(nb, nl, index, dims[i]),
                    loopIndex(nb, nl, i));
              auto [low, high] = halves(
                  nb, nl,
                  arith::IndexCastOp::create(nb, nl, nb.getI64Type(), index));
              Value bits =
                  philoxRounds(nb, nl, {low, high, stream, step}, keys)[0];
              Value kept = arith::CmpIOp::create(
                  nb, nl, arith::CmpIPredicate::uge,
                  arith::ShRUIOp::create(nb, nl, bits, i32Constant(nb, nl, 8)),
                  i32Constant(nb, nl, tessel::philox::dropThreshold(rate)));
              Value scaled = arith::MulFOp::create(
                  nb, nl, xs[0], f32(nb, nl, float(1.0 / (1.0 - rate))));
              return arith::SelectOp::create(nb, nl, kept, scaled,
                                             f32(nb, nl, 0.0))
                  .getResult();
            }));
    return success();
  }
};

/// dy * gelu'(x): Phi(x) + x phi(x) (exact), or with t = tanh(u),
/// u = sqrt(2/pi) (x + 0.044715 x^3): 0.5 (1 + t) + 0.5 x (1 - t^2) du/dx.
struct LowerGeluGrad : OpRewritePattern<tessel::GeluGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::GeluGradOp op,
                                PatternRewriter &b) const override {
    bool tanhForm = op.getApproximate() == tessel::GeluApproximation::tanh;
    b.replaceOp(
        op,
        mapElementwise(
            b, op.getLoc(), op.getType(),
            ValueRange{op.getInput(), op.getResultGrad()},
            [&](OpBuilder &nb, Location nl, ValueRange xs) {
              Value x = xs[0];
              auto mul = [&](Value u, Value v) {
                return arith::MulFOp::create(nb, nl, u, v).getResult();
              };
              auto add = [&](Value u, Value v) {
                return arith::AddFOp::create(nb, nl, u, v).getResult();
              };
              Value half = f32(nb, nl, 0.5), one = f32(nb, nl, 1.0);
              Value x2 = mul(x, x), derivative;
              if (tanhForm) {
                double c = std::sqrt(2.0 / M_PI);
                Value u = mul(f32(nb, nl, c),
                              add(x, mul(f32(nb, nl, 0.044715), mul(x2, x))));
                Value t = math::TanhOp::create(nb, nl, u);
                Value du = mul(f32(nb, nl, c),
                               add(one, mul(f32(nb, nl, 3 * 0.044715), x2)));
                Value sech2 = arith::SubFOp::create(nb, nl, one, mul(t, t));
                derivative = add(mul(half, add(one, t)),
                                 mul(mul(half, x), mul(sech2, du)));
              } else {
                Value cdf =
                    mul(half,
                        add(one, math::ErfOp::create(
                                     nb, nl,
                                     mul(x, f32(nb, nl, 1 / std::sqrt(2.0))))));
                Value pdf = mul(
                    f32(nb, nl, 1 / std::sqrt(2 * M_PI)),
                    math::ExpOp::create(nb, nl, mul(f32(nb, nl, -0.5), x2)));
                derivative = add(cdf, mul(x, pdf));
              }
              return mul(xs[1], derivative);
            }));
    return success();
  }
};

/// dy * s (1 + x (1 - s)) with s = sigmoid(x).
struct LowerSiluGrad : OpRewritePattern<tessel::SiluGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::SiluGradOp op,
                                PatternRewriter &b) const override {
    b.replaceOp(
        op,
        mapElementwise(
            b, op.getLoc(), op.getType(),
            ValueRange{op.getInput(), op.getResultGrad()},
            [](OpBuilder &nb, Location nl, ValueRange xs) {
              Value one = f32(nb, nl, 1.0);
              Value e = math::ExpOp::create(
                  nb, nl, arith::NegFOp::create(nb, nl, xs[0]));
              Value s = arith::DivFOp::create(
                  nb, nl, one, arith::AddFOp::create(nb, nl, one, e));
              Value inner = arith::AddFOp::create(
                  nb, nl, one,
                  arith::MulFOp::create(nb, nl, xs[0],
                                        arith::SubFOp::create(nb, nl, one, s)));
              return arith::MulFOp::create(
                         nb, nl, xs[1], arith::MulFOp::create(nb, nl, s, inner))
                  .getResult();
            }));
    return success();
  }
};

struct LowerSwiglu : OpRewritePattern<tessel::SwigluOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::SwigluOp op,
                                PatternRewriter &b) const override {
    b.replaceOp(op,
                mapElementwise(b, op.getLoc(), op.getType(),
                               ValueRange{op.getGate(), op.getUp()},
                               [](OpBuilder &nb, Location nl, ValueRange xs) {
                                 return arith::MulFOp::create(
                                            nb, nl, silu(nb, nl, xs[0]), xs[1])
                                     .getResult();
                               }));
    return success();
  }
};

struct LowerTranspose : OpRewritePattern<tessel::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::TransposeOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> in = tensor::getMixedSizes(b, loc, op.getInput()),
                              sizes;
    for (int64_t p : op.getPermutation())
      sizes.push_back(in[p]);
    Value out = emptyTensor(b, loc, op.getType(), sizes);
    b.replaceOp(op, linalg::TransposeOp::create(b, loc, op.getInput(), out,
                                                op.getPermutation())
                        .getResult()[0]);
    return success();
  }
};

/// A reshape keeps its dynamic leading dimensions (verifier), so the new
/// shape is those dimensions and the static rest.
struct LowerReshape : OpRewritePattern<tessel::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tessel::ReshapeOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    SmallVector<Value> dims;
    for (int64_t i = 0; i < type.getRank(); ++i)
      dims.push_back(
          type.isDynamicDim(i)
              ? tensor::DimOp::create(b, loc, op.getInput(), i).getResult()
              : arith::ConstantIndexOp::create(b, loc, type.getDimSize(i))
                    .getResult());
    Value shape = tensor::FromElementsOp::create(
        b, loc, RankedTensorType::get({type.getRank()}, b.getIndexType()),
        dims);
    b.replaceOpWithNewOp<tensor::ReshapeOp>(op, type, op.getInput(), shape);
    return success();
  }
};

} // namespace

void tessel::populateDenseLoweringPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerLinear, LowerMatmul, LowerEmbedding,
               LowerBroadcastBinary<tessel::AddOp>,
               LowerBroadcastBinary<tessel::MulOp>, LowerGelu, LowerSilu,
               LowerTanh, LowerDropout, LowerGeluGrad, LowerSiluGrad,
               LowerSwiglu, LowerTranspose, LowerReshape>(
      patterns.getContext());
}
