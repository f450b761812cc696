//===- Autodiff.cpp - reverse-mode automatic differentiation --------------===//
//
// For each function marked `tessel.differentiate`, builds its
// vector-Jacobian product: a copy of the function's body, then the
// gradients, op by op in reverse, each from the op's own rule
// (DifferentiableOp, TesselGradients.cpp). A value used by several ops
// receives the sum of their gradients (tied embeddings, residual
// connections); a parameter read more than once gets one gradient, the sum.
//
//===----------------------------------------------------------------------===//

#include "passes/graph/Passes.h"

#include "dialect/TesselOps.h"
#include "runtime/Enums.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/MapVector.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELAUTODIFF
#include "passes/graph/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

bool isFloatTensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && isa<FloatType>(tensor.getElementType());
}

/// The gradients of one function body, built at the insertion point of
/// `builder` (before the body's return).
class Backward {
public:
  explicit Backward(OpBuilder &builder) : b(builder) {}

  /// Adds `grad` to the gradient of `value`.
  void accumulate(Value value, Value grad) {
    Value &sum = grads[value];
    sum = sum ? add(sum, grad) : grad;
  }

  /// lhs + rhs, of lhs's type.
  Value add(Value lhs, Value rhs) {
    return tessel::AddOp::create(b, rhs.getLoc(), lhs.getType(), lhs, rhs);
  }

  /// Walks the ops of `block` before its terminator in reverse, building
  /// the gradients of their operands.
  LogicalResult run(Block &block) {
    SmallVector<Operation *> ops;
    for (Operation &op : block.without_terminator())
      ops.push_back(&op);
    for (Operation *op : llvm::reverse(ops)) {
      SmallVector<Value> resultGrads;
      bool any = false;
      for (Value result : op->getResults()) {
        resultGrads.push_back(grads.lookup(result));
        any |= resultGrads.back() != nullptr;
      }
      if (!any)
        continue;
      if (auto get = dyn_cast<tessel::GetParameterOp>(op)) {
        Value &sum = parameterGrads[get.getName()];
        sum = sum ? add(sum, resultGrads[0]) : resultGrads[0];
        continue;
      }
      // Nothing flows back through an op without float operands (position
      // ids, constants).
      if (llvm::none_of(op->getOperandTypes(), isFloatTensor))
        continue;
      auto differentiable = dyn_cast<tessel::DifferentiableOp>(op);
      if (!differentiable)
        return op->emitError()
               << "'" << op->getName()
               << "' has no gradient rule, so the loss cannot be "
                  "differentiated through it";
      SmallVector<Value> operandGrads;
      if (failed(differentiable.buildGradients(b, resultGrads, operandGrads)))
        return failure();
      for (auto [operand, grad] :
           llvm::zip_equal(op->getOperands(), operandGrads))
        if (grad)
          accumulate(operand, grad);
    }
    return success();
  }

  /// The gradient of `value`, or zeros of its type where nothing flowed
  /// (only for static shapes: zeros of a dynamic shape have no size).
  FailureOr<Value> gradientOf(Value value, Location loc, Twine what) {
    if (Value grad = grads.lookup(value))
      return grad;
    return zeros(value.getType(), loc, what);
  }

  FailureOr<Value> zeros(Type type, Location loc, Twine what) {
    auto tensor = cast<RankedTensorType>(type);
    if (!tensor.hasStaticShape())
      return emitError(loc) << "the differentiated results do not depend on "
                            << what << ", whose gradient (zeros of " << tensor
                            << ") has no static shape";
    return arith::ConstantOp::create(
               b, loc,
               DenseElementsAttr::get(
                   tensor, b.getFloatAttr(tensor.getElementType(), 0)))
        .getResult();
  }

  llvm::MapVector<StringRef, Value> parameterGrads;

private:
  OpBuilder &b;
  llvm::DenseMap<Value, Value> grads;
};

/// The per-row f32 statistic type of a norm of `input`.
RankedTensorType rowStatisticType(Value input) {
  auto type = cast<RankedTensorType>(input.getType());
  return RankedTensorType::get(type.getShape().drop_back(),
                               Float32Type::get(type.getContext()));
}

/// Makes every norm and attention in `func` return the statistics its
/// backward pass reads (the forward computes them anyway; saving them is
/// what llm.c's layernorm_forward and FlashAttention's forward do).
void saveNormStatistics(func::FuncOp func) {
  func.walk([](tessel::LayerNormOp op) {
    if (op.getMean())
      return;
    OpBuilder b(op);
    Type stat = rowStatisticType(op.getInput());
    auto saved = tessel::LayerNormOp::create(
        b, op.getLoc(), op.getResult().getType(), stat, stat, op.getInput(),
        op.getGamma(), op.getBeta(), op.getEpsilonAttr());
    op.getResult().replaceAllUsesWith(saved.getResult());
    op.erase();
  });
  func.walk([](tessel::AttentionOp op) {
    if (op.getLse() || op.getPositions())
      return;
    OpBuilder b(op);
    auto q = op.getQuery().getType();
    auto lse = RankedTensorType::get(q.getShape().drop_back(),
                                     Float32Type::get(op.getContext()));
    auto saved = tessel::AttentionOp::create(
        b, op.getLoc(), op.getResult().getType(), lse, op.getQuery(),
        op.getKey(), op.getValue(), op.getBias(), op.getPositions(),
        op.getScaleAttr(), op.getCausal());
    op.getResult().replaceAllUsesWith(saved.getResult());
    op.erase();
  });
  func.walk([](tessel::RMSNormOp op) {
    if (op.getRstd())
      return;
    OpBuilder b(op);
    auto saved = tessel::RMSNormOp::create(
        b, op.getLoc(), op.getResult().getType(),
        rowStatisticType(op.getInput()), op.getInput(), op.getGamma(),
        op.getEpsilonAttr());
    op.getResult().replaceAllUsesWith(saved.getResult());
    op.erase();
  });
}

/// What buildDerivative builds.
enum class Derivative {
  /// NAME_vjp, of a function marked tessel.differentiate.
  Vjp,
  /// The grads entry point, of the loss entry point.
  Grads,
  /// The policy_grads entry point, of the policy entry point: policy's
  /// arguments and a seed per result in, only the parameters' gradients
  /// out (each marked tessel.gradient).
  PolicyGrads
};

/// Adds the derivative of `func` next to it. For a function marked
/// tessel.differentiate, NAME_vjp: (arguments, one seed dL/dresult per float
/// result) -> (results, dL/dargument per float argument, dL/dparameter per
/// parameter the function reads, in the module's declaration order). For a
/// `loss` entry point, the `grads` entry point: (the loss's arguments) ->
/// (the loss, dL/dparameter per parameter it reads), each gradient marked
/// with its parameter's name (tessel.gradient). For the `policy` entry
/// point, `policy_grads`: (tokens, dlogits, dvalues) -> dL/dparameter.
LogicalResult buildDerivative(func::FuncOp func, SymbolTable &symbols,
                              Derivative what) {
  bool entryPoint = what == Derivative::Grads;
  bool policy = what == Derivative::PolicyGrads;
  MLIRContext *ctx = func.getContext();
  OpBuilder b(func);
  b.setInsertionPointAfter(func);
  func::FuncOp vjp = cast<func::FuncOp>(b.clone(*func));
  vjp->removeAttr(tessel::TesselDialect::DifferentiateAttrHelper::getNameStr());
  if (entryPoint || policy) {
    tessel::EntryPointKind kind = entryPoint
                                      ? tessel::EntryPointKind::Grads
                                      : tessel::EntryPointKind::PolicyGrads;
    vjp.setSymName(tessel::name(kind));
    tessel::TesselDialect::EntryPointAttrHelper(ctx).setAttr(
        vjp, tessel::EntryPointKindAttr::get(ctx, kind));
  } else {
    vjp.setSymName((func.getSymName() + "_vjp").str());
  }
  symbols.insert(vjp);
  if (vjp.isExternal())
    return func.emitError() << "cannot differentiate a function with no body";

  saveNormStatistics(vjp);
  Block &block = vjp.getBody().front();
  auto ret = cast<func::ReturnOp>(block.getTerminator());
  b.setInsertionPoint(ret);
  Backward backward(b);
  Location loc = vjp.getLoc();
  // Parameters the loss updates itself (tessel.update: batch norm's running
  // statistics) are state: they get no gradient.
  llvm::DenseSet<StringRef> updated;
  if (entryPoint) {
    // dL/dL = 1.
    // The loss, then any parameter updates (tessel.update: batch norm's
    // running statistics), which pass through undifferentiated.
    auto type = dyn_cast<RankedTensorType>(ret.getOperand(0).getType());
    bool updatesOnly = true;
    for (unsigned i = 1; i < ret.getNumOperands(); ++i) {
      auto name = func.getResultAttrOfType<StringAttr>(
          i, tessel::TesselDialect::UpdateAttrHelper::getNameStr());
      updatesOnly &= bool(name);
      if (name)
        updated.insert(name.getValue());
    }
    if (!updatesOnly || !type || type.getRank() != 0 || !isFloatTensor(type))
      return func.emitError() << "a loss entry point returns one rank-0 float "
                                 "tensor (then only parameter updates, "
                                 "tessel.update)";
    backward.accumulate(
        ret.getOperand(0),
        arith::ConstantOp::create(
            b, loc,
            DenseElementsAttr::get(type,
                                   b.getFloatAttr(type.getElementType(), 1))));
  } else {
    for (Value result : ret.getOperands())
      if (isFloatTensor(result.getType()))
        backward.accumulate(result, block.addArgument(result.getType(), loc));
  }
  if (failed(backward.run(block)))
    return failure();

  // policy_grads returns only gradients: the host has the results from
  // policy already.
  SmallVector<Value> results;
  if (!policy)
    results.assign(ret.getOperands().begin(), ret.getOperands().end());
  SmallVector<StringRef> gradientOf(results.size());
  for (BlockArgument argument : block.getArguments()) {
    if (entryPoint || policy ||
        argument.getArgNumber() >= func.getNumArguments() ||
        !isFloatTensor(argument.getType()))
      continue;
    FailureOr<Value> grad = backward.gradientOf(
        argument, loc, "argument " + Twine(argument.getArgNumber()));
    if (failed(grad))
      return failure();
    results.push_back(*grad);
    gradientOf.push_back({});
  }
  llvm::DenseSet<StringRef> read;
  vjp.walk([&](tessel::GetParameterOp get) { read.insert(get.getName()); });
  for (auto parameter :
       func->getParentOfType<ModuleOp>().getOps<tessel::ParameterOp>()) {
    // A frozen parameter (LoRA's base model) gets no gradient; what would
    // flow into it is left unused and folded away.
    if (!read.contains(parameter.getSymName()) ||
        updated.contains(parameter.getSymName()) || parameter.getFrozen())
      continue;
    Value grad = backward.parameterGrads.lookup(parameter.getSymName());
    if (!grad) {
      FailureOr<Value> zero = backward.zeros(
          parameter.getType(), loc, "parameter @" + parameter.getSymName());
      if (failed(zero))
        return failure();
      grad = *zero;
    }
    results.push_back(grad);
    gradientOf.push_back(parameter.getSymName());
  }
  func::ReturnOp::create(b, ret.getLoc(), results);
  ret.erase();
  SmallVector<Type> resultTypes;
  for (Value v : results)
    resultTypes.push_back(v.getType());
  vjp.setFunctionType(b.getFunctionType(block.getArgumentTypes(), resultTypes));
  vjp.setAllResultAttrs(ArrayRef<DictionaryAttr>{});
  if (policy) {
    vjp.setAllArgAttrs(ArrayRef<DictionaryAttr>{});
    for (auto [i, name] : llvm::enumerate(gradientOf))
      vjp.setResultAttr(i,
                        tessel::TesselDialect::GradientAttrHelper::getNameStr(),
                        b.getStringAttr(name));
  } else if (!entryPoint) {
    vjp.setAllArgAttrs(ArrayRef<DictionaryAttr>{});
  } else {
    // The loss's updates keep their marks; each gradient names its
    // parameter.
    StringRef update = tessel::TesselDialect::UpdateAttrHelper::getNameStr();
    for (unsigned i = 1; i < func.getNumResults(); ++i)
      vjp.setResultAttr(i, update, func.getResultAttr(i, update));
    for (auto [i, name] : llvm::enumerate(gradientOf))
      if (!name.empty())
        vjp.setResultAttr(
            i, tessel::TesselDialect::GradientAttrHelper::getNameStr(),
            b.getStringAttr(name));
  }
  return success();
}

struct TesselAutodiff : tessel::impl::TesselAutodiffBase<TesselAutodiff> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    StringRef marker =
        tessel::TesselDialect::DifferentiateAttrHelper::getNameStr();
    SmallVector<std::pair<func::FuncOp, Derivative>> todo;
    for (auto func : module.getOps<func::FuncOp>()) {
      auto kind = tessel::TesselDialect::EntryPointAttrHelper(&getContext())
                      .getAttr(func);
      auto absent = [&](tessel::EntryPointKind derived) {
        return !symbols.lookup(tessel::name(derived));
      };
      if (func->hasAttr(marker))
        todo.push_back({func, Derivative::Vjp});
      else if (kind && kind.getValue() == tessel::EntryPointKind::Loss &&
               absent(tessel::EntryPointKind::Grads))
        todo.push_back({func, Derivative::Grads});
      else if (kind && kind.getValue() == tessel::EntryPointKind::Policy &&
               absent(tessel::EntryPointKind::PolicyGrads))
        todo.push_back({func, Derivative::PolicyGrads});
    }
    for (auto [func, what] : todo) {
      if (failed(buildDerivative(func, symbols, what)))
        return signalPassFailure();
      // Differentiated once: running the pass again adds nothing.
      func->removeAttr(marker);
    }
  }
};

} // namespace
