//===- TesselAttentionOps.td - attention and loss ops ------*- tablegen -*-===//
//
// Included by TesselOps.td (one op library, one dialect); the ops of
// attention and the loss, with their math in the descriptions.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_DIALECT_TESSELATTENTIONOPS_TD
#define TESSEL_DIALECT_TESSELATTENTIONOPS_TD

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def Tessel_SoftmaxOp : Tessel_Op<"softmax", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "softmax along one axis";
  let description = [{
    `y = exp(x - max(x)) / sum(exp(x - max(x)))` along `axis` (negative
    counts from the end; default -1). Subtracting the maximum keeps it finite
    for large logits.

    ```mlir
    %p = tessel.softmax %scores {axis = 3 : i64} : tensor<?x8x?x?xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Tessel_AttentionOp : Tessel_Op<"attention", [Pure,
    AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "scaled dot-product attention; MHA, GQA and MQA in one op";
  let description = [{
    `q` is `[B, Hq, S, D]`, `k` is `[B, Hkv, T, D]`, `v` is `[B, Hkv, T, Dv]`,
    the result `[B, Hq, S, Dv]`. Hq must be a multiple of Hkv: query head `h`
    reads key/value head `h / (Hq / Hkv)` (Hkv = Hq: multi-head, Hkv = 1:
    multi-query, otherwise grouped-query). Dv may differ from D (MLA).

      s[b,h,i,j] = scale * sum_d q[b,h,i,d] * k[b,h',j,d] + bias[b,h,i,j]
      y[b,h,i,:] = sum_j softmax_j(s[b,h,i,:]) * v[b,h',j,:]

    `scale` defaults to `1/sqrt(D)`. The optional `bias` broadcasts (NumPy
    rules) to `[B, Hq, S, T]`; relative bias and ALiBi enter this way. With
    `causal`, key `j` is visible to query `i` when `j <= i + (T - S)`: the
    diagonal is aligned at the bottom right, so the last query sees every
    key, as when S new tokens attend to a KV cache of T (for S = T it is the
    usual lower triangle).

    In a decode step the sequences of a batch can be at different positions.
    `positions` (`[B, S]`, with `causal`) gives each query's position in its
    sequence, consecutive within a row (`positions[b, i] = positions[b, 0] +
    i`; the runtime checks it), and the causal bound becomes per sequence:
    key `j` is visible to query `i` of sequence `b` iff `j <= positions[b, i]`.
    The keys past a sequence's last position (other sequences' steps, or
    positions it has not reached) are masked; the tiled form does not read
    them at all.

    Optionally the op also returns the log-sum-exp of each row of logits,
    `lse[b,h,i] = log sum_j exp(s[b,h,i,j])` (f32, `[B, Hq, S]`), which the
    backward pass needs to recompute the probabilities without storing them
    (`p = exp(s - lse)`); a row with no visible key has lse = -inf. When
    nothing uses it, canonicalization drops it.

    ```mlir
    %o = tessel.attention %q, %k, %v {causal}
        : tensor<?x32x?x128xf32>, tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>
        -> tensor<?x32x?x128xf32>
    %o, %lse = tessel.attention %q, %k, %v {causal}
        : tensor<?x32x?x128xf32>, tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>
        -> tensor<?x32x?x128xf32>, tensor<?x32x?xf32>
    %o = tessel.attention %q, %k, %v positions(%pos : tensor<?x?xi64>)
        {causal}
        : tensor<?x32x?x128xf32>, tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>
        -> tensor<?x32x?x128xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$query, Tessel_FloatTensor:$key,
                       Tessel_FloatTensor:$value,
                       Optional<Tessel_FloatTensor>:$bias,
                       Optional<Tessel_IndexTensor>:$positions,
                       OptionalAttr<F64Attr>:$scale, UnitAttr:$causal);
  let results = (outs Tessel_FloatTensor:$result,
                      Optional<Tessel_F32Tensor>:$lse);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`,` $bias^)?
    (`positions` `(` $positions^ `:` type($positions) `)`)? attr-dict `:`
    type($query) `,` type($key) `,` type($value) (`,` type($bias)^)? `->`
    type($result) (`,` type($lse)^)?
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$query,
                   "::mlir::Value":$key, "::mlir::Value":$value,
                   "::mlir::Value":$bias, "::mlir::FloatAttr":$scale,
                   "bool":$causal,
                   CArg<"::mlir::Value", "{}">:$positions), [{
      build($_builder, $_state, result, ::mlir::Type(), query, key, value,
            bias, positions, scale, causal);
    }]>
  ];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// The logit scale: the `scale` attribute, or 1/sqrt(D).
    double getScaleOrDefault();
  }];
}

def Tessel_OnlineAttentionOp : Tessel_Op<"online_attention", [Pure,
    AttrSizedOperandSegments, AllTypesMatch<["max", "sum", "new_max",
    "new_sum"]>, AllTypesMatch<["acc", "new_acc"]>]> {
  let summary = "one key tile of FlashAttention's online softmax";
  let description = [{
    The step FlashAttention repeats over the key tiles of one query tile,
    with its running state explicit. `query` is `[G, Q, D]` (the G query
    heads that share a key/value head, Q rows of each), `key` `[K, D]`,
    `value` `[K, Dv]` (one key/value tile); the state is the row maximum
    `max` and the row sum `sum` (`[G, Q]`) and the accumulator `acc`
    (`[G, Q, Dv]`), all f32. With the logits `s = scale * q k^T + bias`:

        m'   = max(m, rowmax s)
        p    = exp(s - m')
        alpha = exp(m - m')
        l'   = alpha * l + rowsum p
        acc' = alpha * acc + p v

    and the results are `(m', l', acc')`. While a row has seen no visible
    key its maximum is -inf, and exp(x - (-inf)) is taken as 0, so such a
    row keeps l = 0 and acc = 0. After the last key tile, O = acc / l and
    the log-sum-exp is m + log(l). Nothing here fixes how a target computes
    it: `tessel-cpu-map-attention` turns each step into register-tiled
    linalg ops, a GPU mapping into tensor-core code.

    The optional `bias` broadcasts (NumPy rules) to `[G, Q, K]`. With
    `diagonal` d, key j of the tile is visible to query i of the tile iff
    `j <= i + d`, and the other logits are -inf: for causal attention
    d = (query offset + T - S) - key offset, so that a tile crossing the
    diagonal is masked and the others need no mask.

    ```mlir
    %m1, %l1, %acc1 = tessel.online_attention %q, %k, %v diagonal %d
        into %m0, %l0, %acc0 {scale = 2.500000e-01 : f64}
        : tensor<4x?x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>
        -> tensor<4x?xf32>, tensor<4x?x16xf32>
    ```
  }];
  // The state comes before the optional operands, so that the result types
  // (the state's) are inferred from fixed operand positions.
  let arguments = (ins Tessel_FloatTensor:$query, Tessel_FloatTensor:$key,
                       Tessel_FloatTensor:$value, Tessel_F32Tensor:$max,
                       Tessel_F32Tensor:$sum, Tessel_F32Tensor:$acc,
                       Optional<Tessel_FloatTensor>:$bias,
                       Optional<Index>:$diagonal,
                       DefaultValuedAttr<F64Attr, "1.0">:$scale);
  let results = (outs Tessel_F32Tensor:$new_max, Tessel_F32Tensor:$new_sum,
                      Tessel_F32Tensor:$new_acc);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`bias` $bias^)? (`diagonal` $diagonal^)?
    `into` $max `,` $sum `,` $acc attr-dict `:` type($query) `,` type($key)
    `,` type($value) (`,` type($bias)^)? `->` type($max) `,` type($acc)
  }];
  let hasVerifier = 1;
}

def Tessel_MmaAttentionOp : Tessel_Op<"mma_attention", [
    DestinationStyleOpInterface, AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "attention as one tensor-core FlashAttention kernel (GPU)";
  let description = [{
    The CUDA target's form of `tessel.attention`: the same math, computed
    by `tessel-gpu-flash-attention`'s kernel with `mma.sync` m16n8k16 on
    `query`, `key` and `value` (bf16 or f16, `[B, Hq, S, D]`, `[B, Hkv, T,
    D]`, `[B, Hkv, T, Dv]`), f32 accumulation and an f32 online softmax,
    into `init` (`[B, Hq, S, Dv]`, any float type). Destination style, on
    tensors (one result, `init`'s) or on memrefs (no result), so that it
    bufferizes in place and the memory plan sees it.

    - `positions` (`[B, S]`, with `causal`): key j is visible to query i of
      sequence b iff `j <= positions[b, i]`, as `tessel.attention`'s;
    - a position bias computed inside the tile instead of read from an
      [Hq, S, T] buffer (8 GiB at S = T = 16k, 32 heads), from query and
      key positions (`bias_positions`: `[S]` or `[B, S]`, and `[T]`):
      with `alibi`, ALiBi's `-m_h * |qpos[i] - kpos[j]|` for Hq heads (the
      slopes of `tessel.alibi`); with `bias_table` (`[Hq, 2L + 1]`, f32),
      `table[h, clamp(kpos[j] - qpos[i] + L, 0, 2L)]`: a relative bias
      (T5's buckets, Shaw's clipping) tabulated once per distance.

    A row with no visible key (causal, T < S) is 0.

    ```mlir
    %o = tessel.mma_attention ins(%q, %k, %v) outs(%init)
        {causal, scale = 1.250000e-01 : f64}
        : tensor<?x32x?x128xbf16>, tensor<?x8x?x128xbf16>,
          tensor<?x8x?x128xbf16> -> tensor<?x32x?x128xf32>,
          tensor<?x32x?x128xf32>
    ```
  }];
  let arguments = (ins AnyShaped:$query, AnyShaped:$key, AnyShaped:$value,
                       Optional<AnyShaped>:$positions,
                       Optional<AnyShaped>:$bias_query_positions,
                       Optional<AnyShaped>:$bias_key_positions,
                       Optional<AnyShaped>:$bias_table,
                       AnyShaped:$init, F64Attr:$scale, UnitAttr:$causal,
                       UnitAttr:$alibi);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $query `,` $key `,` $value `)`
    (`positions` `(` $positions^ `:` type($positions) `)`)?
    (`bias_positions` `(` $bias_query_positions^ `,` $bias_key_positions `:`
        type($bias_query_positions) `,` type($bias_key_positions) `)`)?
    (`bias_table` `(` $bias_table^ `:` type($bias_table) `)`)?
    `outs` `(` $init `)` attr-dict
    `:` type($query) `,` type($key) `,` type($value) `->` type($init)
    (`,` type($result)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
  }];
}

//===----------------------------------------------------------------------===//
// KV cache
//===----------------------------------------------------------------------===//

def Tessel_CacheWriteOp : Tessel_Op<"cache_write",
    [Pure, AllTypesMatch<["cache", "result"]>]> {
  let summary = "a decode step's keys or values written into its KV cache";
  let description = [{
    The cache `[B, H, T, D]` has room for T positions (its capacity); the
    step's keys or values `[B, H, S, D]` go at the step's positions, which
    follow one another (`positions[j] = positions[0] + j`; the runtime
    checks it, and that `positions[0] + S <= T`):

      result = cache, with result[:, :, positions[0] + j, :] = update[:, :, j, :]

    Positions `[B, S]` place each sequence of the batch at its own
    positions: `result[b, :, positions[b, 0] + j, :] = update[b, :, j, :]`.

    When the cache is an argument of an entry point that updates it in place
    (decode's caches, `tessel.in_place` on the result), bufferization writes
    the S new rows into the argument's own buffer: nothing proportional to
    the context is copied per step.

    ```mlir
    %cache2 = tessel.cache_write %k into %cache[%positions]
        : tensor<?x12x?x64xf32> into tensor<?x12x?x64xf32>, tensor<?xi64>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$update, Tessel_FloatTensor:$cache,
                       Tessel_IndexTensor:$positions);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $update `into` $cache `[` $positions `]` attr-dict `:` type($update)
    `into` type($cache) `,` type($positions)
  }];
  let hasVerifier = 1;
}

def Tessel_CacheReadOp : Tessel_Op<"cache_read", [Pure]> {
  let summary = "the cached keys or values a decode step attends to";
  let description = [{
    The first `positions[S - 1] + 1` positions of a cache `[B, H, T, D]`:
    every position up to this step's last, which a `tessel.cache_write` of
    this step has filled.

      result = cache[:, :, 0 : positions[S - 1] + 1, :]

    With positions `[B, S]`, every position up to the furthest sequence's
    last, `max_b positions[b, S - 1] + 1`; attention's `positions` then
    masks what lies past each sequence's own.

    ```mlir
    %keys = tessel.cache_read %cache2[%positions]
        : tensor<?x12x?x64xf32>, tensor<?xi64> -> tensor<?x12x?x64xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$cache,
                       Tessel_IndexTensor:$positions);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $cache `[` $positions `]` attr-dict `:` type($cache) `,` type($positions)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tessel_PagedCacheWriteOp : Tessel_Op<"paged_cache_write",
    [Pure, AllTypesMatch<["pool", "result"]>]> {
  let summary = "a decode step's keys or values written into a paged KV cache";
  let description = [{
    A paged cache, as vLLM's: the pool `[N, H, P, D]` holds N blocks of P
    positions, and the block table `[B, M]` lists each sequence's blocks in
    order: position p of sequence b lives in block `block_table[b, p / P]`,
    slot `p % P`. The step's keys or values `[B, H, S, D]` go at each
    sequence's positions `[B, S]` (consecutive in a row; the runtime checks
    them and that the table's entries name blocks of the pool):

      result = pool, with
      result[block_table[b, p / P], :, p % P, :] = update[b, :, j, :]
      for p = positions[b, j]

    Sequences that share a block (a common prompt prefix) are the runtime's
    business: it copies a shared block before a step writes into it.

    ```mlir
    %pool2 = tessel.paged_cache_write %k into %pool[%table, %positions]
        : tensor<?x12x?x64xf32> into tensor<?x12x16x64xf32>,
          tensor<?x?xi64>, tensor<?x?xi64>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$update, Tessel_FloatTensor:$pool,
                       Tessel_IndexTensor:$block_table,
                       Tessel_IndexTensor:$positions);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $update `into` $pool `[` $block_table `,` $positions `]` attr-dict `:`
    type($update) `into` type($pool) `,` type($block_table) `,`
    type($positions)
  }];
  let hasVerifier = 1;
}

def Tessel_PagedCacheReadOp : Tessel_Op<"paged_cache_read", [Pure]> {
  let summary = "the keys or values a decode step attends to, through a block table";
  let description = [{
    Each sequence's cache `[B, H, T, D]` as the block table lays it out in
    the pool `[N, H, P, D]`, up to the furthest sequence's last position
    (`T = max_b positions[b, S - 1] + 1`):

      result[b, h, p, :] = pool[block_table[b, p / P], h, p % P, :]

    Positions past a sequence's own last map to whatever block its table
    names there; attention's `positions` masks them. A `tessel.attention`
    whose keys (and values, or a slice of them along the features) are read
    this way is tiled by `tessel-tile-attention` with key tiles of one block
    each, read through the table: nothing is gathered.

    ```mlir
    %keys = tessel.paged_cache_read %pool[%table, %positions]
        : tensor<?x12x16x64xf32>, tensor<?x?xi64>, tensor<?x?xi64>
        -> tensor<?x12x?x64xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$pool,
                       Tessel_IndexTensor:$block_table,
                       Tessel_IndexTensor:$positions);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $pool `[` $block_table `,` $positions `]` attr-dict `:` type($pool) `,`
    type($block_table) `,` type($positions) `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// P, the positions per block (the pool's static dimension 2).
    int64_t getBlockSize() {
      return getPool().getType().getDimSize(2);
    }
  }];
}

//===----------------------------------------------------------------------===//
// Loss
//===----------------------------------------------------------------------===//

def Tessel_CrossEntropyOp : Tessel_Op<"cross_entropy", [Pure,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "mean softmax cross-entropy of class logits";
  let description = [{
    `logits` is `[..., C]`, `targets` the class index per row, shape `[...]`.
    Per row `loss = logsumexp(logits) - logits[target]`; the result (rank 0)
    is the mean over rows whose target is not `ignore_index` (default -100,
    as in PyTorch; NaN when every row is ignored). A target outside
    `[0, C)` that is not `ignore_index` is an error at run time.

    ```mlir
    %loss = tessel.cross_entropy %logits, %labels {ignore_index = -100 : i64}
        : tensor<?x?x50257xf32>, tensor<?x?xi64> -> tensor<f32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$logits,
                       Tessel_IndexTensor:$targets,
                       DefaultValuedAttr<I64Attr, "-100">:$ignore_index);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $targets attr-dict `:` type($logits) `,` type($targets) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

#endif // TESSEL_DIALECT_TESSELATTENTIONOPS_TD
