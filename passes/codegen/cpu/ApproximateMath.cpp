//===- ApproximateMath.cpp - polynomial approximations of math ops --------===//

#include "passes/codegen/cpu/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace tessel {
#define GEN_PASS_DEF_TESSELCPUAPPROXIMATEMATH
#include "passes/codegen/cpu/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

/// exp2(x) for f32 scalars and vectors, in 15 operations (FlashAttention's
/// exponential): n = roundeven(x), f = x - n in [-1/2, 1/2], 2^f by a
/// degree-6 polynomial (fitted for relative error, 2e-9 in exact arithmetic,
/// about one ulp in f32), times 2^n built in the exponent bits.
///
/// x is first clamped to [-127, 129], a NaN passing through: at -127 (and
/// so for -inf) 2^n is the bit pattern 0 and the result exactly 0. n is at
/// most 127 and f takes the rest, so beyond x = 128 the product overflows
/// to inf. Results below 2^-126 flush to zero, and for x in (127.5, 128)
/// the polynomial runs past its interval (relative error up to 6e-6).
struct Exp2Approximation : OpRewritePattern<math::Exp2Op> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::Exp2Op op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!getElementTypeOrSelf(type).isF32())
      return failure();
    auto vectorType = dyn_cast<VectorType>(type);
    Type intType = rewriter.getI32Type();
    if (vectorType)
      intType = vectorType.clone(intType);
    Location loc = op.getLoc();
    auto constant = [&](Type t, Attribute scalar) -> Value {
      Attribute value = scalar;
      if (auto shaped = dyn_cast<VectorType>(t))
        value = SplatElementsAttr::get(shaped, scalar);
      return arith::ConstantOp::create(rewriter, loc, cast<TypedAttr>(value));
    };
    auto real = [&](double v) {
      return constant(type, rewriter.getF32FloatAttr(static_cast<float>(v)));
    };
    auto integer = [&](int32_t v) {
      return constant(intType, rewriter.getI32IntegerAttr(v));
    };
    // x < c ? c : x and x > c ? c : x with unordered comparisons keep a NaN
    // (one vmaxps / vminps each on x86).
    auto clamp = [&](Value x, arith::CmpFPredicate keep, double bound) {
      Value c = real(bound);
      Value ok = arith::CmpFOp::create(rewriter, loc, keep, x, c);
      return arith::SelectOp::create(rewriter, loc, ok, x, c).getResult();
    };

    Value x = clamp(op.getOperand(), arith::CmpFPredicate::UGE, -127.0);
    x = clamp(x, arith::CmpFPredicate::ULE, 129.0);
    Value n = math::RoundEvenOp::create(rewriter, loc, x);
    // At most 127 (a NaN n becomes 127, so the conversion below is defined;
    // f, and so the result, is NaN anyway).
    Value c127 = real(127.0);
    Value small = arith::CmpFOp::create(rewriter, loc,
                                        arith::CmpFPredicate::OLE, n, c127);
    n = arith::SelectOp::create(rewriter, loc, small, n, c127);
    Value f = arith::SubFOp::create(rewriter, loc, x, n);

    static constexpr double kCoefficients[] = {1.0,
                                               0.6931471824645996,
                                               0.24022646248340607,
                                               0.05550328642129898,
                                               0.009618489071726799,
                                               0.0013399930903688073,
                                               0.0001534581242594868};
    Value p = real(kCoefficients[6]);
    for (int k = 5; k >= 0; --k)
      p = math::FmaOp::create(rewriter, loc, p, f, real(kCoefficients[k]));

    Value bits = arith::FPToSIOp::create(rewriter, loc, intType, n);
    bits = arith::AddIOp::create(rewriter, loc, bits, integer(127));
    bits = arith::ShLIOp::create(rewriter, loc, bits, integer(23));
    Value scale = arith::BitcastOp::create(rewriter, loc, type, bits);
    rewriter.replaceOpWithNewOp<arith::MulFOp>(op, p, scale);
    return success();
  }
};

struct ApproximateMath
    : tessel::impl::TesselCpuApproximateMathBase<ApproximateMath> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<Exp2Approximation>(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
