//===- FuseAttention.cpp - matmul/softmax/matmul to tessel.attention ------===//
//
// Recognizes attention written out op by op,
//
//   s = matmul(q, kT)           kT = transpose(k) over the last two axes
//   s = s * c  or  s / c        c a splat constant (optional)
//   s = s + bias                (optional; a constant causal mask becomes
//                                the `causal` attribute)
//   p = softmax(s) over the last (key) axis
//   o = matmul(p, v)
//
// and replaces it by one tessel.attention. Every intermediate must have
// exactly one user: a second user of the logits or the probabilities needs
// them materialized, which is what fusion avoids.
//
//===----------------------------------------------------------------------===//

#include "passes/graph/Passes.h"

#include "dialect/TesselOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace tessel {
#define GEN_PASS_DEF_TESSELFUSEATTENTION
#include "passes/graph/Passes.h.inc"
} // namespace tessel

using namespace mlir;

namespace {

/// The splat value of a constant tensor, if `v` is one.
std::optional<double> splatValue(Value v) {
  DenseFPElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.isSplat())
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

/// Whether `v` is a constant [..., S, T] mask that is 0 where key j is
/// visible to query i (j <= i + T - S) and -inf (or the most negative
/// float, as HuggingFace writes it) elsewhere, with all leading sizes 1.
bool isCausalMask(Value v) {
  DenseFPElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return false;
  auto type = cast<RankedTensorType>(attr.getType());
  int64_t rank = type.getRank();
  if (rank < 2)
    return false;
  for (int64_t d = 0; d + 2 < rank; ++d)
    if (type.getDimSize(d) != 1)
      return false;
  int64_t s = type.getDimSize(rank - 2), t = type.getDimSize(rank - 1);
  int64_t index = 0;
  for (APFloat x : attr.getValues<APFloat>()) {
    int64_t i = index / t, j = index % t;
    ++index;
    double value = x.convertToDouble();
    bool visible = j <= i + (t - s);
    if (visible ? value != 0.0
                : !(std::isinf(value) && value < 0) && value > -3.0e38)
      return false;
  }
  return true;
}

/// A product of operands of one rank with no transposed rhs: what the
/// attention chain is written with (a transposed or broadcast rhs is a
/// weight, not keys or values).
bool isPlainProduct(tessel::MatmulOp product) {
  return product && !product.getTransposeRhs() &&
         product.getLhs().getType().getRank() ==
             product.getRhs().getType().getRank();
}

/// Attention logits before bias and softmax: `scale * (q . kT)`.
struct Logits {
  tessel::MatmulOp product;
  double scale;
};

/// Matches `v` = q . kT, alone or multiplied or divided by a splat constant,
/// each op of the chain with `v`'s type and a single user.
std::optional<Logits> matchLogits(Value v) {
  Operation *def = v.getDefiningOp();
  if (!def || !def->hasOneUse())
    return std::nullopt;
  if (auto product = dyn_cast<tessel::MatmulOp>(def))
    return isPlainProduct(product) ? std::optional(Logits{product, 1.0})
                                   : std::nullopt;
  Value scaled;
  std::optional<double> c;
  if (isa<tessel::MulOp, arith::MulFOp>(def) &&
      def->getResult(0).getType() == v.getType()) {
    if ((c = splatValue(def->getOperand(1))))
      scaled = def->getOperand(0);
    else if ((c = splatValue(def->getOperand(0))))
      scaled = def->getOperand(1);
  } else if (auto divf = dyn_cast<arith::DivFOp>(def)) {
    if ((c = splatValue(divf.getRhs())) && *c != 0.0) {
      scaled = divf.getLhs();
      c = 1.0 / *c;
    }
  }
  auto product = scaled ? scaled.getDefiningOp<tessel::MatmulOp>() : nullptr;
  if (!isPlainProduct(product) || !product->hasOneUse() ||
      scaled.getType() != v.getType())
    return std::nullopt;
  return Logits{product, *c};
}

struct FuseAttentionPattern : OpRewritePattern<tessel::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tessel::MatmulOp pv,
                                PatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(pv.getType());
    if (type.getRank() != 4 || !isPlainProduct(pv))
      return rewriter.notifyMatchFailure(
          pv, "attention operands are rank 4, the rhs not transposed");

    // p = softmax(x) over the key axis, used only here.
    auto softmax = pv.getLhs().getDefiningOp<tessel::SoftmaxOp>();
    if (!softmax || !softmax->hasOneUse())
      return rewriter.notifyMatchFailure(pv, "lhs is not a private softmax");
    // The axis attribute is an i64 read back as unsigned: -1 is the last.
    auto axis = static_cast<int64_t>(softmax.getAxis());
    if (axis != -1 && axis != 3)
      return rewriter.notifyMatchFailure(pv, "softmax is not over the keys");
    Value x = softmax.getInput();
    auto logitsType = cast<RankedTensorType>(x.getType());

    // Optional additive bias or causal mask on either side of an add; then
    // (optionally scaled) private logits q . kT.
    Value bias;
    bool causal = false;
    std::optional<Logits> logits = matchLogits(x);
    if (auto add = x.getDefiningOp<tessel::AddOp>();
        !logits && add && add->hasOneUse() && add.getType() == logitsType) {
      for (auto [side, other] : {std::pair(add.getLhs(), add.getRhs()),
                                 std::pair(add.getRhs(), add.getLhs())}) {
        if (side.getType() != logitsType || !(logits = matchLogits(side)))
          continue;
        if (isCausalMask(other))
          causal = true;
        else
          bias = other;
        break;
      }
    }
    if (!logits)
      return rewriter.notifyMatchFailure(pv, "no private q . k^T product");
    tessel::MatmulOp qk = logits->product;
    double scale = logits->scale;
    Value q = qk.getLhs(), kT = qk.getRhs(), v = pv.getRhs();

    Location loc = pv.getLoc();
    auto kTType = cast<RankedTensorType>(kT.getType());
    SmallVector<int64_t> kShape(kTType.getShape());
    std::swap(kShape[2], kShape[3]);
    Value k = tessel::TransposeOp::create(
        rewriter, loc, kTType.clone(kShape), kT,
        rewriter.getDenseI64ArrayAttr({0, 1, 3, 2}));
    auto attention =
        tessel::AttentionOp::create(rewriter, loc, type, q, k, v, bias,
                                    rewriter.getF64FloatAttr(scale), causal);
    rewriter.replaceOp(pv, attention.getResult());
    return success();
  }
};

struct FuseAttention : tessel::impl::TesselFuseAttentionBase<FuseAttention> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAttentionPattern>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
