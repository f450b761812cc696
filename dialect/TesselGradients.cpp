//===- TesselGradients.cpp - the gradient rule of each op -----------------===//
//
// DifferentiableOp::buildGradients for every op that has one. Each rule is
// the vector-Jacobian product of its op, written with tessel ops: given
// dy = dL/dresult it builds dL/doperand. Broadcasting in the forward op
// becomes tessel.sum_to in the backward one.
//
//===----------------------------------------------------------------------===//

#include "dialect/TesselOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

#include "dialect/TesselInterfaces.cpp.inc"

using namespace mlir;
using namespace tessel;

namespace {

/// `grad` summed down to `type` where the forward op broadcast the operand
/// of that type; `grad` itself when no axis was broadcast.
Value sumTo(OpBuilder &b, Location loc, Value grad, Type type) {
  if (grad.getType() == type)
    return grad;
  return SumToOp::create(b, loc, type, grad);
}

/// The type of `value` with its last two dimensions swapped.
RankedTensorType swapLastTwo(Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape(type.getShape());
  std::swap(shape[shape.size() - 1], shape[shape.size() - 2]);
  return type.clone(shape);
}

/// `value` with its last two axes swapped.
Value transposeLastTwo(OpBuilder &b, Location loc, Value value) {
  int64_t rank = cast<RankedTensorType>(value.getType()).getRank();
  SmallVector<int64_t> permutation;
  for (int64_t i = 0; i < rank; ++i)
    permutation.push_back(i);
  std::swap(permutation[rank - 1], permutation[rank - 2]);
  return TransposeOp::create(b, loc, swapLastTwo(value), value,
                             b.getDenseI64ArrayAttr(permutation));
}

/// The type of a matmul of `lhs` and `rhs` (no transpose): lhs's leading
/// dimensions, lhs's rows, rhs's columns.
RankedTensorType matmulType(Value lhs, Value rhs) {
  auto l = cast<RankedTensorType>(lhs.getType());
  auto r = cast<RankedTensorType>(rhs.getType());
  SmallVector<int64_t> shape(l.getShape());
  shape.back() = r.getShape().back();
  return l.clone(shape);
}

} // namespace

/// y = x·Wᵀ + b:  dx = dy·W,  dW = Σ_i dyᵢ ⊗ xᵢ (over every leading index),
/// db = Σ_i dyᵢ.
LogicalResult LinearOp::buildGradients(OpBuilder &b,
                                       ArrayRef<Value> resultGradients,
                                       SmallVectorImpl<Value> &grads) {
  Location loc = getLoc();
  Value dy = resultGradients[0];
  grads.push_back(MatmulOp::create(b, loc, getInput().getType(), dy,
                                   getWeight(), /*transpose_rhs=*/false));
  grads.push_back(LinearWeightGradOp::create(b, loc, getWeight().getType(), dy,
                                             getInput()));
  if (Value bias = getBias())
    grads.push_back(sumTo(b, loc, dy, bias.getType()));
  return success();
}

/// c = a·b:  da = dc·bᵀ,  db = aᵀ·dc;  with transpose_rhs (c = a·bᵀ):
/// da = dc·b,  db = dcᵀ·a.  db is summed over the batch axes b was
/// broadcast along.
LogicalResult MatmulOp::buildGradients(OpBuilder &b,
                                       ArrayRef<Value> resultGradients,
                                       SmallVectorImpl<Value> &grads) {
  Location loc = getLoc();
  Value dc = resultGradients[0], lhs = getLhs(), rhs = getRhs();
  bool transposed = getTransposeRhs();
  grads.push_back(MatmulOp::create(b, loc, lhs.getType(), dc, rhs,
                                   /*transpose_rhs=*/!transposed));
  Value first =
      transposed ? transposeLastTwo(b, loc, dc) : transposeLastTwo(b, loc, lhs);
  Value second = transposed ? lhs : dc;
  Value full = MatmulOp::create(b, loc, matmulType(first, second), first,
                                second, /*transpose_rhs=*/false);
  grads.push_back(sumTo(b, loc, full, rhs.getType()));
  return success();
}

/// y = table[ids]:  dtable[v] = Σ_{i: ids[i] = v} dyᵢ;  ids have none.
LogicalResult EmbeddingOp::buildGradients(OpBuilder &b,
                                          ArrayRef<Value> resultGradients,
                                          SmallVectorImpl<Value> &grads) {
  grads.push_back(nullptr);
  grads.push_back(EmbeddingGradOp::create(b, getLoc(), getTable().getType(),
                                          getIds(), resultGradients[0]));
  return success();
}

/// y = a + b:  da = dy,  db = dy (each summed where it was broadcast).
LogicalResult AddOp::buildGradients(OpBuilder &b,
                                    ArrayRef<Value> resultGradients,
                                    SmallVectorImpl<Value> &grads) {
  Value dy = resultGradients[0];
  grads.push_back(sumTo(b, getLoc(), dy, getLhs().getType()));
  grads.push_back(sumTo(b, getLoc(), dy, getRhs().getType()));
  return success();
}

/// y = a * b:  da = dy * b,  db = dy * a (each summed where broadcast).
LogicalResult MulOp::buildGradients(OpBuilder &b,
                                    ArrayRef<Value> resultGradients,
                                    SmallVectorImpl<Value> &grads) {
  Location loc = getLoc();
  Value dy = resultGradients[0];
  Type type = dy.getType();
  grads.push_back(sumTo(b, loc, MulOp::create(b, loc, type, dy, getRhs()),
                        getLhs().getType()));
  grads.push_back(sumTo(b, loc, MulOp::create(b, loc, type, dy, getLhs()),
                        getRhs().getType()));
  return success();
}

/// y = gelu(x):  dx = dy * gelu'(x) (tessel.gelu_grad has both forms).
LogicalResult GeluOp::buildGradients(OpBuilder &b,
                                     ArrayRef<Value> resultGradients,
                                     SmallVectorImpl<Value> &grads) {
  grads.push_back(GeluGradOp::create(b, getLoc(), getType(), getInput(),
                                     resultGradients[0], getApproximate()));
  return success();
}

/// y = dropout(x) = m ∘ x / (1 - p) for the mask m the (rng, stream) pair
/// draws:  dx = m ∘ dy / (1 - p) = dropout(dy) with the same rng and
/// stream, so the mask is recomputed, never stored. rng has no gradient.
LogicalResult DropoutOp::buildGradients(OpBuilder &b,
                                        ArrayRef<Value> resultGradients,
                                        SmallVectorImpl<Value> &grads) {
  grads.push_back(DropoutOp::create(b, getLoc(), resultGradients[0], getRng(),
                                    getRate().convertToDouble(), getStream()));
  grads.push_back(Value());
  return success();
}

/// y = silu(x):  dx = dy * silu'(x).
LogicalResult SiluOp::buildGradients(OpBuilder &b,
                                     ArrayRef<Value> resultGradients,
                                     SmallVectorImpl<Value> &grads) {
  grads.push_back(SiluGradOp::create(b, getLoc(), getType(), getInput(),
                                     resultGradients[0]));
  return success();
}

/// y = tanh(x):  dx = dy (1 - y^2) = dy + dy y (-y).
LogicalResult TanhOp::buildGradients(OpBuilder &b,
                                     ArrayRef<Value> resultGradients,
                                     SmallVectorImpl<Value> &grads) {
  Location loc = getLoc();
  Type type = getType();
  auto scalar = RankedTensorType::get({}, getType().getElementType());
  Value minusOne = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(scalar,
                             b.getFloatAttr(scalar.getElementType(), -1)));
  Value y = getResult(), dy = resultGradients[0];
  Value negY = MulOp::create(b, loc, type, y, minusOne);
  Value dyY = MulOp::create(b, loc, type, dy, y);
  grads.push_back(
      AddOp::create(b, loc, type, dy, MulOp::create(b, loc, type, dyY, negY)));
  return success();
}

/// y = silu(gate) * up:  dgate = silu'(gate) * (dy * up),
/// dup = dy * silu(gate).
LogicalResult SwigluOp::buildGradients(OpBuilder &b,
                                       ArrayRef<Value> resultGradients,
                                       SmallVectorImpl<Value> &grads) {
  Location loc = getLoc();
  Value dy = resultGradients[0];
  Type type = getType();
  grads.push_back(SiluGradOp::create(b, loc, type, getGate(),
                                     MulOp::create(b, loc, type, dy, getUp())));
  grads.push_back(
      MulOp::create(b, loc, type, dy, SiluOp::create(b, loc, type, getGate())));
  return success();
}

/// y = R(a) x, a rotation per pair:  dx = R(a)ᵀ dy = R(-a) dy (the same op
/// with `inverse`); positions have none.
LogicalResult RopeOp::buildGradients(OpBuilder &b,
                                     ArrayRef<Value> resultGradients,
                                     SmallVectorImpl<Value> &grads) {
  auto inverse = cast<RopeOp>(b.clone(*getOperation()));
  inverse->setOperand(0, resultGradients[0]);
  inverse.setInverse(!getInverse());
  grads.push_back(inverse.getResult());
  grads.push_back(nullptr);
  return success();
}

/// y = broadcast_to(x):  dx = dy summed over the broadcast axes.
LogicalResult BroadcastOp::buildGradients(OpBuilder &b,
                                          ArrayRef<Value> resultGradients,
                                          SmallVectorImpl<Value> &grads) {
  grads.push_back(sumTo(b, getLoc(), resultGradients[0], getInput().getType()));
  if (getLike())
    grads.push_back(Value()); // Only its shape is read.
  return success();
}

/// y = x[offset : offset + n] along `axis`:  dx = dy there, 0 elsewhere.
/// (A slice counted from the end, a prefill's last position, has none.)
LogicalResult SliceOp::buildGradients(OpBuilder &b,
                                      ArrayRef<Value> resultGradients,
                                      SmallVectorImpl<Value> &grads) {
  int64_t offset = getOffset();
  if (offset < 0)
    return emitOpError() << "counted from the end (offset " << offset
                         << ") has no gradient rule";
  if (getType().isDynamicDim(getAxis()))
    return emitOpError() << "of a dynamic size has no gradient rule";
  grads.push_back(SliceGradOp::create(b, getLoc(), getInput().getType(),
                                      resultGradients[0], getAxis(),
                                      getOffset()));
  return success();
}

/// y = concat(x_1, ..., x_k) along `axis`:  dx_i = the slice of dy where x_i
/// went (the last input may have a dynamic size: the rest of dy).
LogicalResult ConcatOp::buildGradients(OpBuilder &b,
                                       ArrayRef<Value> resultGradients,
                                       SmallVectorImpl<Value> &grads) {
  int64_t offset = 0, axis = getAxis();
  for (Value input : getInputs()) {
    auto type = cast<RankedTensorType>(input.getType());
    if (type.isDynamicDim(axis) && input != getInputs().back())
      return emitOpError() << "along a dynamic axis has no gradient rule "
                              "unless only the last input's size is dynamic";
    grads.push_back(
        SliceOp::create(b, getLoc(), type, resultGradients[0], axis, offset));
    offset += type.getDimSize(axis);
  }
  return success();
}

/// y = g x / max(||x||, eps):  tessel.scale_norm_grad.
LogicalResult ScaleNormOp::buildGradients(OpBuilder &b,
                                          ArrayRef<Value> resultGradients,
                                          SmallVectorImpl<Value> &grads) {
  auto backward = ScaleNormGradOp::create(
      b, getLoc(), getInput().getType(), getScale().getType(), getInput(),
      getScale(), resultGradients[0], getEpsilonAttr());
  grads.push_back(backward.getInputGrad());
  grads.push_back(backward.getScaleGrad());
  return success();
}

/// y = (x - mean) rstd gamma + beta per feature (tessel.batch_norm_grad
/// has both modes' formulas: in training the batch statistics depend on
/// x). The running statistics are state, not parameters (PyTorch's
/// buffers): they get no gradient, even where the output reads them, and
/// the updated ones pass none back.
LogicalResult BatchNormOp::buildGradients(OpBuilder &b,
                                          ArrayRef<Value> resultGradients,
                                          SmallVectorImpl<Value> &grads) {
  if (!resultGradients[0])
    return emitOpError() << "has no gradient for its result";
  auto backward = BatchNormGradOp::create(
      b, getLoc(), getInput().getType(), getGamma().getType(),
      getGamma().getType(), getInput(), getGamma(), getRunningMean(),
      getRunningVar(), resultGradients[0], getEpsilonAttr(), getTrainingAttr());
  grads.append({backward.getInputGrad(), backward.getGammaGrad(),
                backward.getBetaGrad(), nullptr, nullptr});
  return success();
}

/// y = transpose(x, p):  dx = transpose(dy, p⁻¹).
LogicalResult TransposeOp::buildGradients(OpBuilder &b,
                                          ArrayRef<Value> resultGradients,
                                          SmallVectorImpl<Value> &grads) {
  ArrayRef<int64_t> permutation = getPermutation();
  SmallVector<int64_t> inverse(permutation.size());
  for (auto [i, p] : llvm::enumerate(permutation))
    inverse[p] = i;
  grads.push_back(TransposeOp::create(b, getLoc(), getInput().getType(),
                                      resultGradients[0],
                                      b.getDenseI64ArrayAttr(inverse)));
  return success();
}

/// y = reshape(x):  dx = reshape(dy) back to x's shape.
LogicalResult ReshapeOp::buildGradients(OpBuilder &b,
                                        ArrayRef<Value> resultGradients,
                                        SmallVectorImpl<Value> &grads) {
  grads.push_back(
      ReshapeOp::create(b, getLoc(), getInput().getType(), resultGradients[0]));
  return success();
}

/// y = (x - mean) rstd gamma + beta, from the statistics the forward op
/// returns (tessel-autodiff asks every norm it differentiates for them):
/// tessel.layer_norm_grad.
LogicalResult LayerNormOp::buildGradients(OpBuilder &b,
                                          ArrayRef<Value> resultGradients,
                                          SmallVectorImpl<Value> &grads) {
  if (!getMean())
    return emitOpError() << "needs its mean and rstd results to be "
                            "differentiated";
  auto backward = LayerNormGradOp::create(
      b, getLoc(), getInput().getType(), getGamma().getType(),
      getGamma().getType(), getInput(), getGamma(), getMean(), getRstd(),
      resultGradients[0]);
  grads.push_back(backward.getInputGrad());
  grads.push_back(backward.getGammaGrad());
  grads.push_back(backward.getBetaGrad());
  return success();
}

/// y = x rstd gamma, from the forward op's rstd: tessel.rms_norm_grad.
LogicalResult RMSNormOp::buildGradients(OpBuilder &b,
                                        ArrayRef<Value> resultGradients,
                                        SmallVectorImpl<Value> &grads) {
  if (!getRstd())
    return emitOpError() << "needs its rstd result to be differentiated";
  auto backward = RMSNormGradOp::create(
      b, getLoc(), getInput().getType(), getGamma().getType(), getInput(),
      getGamma(), getRstd(), resultGradients[0]);
  grads.push_back(backward.getInputGrad());
  grads.push_back(backward.getGammaGrad());
  return success();
}

/// bias[(b,) h, i, j] = table[row(i, j), h]:  dtable[v, h] = Σ over the
/// (b, i, j) whose row is v of dbias[(b,) h, i, j] -- the embedding_grad of
/// the rows (tessel.relative_buckets) with dbias's heads moved last.
LogicalResult RelativeBiasOp::buildGradients(OpBuilder &b,
                                             ArrayRef<Value> resultGradients,
                                             SmallVectorImpl<Value> &grads) {
  Location loc = getLoc();
  auto tableType = cast<RankedTensorType>(getTable().getType());
  auto dyType = cast<RankedTensorType>(resultGradients[0].getType());
  int64_t lead = dyType.getRank() - 3; // 1 with a batch dimension
  SmallVector<int64_t> rowShape(dyType.getShape());
  int64_t heads = rowShape[lead];
  rowShape.erase(rowShape.begin() + lead);
  Value ids = RelativeBucketsOp::create(
      b, loc, RankedTensorType::get(rowShape, b.getI64Type()), getKindAttr(),
      getQueryPositions(), getKeyPositions(),
      b.getI64IntegerAttr(tableType.getDimSize(0)), getMaxDistanceAttr(),
      getBidirectionalAttr());
  // [(B,) H, S, T] -> [(B,) S, T, H].
  SmallVector<int64_t> permutation;
  for (int64_t d = 0; d < lead; ++d)
    permutation.push_back(d);
  permutation.append({lead + 1, lead + 2, lead});
  SmallVector<int64_t> movedShape(rowShape);
  movedShape.push_back(heads);
  Value moved = TransposeOp::create(
      b, loc, RankedTensorType::get(movedShape, dyType.getElementType()),
      resultGradients[0], b.getDenseI64ArrayAttr(permutation));
  grads.push_back(
      EmbeddingGradOp::create(b, loc, tableType, ids, moved).getResult());
  grads.push_back(nullptr);
  grads.push_back(nullptr);
  return success();
}

/// y = softmax(x) along an axis:  dx = y (dy - sum(dy y)) along it, from
/// the result y (tessel.softmax_grad).
LogicalResult SoftmaxOp::buildGradients(OpBuilder &b,
                                        ArrayRef<Value> resultGradients,
                                        SmallVectorImpl<Value> &grads) {
  grads.push_back(SoftmaxGradOp::create(b, getLoc(), getType(), getResult(),
                                        resultGradients[0], getAxisAttr()));
  return success();
}

/// o = softmax(scale q kᵀ + bias) v, from the forward's log-sum-exp
/// (tessel-autodiff asks every attention it differentiates for it):
/// tessel.attention_grad gives dq, dk, dv and the logits' gradient, which
/// is the bias's, summed to its shape.
LogicalResult AttentionOp::buildGradients(OpBuilder &b,
                                          ArrayRef<Value> resultGradients,
                                          SmallVectorImpl<Value> &grads) {
  if (getPositions())
    return emitOpError() << "at given positions (a decode step) has no "
                            "gradient rule";
  if (!getLse())
    return emitOpError() << "needs its lse result to be differentiated";
  if (resultGradients.size() > 1 && resultGradients[1])
    return emitOpError() << "has no gradient rule for its lse result";
  Location loc = getLoc();
  Value bias = getBias();
  Type logitsGrad;
  if (bias) {
    auto q = getQuery().getType(), k = getKey().getType();
    logitsGrad = q.clone(
        {q.getDimSize(0), q.getDimSize(1), q.getDimSize(2), k.getDimSize(2)});
  }
  auto backward = AttentionGradOp::create(
      b, loc, getQuery().getType(), getKey().getType(), getValue().getType(),
      logitsGrad, getQuery(), getKey(), getValue(), getResult(), getLse(),
      resultGradients[0], bias, llvm::APFloat(getScaleOrDefault()),
      getCausal());
  grads.push_back(backward.getQueryGrad());
  grads.push_back(backward.getKeyGrad());
  grads.push_back(backward.getValueGrad());
  if (bias)
    grads.push_back(sumTo(b, loc, backward.getBiasGrad(), bias.getType()));
  return success();
}

/// L = mean_r (logsumexp(logits_r) - logits_r[t_r]):
/// dlogits_r = dL * (softmax(logits_r) - onehot(t_r)) / n; targets have
/// none.
LogicalResult CrossEntropyOp::buildGradients(OpBuilder &b,
                                             ArrayRef<Value> resultGradients,
                                             SmallVectorImpl<Value> &grads) {
  grads.push_back(CrossEntropyGradOp::create(
      b, getLoc(), getLogits().getType(), getLogits(), getTargets(),
      resultGradients[0], getIgnoreIndex()));
  grads.push_back(nullptr);
  return success();
}
