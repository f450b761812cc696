//===- TileBuilder.h - what the attention tilers build with -----*- C++ -*-===//
//
// The forward and backward attention tilers (TileAttention.cpp,
// TileAttentionGrad.cpp) both build loops over tiles: index constants and
// arithmetic, tile sizes at the edges, and slices with unit strides.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_PASSES_GRAPH_TILEBUILDER_H
#define TESSEL_PASSES_GRAPH_TILEBUILDER_H

#include "passes/utils/LinalgBuilders.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace tessel {

class TileBuilder {
protected:
  /// The body of one loop step: from the loop's index and carried values to
  /// the values it yields.
  using StepBuilder = llvm::function_ref<mlir::SmallVector<mlir::Value>(
      mlir::Value start, mlir::ValueRange carried)>;

  TileBuilder(mlir::OpBuilder &b, mlir::Location loc)
      : b(b), loc(loc), ctx(b.getContext()) {}

  /// min(block, end - start): the rows of the tile at `start`.
  mlir::Value tileSize(mlir::Value start, mlir::Value end, int64_t block) {
    return builders::tileRows(b, loc, start, end, block);
  }
  mlir::Value slice(mlir::Value source,
                    mlir::ArrayRef<mlir::OpFoldResult> offsets,
                    mlir::ArrayRef<mlir::OpFoldResult> sizes,
                    mlir::ArrayRef<int64_t> shape) {
    return builders::sliceOf(b, loc, source, offsets, sizes, shape);
  }
  mlir::SmallVector<mlir::OpFoldResult> unitStrides(int64_t rank) {
    return mlir::SmallVector<mlir::OpFoldResult>(rank, b.getIndexAttr(1));
  }
  mlir::Value index(mlir::OpFoldResult v) {
    return mlir::getValueOrCreateConstantIndexOp(b, loc, v);
  }
  mlir::Value constant(int64_t v) {
    return mlir::arith::ConstantIndexOp::create(b, loc, v);
  }
  mlir::OpFoldResult attr(int64_t v) { return b.getIndexAttr(v); }

  /// scf.for from `begin` to `end` by `step`, carrying `init`; `body`
  /// builds each step at the member builder's insertion point.
  mlir::SmallVector<mlir::Value> loop(mlir::Value begin, mlir::Value end,
                                      int64_t step, mlir::ValueRange init,
                                      StepBuilder body) {
    auto forOp = mlir::scf::ForOp::create(
        b, loc, begin, end, constant(step), init,
        [&](mlir::OpBuilder &nb, mlir::Location nl, mlir::Value iv,
            mlir::ValueRange carried) {
          mlir::OpBuilder::InsertionGuard guard(b);
          b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
          mlir::scf::YieldOp::create(b, nl, body(iv, carried));
        });
    return mlir::SmallVector<mlir::Value>(forOp.getResults());
  }

  mlir::OpBuilder &b;
  mlir::Location loc;
  mlir::MLIRContext *ctx;
};

} // namespace tessel

#endif // TESSEL_PASSES_GRAPH_TILEBUILDER_H
