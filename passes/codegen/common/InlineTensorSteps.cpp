//===- InlineTensorSteps.cpp - shared ops back at their calls -------------===//
//
// After bufferization, each call of a function of tessel-share-tensor-steps
// becomes the function's body again, on the call's buffers, so that the
// memory plan and the steps of the schedule see every op where the model
// put it. The ops take the call's location: a buffer or step made from them
// names the layer it belongs to, not the layer whose op was kept.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/common/Passes.h"

#include "dialect/TesselDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELINLINETENSORSTEPS
#include "passes/codegen/common/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

struct InlineTensorSteps
    : tessel::impl::TesselInlineTensorStepsBase<InlineTensorSteps> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    StringRef mark = tessel::TesselDialect::TensorStepAttrHelper::getNameStr();
    SmallVector<func::FuncOp> shared;
    for (auto func : module.getOps<func::FuncOp>())
      if (func->hasAttr(mark))
        shared.push_back(func);
    if (shared.empty())
      return;
    SymbolTable symbols(module);
    SmallVector<func::CallOp> calls;
    module.walk([&](func::CallOp call) {
      if (auto callee = symbols.lookup<func::FuncOp>(call.getCallee()))
        if (callee->hasAttr(mark))
          calls.push_back(call);
    });
    for (func::CallOp call : calls) {
      auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
      if (!callee.getBody().hasOneBlock()) {
        call.emitError("cannot inline ")
            << callee.getSymName() << ": its body is not one block";
        return signalPassFailure();
      }
      Block &body = callee.getBody().front();
      IRMapping map;
      map.map(body.getArguments(), call.getOperands());
      OpBuilder b(call);
      Location loc = call.getLoc();
      for (Operation &op : body.without_terminator()) {
        Operation *copy = b.clone(op, map);
        copy->walk([&](Operation *inner) { inner->setLoc(loc); });
      }
      auto ret = cast<func::ReturnOp>(body.getTerminator());
      for (auto [result, returned] :
           llvm::zip_equal(call.getResults(), ret.getOperands()))
        result.replaceAllUsesWith(map.lookupOrDefault(returned));
      call.erase();
    }
    for (func::FuncOp func : shared)
      func.erase();
  }
};

} // namespace
