//===- TesselGradientOpsVerify.cpp - backward op verifiers ----------------===//

#include "dialect/TesselOps.h"
#include "dialect/VerifierUtils.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace tessel;
using namespace tessel::verifier;

bool SumToOp::isReduced(int64_t axis) {
  ArrayRef<int64_t> in = shapeOf(getInput()), out = shapeOf(getResult());
  int64_t lead = in.size() - out.size();
  if (axis < lead)
    return true;
  return out[axis - lead] == 1 && in[axis] != 1;
}

LogicalResult SumToOp::verify() {
  if (failed(verifySameElementType(
          *this, {{"input", getInput()}, {"result", getResult()}})))
    return failure();
  ArrayRef<int64_t> in = shapeOf(getInput()), out = shapeOf(getResult());
  bool ok = out.size() <= in.size();
  for (size_t i = 0; ok && i < out.size(); ++i) {
    int64_t a = in[in.size() - out.size() + i], b = out[i];
    ok = b == 1 || compatible(a, b);
  }
  if (!ok)
    return emitOpError() << "result shape " << fmtShape(out)
                         << " is not a shape that broadcasts to input shape "
                         << fmtShape(in);
  return success();
}

LogicalResult BatchNormGradOp::verify() {
  if (failed(
          verifySameElementType(*this, {{"input", getInput()},
                                        {"gamma", getGamma()},
                                        {"running_mean", getRunningMean()}})) ||
      failed(verifyNonScalar(*this, "input", getInput())))
    return failure();
  for (auto [name, value] : {std::pair<StringRef, Value>{"gamma", getGamma()},
                             {"running_mean", getRunningMean()}})
    if (failed(verifyFeatureVector(*this, name, value, getInput())))
      return failure();
  return verifyEpsilon(*this, getEpsilon().convertToDouble());
}

LogicalResult SoftmaxGradOp::verify() {
  int64_t rank = shapeOf(getResult()).size(), axis = getAxis();
  if (axis < -rank || axis >= rank)
    return emitOpError() << "axis " << axis << " is out of range for result "
                         << "shape " << fmtShape(getResult());
  return success();
}

LogicalResult LinearWeightGradOp::verify() {
  if (failed(verifySameElementType(*this, {{"result_grad", getResultGrad()},
                                           {"input", getInput()},
                                           {"result", getResult()}})) ||
      failed(verifyNonScalar(*this, "input", getInput())))
    return failure();
  ArrayRef<int64_t> dy = shapeOf(getResultGrad()), x = shapeOf(getInput());
  bool ok = dy.size() == x.size();
  for (size_t i = 0; ok && i + 1 < x.size(); ++i)
    ok = compatible(dy[i], x[i]);
  if (!ok)
    return emitOpError() << "result_grad shape " << fmtShape(dy)
                         << " and input shape " << fmtShape(x)
                         << " must have the same leading dimensions";
  return verifyResultShape(*this, getResult(), {dy.back(), x.back()},
                           "[out_features, in_features]: the last dimensions "
                           "of result_grad and input");
}

LogicalResult EmbeddingGradOp::verify() {
  if (failed(verifySameElementType(
          *this, {{"result_grad", getResultGrad()}, {"result", getResult()}})))
    return failure();
  ArrayRef<int64_t> out = shapeOf(getResult()), dy = shapeOf(getResultGrad());
  if (out.size() != 2 || ShapedType::isDynamic(out[0]))
    return emitOpError() << "result must be [num_embeddings, dim] with a "
                            "static num_embeddings, got "
                         << fmtShape(out);
  SmallVector<int64_t> expected(shapeOf(getIds()));
  expected.push_back(out[1]);
  bool ok = dy.size() == expected.size();
  for (size_t i = 0; ok && i < dy.size(); ++i)
    ok = compatible(dy[i], expected[i]);
  if (!ok)
    return emitOpError() << "result_grad shape " << fmtShape(dy)
                         << " must be the ids shape followed by the table's "
                            "dim "
                         << fmtShape(expected);
  return success();
}

LogicalResult CrossEntropyGradOp::verify() {
  if (failed(verifySameElementType(*this, {{"logits", getLogits()},
                                           {"loss_grad", getLossGrad()},
                                           {"result", getResult()}})) ||
      failed(verifyNonScalar(*this, "logits", getLogits())))
    return failure();
  if (failed(verifyTargets(*this, getLogits(), getTargets())))
    return failure();
  ArrayRef<int64_t> l = shapeOf(getLogits());
  if (!shapeOf(getLossGrad()).empty())
    return emitOpError() << "loss_grad must be a rank-0 tensor, got shape "
                         << fmtShape(getLossGrad());
  return verifyResultShape(*this, getResult(), l, "the logits shape");
}

/// The checks both norm backward ops share: gamma is [D], and each
/// statistic is per row.
static LogicalResult
verifyNormGrad(Operation *op, Value input, Value gamma,
               ArrayRef<std::pair<StringRef, Value>> stats) {
  if (failed(verifySameElementType(op, {{"input", input}, {"gamma", gamma}})) ||
      failed(verifyNonScalar(op, "input", input)) ||
      failed(verifyFeatureVector(op, "gamma", gamma, input)))
    return failure();
  for (auto [name, stat] : stats)
    if (failed(verifyRowStatistic(op, name, stat, shapeOf(input).drop_back(),
                                  "the input shape without its last axis")))
      return failure();
  return success();
}

LogicalResult LayerNormGradOp::verify() {
  return verifyNormGrad(*this, getInput(), getGamma(),
                        {{"mean", getMean()}, {"rstd", getRstd()}});
}

LogicalResult RMSNormGradOp::verify() {
  return verifyNormGrad(*this, getInput(), getGamma(), {{"rstd", getRstd()}});
}

LogicalResult AttentionGradOp::verify() {
  if (failed(verifySameElementType(*this, {{"query", getQuery()},
                                           {"key", getKey()},
                                           {"value", getValue()},
                                           {"result", getResult()},
                                           {"result_grad", getResultGrad()},
                                           {"bias", getBias()}})))
    return failure();
  ArrayRef<int64_t> q = shapeOf(getQuery()), k = shapeOf(getKey()),
                    v = shapeOf(getValue());
  if (q.size() != 4 || k.size() != 4 || v.size() != 4)
    return emitOpError() << "query, key and value must be [B, H, S, D], got "
                         << fmtShape(q) << ", " << fmtShape(k) << ", "
                         << fmtShape(v);
  if (!compatible(q[3], k[3]) || !compatible(k[2], v[2]) ||
      !compatible(k[1], v[1]) || ShapedType::isDynamic(q[1]) ||
      ShapedType::isDynamic(k[1]) || k[1] == 0 || q[1] % k[1] != 0)
    return emitOpError() << "key " << fmtShape(k) << " and value "
                         << fmtShape(v) << " do not fit query " << fmtShape(q)
                         << " (static heads, query heads a multiple of key "
                            "heads)";
  if (failed(verifyResultShape(*this, getResult(), {q[0], q[1], q[2], v[3]},
                               "[B, Hq, S, Dv]")) ||
      failed(verifyRowStatistic(*this, "lse", getLse(), {q[0], q[1], q[2]},
                                "[B, Hq, S]")))
    return failure();
  if (static_cast<bool>(getBias()) != static_cast<bool>(getBiasGrad()))
    return emitOpError() << "has a bias_grad result exactly when it has a "
                            "bias";
  if (Value grad = getBiasGrad())
    return verifyResultShape(*this, grad, {q[0], q[1], q[2], k[2]},
                             "the logits' [B, Hq, S, T]");
  return success();
}

LogicalResult SliceGradOp::verify() {
  if (failed(verifySameElementType(
          *this, {{"result_grad", getResultGrad()}, {"result", getResult()}})))
    return failure();
  ArrayRef<int64_t> dy = shapeOf(getResultGrad()), x = shapeOf(getResult());
  int64_t axis = getAxis(), offset = getOffset();
  if (dy.size() != x.size() || axis < 0 || axis >= int64_t(x.size()))
    return emitOpError() << "axis " << axis << " does not fit result_grad "
                         << fmtShape(dy) << " and result " << fmtShape(x);
  for (size_t i = 0; i < x.size(); ++i) {
    if (int64_t(i) != axis && !compatible(dy[i], x[i]))
      return emitOpError() << "result_grad " << fmtShape(dy) << " and result "
                           << fmtShape(x) << " differ off axis " << axis;
  }
  if (ShapedType::isDynamic(dy[axis]) || ShapedType::isDynamic(x[axis]) ||
      offset < 0 || offset + dy[axis] > x[axis])
    return emitOpError() << "the range [" << offset << ", " << offset << " + "
                         << fmtDim(dy[axis]) << ") of axis " << axis
                         << " must lie, statically, in the result's "
                         << fmtDim(x[axis]);
  return success();
}
