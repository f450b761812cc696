//===- MmaLinear.cpp - linear layers on tensor cores, chosen on tensors ---===//
//
// The CUDA target's choice for `tessel.linear`, made before it is lowered
// to linalg: a linear layer whose input is [M, K] or [B, M, K] and whose
// reduced dimension K is static and a multiple of 8 becomes
// `tessel.mma_linear` of the same operands, the bias fused. (Not
// flattened to [B M, K]: expand-strided-metadata of MLIR 22 crashes on the
// memref.expand_shape that would unflatten the result.) The kernel
// (tessel-gpu-linear-kernel) reads both in their own type and converts
// them to the tensor cores' type as it stages them, so nothing is copied
// beforehand.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/gpu/MmaOps.h"
#include "passes/codegen/gpu/Passes.h"
#include "passes/utils/LinalgBuilders.h"

#include "dialect/TesselDialect.h"
#include "dialect/TesselOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELGPUMMALINEAR
#include "passes/codegen/gpu/Passes.h.inc"
} // namespace tessel

using namespace mlir;
using namespace tessel::builders;

namespace {

bool eligible(tessel::LinearOp op) {
  auto x = cast<RankedTensorType>(op.getInput().getType());
  auto w = cast<RankedTensorType>(op.getWeight().getType());
  int64_t k = w.getShape()[1];
  return (x.getRank() == 2 || x.getRank() == 3) && w.hasStaticShape() &&
         k % 8 == 0;
}

struct MmaLinear : tessel::impl::TesselGpuMmaLinearBase<MmaLinear> {
  using TesselGpuMmaLinearBase::TesselGpuMmaLinearBase;

  void runOnOperation() override {
    OpBuilder b(&getContext());
    FailureOr<Type> parsed = tessel::mma::mmaElementType(
        getOperation(), "tessel-gpu-mma-linear", elementType);
    if (failed(parsed))
      return signalPassFailure();
    Type element = *parsed;
    SmallVector<tessel::LinearOp> ops;
    getOperation().walk([&](tessel::LinearOp op) {
      if (eligible(op))
        ops.push_back(op);
    });
    for (tessel::LinearOp op : ops) {
      b.setInsertionPoint(op);
      Location loc = op.getLoc();
      auto resultType = cast<RankedTensorType>(op.getResult().getType());
      SmallVector<OpFoldResult> sizes =
          tensor::getMixedSizes(b, loc, op.getInput());
      sizes.back() = b.getIndexAttr(resultType.getShape().back());
      Value init = emptyTensor(b, loc, resultType, sizes);
      auto mma = tessel::MmaLinearOp::create(
          b, loc, TypeRange{resultType}, op.getInput(), op.getWeight(),
          op.getBias(), init, TypeAttr::get(element));
      op.getResult().replaceAllUsesWith(mma.getResult()[0]);
      op.erase();
    }
  }
};

} // namespace
