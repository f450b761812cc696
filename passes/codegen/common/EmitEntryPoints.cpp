//===- EmitEntryPoints.cpp - uniform entry points of compiled code --------===//

#include "passes/codegen/common/Passes.h"

#include "dialect/TesselDialect.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELEMITENTRYPOINTS
#include "passes/codegen/common/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

struct EmitEntryPoints
    : tessel::impl::TesselEmitEntryPointsBase<EmitEntryPoints> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<LLVM::LLVMFuncOp> wrappers;
    for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
      if (func.getName().starts_with("_mlir_ciface_") && !func.isExternal())
        wrappers.push_back(func);
      // Steps (tessel-outline-steps) stay functions of their own.
      if (tessel::TesselDialect::StepAttrHelper(&getContext())
              .isAttrPresent(func))
        func.setNoInline(true);
    }
    OpBuilder b(&getContext());
    auto ptr = LLVM::LLVMPointerType::get(&getContext());
    for (LLVM::LLVMFuncOp wrapper : wrappers) {
      std::string name =
          "tessel_entry_" +
          wrapper.getName().drop_front(strlen("_mlir_ciface_")).str();
      b.setInsertionPointToEnd(module.getBody());
      Location loc = wrapper.getLoc();
      auto type = LLVM::LLVMFunctionType::get(
          LLVM::LLVMVoidType::get(&getContext()), {ptr});
      auto entry = LLVM::LLVMFuncOp::create(b, loc, name, type);
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
