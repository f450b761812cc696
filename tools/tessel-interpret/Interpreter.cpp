//===- Interpreter.cpp - reference interpreter of tessel IR ---------------===//

#include "tools/tessel-interpret/Interpreter.h"

#include "dialect/Support/DTypes.h"
#include "dialect/TesselOps.h"
#include "runtime/Init.h"
#include "runtime/Npy.h"
#include "runtime/reference/Kernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include "llvm/Support/FileSystem.h"
#include <cstdint>

using namespace mlir;

namespace tessel {

namespace {

std::string typeString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

/// Evaluates one function body; values live in a map from SSA value to
/// tensor.
class Evaluator {
public:
  explicit Evaluator(const ParameterOptions &parameters)
      : parameterOptions(parameters) {}
  LogicalResult run(func::FuncOp func, std::vector<Tensor> inputs,
                    std::vector<Tensor> &outputs);

private:
  const Tensor &get(Value v) { return values.find(v)->second; }
  const Tensor *getOptional(Value v) { return v ? &get(v) : nullptr; }

  /// Evaluates `op`, storing its results.
  LogicalResult evaluate(Operation *op);
  /// Gives `tensor` the dtype of `result`, rounds it, checks its shape
  /// against the static dimensions of the result type, and stores it.
  LogicalResult bind(Operation *op, Value result, Tensor tensor);

  /// Only static size-1 dimensions broadcast (see tessel.add): a dynamic
  /// dimension that is 1 at run time against a larger one is an error.
  Status checkStaticBroadcast(Value lhs, Value rhs) {
    const Tensor &a = get(lhs), &b = get(rhs);
    for (auto [value, self, other] :
         {std::tuple<Value, const Tensor *, const Tensor *>{lhs, &a, &b},
          {rhs, &b, &a}}) {
      auto type = cast<RankedTensorType>(value.getType());
      int64_t lead = other->rank() - self->rank();
      for (int64_t d = 0; d < self->rank(); ++d)
        if (type.isDynamicDim(d) && self->shape[d] == 1 && d + lead >= 0 &&
            other->shape[d + lead] != 1)
          return errorf(
              "dynamic dimension ", d, " of ", value == lhs ? "lhs" : "rhs",
              " is 1 at run time but only static size-1 "
              "dimensions broadcast (shapes ",
              formatShape(a.shape), " and ", formatShape(b.shape), ")");
    }
    return Status::ok();
  }

  /// Loads or initializes the parameter `get` reads (once per name).
  Status loadParameter(tessel::GetParameterOp get, Tensor &out);

  const ParameterOptions &parameterOptions;
  llvm::DenseMap<Value, Tensor> values;
  llvm::StringMap<Tensor> parameters;
};

Status Evaluator::loadParameter(tessel::GetParameterOp get, Tensor &out) {
  StringRef name = get.getName();
  auto cached = parameters.find(name);
  if (cached != parameters.end()) {
    out = cached->second;
    return Status::ok();
  }
  auto decl = SymbolTable::lookupNearestSymbolFrom<tessel::ParameterOp>(
      get, get.getNameAttr());
  RankedTensorType type = decl.getTensorType();
  std::string path;
  if (!parameterOptions.directory.empty()) {
    path = parameterOptions.directory + "/" + name.str() + ".npy";
    if (!llvm::sys::fs::exists(path))
      path.clear();
  }
  if (!path.empty()) {
    TESSEL_RETURN_IF_ERROR(readNpy(path, out));
    Status status = checkArgument(out, type);
    if (!status.isOk())
      return errorf(path, ": parameter @", name.str(), ": ", status.message());
  } else if (parameterOptions.seed) {
    out = Tensor::zeros(*dtypeOf(type.getElementType()),
                        std::vector<int64_t>(type.getShape()));
    InitSpec spec;
    spec.kind = decl.getInit();
    if (auto std = decl.getStd())
      spec.std = std->convertToDouble();
    if (auto value = decl.getValue())
      spec.value = value->convertToDouble();
    TESSEL_RETURN_IF_ERROR(
        initialize(out, spec, *parameterOptions.seed, name.str()));
  } else {
    return errorf("parameter @", name.str(), " has no value: ",
                  parameterOptions.directory.empty()
                      ? std::string("pass --params DIR")
                      : "no " + parameterOptions.directory + "/" + name.str() +
                            ".npy",
                  " or --seed N to initialize it");
  }
  parameters[name] = out;
  return Status::ok();
}

LogicalResult Evaluator::bind(Operation *op, Value result, Tensor tensor) {
  auto type = cast<RankedTensorType>(result.getType());
  std::optional<DType> dtype = dtypeOf(type.getElementType());
  if (!dtype)
    return op->emitError() << "unsupported element type "
                           << type.getElementType();
  bool shapeOk = tensor.rank() == type.getRank();
  for (int64_t i = 0; shapeOk && i < type.getRank(); ++i)
    shapeOk = type.isDynamicDim(i) || type.getDimSize(i) == tensor.shape[i];
  if (!shapeOk)
    return op->emitError() << "computed shape " << formatShape(tensor.shape)
                           << " does not match result type " << type;
  tensor.dtype = *dtype;
  if (*dtype == DType::I32)
    for (int64_t v : tensor.ints)
      if (v < INT32_MIN || v > INT32_MAX)
        return op->emitError() << "value " << v << " does not fit in the i32 "
                               << "result type " << type;
  roundToDType(tensor);
  values[result] = std::move(tensor);
  return success();
}

/// Reads an arith.constant's dense tensor value.
Status evaluateConstant(arith::ConstantOp op, Tensor &out) {
  auto dense = dyn_cast<DenseElementsAttr>(op.getValue());
  auto type = dyn_cast<RankedTensorType>(op.getType());
  if (!dense || !type)
    return Status::error("only dense tensor constants are supported");
  std::optional<DType> dtype = dtypeOf(type.getElementType());
  if (!dtype)
    return errorf("unsupported element type ",
                  typeString(type.getElementType()));
  out = Tensor::zeros(*dtype, std::vector<int64_t>(type.getShape()));
  int64_t i = 0;
  if (isFloat(*dtype))
    for (APFloat v : dense.getValues<APFloat>())
      out.floats[i++] = static_cast<float>(v.convertToDouble());
  else
    for (APInt v : dense.getValues<APInt>())
      out.ints[i++] = v.getSExtValue();
  return Status::ok();
}

LogicalResult Evaluator::evaluate(Operation *op) {
  namespace ref = reference;
  using namespace tessel;
  Tensor out;
  // Results beyond the first (saved statistics, a backward op's other
  // gradients; null ones skipped), bound after it in order.
  Tensor extra[3];
  SmallVector<std::pair<Value, int>, 2> extraResults;
  auto want = [&](Value result, int index) -> Tensor * {
    if (!result)
      return nullptr;
    extraResults.push_back({result, index});
    return &extra[index];
  };
  Status status = Status::ok();
  // Ops with several results bind them themselves and return early.
  if (auto bn = dyn_cast<BatchNormOp>(op)) {
    Tensor mean, var;
    status = ref::batchNorm(
        get(bn.getInput()), get(bn.getGamma()), get(bn.getBeta()),
        get(bn.getRunningMean()), get(bn.getRunningVar()),
        bn.getEpsilon().convertToDouble(), bn.getMomentum().convertToDouble(),
        bn.getTraining(), out, mean, var);
    if (!status.isOk())
      return op->emitError() << status.message();
    return success(
        succeeded(bind(op, bn.getResult(), std::move(out))) &&
        succeeded(bind(op, bn.getNewRunningMean(), std::move(mean))) &&
        succeeded(bind(op, bn.getNewRunningVar(), std::move(var))));
  }
  bool known = true;
  llvm::TypeSwitch<Operation *>(op)
      .Case([&](arith::ConstantOp c) { status = evaluateConstant(c, out); })
      .Case([&](LinearOp o) {
        status = ref::linear(get(o.getInput()), get(o.getWeight()),
                             getOptional(o.getBias()), out);
      })
      .Case([&](MatmulOp o) {
        status = ref::matmul(get(o.getLhs()), get(o.getRhs()), out,
                             o.getTransposeRhs());
      })
      .Case([&](EmbeddingOp o) {
        status = ref::embedding(get(o.getIds()), get(o.getTable()), out);
      })
      .Case([&](AddOp o) {
        status = checkStaticBroadcast(o.getLhs(), o.getRhs());
        if (status.isOk())
          status = ref::add(get(o.getLhs()), get(o.getRhs()), out);
      })
      .Case([&](MulOp o) {
        status = checkStaticBroadcast(o.getLhs(), o.getRhs());
        if (status.isOk())
          status = ref::mul(get(o.getLhs()), get(o.getRhs()), out);
      })
      .Case([&](GeluOp o) {
        status = ref::gelu(get(o.getInput()),
                           o.getApproximate() == GeluApproximation::tanh, out);
      })
      .Case([&](SiluOp o) { status = ref::silu(get(o.getInput()), out); })
      .Case([&](TanhOp o) { status = ref::tanh(get(o.getInput()), out); })
      .Case([&](RecomputeBarrierOp o) { out = get(o.getInput()); })
      .Case([&](DropoutOp o) {
        status =
            ref::dropout(get(o.getInput()), get(o.getRng()),
                         o.getRate().convertToDouble(), o.getStream(), out);
      })
      .Case([&](SwigluOp o) {
        status = ref::swiglu(get(o.getGate()), get(o.getUp()), out);
      })
      .Case([&](TransposeOp o) {
        status = ref::transpose(get(o.getInput()),
                                std::vector<int64_t>(o.getPermutation()), out);
      })
      .Case([&](GetParameterOp o) { status = loadParameter(o, out); })
      .Case([&](SliceOp o) {
        // A dynamic size is the rest of the axis.
        const Tensor &in = get(o.getInput());
        int64_t n = o.getType().getShape()[o.getAxis()];
        if (ShapedType::isDynamic(n))
          n = in.shape[o.getAxis()] - o.getOffset();
        status = ref::slice(in, o.getAxis(), o.getOffset(), n, out);
      })
      .Case([&](CacheWriteOp o) {
        status = ref::cacheWrite(get(o.getUpdate()), get(o.getCache()),
                                 get(o.getPositions()), out);
      })
      .Case([&](PagedCacheWriteOp o) {
        status = ref::pagedCacheWrite(get(o.getUpdate()), get(o.getPool()),
                                      get(o.getBlockTable()),
                                      get(o.getPositions()), out);
      })
      .Case([&](PagedCacheReadOp o) {
        status = ref::pagedCacheRead(get(o.getPool()), get(o.getBlockTable()),
                                     get(o.getPositions()), out);
      })
      .Case([&](CacheReadOp o) {
        status = ref::cacheRead(get(o.getCache()), get(o.getPositions()), out);
      })
      .Case([&](ConcatOp o) {
        std::vector<const Tensor *> inputs;
        for (Value v : o.getInputs())
          inputs.push_back(&get(v));
        status = ref::concat(inputs, o.getAxis(), out);
      })
      .Case([&](BroadcastOp o) {
        // A dynamic result dimension keeps the aligned input dimension, or
        // takes `like`'s on a new or stretched axis.
        const Tensor &in = get(o.getInput());
        std::vector<int64_t> shape(o.getType().getShape());
        size_t lead = shape.size() - in.shape.size();
        for (size_t i = 0; i < shape.size(); ++i)
          if (ShapedType::isDynamic(shape[i]))
            shape[i] =
                i >= lead && o.getInput().getType().getDimSize(i - lead) != 1
                    ? in.shape[i - lead]
                    : get(o.getLike()).shape[i];
        status = ref::broadcastTo(in, shape, out);
      })
      .Case([&](PositionMaskOp o) {
        status = ref::positionMask(get(o.getPositions()), o.getFirst(),
                                   o.getLast(), out);
      })
      .Case([&](PositionIdsOp o) {
        status = ref::positionIds(get(o.getInput()), o.getAxis(), o.getOffset(),
                                  out);
      })
      .Case([&](ReshapeOp o) {
        // Dynamic result dimensions are the input's leading ones (verifier).
        const Tensor &in = get(o.getInput());
        std::vector<int64_t> shape(o.getType().getShape());
        for (size_t i = 0; i < shape.size(); ++i)
          if (ShapedType::isDynamic(shape[i]))
            shape[i] = in.shape[i];
        status = ref::reshape(in, shape, out);
      })
      .Case([&](LayerNormOp o) {
        Tensor *mean = want(o.getMean(), 0);
        Tensor *rstd = want(o.getRstd(), 1);
        status = ref::layerNorm(
            get(o.getInput()), get(o.getGamma()), get(o.getBeta()),
            o.getEpsilon().convertToDouble(), out, mean, rstd);
      })
      .Case([&](RMSNormOp o) {
        status = ref::rmsNorm(get(o.getInput()), get(o.getGamma()),
                              o.getEpsilon().convertToDouble(), out,
                              want(o.getRstd(), 0));
      })
      .Case([&](ScaleNormOp o) {
        status = ref::scaleNorm(get(o.getInput()), get(o.getScale()),
                                o.getEpsilon().convertToDouble(), out);
      })
      .Case([&](RopeOp o) {
        status = ref::rope(get(o.getInput()), get(o.getPositions()),
                           o.getTheta().convertToDouble(), o.getNumRotaryDims(),
                           o.getInterleaved(), out, o.getInverse());
      })
      .Case([&](SinusoidalEmbeddingOp o) {
        status = ref::sinusoidalEmbedding(get(o.getPositions()),
                                          o.getType().getShape().back(),
                                          o.getBase().convertToDouble(), out);
      })
      .Case([&](RelativeBiasOp o) {
        if (o.getKind() == RelativeBiasKind::t5)
          status =
              ref::relativeBiasT5(get(o.getTable()), get(o.getQueryPositions()),
                                  get(o.getKeyPositions()), o.getMaxDistance(),
                                  o.getBidirectional(), out);
        else
          status = ref::relativeBiasShaw(
              get(o.getTable()), get(o.getQueryPositions()),
              get(o.getKeyPositions()), o.getMaxDistance(), out);
      })
      .Case([&](RelativeBucketsOp o) {
        status = ref::relativeBuckets(
            o.getKind() == RelativeBiasKind::t5, get(o.getQueryPositions()),
            get(o.getKeyPositions()), o.getNumBuckets(), o.getMaxDistance(),
            o.getBidirectional(), out);
      })
      .Case([&](AlibiOp o) {
        status =
            ref::alibi(get(o.getQueryPositions()), get(o.getKeyPositions()),
                       o.getType().getShape().drop_back(2).back(), out);
      })
      .Case([&](SoftmaxOp o) {
        status = ref::softmax(get(o.getInput()), o.getAxis(), out);
      })
      .Case([&](AttentionOp o) {
        status = ref::attention(
            get(o.getQuery()), get(o.getKey()), get(o.getValue()),
            getOptional(o.getBias()), o.getScaleOrDefault(), o.getCausal(), out,
            want(o.getLse(), 0), getOptional(o.getPositions()));
      })
      .Case([&](CrossEntropyOp o) {
        status = ref::crossEntropy(get(o.getLogits()), get(o.getTargets()),
                                   o.getIgnoreIndex(), out);
      })
      .Case([&](SumToOp o) {
        // A dynamic result dimension keeps the aligned input dimension, or
        // takes `like`'s on a new or stretched axis.
        const Tensor &in = get(o.getInput());
        std::vector<int64_t> shape(o.getType().getShape());
        size_t lead = in.shape.size() - std::min(in.shape.size(), shape.size());
        for (size_t i = 0; i < shape.size(); ++i)
          if (ShapedType::isDynamic(shape[i]))
            shape[i] = in.shape[i + lead];
        status = ref::sumTo(in, shape, out);
      })
      .Case([&](LayerNormGradOp o) {
        status = ref::layerNormGrad(
            get(o.getInput()), get(o.getGamma()), get(o.getMean()),
            get(o.getRstd()), get(o.getResultGrad()), out,
            *want(o.getGammaGrad(), 0), *want(o.getBetaGrad(), 1));
      })
      .Case([&](BatchNormGradOp o) {
        status = ref::batchNormGrad(
            get(o.getInput()), get(o.getGamma()), get(o.getRunningMean()),
            get(o.getRunningVar()), get(o.getResultGrad()),
            o.getEpsilon().convertToDouble(), o.getTraining(), out,
            *want(o.getGammaGrad(), 0), *want(o.getBetaGrad(), 1));
      })
      .Case([&](RMSNormGradOp o) {
        status = ref::rmsNormGrad(get(o.getInput()), get(o.getGamma()),
                                  get(o.getRstd()), get(o.getResultGrad()), out,
                                  *want(o.getGammaGrad(), 0));
      })
      .Case([&](ScaleNormGradOp o) {
        status = ref::scaleNormGrad(
            get(o.getInput()), get(o.getScale()), get(o.getResultGrad()),
            o.getEpsilon().convertToDouble(), out, *want(o.getScaleGrad(), 0));
      })
      .Case([&](AttentionGradOp o) {
        status = ref::attentionGrad(
            get(o.getQuery()), get(o.getKey()), get(o.getValue()),
            get(o.getResult()), get(o.getLse()), get(o.getResultGrad()),
            getOptional(o.getBias()), o.getScale().convertToDouble(),
            o.getCausal(), out, *want(o.getKeyGrad(), 0),
            *want(o.getValueGrad(), 1), want(o.getBiasGrad(), 2));
      })
      .Case([&](SliceGradOp o) {
        // Dynamic result dimensions are result_grad's (the verifier).
        const Tensor &dy = get(o.getResultGrad());
        std::vector<int64_t> shape(o.getType().getShape());
        for (size_t i = 0; i < shape.size(); ++i)
          if (ShapedType::isDynamic(shape[i]))
            shape[i] = dy.shape[i];
        status = ref::sliceGrad(dy, shape, o.getAxis(), o.getOffset(), out);
      })
      .Case([&](LinearWeightGradOp o) {
        status = ref::linearWeightGrad(get(o.getResultGrad()),
                                       get(o.getInput()), out);
      })
      .Case([&](GeluGradOp o) {
        status =
            ref::geluGrad(get(o.getInput()), get(o.getResultGrad()),
                          o.getApproximate() == GeluApproximation::tanh, out);
      })
      .Case([&](SiluGradOp o) {
        status = ref::siluGrad(get(o.getInput()), get(o.getResultGrad()), out);
      })
      .Case([&](SoftmaxGradOp o) {
        status = ref::softmaxGrad(get(o.getResult()), get(o.getResultGrad()),
                                  static_cast<int64_t>(o.getAxis()), out);
      })
      .Case([&](EmbeddingGradOp o) {
        status = ref::embeddingGrad(get(o.getIds()), get(o.getResultGrad()),
                                    o.getType().getDimSize(0), out);
      })
      .Case([&](CrossEntropyGradOp o) {
        status = ref::crossEntropyGrad(get(o.getLogits()), get(o.getTargets()),
                                       get(o.getLossGrad()), o.getIgnoreIndex(),
                                       out);
      })
      .Default([&](Operation *) { known = false; });
  if (!known)
    return op->emitError() << "'" << op->getName()
                           << "' is not supported by the reference interpreter";
  if (!status.isOk())
    return op->emitError() << status.message();
  if (failed(bind(op, op->getResult(0), std::move(out))))
    return failure();
  for (auto [result, index] : extraResults)
    if (failed(bind(op, result, std::move(extra[index]))))
      return failure();
  return success();
}

LogicalResult Evaluator::run(func::FuncOp func, std::vector<Tensor> inputs,
                             std::vector<Tensor> &outputs) {
  if (func.isExternal())
    return func.emitError()
           << "@" << func.getSymName() << " has no body to interpret";
  Block &body = func.getBody().front();
  for (auto [arg, input] : llvm::zip(body.getArguments(), inputs)) {
    if (auto type = dyn_cast<RankedTensorType>(arg.getType()))
      input.dtype = *dtypeOf(type.getElementType());
    roundToDType(input);
    values[arg] = std::move(input);
  }
  for (Operation &op : body) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      for (Value v : ret.getOperands())
        outputs.push_back(get(v));
      return success();
    }
    if (failed(evaluate(&op)))
      return failure();
  }
  return func.emitError() << "@" << func.getSymName()
                          << " does not end in func.return";
}

} // namespace

Status checkArgument(const Tensor &tensor, Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return errorf("expected ", typeString(type),
                  ", which is not a ranked tensor");
  std::optional<DType> expected = dtypeOf(ranked.getElementType());
  if (!expected)
    return errorf("element type ", typeString(ranked.getElementType()),
                  " is not supported");
  bool dtypeOk = tensor.dtype == *expected ||
                 (*expected == DType::BF16 && tensor.dtype == DType::F32);
  bool shapeOk = tensor.rank() == ranked.getRank();
  for (int64_t i = 0; shapeOk && i < ranked.getRank(); ++i)
    shapeOk = ranked.isDynamicDim(i) || ranked.getDimSize(i) == tensor.shape[i];
  if (!dtypeOk || !shapeOk)
    return errorf("expected ", typeString(type), ", got ", name(tensor.dtype),
                  " ", formatShape(tensor.shape));
  return Status::ok();
}

LogicalResult interpret(func::FuncOp func, std::vector<Tensor> inputs,
                        const ParameterOptions &parameters,
                        std::vector<Tensor> &outputs) {
  Evaluator evaluator(parameters);
  return evaluator.run(func, std::move(inputs), outputs);
}

} // namespace tessel
