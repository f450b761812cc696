//===- Bufferization.cpp - how the GPU's kernel ops bufferize -------------===//
//
// tessel.mma_attention and tessel.mma_linear are destination style: on
// tensors they bufferize in place into their init (which they overwrite
// without reading), as the same op on memrefs with no result.
//
//===----------------------------------------------------------------------===//

#include "passes/codegen/gpu/Passes.h"

#include "dialect/TesselDialect.h"
#include "dialect/TesselOps.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;

namespace {

template <typename OpTy>
struct InPlaceKernelOp : bufferization::DstBufferizableOpInterfaceExternalModel<
                             InPlaceKernelOp<OpTy>, OpTy> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const bufferization::AnalysisState &) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const bufferization::BufferizationOptions &options,
                          bufferization::BufferizationState &state) const {
    SmallVector<Value> buffers;
    for (Value operand : op->getOperands()) {
      FailureOr<Value> buffer =
          bufferization::getBuffer(rewriter, operand, options, state);
      if (failed(buffer))
        return failure();
      buffers.push_back(*buffer);
    }
    // The same op, attributes and operand segments on the buffers, no
    // result.
    rewriter.setInsertionPoint(op);
    OperationState bufferized(op->getLoc(), op->getName());
    bufferized.addOperands(buffers);
    bufferized.propertiesAttr = op->getPropertiesAsAttribute();
    bufferized.addAttributes(op->getDiscardableAttrDictionary().getValue());
    rewriter.create(bufferized);
    unsigned init = cast<DestinationStyleOpInterface>(op)
                        .getDpsInitOperand(0)
                        ->getOperandNumber();
    bufferization::replaceOpWithBufferizedValues(rewriter, op, buffers[init]);
    return success();
  }
};

} // namespace

void tessel::registerGpuBufferizationModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, tessel::TesselDialect *) {
    tessel::MmaAttentionOp::attachInterface<
        InPlaceKernelOp<tessel::MmaAttentionOp>>(*ctx);
    tessel::MmaLinearOp::attachInterface<InPlaceKernelOp<tessel::MmaLinearOp>>(
        *ctx);
  });
}
