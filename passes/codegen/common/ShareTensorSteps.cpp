//===- ShareTensorSteps.cpp - identical ops on tensors share a function ---===//
//
// A model's layers are identical, and so are most of their ops: each layer's
// norm, projections and attention differ only in the values they read. The
// passes between the graph on tensors and the buffers (tiling into register
// tiles, vectorization, One-Shot Bufferize's analysis) cost time per op, and
// the analysis most of all (its subset queries solve Presburger problems).
// Here every top-level op with a body becomes a call of a function holding
// it, one function per distinct op, so those passes see a stack of layers as
// one layer; tessel-inline-tensor-steps puts the ops back on buffers.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/common/Outlining.h"
#include "passes/codegen/common/Passes.h"

#include "dialect/TesselDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELSHARETENSORSTEPS
#include "passes/codegen/common/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

struct ShareTensorSteps
    : tessel::impl::TesselShareTensorStepsBase<ShareTensorSteps> {
  tessel::DistinctFunctions made;
  /// Answers of isIdentityBuffer so far.
  DenseMap<Value, bool> identity;

  /// Whether the tensor `value`, at the top level of an entry point, becomes
  /// a buffer of the identity layout: the function's own arguments (their
  /// layout at the function boundary), new tensors, reshapes of such, and
  /// results written into such. A slice, or anything else, does not.
  bool isIdentityBuffer(Value value) {
    SmallVector<Value> chain;
    bool answer = false;
    while (true) {
      auto known = identity.find(value);
      if (known != identity.end()) {
        answer = known->second;
        break;
      }
      chain.push_back(value);
      if (auto arg = dyn_cast<BlockArgument>(value)) {
        answer = isa<func::FuncOp>(arg.getOwner()->getParentOp());
        break;
      }
      Operation *def = value.getDefiningOp();
      auto result = cast<OpResult>(value);
      if (isa<tensor::EmptyOp, bufferization::AllocTensorOp, arith::ConstantOp,
              tensor::ReshapeOp, func::CallOp>(def)) {
        answer = true;
        break;
      }
      if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(def))
        value = collapse.getSrc();
      else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def))
        value = expand.getSrc();
      else if (auto dps = dyn_cast<DestinationStyleOpInterface>(def))
        value = dps.getTiedOpOperand(result)->get();
      else if (auto forall = dyn_cast<scf::ForallOp>(def))
        value = forall.getTiedOpOperand(result)->get();
      else if (auto loop = dyn_cast<scf::ForOp>(def))
        value = loop.getTiedLoopInit(result)->get();
      else
        break;
    }
    for (Value v : chain)
      identity[v] = answer;
    return answer;
  }

  /// The ops that go into a function for `op`, a top-level op with a body:
  /// the slices it reads (decode's view of the cache up to its length) and
  /// `op`, with what they capture; none when a tensor they use from the
  /// entry point is not of the identity layout.
  SmallVector<Operation *> opsToShare(Operation &op,
                                      tessel::Captures &captures) {
    SmallVector<Operation *> ops;
    captures = tessel::captureValues({&op});
    for (Value v : captures.args) {
      auto slice = v.getDefiningOp<tensor::ExtractSliceOp>();
      if (slice && slice->getBlock() == op.getBlock() &&
          isIdentityBuffer(slice.getSource()) &&
          !llvm::is_contained(ops, slice))
        ops.push_back(slice);
    }
    llvm::sort(
        ops, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
    ops.push_back(&op);
    if (ops.size() > 1)
      captures = tessel::captureValues(ops);
    for (Value v : captures.args)
      if (isa<TensorType>(v.getType()) && !isIdentityBuffer(v))
        return {};
    return ops;
  }

  void runOnOperation() override {
    made = tessel::DistinctFunctions();
    identity.clear();
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (func::FuncOp func : tessel::entryPoints(module))
      share(func, symbols);
  }

  void share(func::FuncOp func, SymbolTable &symbols) {
    MLIRContext *ctx = func.getContext();
    // A decode step's contractions run on a few rows, a prompt's or a
    // batch's on many: the CPU tiles them differently, so they are marked
    // (and then not shared with the other entry points' equal ops).
    auto kind = tessel::TesselDialect::EntryPointAttrHelper(ctx).getAttr(func);
    if (kind && kind.getValue() == tessel::EntryPointKind::Decode)
      func.walk([&](linalg::LinalgOp op) {
        if (linalg::isaContractionOpInterface(op))
          tessel::TesselDialect::DecodeContractionAttrHelper(ctx).setAttr(
              op, UnitAttr::get(ctx));
      });
    OpBuilder b(ctx);
    Operation *last = func;
    unsigned count = 0;
    for (Operation &op :
         llvm::make_early_inc_range(func.getBody().front().getOperations())) {
      if (op.getNumRegions() == 0 || op.hasTrait<OpTrait::IsTerminator>())
        continue;
      tessel::Captures captures;
      SmallVector<Operation *> ops = opsToShare(op, captures);
      if (ops.empty())
        continue;
      SmallVector<Value> &args = captures.args;
      Location loc = op.getLoc();
      b.setInsertionPointAfter(last);
      auto shared = func::FuncOp::create(
          b, loc, (func.getSymName() + "_t" + Twine(count)).str(),
          FunctionType::get(ctx, ValueRange(args).getTypes(),
                            op.getResultTypes()));
      shared.setPrivate();
      tessel::TesselDialect::TensorStepAttrHelper(ctx).setAttr(
          shared, UnitAttr::get(ctx));
      symbols.insert(shared);
      Operation *work = tessel::cloneIntoBody(shared, captures, ops, b);
      func::ReturnOp::create(b, loc, work->getResults());
      if (func::FuncOp earlier = made.findOrRecord(shared, work)) {
        symbols.erase(shared);
        shared = earlier;
      } else {
        last = shared;
        ++count;
      }

      b.setInsertionPoint(&op);
      auto call = func::CallOp::create(b, loc, shared, args);
      op.replaceAllUsesWith(call.getResults());
      op.erase();
      for (Operation *slice : llvm::drop_end(ops))
        if (slice->use_empty())
          slice->erase();
    }
  }
};

} // namespace
