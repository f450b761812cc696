//===- CoalesceLoops.cpp - innermost dimension to consecutive threads -----===//

#include "passes/codegen/gpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

#include <algorithm>

namespace tessel {
#define GEN_PASS_DEF_TESSELGPUCOALESCELOOPS
#include "passes/codegen/gpu/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

/// `loop` with its dimensions in reverse order.
void reverseDimensions(scf::ParallelOp loop) {
  auto reversed = [](ValueRange values) {
    SmallVector<Value> out(values.begin(), values.end());
    std::reverse(out.begin(), out.end());
    return out;
  };
  OpBuilder b(loop);
  auto swapped = scf::ParallelOp::create(
      b, loop.getLoc(), reversed(loop.getLowerBound()),
      reversed(loop.getUpperBound()), reversed(loop.getStep()));
  swapped->setDiscardableAttrs(loop->getDiscardableAttrDictionary());
  Block *from = loop.getBody(), *to = swapped.getBody();
  // The new body's terminator comes with the op; the old ops go before it.
  IRMapping map;
  unsigned n = from->getNumArguments();
  for (unsigned i = 0; i < n; ++i)
    map.map(from->getArgument(i), to->getArgument(n - 1 - i));
  b.setInsertionPoint(to->getTerminator());
  for (Operation &op : from->without_terminator())
    b.clone(op, map);
  loop.erase();
}

struct CoalesceLoops : tessel::impl::TesselGpuCoalesceLoopsBase<CoalesceLoops> {
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>() &&
          loop.getNumResults() == 0 && loop.getNumLoops() > 1)
        outermost.push_back(loop);
    });
    for (scf::ParallelOp loop : outermost)
      reverseDimensions(loop);
  }
};

} // namespace
