//===- EmulateKernels.cpp - kernels as host functions, for tests ----------===//

#include "passes/codegen/gpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELGPUEMULATEKERNELS
#include "passes/codegen/gpu/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

/// `kernel` as a host function in `into`: its arguments, then block id,
/// thread id, block size and grid size, x, y and z each.
LogicalResult emulate(gpu::GPUFuncOp kernel, ModuleOp into) {
  OpBuilder b = OpBuilder::atBlockEnd(into.getBody());
  Location loc = kernel.getLoc();
  SmallVector<Type> inputs(kernel.getArgumentTypes());
  inputs.append(12, b.getIndexType());
  auto func = func::FuncOp::create(b, loc, kernel.getName(),
                                   b.getFunctionType(inputs, {}));
  Block *entry = func.addEntryBlock();
  if (!kernel.getBody().hasOneBlock())
    return kernel.emitError("an emulated kernel has one block");
  IRMapping map;
  Block &body = kernel.getBody().front();
  for (auto [from, to] : llvm::zip(body.getArguments(), entry->getArguments()))
    map.map(from, to);
  unsigned extra = body.getNumArguments();
  auto id = [&](unsigned group, gpu::Dimension d) {
    return entry->getArgument(extra + 3 * group + static_cast<unsigned>(d));
  };
  b.setInsertionPointToEnd(entry);
  for (Operation &op : body) {
    if (auto ret = dyn_cast<gpu::ReturnOp>(op)) {
      func::ReturnOp::create(b, ret.getLoc());
      continue;
    }
    if (auto v = dyn_cast<gpu::BlockIdOp>(op)) {
      map.map(v.getResult(), id(0, v.getDimension()));
      continue;
    }
    if (auto v = dyn_cast<gpu::ThreadIdOp>(op)) {
      map.map(v.getResult(), id(1, v.getDimension()));
      continue;
    }
    if (auto v = dyn_cast<gpu::BlockDimOp>(op)) {
      map.map(v.getResult(), id(2, v.getDimension()));
      continue;
    }
    if (auto v = dyn_cast<gpu::GridDimOp>(op)) {
      map.map(v.getResult(), id(3, v.getDimension()));
      continue;
    }
    b.clone(op, map);
  }
  WalkResult unsupported = func.walk([](Operation *op) {
    if (isa<gpu::GPUDialect, NVVM::NVVMDialect>(op->getDialect())) {
      op->emitError() << op->getName()
                      << " cannot run in an emulated kernel (one thread at "
                         "a time)";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(unsupported.wasInterrupted());
}

struct EmulateKernels
    : tessel::impl::TesselGpuEmulateKernelsBase<EmulateKernels> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto kernels = module.lookupSymbol<gpu::GPUModuleOp>("tessel_kernels");
    if (!kernels)
      return;
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto host = ModuleOp::create(b, module.getLoc(),
                                 StringRef("tessel_kernels_emulated"));
    for (auto kernel : kernels.getOps<gpu::GPUFuncOp>())
      if (failed(emulate(kernel, host)))
        return signalPassFailure();
  }
};

} // namespace
