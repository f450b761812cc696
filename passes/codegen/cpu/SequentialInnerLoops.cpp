//===- SequentialInnerLoops.cpp - keep threads on the outer loops ---------===//
//
// convert-linalg-to-parallel-loops makes every parallel dimension of an op
// an scf.parallel dimension; OpenMP would then collapse them all into one
// loop whose body recomputes every index with divisions, which LLVM cannot
// vectorize. This pass keeps the outer dimensions parallel and turns the
// innermost one, and every scf.parallel nested in another or in a thread's
// chunk (scf.forall), into scf.for. It runs before the chunks become
// parallel loops, whose dimensions all stay parallel.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/cpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELCPUSEQUENTIALINNERLOOPS
#include "passes/codegen/cpu/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

/// Rebuilds `op` with its last `sequential` dimensions as scf.for loops.
/// Returns the new scf.parallel (null when no dimension stays parallel).
scf::ParallelOp serialize(scf::ParallelOp op, unsigned sequential) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  unsigned kept = op.getNumLoops() - sequential;
  auto buildLoops = [&](OpBuilder &nb, Location nl, ValueRange outer) {
    SmallVector<Value> ivs(outer);
    OpBuilder::InsertionGuard guard(nb);
    for (unsigned i = kept; i < op.getNumLoops(); ++i) {
      auto loop = scf::ForOp::create(nb, nl, op.getLowerBound()[i],
                                     op.getUpperBound()[i], op.getStep()[i]);
      nb.setInsertionPoint(loop.getBody()->getTerminator());
      ivs.push_back(loop.getInductionVar());
    }
    IRMapping mapping;
    mapping.map(op.getInductionVars(), ivs);
    for (Operation &inner : op.getBody()->without_terminator())
      nb.clone(inner, mapping);
  };
  scf::ParallelOp rebuilt;
  if (kept == 0)
    buildLoops(b, loc, {});
  else
    rebuilt =
        scf::ParallelOp::create(b, loc, op.getLowerBound().take_front(kept),
                                op.getUpperBound().take_front(kept),
                                op.getStep().take_front(kept), buildLoops);
  op.erase();
  return rebuilt;
}

struct SequentialInnerLoops
    : tessel::impl::TesselCpuSequentialInnerLoopsBase<SequentialInnerLoops> {
  void runOnOperation() override {
    // One nesting level per round: rebuilding a loop clones the loops inside
    // it, so those are collected again in the next round.
    llvm::DenseSet<Operation *> done;
    while (true) {
      SmallVector<std::pair<scf::ParallelOp, unsigned>> work;
      getOperation()->walk<WalkOrder::PreOrder>([&](scf::ParallelOp op) {
        if (op.getNumReductions() != 0 || done.contains(op))
          return WalkResult::advance();
        // Inside a thread's chunk (an scf.forall, not yet a parallel loop)
        // or another parallel loop, everything is sequential.
        bool nested = op->getParentOfType<scf::ParallelOp>() ||
                      op->getParentOfType<scf::ForallOp>();
        unsigned sequential =
            nested ? op.getNumLoops() : (op.getNumLoops() > 1 ? 1 : 0);
        if (sequential == 0)
          return WalkResult::advance();
        work.push_back({op, sequential});
        return WalkResult::skip();
      });
      if (work.empty())
        return;
      for (auto [op, sequential] : work)
        if (scf::ParallelOp rebuilt = serialize(op, sequential))
          done.insert(rebuilt);
    }
  }
};

} // namespace
