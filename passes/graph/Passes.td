//===- Passes.td - target-neutral graph passes -------------*- tablegen -*-===//

#ifndef TESSEL_PASSES_GRAPH_PASSES_TD
#define TESSEL_PASSES_GRAPH_PASSES_TD

include "mlir/Pass/PassBase.td"

def TesselFuseAttention : Pass<"tessel-fuse-attention"> {
  let summary = "Fuse matmul, scale, bias or mask, softmax, matmul into "
                "tessel.attention";
  let description = [{
    Finds attention written op by op on rank-4 [B, H, S, D] tensors:

        s = tessel.matmul q, kT          (kT: [B, H, D, T])
        s = s * c   or   s / c           (c a splat constant; optional)
        s = s + bias                     (optional)
        p = tessel.softmax s             (over the last, key axis)
        o = tessel.matmul p, v

    and replaces it by `tessel.attention q, transpose(kT), v` with `scale`
    = c (or 1/c; 1 without a scale) and the bias. A constant bias that is 0
    on and below the bottom-right-aligned diagonal and -inf (or the most
    negative f32) above it becomes the `causal` attribute instead. The
    chain must be private: if the logits, the scaled or biased logits or
    the probabilities have another user, nothing fuses. A softmax over
    another axis, or a scale applied after the softmax, does not match.
  }];
}

def TesselTileAttention : Pass<"tessel-tile-attention"> {
  let summary = "Rewrite tessel.attention as FlashAttention tiles";
  let description = [{
    Each `tessel.attention` becomes an `scf.forall` over (batch, key/value
    head, query tile of `block-q` rows). A thread loads the query tile of
    every query head that shares the key/value head ([G, bq, D]) and walks
    the key/value tiles of `block-k` rows in an `scf.for` carrying the
    online-softmax state: the running row maximum m, the running sum l and
    the output accumulator.  Per key tile:

        s      = scale * q k^T (+ bias)          [G, bq, bk]
        m'     = max(m, rowmax s)
        p      = exp(s - m')
        alpha  = exp(m - m')
        l'     = alpha l + rowsum p
        acc'   = alpha acc + p v

    and at the end O = acc / l and lse = m + log l.  Each key/value tile is
    read once for the whole group of query heads (GQA, MQA).  The keys are
    transposed once, before the threads start ([B, Hkv, D, T], O(T D)
    memory), so each key tile is a slice whose rows are vectors; each query
    tile is multiplied by the scale once, into a buffer of its own (f32,
    contiguous), so no logit is multiplied.  With `causal`,
    key tiles wholly above the diagonal are not visited, tiles wholly below
    it run without a mask, and only the tiles crossing it are masked.  No
    [S, T] tensor is created; the largest temporary is [G, block-q,
    block-k].  The result is O (the log-sum-exp is computed alongside for
    the backward pass).  Ops with dynamic head counts or head sizes are
    left to the naive lowering.
  }];
  let options = [
    Option<"blockQ", "block-q", "int64_t", "64", "Query rows per tile">,
    Option<"blockK", "block-k", "int64_t", "64", "Key rows per tile">,
  ];
  let dependentDialects = [
    "::mlir::scf::SCFDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect", "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect", "::mlir::affine::AffineDialect"
  ];
}

#endif // TESSEL_PASSES_GRAPH_PASSES_TD
