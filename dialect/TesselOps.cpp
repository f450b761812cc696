//===- TesselOps.cpp - tessel op verifiers --------------------------------===//
//
// Every message names the operand at fault and prints the shapes involved, so
// that an error in a model definition can be found from the message alone.
//
//===----------------------------------------------------------------------===//

#include "dialect/TesselOps.h"

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

namespace {

/// Prints a shape as `[2, ?, 4]`.
std::string fmtShape(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << '[';
  llvm::interleaveComma(shape, os, [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      os << '?';
    else
      os << d;
  });
  os << ']';
  return s;
}

/// Prints one dimension: its size, or `?`.
std::string fmtDim(int64_t d) {
  return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
}

std::string fmtShape(Value v) {
  return fmtShape(cast<RankedTensorType>(v.getType()).getShape());
}

ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

Type elementTypeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

/// Two dimensions may be equal at run time.
bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// Checks that the named values all have the element type of the first one.
LogicalResult
verifySameElementType(Operation *op,
                      ArrayRef<std::pair<StringRef, Value>> namedValues) {
  if (namedValues.empty())
    return success();
  Type expected = elementTypeOf(namedValues.front().second);
  for (auto [name, value] : namedValues.drop_front()) {
    if (!value)
      continue;
    Type got = elementTypeOf(value);
    if (got != expected)
      return op->emitOpError()
             << name << " element type " << got << " differs from "
             << namedValues.front().first << " element type " << expected;
  }
  return success();
}

/// Checks that `result` has the shape `expected`, dimension by dimension.
LogicalResult verifyResultShape(Operation *op, Value result,
                                ArrayRef<int64_t> expected, StringRef because) {
  ArrayRef<int64_t> got = shapeOf(result);
  bool ok = got.size() == expected.size();
  for (size_t i = 0; ok && i < got.size(); ++i)
    ok = compatible(got[i], expected[i]);
  if (!ok)
    return op->emitOpError()
           << "result shape " << fmtShape(got) << " does not match expected "
           << fmtShape(expected) << " (" << because << ")";
  return success();
}

/// Checks that `value` is `[size]` where `size` is the feature count of
/// `input` (its last dimension).
LogicalResult verifyFeatureVector(Operation *op, StringRef name, Value value,
                                  Value input) {
  ArrayRef<int64_t> shape = shapeOf(value);
  int64_t features = shapeOf(input).back();
  if (shape.size() != 1 || !compatible(shape[0], features))
    return op->emitOpError()
           << name << " shape " << fmtShape(shape) << " must be ["
           << fmtDim(features) << "], the last dimension of input shape "
           << fmtShape(input);
  return success();
}

LogicalResult verifyEpsilon(Operation *op, double epsilon) {
  if (!(epsilon >= 0.0) || std::isinf(epsilon))
    return op->emitOpError()
           << "epsilon must be finite and non-negative, got " << epsilon;
  return success();
}

LogicalResult verifyNonScalar(Operation *op, StringRef name, Value value) {
  if (shapeOf(value).empty())
    return op->emitOpError() << name << " must have rank >= 1, got shape []";
  return success();
}

/// Computes the NumPy broadcast of two shapes into `result`; fails when two
/// static dimensions differ and neither is 1.
LogicalResult broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b,
                              SmallVectorImpl<int64_t> &result) {
  size_t rank = std::max(a.size(), b.size());
  result.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    int64_t &out = result[rank - 1 - i];
    if (da == 1)
      out = db;
    else if (db == 1)
      out = da;
    else if (ShapedType::isDynamic(da))
      out = db;
    else if (ShapedType::isDynamic(db) || da == db)
      out = da;
    else
      return failure();
  }
  return success();
}

/// Checks an optional per-row statistic (mean, rstd, log-sum-exp): the
/// shape `rows`, the input's shape without its last axis.
LogicalResult verifyRowStatistic(Operation *op, StringRef name, Value stat,
                                 ArrayRef<int64_t> rows, StringRef because) {
  if (!stat)
    return success();
  ArrayRef<int64_t> got = shapeOf(stat);
  bool ok = got.size() == rows.size();
  for (size_t i = 0; ok && i < got.size(); ++i)
    ok = compatible(got[i], rows[i]);
  if (!ok)
    return op->emitOpError()
           << name << " shape " << fmtShape(got) << " does not match expected "
           << fmtShape(rows) << " (" << because << ")";
  return success();
}

} // namespace

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
  if ((init == InitKind::Constant) != static_cast<bool>(getValue()))
    return emitOpError() << "'value' is required by, and only by, init = "
                            "constant";
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
  if (a.size() < 2 || a.size() != b.size())
    return emitOpError() << "lhs and rhs must have the same rank >= 2, got "
                         << fmtShape(a) << " and " << fmtShape(b);
  size_t r = a.size();
  for (size_t i = 0; i + 2 < r; ++i)
    if (!compatible(a[i], b[i]))
      return emitOpError() << "batch dimension " << i << " differs: lhs shape "
                           << fmtShape(a) << ", rhs shape " << fmtShape(b);
  if (!compatible(a[r - 1], b[r - 2]))
    return emitOpError() << "contraction dimensions differ: lhs shape "
                         << fmtShape(a) << " has " << a[r - 1]
                         << " columns, rhs shape " << fmtShape(b) << " has "
                         << b[r - 2] << " rows";
  SmallVector<int64_t> expected(a);
  expected.back() = b.back();
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
  if (ShapedType::isDynamic(out[axis]))
    return emitOpError() << "result shape " << fmtShape(out)
                         << " must be static along axis " << axis;
  // Written so that a huge offset cannot overflow.
  if (offset < 0 || (!ShapedType::isDynamic(in[axis]) &&
                     (out[axis] > in[axis] || offset > in[axis] - out[axis])))
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
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t src = i < lead ? 1 : in[i - lead];
    bool ok =
        src == 1 ? !ShapedType::isDynamic(out[i])
                 : compatible(src, out[i]) && ShapedType::isDynamic(src) ==
                                                  ShapedType::isDynamic(out[i]);
    if (!ok)
      return emitOpError()
             << "input shape " << fmtShape(in) << " cannot broadcast to "
             << fmtShape(out) << " (result dimension " << i
             << ": each input dimension is 1 with a static result, or is "
                "kept, dynamic or not)";
  }
  return success();
}

OpFoldResult BroadcastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
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

/// Checks the [S] and [T] position operands and the [H, S, T] result of a
/// bias op; `heads` is H.
static LogicalResult verifyBiasShapes(Operation *op, Value queryPositions,
                                      Value keyPositions, Value result,
                                      int64_t heads) {
  for (auto [name, value] :
       {std::pair<StringRef, Value>{"query_positions", queryPositions},
        {"key_positions", keyPositions}})
    if (shapeOf(value).size() != 1)
      return op->emitOpError()
             << name << " must be rank 1, got shape " << fmtShape(value);
  return verifyResultShape(
      op, result, {heads, shapeOf(queryPositions)[0], shapeOf(keyPositions)[0]},
      "[heads, query positions, key positions]");
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
  int64_t k = getMaxDistance(), buckets = t[0];
  if (getKind() == RelativeBiasKind::shaw) {
    if (getBidirectional())
      return emitOpError() << "'bidirectional' applies to t5 buckets only; "
                              "shaw clipping is always two-sided";
    if (k < 0)
      return emitOpError() << "max_distance must be non-negative, got " << k;
    if (buckets != 2 * k + 1)
      return emitOpError() << "shaw table shape " << fmtShape(t)
                           << " must have 2 * max_distance + 1 = " << 2 * k + 1
                           << " rows";
    return success();
  }
  int64_t perSide = getBidirectional() ? buckets / 2 : buckets;
  if (perSide < 2 || (getBidirectional() && buckets % 2 != 0))
    return emitOpError() << "t5 table shape " << fmtShape(t) << " needs "
                         << (getBidirectional()
                                 ? "an even number of buckets, at least 4"
                                 : "at least 2 buckets");
  if (k <= perSide / 2)
    return emitOpError() << "max_distance (" << k
                         << ") must exceed the exact-bucket range ("
                         << perSide / 2 << ")";
  return success();
}

LogicalResult AlibiOp::verify() {
  ArrayRef<int64_t> out = shapeOf(getResult());
  if (out.size() != 3 || ShapedType::isDynamic(out[0]) || out[0] <= 0)
    return emitOpError() << "result must be [heads, S, T] with static heads, "
                            "got "
                         << fmtShape(out);
  return verifyBiasShapes(*this, getQueryPositions(), getKeyPositions(),
                          getResult(), out[0]);
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  int64_t rank = shapeOf(getInput()).size(), axis = getAxis();
  if (axis < -rank || axis >= rank)
    return emitOpError() << "axis " << axis << " is out of range for input "
                         << "shape " << fmtShape(getInput());
  return success();
}

double AttentionOp::getScaleOrDefault() {
  if (auto scale = getScale())
    return scale->convertToDouble();
  return 1.0 / std::sqrt(static_cast<double>(shapeOf(getQuery()).back()));
}

LogicalResult AttentionOp::verify() {
  if (failed(verifySameElementType(*this, {{"query", getQuery()},
                                           {"key", getKey()},
                                           {"value", getValue()},
                                           {"bias", getBias()},
                                           {"result", getResult()}})))
    return failure();
  for (auto [name, value] : {std::pair<StringRef, Value>{"query", getQuery()},
                             {"key", getKey()},
                             {"value", getValue()}})
    if (shapeOf(value).size() != 4)
      return emitOpError() << name << " must be [B, H, S, D], got shape "
                           << fmtShape(value);
  ArrayRef<int64_t> q = shapeOf(getQuery()), k = shapeOf(getKey()),
                    v = shapeOf(getValue());
  if (!compatible(q[0], k[0]) || !compatible(q[0], v[0]) ||
      !compatible(k[0], v[0]))
    return emitOpError() << "batch sizes differ: query " << fmtShape(q)
                         << ", key " << fmtShape(k) << ", value "
                         << fmtShape(v);
  if (ShapedType::isDynamic(q[1]) || ShapedType::isDynamic(k[1]) ||
      ShapedType::isDynamic(v[1]) || ShapedType::isDynamic(q[3]))
    return emitOpError() << "head counts and head dim must be static: query "
                         << fmtShape(q) << ", key " << fmtShape(k) << ", value "
                         << fmtShape(v);
  if (k[1] != v[1])
    return emitOpError() << "key shape " << fmtShape(k) << " and value shape "
                         << fmtShape(v) << " have different head counts";
  if (k[1] == 0 || q[1] % k[1] != 0)
    return emitOpError() << "query heads (" << q[1]
                         << ") must be a multiple of key/value heads (" << k[1]
                         << "): query " << fmtShape(q) << ", key "
                         << fmtShape(k);
  if (!compatible(q[3], k[3]))
    return emitOpError() << "query shape " << fmtShape(q) << " and key shape "
                         << fmtShape(k) << " have different head dims";
  if (!compatible(k[2], v[2]))
    return emitOpError() << "key shape " << fmtShape(k) << " and value shape "
                         << fmtShape(v) << " have different lengths";
  if (Value bias = getBias()) {
    // Each bias dimension (aligned at the end) is 1 or may equal the logits'.
    SmallVector<int64_t> logits = {q[0], q[1], q[2], k[2]};
    ArrayRef<int64_t> b = shapeOf(bias);
    bool broadcasts = b.size() <= 4;
    for (size_t i = 0; broadcasts && i < b.size(); ++i)
      broadcasts = b[b.size() - 1 - i] == 1 ||
                   compatible(b[b.size() - 1 - i], logits[3 - i]);
    if (!broadcasts)
      return emitOpError() << "bias shape " << fmtShape(b)
                           << " does not broadcast to the logits shape "
                           << fmtShape(logits);
  }
  if (auto scale = getScale()) {
    double s = scale->convertToDouble();
    if (!std::isfinite(s) || s == 0.0)
      return emitOpError() << "scale must be finite and non-zero, got " << s;
  }
  if (failed(verifyRowStatistic(*this, "lse", getLse(), {q[0], q[1], q[2]},
                                "[B, query heads, S]")))
    return failure();
  return verifyResultShape(*this, getResult(), {q[0], q[1], q[2], v[3]},
                           "[B, query heads, S, value head dim]");
}

LogicalResult OnlineAttentionOp::verify() {
  if (failed(verifySameElementType(*this, {{"query", getQuery()},
                                           {"key", getKey()},
                                           {"value", getValue()},
                                           {"bias", getBias()}})))
    return failure();
  ArrayRef<int64_t> q = shapeOf(getQuery()), k = shapeOf(getKey()),
                    v = shapeOf(getValue());
  if (q.size() != 3)
    return emitOpError() << "query must be [G, Q, D], got shape "
                         << fmtShape(q);
  if (k.size() != 2 || v.size() != 2)
    return emitOpError() << "key and value must be [K, D] and [K, Dv], got "
                            "shapes "
                         << fmtShape(k) << " and " << fmtShape(v);
  if (!compatible(q[2], k[1]))
    return emitOpError() << "query shape " << fmtShape(q) << " and key shape "
                         << fmtShape(k) << " have different head dims";
  if (!compatible(k[0], v[0]))
    return emitOpError() << "key shape " << fmtShape(k) << " and value shape "
                         << fmtShape(v) << " have different lengths";
  if (failed(verifyRowStatistic(*this, "max", getMax(), {q[0], q[1]},
                                "[G, Q] of query shape " + fmtShape(q))) ||
      failed(verifyRowStatistic(*this, "acc", getAcc(), {q[0], q[1], v[1]},
                                "[G, Q, Dv] of query shape " + fmtShape(q) +
                                    " and value shape " + fmtShape(v))))
    return failure();
  if (Value bias = getBias()) {
    SmallVector<int64_t> logits = {q[0], q[1], k[0]};
    ArrayRef<int64_t> b = shapeOf(bias);
    bool broadcasts = b.size() <= 3;
    for (size_t i = 0; broadcasts && i < b.size(); ++i)
      broadcasts = b[b.size() - 1 - i] == 1 ||
                   compatible(b[b.size() - 1 - i], logits[2 - i]);
    if (!broadcasts)
      return emitOpError() << "bias shape " << fmtShape(b)
                           << " does not broadcast to the tile's logits shape "
                           << fmtShape(logits);
  }
  double s = getScale().convertToDouble();
  if (!std::isfinite(s) || s == 0.0)
    return emitOpError() << "scale must be finite and non-zero, got " << s;
  return success();
}

//===----------------------------------------------------------------------===//
// Loss
//===----------------------------------------------------------------------===//

LogicalResult CrossEntropyOp::verify() {
  if (failed(verifySameElementType(
          *this, {{"logits", getLogits()}, {"result", getResult()}})) ||
      failed(verifyNonScalar(*this, "logits", getLogits())))
    return failure();
  ArrayRef<int64_t> l = shapeOf(getLogits()), t = shapeOf(getTargets());
  bool ok = t.size() + 1 == l.size();
  for (size_t i = 0; ok && i < t.size(); ++i)
    ok = compatible(t[i], l[i]);
  if (!ok)
    return emitOpError() << "targets shape " << fmtShape(t)
                         << " must be the logits shape " << fmtShape(l)
                         << " without its class dimension";
  if (!shapeOf(getResult()).empty())
    return emitOpError() << "result must be a rank-0 tensor, got shape "
                         << fmtShape(getResult());
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
