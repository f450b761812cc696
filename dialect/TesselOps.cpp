//===- TesselOps.cpp - tessel ops: verifiers, builders, printing ----------===//
//
// Every message names the operand at fault and prints the shapes involved, so
// that an error in a model definition can be found from the message alone.
// The attention and loss ops' verifiers are in TesselAttentionOps.cpp; the
// helpers both use in VerifierUtils.
//
//===----------------------------------------------------------------------===//

#include "dialect/TesselOps.h"
#include "dialect/VerifierUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace tessel;

using namespace tessel::verifier;

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

LogicalResult ParameterOp::verify() {
  auto type = getTensorType();
  if (!type.hasStaticShape())
    return emitOpError() << "parameter shape " << fmtShape(type.getShape())
                         << " must be static";
  InitKind init = getInit();
  bool needsStd = takesStd(init);
  if (needsStd && (!getStd() || !(getStd()->convertToDouble() > 0.0) ||
                   std::isinf(getStd()->convertToDouble())))
    return emitOpError() << "init = " << name(init)
                         << " needs a finite, positive 'std'";
  if (!needsStd && getStd())
    return emitOpError() << "'std' applies only to normal and truncated_normal "
                            "initializers, not "
                         << name(init);
  bool kaiming =
      init == InitKind::KaimingUniform || init == InitKind::KaimingNormal;
  if (init == InitKind::Constant ? !getValue() : getValue() && !kaiming)
    return emitOpError() << "'value' is required by init = constant and "
                            "allowed only there and as kaiming's negative "
                            "slope";
  if (kaiming && getValue() && !std::isfinite(getValue()->convertToDouble()))
    return emitOpError() << "kaiming's negative slope 'value' must be finite";
  if (usesFans(init) && (type.getRank() < 2 || type.getNumElements() == 0))
    return emitOpError() << "init = " << name(init)
                         << " needs a non-empty parameter of rank >= 2 for its "
                            "fan-in and fan-out, got shape "
                         << fmtShape(type.getShape());
  return success();
}

LogicalResult
GetParameterOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto parameter =
      symbolTable.lookupNearestSymbolFrom<ParameterOp>(*this, getNameAttr());
  if (!parameter)
    return emitOpError() << "no tessel.parameter named " << getNameAttr();
  if (parameter.getType() != getType())
    return emitOpError() << "result type " << getType()
                         << " differs from the declared type "
                         << parameter.getType() << " of " << getNameAttr();
  return success();
}

//===----------------------------------------------------------------------===//
// Dense
//===----------------------------------------------------------------------===//

LogicalResult MmaLinearOp::verify() {
  auto x = cast<ShapedType>(getInput().getType()),
       w = cast<ShapedType>(getWeight().getType()),
       o = cast<ShapedType>(getInit().getType());
  bool memrefs = isa<MemRefType>(x);
  if (isa<MemRefType>(w) != memrefs || isa<MemRefType>(o) != memrefs ||
      (getBias() && isa<MemRefType>(getBias().getType()) != memrefs))
    return emitOpError("takes ranked tensors or memrefs, not a mix");
  if (getNumResults() != (memrefs ? 0u : 1u) ||
      (!memrefs && getResult()[0].getType() != o))
    return emitOpError("has one result, init's type, on tensors and none on "
                       "memrefs");
  Type mma = getMmaType();
  if (!mma.isBF16() && !mma.isF16())
    return emitOpError() << "mma_type must be bf16 or f16, got " << mma;
  if ((x.getRank() != 2 && x.getRank() != 3) || w.getRank() != 2 ||
      o.getRank() != x.getRank())
    return emitOpError("input and init must be [(B,) M, K] and [(B,) M, N], "
                       "weight [N, K]");
  for (ShapedType t : {x, w, o})
    if (!isa<FloatType>(t.getElementType()))
      return emitOpError("input, weight and init must be float");
  ArrayRef<int64_t> xs = x.getShape(), ws = w.getShape(), os = o.getShape();
  int64_t r = x.getRank();
  if (!compatible(xs[r - 1], ws[1]) || !compatible(xs[r - 2], os[r - 2]) ||
      !compatible(ws[0], os[r - 1]) || (r == 3 && !compatible(xs[0], os[0])))
    return emitOpError() << "input " << fmtShape(xs) << " and weight "
                         << fmtShape(ws) << " do not give init "
                         << fmtShape(os);
  if (ShapedType::isDynamic(ws[1]) || ws[1] % 8 != 0)
    return emitOpError() << "the reduced dimension must be static and a "
                            "multiple of 8, got "
                         << fmtDim(ws[1]);
  if (Value bias = getBias()) {
    auto b = cast<ShapedType>(bias.getType());
    if (b.getRank() != 1 || !compatible(b.getShape()[0], ws[0]) ||
        !isa<FloatType>(b.getElementType()))
      return emitOpError() << "bias must be [N] float, got " << b;
  }
  return success();
}

void MmaLinearOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  kernelOpEffects(getOperation(), getInitMutable(), effects);
}

LogicalResult LinearOp::verify() {
  if (failed(verifySameElementType(*this, {{"input", getInput()},
                                           {"weight", getWeight()},
                                           {"bias", getBias()},
                                           {"result", getResult()}})) ||
      failed(verifyNonScalar(*this, "input", getInput())))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput()), w = shapeOf(getWeight());
  if (w.size() != 2)
    return emitOpError() << "weight must be [out_features, in_features], got "
                         << fmtShape(w);
  if (!compatible(w[1], in.back()))
    return emitOpError() << "weight shape " << fmtShape(w) << " expects "
                         << fmtDim(w[1]) << " input features, but input shape "
                         << fmtShape(in) << " has " << fmtDim(in.back());
  if (Value bias = getBias()) {
    ArrayRef<int64_t> b = shapeOf(bias);
    if (b.size() != 1 || !compatible(b[0], w[0]))
      return emitOpError() << "bias shape " << fmtShape(b) << " must be ["
                           << fmtDim(w[0])
                           << "], the out_features of weight shape "
                           << fmtShape(w);
  }
  SmallVector<int64_t> expected(in);
  expected.back() = w[0];
  return verifyResultShape(*this, getResult(), expected,
                           "input with its last dimension replaced by "
                           "weight dimension 0");
}

LogicalResult MatmulOp::verify() {
  if (failed(verifySameElementType(
          *this,
          {{"lhs", getLhs()}, {"rhs", getRhs()}, {"result", getResult()}})))
    return failure();
  ArrayRef<int64_t> a = shapeOf(getLhs()), b = shapeOf(getRhs());
  if (a.size() < 2 || b.size() < 2 || b.size() > a.size())
    return emitOpError() << "lhs and rhs must have rank >= 2, the rhs's no "
                            "larger, got "
                         << fmtShape(a) << " and " << fmtShape(b);
  size_t r = a.size(), skip = a.size() - b.size();
  for (size_t i = 0; i + 2 < b.size(); ++i)
    if (!compatible(a[skip + i], b[i]))
      return emitOpError() << "batch dimension " << skip + i
                           << " differs: lhs shape " << fmtShape(a)
                           << ", rhs shape " << fmtShape(b);
  bool t = getTransposeRhs();
  int64_t k = b[b.size() - (t ? 1 : 2)], n = b[b.size() - (t ? 2 : 1)];
  if (!compatible(a[r - 1], k))
    return emitOpError() << "contraction dimensions differ: lhs shape "
                         << fmtShape(a) << " has " << a[r - 1]
                         << " columns, rhs shape " << fmtShape(b)
                         << (t ? " (transposed)" : "") << " has " << k
                         << " rows";
  SmallVector<int64_t> expected(a);
  expected.back() = n;
  return verifyResultShape(*this, getResult(), expected, "[..., M, N]");
}

LogicalResult EmbeddingOp::verify() {
  if (failed(verifySameElementType(
          *this, {{"table", getTable()}, {"result", getResult()}})))
    return failure();
  ArrayRef<int64_t> t = shapeOf(getTable());
  if (t.size() != 2)
    return emitOpError() << "table must be [num_embeddings, dim], got "
                         << fmtShape(t);
  SmallVector<int64_t> expected(shapeOf(getIds()));
  expected.push_back(t[1]);
  return verifyResultShape(*this, getResult(), expected,
                           "ids shape followed by the table's dim");
}

template <typename OpTy> static LogicalResult verifyBroadcastBinary(OpTy op) {
  if (failed(verifySameElementType(op, {{"lhs", op.getLhs()},
                                        {"rhs", op.getRhs()},
                                        {"result", op.getResult()}})))
    return failure();
  SmallVector<int64_t> expected;
  if (failed(broadcastShapes(shapeOf(op.getLhs()), shapeOf(op.getRhs()),
                             expected)))
    return op.emitOpError()
           << "lhs shape " << fmtShape(op.getLhs()) << " and rhs shape "
           << fmtShape(op.getRhs()) << " do not broadcast";
  return verifyResultShape(op, op.getResult(), expected,
                           "the broadcast of lhs and rhs");
}

LogicalResult AddOp::verify() { return verifyBroadcastBinary(*this); }
LogicalResult MulOp::verify() { return verifyBroadcastBinary(*this); }

LogicalResult TransposeOp::verify() {
  if (failed(verifySameElementType(
          *this, {{"input", getInput()}, {"result", getResult()}})))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput());
  ArrayRef<int64_t> perm = getPermutation();
  if (perm.size() != in.size())
    return emitOpError() << "permutation has " << perm.size()
                         << " entries, but input shape " << fmtShape(in)
                         << " has rank " << in.size();
  SmallVector<bool> seen(in.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(in.size()) || seen[p])
      return emitOpError() << "permutation " << fmtShape(perm)
                           << " is not a permutation of [0, " << in.size()
                           << ")";
    seen[p] = true;
  }
  SmallVector<int64_t> expected;
  for (int64_t p : perm)
    expected.push_back(in[p]);
  return verifyResultShape(*this, getResult(), expected,
                           "input shape permuted");
}

LogicalResult ReshapeOp::verify() {
  if (failed(verifySameElementType(
          *this, {{"input", getInput()}, {"result", getResult()}})))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput()), out = shapeOf(getResult());
  auto dynamicPrefix = [](ArrayRef<int64_t> shape) -> int64_t {
    int64_t n = llvm::count_if(shape, ShapedType::isDynamic);
    for (int64_t i = 0; i < n; ++i)
      if (!ShapedType::isDynamic(shape[i]))
        return -1;
    return n;
  };
  int64_t inPrefix = dynamicPrefix(in), outPrefix = dynamicPrefix(out);
  if (inPrefix < 0 || outPrefix < 0 || inPrefix != outPrefix)
    return emitOpError()
           << "dynamic dimensions must be a leading prefix of the same length "
              "in input and result, got input shape "
           << fmtShape(in) << " and result shape " << fmtShape(out);
  int64_t inCount = 1, outCount = 1;
  for (int64_t d : in.drop_front(inPrefix))
    inCount *= d;
  for (int64_t d : out.drop_front(outPrefix))
    outCount *= d;
  if (inCount != outCount)
    return emitOpError() << "input shape " << fmtShape(in)
                         << " and result shape " << fmtShape(out)
                         << " hold different numbers of "
                         << "elements (" << inCount << " vs " << outCount
                         << " per leading index)";
  return success();
}

LogicalResult SliceOp::verify() {
  if (failed(verifySameElementType(
          *this, {{"input", getInput()}, {"result", getResult()}})))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput()), out = shapeOf(getResult());
  int64_t rank = in.size(), axis = getAxis(), offset = getOffset();
  if (axis < 0 || axis >= rank)
    return emitOpError() << "axis " << axis << " is out of range for input "
                         << "shape " << fmtShape(in);
  if (out.size() != in.size())
    return emitOpError() << "result shape " << fmtShape(out)
                         << " must have the rank of input shape "
                         << fmtShape(in);
  // A dynamic size is the rest of the axis from a non-negative offset.
  if (ShapedType::isDynamic(out[axis])) {
    if (offset < 0 || (!ShapedType::isDynamic(in[axis]) && offset > in[axis]))
      return emitOpError() << "result shape " << fmtShape(out)
                           << " is dynamic along axis " << axis
                           << ": the rest of the axis needs an offset in [0, "
                              "the axis size], got "
                           << offset;
    SmallVector<int64_t> expected(in);
    expected[axis] = ShapedType::kDynamic;
    return verifyResultShape(*this, getResult(), expected,
                             "input shape with the sliced axis resized");
  }
  // Written so that a huge offset cannot overflow. A negative offset
  // counts from the end: the slice must end inside the axis.
  bool fromEnd = offset < 0;
  if ((fromEnd && (offset == INT64_MIN || out[axis] > -offset)) ||
      (!ShapedType::isDynamic(in[axis]) &&
       (out[axis] > in[axis] ||
        (fromEnd ? -offset > in[axis] : offset > in[axis] - out[axis]))))
    return emitOpError() << "offset " << offset << " with size " << out[axis]
                         << " on axis " << axis << " is outside input shape "
                         << fmtShape(in);
  SmallVector<int64_t> expected(in);
  expected[axis] = out[axis];
  return verifyResultShape(*this, getResult(), expected,
                           "input shape with the sliced axis resized");
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError() << "needs at least one input";
  Value first = getInputs().front();
  SmallVector<std::pair<StringRef, Value>> named;
  named.push_back({"input 0", first});
  for (Value v : getInputs().drop_front())
    named.push_back({"input", v});
  named.push_back({"result", getResult()});
  if (failed(verifySameElementType(*this, named)))
    return failure();
  ArrayRef<int64_t> base = shapeOf(first);
  int64_t rank = base.size(), axis = getAxis();
  if (axis < 0 || axis >= rank)
    return emitOpError() << "axis " << axis << " is out of range for input "
                         << "shape " << fmtShape(base);
  SmallVector<int64_t> expected(base);
  for (auto [i, v] : llvm::enumerate(getInputs().drop_front())) {
    ArrayRef<int64_t> shape = shapeOf(v);
    bool ok = static_cast<int64_t>(shape.size()) == rank;
    for (int64_t d = 0; ok && d < rank; ++d)
      ok = d == axis || compatible(shape[d], base[d]);
    if (!ok)
      return emitOpError() << "input " << i + 1 << " shape " << fmtShape(shape)
                           << " differs from input 0 shape " << fmtShape(base)
                           << " outside axis " << axis;
    expected[axis] = ShapedType::isDynamic(expected[axis]) ||
                             ShapedType::isDynamic(shape[axis])
                         ? ShapedType::kDynamic
                         : expected[axis] + shape[axis];
  }
  return verifyResultShape(*this, getResult(), expected,
                           "the inputs joined along the axis");
}

LogicalResult BroadcastOp::verify() {
  if (failed(verifySameElementType(
          *this, {{"input", getInput()}, {"result", getResult()}})))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput()), out = shapeOf(getResult());
  if (in.size() > out.size())
    return emitOpError() << "input shape " << fmtShape(in)
                         << " has a higher rank than result shape "
                         << fmtShape(out);
  size_t lead = out.size() - in.size();
  Value like = getLike();
  if (like && shapeOf(like).size() != out.size())
    return emitOpError() << "'like' has rank " << shapeOf(like).size()
                         << ", not the result's " << out.size();
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t src = i < lead ? 1 : in[i - lead];
    // A new or stretched axis takes a dynamic size from `like`.
    bool ok =
        src == 1 ? !ShapedType::isDynamic(out[i]) ||
                       (like && ShapedType::isDynamic(shapeOf(like)[i]))
                 : compatible(src, out[i]) && ShapedType::isDynamic(src) ==
                                                  ShapedType::isDynamic(out[i]);
    if (!ok)
      return emitOpError()
             << "input shape " << fmtShape(in) << " cannot broadcast to "
             << fmtShape(out) << " (result dimension " << i
             << ": each input dimension is 1 with a static result or a "
                "dynamic one of 'like', or is kept, dynamic or not)";
  }
  return success();
}

OpFoldResult BroadcastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

LogicalResult PositionMaskOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getPositions());
  if (in.empty() || in.size() > 2)
    return emitOpError() << "positions shape " << fmtShape(in)
                         << " is not [S] or [B, S]";
  int64_t first = getFirstAttr().getInt(), last = getLastAttr().getInt();
  if (first < 0 || last < 0)
    return emitOpError() << "first " << first << " and last " << last
                         << " must not be negative";
  SmallVector<int64_t> expected(in);
  expected.push_back(1);
  return verifyResultShape(*this, getResult(), expected,
                           "the positions' shape with an axis of 1");
}

LogicalResult PositionIdsOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput());
  int64_t axis = getAxis();
  if (axis < 0 || axis >= static_cast<int64_t>(in.size()))
    return emitOpError() << "axis " << axis << " is out of range for input "
                         << "shape " << fmtShape(in);
  return verifyResultShape(*this, getResult(), {in[axis]},
                           "the size of the input's axis");
}

//===----------------------------------------------------------------------===//
// Norms
//===----------------------------------------------------------------------===//

LogicalResult LayerNormOp::verify() {
  if (failed(verifySameElementType(*this, {{"input", getInput()},
                                           {"gamma", getGamma()},
                                           {"beta", getBeta()}})) ||
      failed(verifyNonScalar(*this, "input", getInput())) ||
      failed(verifyFeatureVector(*this, "gamma", getGamma(), getInput())) ||
      failed(verifyFeatureVector(*this, "beta", getBeta(), getInput())))
    return failure();
  if (static_cast<bool>(getMean()) != static_cast<bool>(getRstd()))
    return emitOpError() << "returns both mean and rstd, or neither";
  ArrayRef<int64_t> rows = shapeOf(getInput()).drop_back();
  if (failed(verifyRowStatistic(*this, "mean", getMean(), rows,
                                "the input shape without its last axis")) ||
      failed(verifyRowStatistic(*this, "rstd", getRstd(), rows,
                                "the input shape without its last axis")))
    return failure();
  return verifyEpsilon(*this, getEpsilon().convertToDouble());
}

LogicalResult RMSNormOp::verify() {
  if (failed(verifySameElementType(
          *this, {{"input", getInput()}, {"gamma", getGamma()}})) ||
      failed(verifyNonScalar(*this, "input", getInput())) ||
      failed(verifyFeatureVector(*this, "gamma", getGamma(), getInput())) ||
      failed(verifyRowStatistic(*this, "rstd", getRstd(),
                                shapeOf(getInput()).drop_back(),
                                "the input shape without its last axis")))
    return failure();
  return verifyEpsilon(*this, getEpsilon().convertToDouble());
}

LogicalResult ScaleNormOp::verify() {
  if (failed(verifySameElementType(
          *this, {{"input", getInput()}, {"scale", getScale()}})) ||
      failed(verifyNonScalar(*this, "input", getInput())))
    return failure();
  if (!shapeOf(getScale()).empty())
    return emitOpError() << "scale must be a rank-0 scalar, got shape "
                         << fmtShape(getScale());
  return verifyEpsilon(*this, getEpsilon().convertToDouble());
}

LogicalResult BatchNormOp::verify() {
  if (failed(
          verifySameElementType(*this, {{"input", getInput()},
                                        {"gamma", getGamma()},
                                        {"beta", getBeta()},
                                        {"running_mean", getRunningMean()}})) ||
      failed(verifyNonScalar(*this, "input", getInput())))
    return failure();
  for (auto [name, value] : {std::pair<StringRef, Value>{"gamma", getGamma()},
                             {"beta", getBeta()},
                             {"running_mean", getRunningMean()}})
    if (failed(verifyFeatureVector(*this, name, value, getInput())))
      return failure();
  double momentum = getMomentum().convertToDouble();
  if (!(momentum >= 0.0 && momentum <= 1.0))
    return emitOpError() << "momentum must be in [0, 1], got " << momentum;
  return verifyEpsilon(*this, getEpsilon().convertToDouble());
}

//===----------------------------------------------------------------------===//
// Positions
//===----------------------------------------------------------------------===//

LogicalResult RopeOp::verify() {
  ArrayRef<int64_t> in = shapeOf(getInput()), pos = shapeOf(getPositions());
  if (in.size() < 2)
    return emitOpError() << "input must be [..., S, D], got " << fmtShape(in);
  int64_t d = in.back(), s = in[in.size() - 2];
  if (ShapedType::isDynamic(d))
    return emitOpError() << "feature dimension of input shape " << fmtShape(in)
                         << " must be static";
  if (!getRotaryDims() && d % 2 != 0)
    return emitOpError() << "feature dimension of input shape " << fmtShape(in)
                         << " must be even, or rotary_dims must select an "
                            "even number of features";
  int64_t r = getNumRotaryDims();
  if (r <= 0 || r > d || r % 2 != 0)
    return emitOpError() << "rotary_dims must be even and in [2, " << d
                         << "] for input shape " << fmtShape(in) << ", got "
                         << r;
  bool perRow = pos.size() == 1 && compatible(pos[0], s);
  bool perBatch = pos.size() == 2 && in.size() == 4 &&
                  compatible(pos[0], in[0]) && compatible(pos[1], s);
  if (!perRow && !perBatch)
    return emitOpError() << "positions shape " << fmtShape(pos)
                         << " must be [S] or, for a rank-4 input, [B, S]; "
                            "input shape is "
                         << fmtShape(in);
  double theta = getTheta().convertToDouble();
  if (!(theta > 0.0) || std::isinf(theta))
    return emitOpError() << "theta must be finite and positive, got " << theta;
  return success();
}

LogicalResult SinusoidalEmbeddingOp::verify() {
  ArrayRef<int64_t> out = shapeOf(getResult());
  if (out.empty() || ShapedType::isDynamic(out.back()) || out.back() % 2 != 0 ||
      out.back() <= 0)
    return emitOpError() << "result shape " << fmtShape(out)
                         << " must end in a static, even, positive dimension";
  SmallVector<int64_t> expected(shapeOf(getPositions()));
  expected.push_back(out.back());
  if (failed(verifyResultShape(*this, getResult(), expected,
                               "positions shape followed by D")))
    return failure();
  double base = getBase().convertToDouble();
  if (!(base > 0.0) || std::isinf(base))
    return emitOpError() << "base must be finite and positive, got " << base;
  return success();
}

/// Checks the [S] (or [B, S]) and [T] position operands and the [H, S, T]
/// (or [B, H, S, T]) result of a bias op; `heads` is H.
/// The result of relative_bias or alibi: [(B,) heads, S, T] for query
/// positions [(B,) S] and key positions [T]; without `heads`,
/// relative_buckets' [(B,) S, T].
static LogicalResult verifyBiasShapes(Operation *op, Value queryPositions,
                                      Value keyPositions, Value result,
                                      std::optional<int64_t> heads) {
  ArrayRef<int64_t> q = shapeOf(queryPositions);
  if (q.size() != 1 && q.size() != 2)
    return op->emitOpError() << "query_positions must be [S] or [B, S], got "
                                "shape "
                             << fmtShape(q);
  if (shapeOf(keyPositions).size() != 1)
    return op->emitOpError() << "key_positions must be rank 1, got shape "
                             << fmtShape(keyPositions);
  int64_t t = shapeOf(keyPositions)[0];
  if (!heads) {
    if (q.size() == 2)
      return verifyResultShape(op, result, {q[0], q[1], t},
                               "[batch, query positions, key positions]");
    return verifyResultShape(op, result, {q[0], t},
                             "[query positions, key positions]");
  }
  if (q.size() == 2)
    return verifyResultShape(op, result, {q[0], *heads, q[1], t},
                             "[batch, heads, query positions, key positions]");
  return verifyResultShape(op, result, {*heads, q[0], t},
                           "[heads, query positions, key positions]");
}

/// Whether `buckets` rows suit the bucketing: shaw's 2k + 1, or t5's
/// (even with `bidirectional`, and a max_distance past the exact range).
/// `what` names the bucket count in the message ("table shape [32, 8]").
static LogicalResult verifyBuckets(Operation *op, RelativeBiasKind kind,
                                   int64_t buckets, int64_t k,
                                   bool bidirectional, StringRef what) {
  if (kind == RelativeBiasKind::shaw) {
    if (bidirectional)
      return op->emitOpError() << "'bidirectional' applies to t5 buckets only; "
                                  "shaw clipping is always two-sided";
    if (k < 0)
      return op->emitOpError()
             << "max_distance must be non-negative, got " << k;
    if (buckets != 2 * k + 1)
      return op->emitOpError()
             << "shaw " << what
             << " must have 2 * max_distance + 1 = " << 2 * k + 1 << " rows";
    return success();
  }
  int64_t perSide = bidirectional ? buckets / 2 : buckets;
  if (perSide < 2 || (bidirectional && buckets % 2 != 0))
    return op->emitOpError()
           << "t5 " << what << " needs "
           << (bidirectional ? "an even number of buckets, at least 4"
                             : "at least 2 buckets");
  if (k <= perSide / 2)
    return op->emitOpError()
           << "max_distance (" << k << ") must exceed the exact-bucket range ("
           << perSide / 2 << ")";
  return success();
}

LogicalResult RelativeBiasOp::verify() {
  if (failed(verifySameElementType(
          *this, {{"table", getTable()}, {"result", getResult()}})))
    return failure();
  ArrayRef<int64_t> t = shapeOf(getTable());
  if (t.size() != 2 || ShapedType::isDynamic(t[0]) ||
      ShapedType::isDynamic(t[1]))
    return emitOpError() << "table must be a static [num_buckets, heads], got "
                         << fmtShape(t);
  if (failed(verifyBiasShapes(*this, getQueryPositions(), getKeyPositions(),
                              getResult(), t[1])))
    return failure();
  return verifyBuckets(*this, getKind(), t[0], getMaxDistance(),
                       getBidirectional(), "table shape " + fmtShape(t));
}

LogicalResult RelativeBucketsOp::verify() {
  if (failed(verifyBiasShapes(*this, getQueryPositions(), getKeyPositions(),
                              getResult(), std::nullopt)))
    return failure();
  int64_t buckets = getNumBuckets();
  return verifyBuckets(*this, getKind(), buckets, getMaxDistance(),
                       getBidirectional(),
                       "num_buckets " + std::to_string(buckets));
}

LogicalResult AlibiOp::verify() {
  ArrayRef<int64_t> out = shapeOf(getResult());
  int64_t headDim = out.size() == 4 ? 1 : 0;
  if ((out.size() != 3 && out.size() != 4) ||
      ShapedType::isDynamic(out[headDim]) || out[headDim] <= 0)
    return emitOpError() << "result must be [heads, S, T] or [B, heads, S, "
                            "T] with static heads, got "
                         << fmtShape(out);
  return verifyBiasShapes(*this, getQueryPositions(), getKeyPositions(),
                          getResult(), out[headDim]);
}

LogicalResult DropoutOp::verify() {
  double rate = getRate().convertToDouble();
  if (!(rate >= 0.0 && rate < 1.0))
    return emitOpError() << "rate must be in [0, 1), got " << rate;
  if (getStream() > UINT32_MAX)
    return emitOpError() << "stream must be in [0, 2^32), got " << getStream();
  ArrayRef<int64_t> rng = shapeOf(getRng());
  if (rng.size() != 1 || rng[0] != 2)
    return emitOpError() << "rng must be [2] (seed, step), got "
                         << fmtShape(rng);
  return success();
}

//===----------------------------------------------------------------------===//
// Result names
//===----------------------------------------------------------------------===//

// Only the optional statistics are named (`%12, %lse = tessel.attention`):
// the main result keeps its number, so IR reads the same with or without
// them.

void AttentionOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  if (Value lse = getLse())
    setNameFn(lse, "lse");
}

void LayerNormOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  if (Value mean = getMean())
    setNameFn(mean, "mean");
  if (Value rstd = getRstd())
    setNameFn(rstd, "rstd");
}

void RMSNormOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  if (Value rstd = getRstd())
    setNameFn(rstd, "rstd");
}

/// `init = normal`: the initializer as a bare keyword.
static ParseResult parseInitKindKeyword(OpAsmParser &parser,
                                        InitKindAttr &attr) {
  InitKind kind;
  if (parseEnumKeyword(parser, kind))
    return failure();
  attr = InitKindAttr::get(parser.getContext(), kind);
  return success();
}

static void printInitKindKeyword(OpAsmPrinter &printer, Operation *,
                                 InitKindAttr attr) {
  printEnumKeyword(printer, attr.getValue());
}

#define GET_OP_CLASSES
#include "dialect/TesselOps.cpp.inc"
