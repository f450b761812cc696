//===- OutlineSteps.cpp - each op's loops become a step of the schedule ---===//
//
// After bufferization and the memory plan, the top level of an entry point
// is host code: size arithmetic, views of the workspace, allocations of the
// results, and the ops that do the work (loop nests, linalg ops, copies).
// Each of those becomes its own function, a step, called in order from the
// entry point; the steps are recorded on the entry point (tessel.steps) so
// that the artifact's manifest lists the schedule of each entry point. On
// the CPU a step is a host function whose loops run on the threads; a GPU
// target will launch kernels from its steps.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/common/ModelParts.h"
#include "passes/codegen/common/Outlining.h"
#include "passes/codegen/common/Passes.h"

#include "dialect/TesselDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELOUTLINESTEPS
#include "passes/codegen/common/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

/// Whether `op`, at the top level of a function, does work a step should
/// hold: a loop nest or a structured op (anything with a body), or a copy.
bool isStepWork(Operation &op) {
  if (op.getNumResults() != 0 || op.hasTrait<OpTrait::IsTerminator>())
    return false;
  return op.getNumRegions() != 0 || isa<memref::CopyOp>(op);
}

struct OutlineSteps : tessel::impl::TesselOutlineStepsBase<OutlineSteps> {
  /// The steps made so far: a new step equivalent to one of them (the same
  /// op on the same types, as in every layer of a stack of identical
  /// blocks) is not kept; its call site calls the earlier one. Code
  /// generation, which is most of the compile time, then sees each distinct
  /// kernel once.
  tessel::DistinctFunctions made;

  void runOnOperation() override {
    made = tessel::DistinctFunctions();
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (func::FuncOp func : tessel::entryPoints(module))
      outline(func, symbols);
  }

  void outline(func::FuncOp func, SymbolTable &symbols) {
    MLIRContext *ctx = func.getContext();
    SmallVector<Operation *> work;
    for (Operation &op : func.getBody().front())
      if (isStepWork(op))
        work.push_back(&op);
    SmallVector<Attribute> steps;
    OpBuilder b(ctx);
    Operation *last = func; // Steps follow their entry point, in order.
    for (Operation *op : work) {
      // Values from the host code: constants are rebuilt inside the step,
      // everything else is an argument.
      tessel::Captures captures = tessel::captureValues({op});
      SmallVector<Value> &args = captures.args;
      Location loc = op->getLoc();
      b.setInsertionPointAfter(last);
      auto step = func::FuncOp::create(
          b, loc, (func.getSymName() + "_s" + Twine(steps.size())).str(),
          FunctionType::get(ctx, ValueRange(args).getTypes(), {}));
      step.setPrivate();
      // Local symbols in the compiled code; tessel-emit-entry-points keeps
      // them out of line, so that a profile shows where the time goes.
      step->setAttr("llvm.linkage",
                    LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
      tessel::TesselDialect::StepAttrHelper(ctx).setAttr(step,
                                                         UnitAttr::get(ctx));
      // The threads' share of a tiled op (contraction chunks, attention
      // tiles) is coarse and may be uneven (causal attention): its threads
      // take iterations as they free up (tessel-cpu-openmp-schedule).
      if (isa<scf::ForallOp>(op))
        tessel::TesselDialect::DynamicScheduleAttrHelper(ctx).setAttr(
            step, UnitAttr::get(ctx));
      symbols.insert(step);
      Operation *work = tessel::cloneIntoBody(step, captures, {op}, b);
      func::ReturnOp::create(b, loc);
      if (func::FuncOp earlier = made.findOrRecord(step, work)) {
        symbols.erase(step);
        step = earlier;
      } else {
        last = step;
      }

      b.setInsertionPoint(op);
      func::CallOp::create(b, loc, step, args);
      std::string at = tessel::modelPartOf(loc);
      steps.push_back(tessel::StepAttr::get(
          ctx, FlatSymbolRefAttr::get(step.getSymNameAttr()),
          b.getStringAttr(op->getName().getStringRef()),
          at.empty() ? StringAttr() : b.getStringAttr(at)));
      op->erase();
    }
    tessel::TesselDialect::StepsAttrHelper(ctx).setAttr(func,
                                                        b.getArrayAttr(steps));
  }
};

} // namespace
