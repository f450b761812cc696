//===- ConvertTesselToLinalg.cpp - tessel ops to linalg on tensors --------===//
//
// The driver: every tessel op but the parameter declarations is illegal; the
// patterns live with their op family in this folder.
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/Passes.h"

#include "dialect/TesselOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

namespace tessel {
#define GEN_PASS_DEF_CONVERTTESSELTOLINALG
#include "passes/conversion/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

struct ConvertTesselToLinalg
    : tessel::impl::ConvertTesselToLinalgBase<ConvertTesselToLinalg> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    ConversionTarget target(*context);
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           bufferization::BufferizationDialect,
                           arith::ArithDialect, math::MathDialect,
                           affine::AffineDialect, func::FuncDialect,
                           scf::SCFDialect>();
    target.addIllegalDialect<tessel::TesselDialect>();
    // Parameters become arguments in their own pass; online-attention steps
    // and the GPU's attention kernels are mapped by each target's codegen.
    target.addLegalOp<tessel::ParameterOp, tessel::GetParameterOp,
                      tessel::OnlineAttentionOp, tessel::MmaAttentionOp,
                      tessel::MmaLinearOp>();
    RewritePatternSet patterns(context);
    tessel::populateDenseLoweringPatterns(patterns);
    tessel::populateNormLoweringPatterns(patterns);
    tessel::populatePositionLoweringPatterns(patterns);
    tessel::populateAttentionLoweringPatterns(patterns);
    tessel::populateShapeLoweringPatterns(patterns);
    tessel::populateGradientLoweringPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
