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
  let summary = "Rewrite tessel.attention in its online (FlashAttention) form";
  let description = [{
    The algorithm of FlashAttention, with its state explicit and no target's
    schedule. Each `tessel.attention` becomes an `scf.forall` over (batch,
    key/value head, query tile of `block-q` rows); a query tile holds the
    rows of every query head that shares the key/value head ([G, bq, D];
    GQA, MQA). For each, `scf.for` loops walk the key/value tiles of
    `block-k` rows carrying the running row maximum m, the running sum l
    and the accumulator acc, updated by one `tessel.online_attention` per
    key tile (m' = max(m, rowmax s), p = exp(s - m'), l' = alpha l +
    rowsum p, acc' = alpha acc + p v with alpha = exp(m - m')); at the end
    O = acc / l and lse = m + log l.

    Full key tiles run in a loop of their own (static sizes), the last,
    shorter one after it. With `causal`, key tiles wholly above the
    diagonal are not visited, tiles wholly below it run without a mask,
    and only the tiles crossing it are masked (the step's `diagonal`). No
    [S, T] tensor is created. The log-sum-exp replaces the op's `lse`
    result when it has one. Ops with dynamic head counts or head sizes are
    left to the untiled lowering.

    Decode's attention (the op has `positions`: a few queries over a long
    cache) also splits the keys, as FlashDecoding does: the forall gets a
    fourth dimension over chunks of `split-keys` keys, each tile walks
    only its chunk's key tiles and writes its (m, l, acc), and a merge
    after the forall combines them by log-sum-exp. A batch-1 step of a
    model with one key/value head (MQA, MLA's latent) then runs on as many
    threads as the cache has chunks, not on one. Keys read through a block
    table (`tessel.paged_cache_read`) come in tiles of one block.

    ```mlir
    %o = tessel.attention %q, %k, %v {causal} : ...
    // becomes
    %r:2 = scf.forall (%b, %h, %i) = (0, 0, 0) to (%B, 2, %S) step (1, 1, 32)
        shared_outs(%out = %o0, %lse = %lse0) -> (...) {
      %qt = tensor.extract_slice %q[%b, %h * 4, %i, 0] [1, 4, %bq, 16] ...
      %full:3 = scf.for %j = %c0 to %fullEnd step %c16
          iter_args(%m = %minf, %l = %zero, %acc = %zero3) -> (...) {
        %kt = tensor.extract_slice %k[%b, %h, %j, 0] [1, 1, 16, 16] ...
        %vt = tensor.extract_slice %v[%b, %h, %j, 0] [1, 1, 16, 16] ...
        %n:3 = tessel.online_attention %qt, %kt, %vt into %m, %l, %acc
            {scale = 2.500000e-01 : f64} : ...
        scf.yield %n#0, %n#1, %n#2 : ...
      }
      %diag:3 = scf.for ... {  // tiles crossing the diagonal: masked
        %n:3 = tessel.online_attention %qt, %kt, %vt diagonal %d into ...
      }
      %ot = linalg.generic ... { acc / l }
      %lt = linalg.generic ... { m + log(l) }
      scf.forall.in_parallel { tensor.parallel_insert_slice ... }
    }
    ```
  }];
  let options = [
    Option<"blockQ", "block-q", "int64_t", "64", "Query rows per tile">,
    Option<"blockK", "block-k", "int64_t", "64", "Key rows per tile">,
    Option<"splitKeys", "split-keys", "int64_t", "256",
           "Decode (attention at given positions): keys per chunk walked in "
           "parallel and merged by log-sum-exp (FlashDecoding); 0: no split">,
  ];
  let dependentDialects = [
    "::mlir::scf::SCFDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect", "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect", "::mlir::affine::AffineDialect"
  ];
}

def TesselTileAttentionGrad : Pass<"tessel-tile-attention-grad"> {
  let summary = "Rewrite tessel.attention_grad as FlashAttention's tiled "
                "backward pass";
  let description = [{
    The backward pass of FlashAttention: nothing of size S x T is stored;
    the probabilities are recomputed tile by tile from the saved
    log-sum-exp, p = exp(scale q.k - lse). First delta = rowsum(do * o);
    then two `scf.forall`s:

    - the dQ pass, over (batch, query head, query tile of `block-q` rows),
      walks the key tiles of `block-k` rows that its queries see:
      s = q kᵀ, dp = do vᵀ, ds = scale p (dp - delta), dq += ds k;
    - the dK/dV pass, over (batch, key/value head, key tile), walks the
      query heads of the group and, for each, the query tiles that see its
      keys, in the transposed orientation (sᵀ = k qᵀ, dpᵀ = v doᵀ,
      dv += pᵀ do, dk += dsᵀ q).

    A key/value head's dk and dv sum over its query heads in the one thread
    that owns the key tile: no atomics, a fixed order, deterministic
    results. With `causal` the bounds of both walks mirror the forward
    pass's: tiles wholly above the diagonal are not visited, only tiles
    crossing it are masked, and the rest run with static sizes. Masked
    entries and rows that saw no key (lse = -inf) contribute exactly zero.

    Ops with a bias (its gradient is ds, [B, Hq, S, T], itself), dynamic
    head counts or head sizes, or elements other than f32 are left to the
    untiled lowering of tessel-convert-to-linalg.

    ```mlir
    %dq, %dk, %dv = tessel.attention_grad %q, %k, %v, %o, %lse, %do
        {causal, scale = 2.5e-01 : f64} : ...
    // becomes
    %delta = linalg.generic ... // rowsum(do * o)
    %dq = scf.forall (%b, %h, %i) = (0, 0, 0) to (%B, 4, %S) step (1, 1, 64)
        shared_outs(%out = %e) -> (tensor<?x4x?x16xf32>) {
      %full = scf.for %j = %c0 to %fullEnd step %c64 iter_args(%acc = %z) {
        %s = linalg.generic ... // q kᵀ
        %dp = linalg.generic ... // do vᵀ
        %p, %ds = linalg.generic ... // exp(s - lse), scale p (dp - delta)
        %next = linalg.generic ... // acc + ds k
        scf.yield %next
      }
      %diag = scf.for ... // the tiles crossing the diagonal, masked
      ...
    }
    %dk, %dv = scf.forall (%b, %hk, %j) = ... step (1, 1, 64) { ... }
    ```
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

def TesselRecompute : Pass<"tessel-recompute", "::mlir::func::FuncOp"> {
  let summary = "Recompute chosen forward activations in the backward pass";
  let description = [{
    In a `grads` entry point (forward ops, then backward ops, as
    tessel-autodiff builds it), chooses which forward activations the
    backward keeps and which it recomputes. A forward op belongs to layer i
    when its location is named `layers.i.*` (the frontend names every op
    after the part of the model it builds); the forward ops are those the
    loss and the parameter updates depend on.

    - `none`: everything is kept (the pass does nothing).
    - `attention`: per layer, the ops of its attention sublayer (`layers.i.
      attention*`: projections, RoPE, attention, output projection and the
      residual add) are recomputed; their inputs are kept.
    - `blocks`: per layer, every op of the block is recomputed from the
      block's input (activation checkpointing at block boundaries).
    - `blocks:K`: the first K layers recomputed as in `blocks`, the others
      kept (what a memory budget chooses; tesselc --recompute=budget:BYTES
      picks K from the model's statistics).

    A group's values that other forward ops read (its outputs) are kept;
    the others, where the backward reads them, are replaced by a copy of
    the group's forward ops placed just before the first backward op that
    needs one, so the originals die at their last forward use and the
    copies live only during that layer's backward. The copy reads its
    inputs through `tessel.recompute_barrier`, so that CSE cannot merge it
    back into the forward ops. Recomputed ops are the same ops on the same
    values: the loss and the gradients are bitwise those of `none`.
  }];
  let options = [
    Option<"schedule", "schedule", "std::string", "\"none\"",
           "none, attention, blocks or blocks:K">,
  ];
  let dependentDialects = ["::tessel::TesselDialect"];
}

def TesselAutodiff : Pass<"tessel-autodiff", "::mlir::ModuleOp"> {
  let summary = "Reverse-mode automatic differentiation of tessel functions";
  let description = [{
    For each function marked `tessel.differentiate`, adds `NAME_vjp`, its
    vector-Jacobian product: it takes the function's arguments followed by
    one seed per float result (dL/dresult) and returns the function's
    results, then dL/dargument for every float argument, then
    dL/dparameter for every `tessel.parameter` the function reads, in the
    module's declaration order.

    A `loss` entry point (one rank-0 result) gets a `grads` entry point in
    the same way, with dL/dL = 1 instead of a seed: it returns the loss and
    dL/dparameter for every parameter the loss reads, each result marked
    with its parameter's name (`tessel.gradient`). Differentiated functions
    lose their mark, so running the pass again adds nothing.

    The body is the forward computation followed by the backward one, built
    op by op in reverse from each op's gradient rule (the
    `DifferentiableOp` interface; `TesselGradients.cpp` holds every rule
    with its formula). Where a value feeds several ops its gradient is the
    sum of theirs; a parameter read more than once (tied embeddings) gets
    one gradient, the sum. An op the loss depends on that has no rule is an
    error naming it. Nothing flows back into integer operands (token ids,
    positions, targets).

    ```mlir
    func.func @f(%x: tensor<4x8xf32>) -> tensor<4x8xf32>
        attributes {tessel.differentiate} {
      %y = tessel.gelu %x : tensor<4x8xf32>
      return %y : tensor<4x8xf32>
    }
    // adds
    func.func @f_vjp(%x: tensor<4x8xf32>, %dy: tensor<4x8xf32>)
        -> (tensor<4x8xf32>, tensor<4x8xf32>) {
      %y = tessel.gelu %x : tensor<4x8xf32>
      %dx = tessel.gelu_grad %x, %dy : tensor<4x8xf32>
      return %y, %dx : tensor<4x8xf32>, tensor<4x8xf32>
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

#endif // TESSEL_PASSES_GRAPH_PASSES_TD
