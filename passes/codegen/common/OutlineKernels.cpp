//===- OutlineKernels.cpp - each op's loops become a kernel --------------===//
//
// After bufferization and the memory plan, the top level of an entry point
// is host code: size arithmetic, views of the workspace, allocations of the
// results, and the ops that do the work (loop nests, linalg ops, copies).
// Each of those becomes its own function, a kernel, called in order from the
// entry point; the order is recorded on the entry point so that the
// artifact's manifest lists the kernel calls of each entry point.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/common/ModelParts.h"
#include "passes/codegen/common/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELOUTLINEKERNELS
#include "passes/codegen/common/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

/// Whether `op`, at the top level of a function, does work a kernel should
/// hold: a loop nest or a structured op (anything with a body), or a copy.
bool isKernelWork(Operation &op) {
  if (op.getNumResults() != 0 || op.hasTrait<OpTrait::IsTerminator>())
    return false;
  return op.getNumRegions() != 0 || isa<memref::CopyOp>(op);
}

struct OutlineKernels : tessel::impl::TesselOutlineKernelsBase<OutlineKernels> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> entries;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal() && func.getBody().hasOneBlock())
        entries.push_back(func);
    for (func::FuncOp func : entries)
      outline(func, symbols);
  }

  void outline(func::FuncOp func, SymbolTable &symbols) {
    MLIRContext *ctx = func.getContext();
    SmallVector<Operation *> work;
    for (Operation &op : func.getBody().front())
      if (isKernelWork(op))
        work.push_back(&op);
    SmallVector<Attribute> calls;
    OpBuilder b(ctx);
    Operation *last = func; // Kernels follow their entry point, in order.
    for (Operation *op : work) {
      // Values from the host code: constants are rebuilt inside the kernel,
      // everything else is an argument.
      llvm::SetVector<Value> captured;
      for (Value operand : op->getOperands())
        captured.insert(operand);
      getUsedValuesDefinedAbove(op->getRegions(), captured);
      SmallVector<Value> args;
      SmallVector<Operation *> constants;
      for (Value v : captured) {
        Operation *def = v.getDefiningOp();
        if (def && def->hasTrait<OpTrait::ConstantLike>())
          constants.push_back(def);
        else
          args.push_back(v);
      }
      Location loc = op->getLoc();
      b.setInsertionPointAfter(last);
      auto kernel = func::FuncOp::create(
          b, loc, (func.getSymName() + "_k" + Twine(calls.size())).str(),
          FunctionType::get(ctx, ValueRange(args).getTypes(), {}));
      kernel.setPrivate();
      // Local symbols in the compiled code; tessel-emit-entry-points keeps
      // them out of line, so that a profile shows where the time goes.
      kernel->setAttr("llvm.linkage",
                      LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
      kernel->setAttr("tessel.kernel", UnitAttr::get(ctx));
      // The threads' share of a tiled op (contraction chunks, attention
      // tiles) is coarse and may be uneven (causal attention): its threads
      // take iterations as they free up (tessel-emit-entry-points).
      if (isa<scf::ForallOp>(op))
        kernel->setAttr("tessel.dynamic_schedule", UnitAttr::get(ctx));
      symbols.insert(kernel);
      last = kernel;
      Block *body = kernel.addEntryBlock();
      IRMapping map;
      map.map(args, body->getArguments());
      b.setInsertionPointToStart(body);
      for (Operation *constant : constants)
        b.clone(*constant, map);
      b.clone(*op, map);
      func::ReturnOp::create(b, loc);

      b.setInsertionPoint(op);
      func::CallOp::create(b, loc, kernel, args);
      SmallVector<NamedAttribute> call = {
          b.getNamedAttr("kernel", b.getStringAttr(kernel.getSymName())),
          b.getNamedAttr("op", b.getStringAttr(op->getName().getStringRef()))};
      std::string at = tessel::modelPartOf(loc);
      if (!at.empty())
        call.push_back(b.getNamedAttr("at", b.getStringAttr(at)));
      calls.push_back(b.getDictionaryAttr(call));
      op->erase();
    }
    func->setAttr("tessel.kernel_calls", b.getArrayAttr(calls));
  }
};

} // namespace
