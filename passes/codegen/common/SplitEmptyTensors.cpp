//===- SplitEmptyTensors.cpp - one tensor.empty per use -------------------===//
//
// CSE merges the `tensor.empty` destinations of unrelated ops into one
// value (they are pure and equal). One-Shot Bufferize then sees every op
// that writes into it as one alias set and checks each in-place decision
// against all of the set's reads and writes: a chain of n such ops costs
// about n^3 (400 chained elementwise ops: 2.8 s; each with its own empty:
// 0.01 s). An empty tensor's contents are undefined, so giving each use its
// own changes nothing but the analysis, which then sees small alias sets.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/common/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELSPLITEMPTYTENSORS
#include "passes/codegen/common/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

struct SplitEmptyTensors
    : tessel::impl::TesselSplitEmptyTensorsBase<SplitEmptyTensors> {
  void runOnOperation() override {
    SmallVector<tensor::EmptyOp> shared;
    getOperation()->walk([&](tensor::EmptyOp empty) {
      if (!empty->hasOneUse() && !empty->use_empty())
        shared.push_back(empty);
    });
    for (tensor::EmptyOp empty : shared) {
      // The first use keeps the original; each other use gets a copy right
      // before the op, in the original's block, that holds the use: its
      // sizes are defined there, it is not inside a loop the original is
      // outside of (no allocation per iteration), and its buffer's lifetime
      // starts where it is needed (the memory plan reuses slots by
      // lifetime). A use list runs from the newest use to the oldest:
      // reversed, the order the parser or builder made them. A copy takes
      // the location of the op that will write it: its buffer belongs to
      // that op's part of the model (CSE kept the first layer's location).
      SmallVector<OpOperand *> uses = llvm::map_to_vector(
          empty->getUses(), [](OpOperand &use) { return &use; });
      std::reverse(uses.begin(), uses.end());
      Block *block = empty->getBlock();
      for (OpOperand *use : llvm::drop_begin(uses)) {
        Operation *at = block->findAncestorOpInBlock(*use->getOwner());
        if (!at)
          continue;
        OpBuilder b(at);
        Operation *copy = b.clone(*empty);
        copy->setLoc(at->getLoc());
        use->set(copy->getResult(0));
      }
    }
  }
};

} // namespace
