//===- EmitEntryPoints.cpp - uniform entry points of compiled code --------===//

#include "passes/codegen/common/Passes.h"

#include "dialect/TesselDialect.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELEMITENTRYPOINTS
#include "passes/codegen/common/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

/// Adds `tessel_step_hook`: a global pointer to `void (i32 step, i32 end)`
/// that each entry point calls before (end = 0) and after (end = 1) each of
/// its steps. It points at a function that does nothing, until a runtime
/// that profiles points it elsewhere: one indirect call per step boundary.
/// `step` is the call's index among the function's step calls, its index in
/// the entry point's `tessel.steps` (not the called function's: identical
/// steps share a function, across layers and entry points).
static void addStepHook(ModuleOp module, ArrayRef<LLVM::LLVMFuncOp> steps) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  Location loc = module.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto i32 = IntegerType::get(ctx, 32);
  auto hookType =
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {i32, i32});
  b.setInsertionPointToEnd(module.getBody());
  auto nothing =
      LLVM::LLVMFuncOp::create(b, loc, "tessel_step_nothing", hookType);
  nothing.setLinkage(LLVM::Linkage::Internal);
  b.setInsertionPointToStart(nothing.addEntryBlock(b));
  LLVM::ReturnOp::create(b, loc, ValueRange());
  b.setInsertionPointToEnd(module.getBody());
  auto hook = LLVM::GlobalOp::create(b, loc, ptr, /*isConstant=*/false,
                                     LLVM::Linkage::External,
                                     "tessel_step_hook", Attribute());
  b.setInsertionPointToStart(&hook.getInitializerRegion().emplaceBlock());
  LLVM::ReturnOp::create(
      b, loc, LLVM::AddressOfOp::create(b, loc, ptr, nothing.getName()));

  llvm::SmallPtrSet<Operation *, 32> stepSet;
  for (LLVM::LLVMFuncOp step : steps)
    stepSet.insert(step);
  SymbolTable symbols(module);
  llvm::DenseMap<Operation *, int32_t> calls;
  module.walk([&](LLVM::CallOp call) {
    auto callee = call.getCallee();
    if (!callee)
      return;
    Operation *target = symbols.lookup(*callee);
    if (!target || !stepSet.contains(target))
      return;
    int32_t number = calls[call->getParentOfType<LLVM::LLVMFuncOp>()]++;
    Location at = call.getLoc();
    auto callHook = [&](int32_t end) {
      Value fn = LLVM::LoadOp::create(
          b, at, ptr, LLVM::AddressOfOp::create(b, at, ptr, hook.getName()));
      Value step = LLVM::ConstantOp::create(b, at, i32, number);
      Value phase = LLVM::ConstantOp::create(b, at, i32, end);
      LLVM::CallOp::create(b, at, hookType, ValueRange{fn, step, phase});
    };
    b.setInsertionPoint(call);
    callHook(0);
    b.setInsertionPointAfter(call);
    callHook(1);
  });
}

struct EmitEntryPoints
    : tessel::impl::TesselEmitEntryPointsBase<EmitEntryPoints> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<LLVM::LLVMFuncOp> steps;
    SmallVector<LLVM::LLVMFuncOp> wrappers;
    for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
      if (func.getName().starts_with("_mlir_ciface_") && !func.isExternal())
        wrappers.push_back(func);
      // Steps (tessel-outline-steps) stay functions of their own.
      if (tessel::TesselDialect::StepAttrHelper(&getContext())
              .isAttrPresent(func)) {
        func.setNoInline(true);
        steps.push_back(func);
      }
    }
    if (!steps.empty())
      addStepHook(module, steps);
    OpBuilder b(&getContext());
    auto ptr = LLVM::LLVMPointerType::get(&getContext());
    SymbolTable symbols(module);
    for (LLVM::LLVMFuncOp wrapper : wrappers) {
      // The runtime calls tessel_entry_NAME only: the C interface and the
      // function it unpacks descriptors for are inlined into it and leave
      // the compiled code. Called, the function would take every buffer as
      // its descriptor's fields (a 7B model's forward: over 2,000
      // arguments), and a call of that many arguments costs LLVM's code
      // generation seconds.
      StringRef name = wrapper.getName().drop_front(strlen("_mlir_ciface_"));
      for (auto func : {wrapper, symbols.lookup<LLVM::LLVMFuncOp>(name)}) {
        if (!func || func.isExternal())
          continue;
        func.setLinkage(LLVM::Linkage::Internal);
        func.setAlwaysInline(true);
      }
      b.setInsertionPointToEnd(module.getBody());
      Location loc = wrapper.getLoc();
      auto type = LLVM::LLVMFunctionType::get(
          LLVM::LLVMVoidType::get(&getContext()), {ptr});
      auto entry = LLVM::LLVMFuncOp::create(
          b, loc, ("tessel_entry_" + name).str(), type);
      Block *block = entry.addEntryBlock(b);
      b.setInsertionPointToStart(block);
      // Every argument of the C interface is a pointer (to a descriptor).
      SmallVector<Value> args;
      for (unsigned i = 0; i < wrapper.getNumArguments(); ++i) {
        if (!isa<LLVM::LLVMPointerType>(wrapper.getArgument(i).getType())) {
          wrapper.emitError("C-interface argument ")
              << i << " is not a pointer";
          return signalPassFailure();
        }
        Value slot =
            LLVM::GEPOp::create(b, loc, ptr, ptr, block->getArgument(0),
                                ArrayRef<LLVM::GEPArg>{int32_t(i)});
        args.push_back(LLVM::LoadOp::create(b, loc, ptr, slot));
      }
      LLVM::CallOp::create(b, loc, wrapper, args);
      LLVM::ReturnOp::create(b, loc, ValueRange());
    }
  }
};

} // namespace
