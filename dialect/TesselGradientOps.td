//===- TesselGradientOps.td - backward ops -----------------*- tablegen -*-===//
//
// The ops that gradient rules (TesselGradients.cpp) need beyond the forward
// ops: each computes one piece of a backward pass, with its math in the
// description. Included by TesselOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_DIALECT_TESSELGRADIENTOPS_TD
#define TESSEL_DIALECT_TESSELGRADIENTOPS_TD

def Tessel_SumToOp : Tessel_Op<"sum_to", [Pure]> {
  let summary = "sum over the axes that broadcasting added or stretched";
  let description = [{
    The adjoint of NumPy broadcasting: the gradient of a broadcast operand
    sums the result's gradient over every axis the operand was broadcast
    along. Shapes align at the trailing axis. Leading axes of `input` that
    the result lacks are summed away; an axis where the result has static
    size 1 and the input does not is summed and kept as 1; every other axis
    is carried through (equal sizes). Sums are accumulated in f32.

    ```mlir
    %db = tessel.sum_to %dy : tensor<?x?x768xf32> -> tensor<768xf32>
    %dm = tessel.sum_to %dy : tensor<?x8x?x?xf32> -> tensor<?x1x?x?xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Whether input axis `axis` is summed (away, or down to size 1).
    bool isReduced(int64_t axis);
  }];
}

def Tessel_SliceGradOp : Tessel_Op<"slice_grad", [Pure]> {
  let summary = "the adjoint of tessel.slice: dy placed into zeros";
  let description = [{
    For `y = x[..., offset : offset + n, ...]` along `axis`: the result has
    x's shape (the result type), is `dy` on that range and 0 elsewhere.

    ```mlir
    %dx = tessel.slice_grad %dq {axis = 2 : i64, offset = 0 : i64}
        : tensor<?x?x768xf32> -> tensor<?x?x2304xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$result_grad, I64Attr:$axis,
                       I64Attr:$offset);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $result_grad attr-dict `:` type($result_grad) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tessel_SoftmaxGradOp : Tessel_Op<"softmax_grad", [Pure,
    AllTypesMatch<["result", "result_grad", "input_grad"]>]> {
  let summary = "dL/dx of tessel.softmax from its result: y (dy - sum(dy y))";
  let description = [{
    With `y = softmax(x)` along `axis` (the forward op's result, so nothing
    is recomputed) and `dy = dL/dy`:

      dx[i] = y[i] * (dy[i] - sum_j dy[j] * y[j])

    the sums along `axis` (negative counts from the end), one per line.

    ```mlir
    %dx = tessel.softmax_grad %y, %dy {axis = -1 : i64} : tensor<?x8x?x?xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$result,
                       Tessel_FloatTensor:$result_grad,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Tessel_FloatTensor:$input_grad);
  let assemblyFormat = "$result `,` $result_grad attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Tessel_BatchNormGradOp : Tessel_Op<"batch_norm_grad", [Pure,
    AllTypesMatch<["input", "result_grad", "input_grad"]>,
    AllTypesMatch<["gamma", "gamma_grad", "beta_grad"]>,
    AllTypesMatch<["running_mean", "running_var"]>]> {
  let summary = "dL/dx, dL/dgamma, dL/dbeta of tessel.batch_norm";
  let description = [{
    Per feature `c` of `x[..., c]`, over the `n` values of every other axis,
    with `xhat = (x - mean) * rstd`, `rstd = 1 / sqrt(var + epsilon)`:

      dgamma = sum dy * xhat,  dbeta = sum dy
      training:  dx = gamma rstd / n * (n dy - sum dy - xhat sum(dy xhat))
                 (mean and biased var are the batch's, recomputed from x)
      otherwise: dx = gamma rstd dy  (the running statistics, constants)

    ```mlir
    %dx, %dg, %db = tessel.batch_norm_grad %x, %g, %rm, %rv, %dy
        {epsilon = 1.000000e-05 : f64, training}
        : tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input, Tessel_FloatTensor:$gamma,
                       Tessel_FloatTensor:$running_mean,
                       Tessel_FloatTensor:$running_var,
                       Tessel_FloatTensor:$result_grad,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon,
                       UnitAttr:$training);
  let results = (outs Tessel_FloatTensor:$input_grad,
                      Tessel_FloatTensor:$gamma_grad,
                      Tessel_FloatTensor:$beta_grad);
  let assemblyFormat = [{
    $input `,` $gamma `,` $running_mean `,` $running_var `,` $result_grad
    attr-dict `:` type($input) `,` type($gamma) `,` type($running_mean)
  }];
  let hasVerifier = 1;
}

def Tessel_ScaleNormGradOp : Tessel_Op<"scale_norm_grad", [Pure,
    AllTypesMatch<["input", "result_grad", "input_grad"]>,
    AllTypesMatch<["scale", "scale_grad"]>]> {
  let summary = "the backward pass of tessel.scale_norm";
  let description = [{
    For `y = g x / n` with `n = max(||x||, epsilon)` per row (the norm over
    the last axis) and `g` a rank-0 scale:

      dx = (g / n) (dy - x (x . dy) / n^2)   where ||x|| > epsilon
      dx = (g / n) dy                        where the norm is clamped
      dg = sum over everything of dy * x / n

    Reductions are accumulated in f32.

    ```mlir
    %dx, %dg = tessel.scale_norm_grad %x, %g, %dy {epsilon = 1.0e-05 : f64}
        : tensor<?x?x256xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input, Tessel_FloatTensor:$scale,
                       Tessel_FloatTensor:$result_grad, F64Attr:$epsilon);
  let results = (outs Tessel_FloatTensor:$input_grad,
                      Tessel_FloatTensor:$scale_grad);
  let assemblyFormat = [{
    $input `,` $scale `,` $result_grad attr-dict `:` type($input) `,`
    type($scale)
  }];
}

def Tessel_LinearWeightGradOp : Tessel_Op<"linear_weight_grad", [Pure]> {
  let summary = "the weight gradient of tessel.linear: Σ dy ⊗ x";
  let description = [{
    For `y = x·Wᵀ + b` with `x` `[..., K]` and `y` `[..., N]`:

      dW[n, k] = sum over every leading index i of dy[i, n] * x[i, k]

    a contraction over all leading axes at once (no reshape of the batch
    and sequence axes into one). Accumulated in f32.

    ```mlir
    %dw = tessel.linear_weight_grad %dy, %x
        : tensor<?x?x3072xf32>, tensor<?x?x768xf32> -> tensor<3072x768xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$result_grad,
                       Tessel_FloatTensor:$input);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $result_grad `,` $input attr-dict `:` type($result_grad) `,` type($input)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tessel_GeluGradOp : Tessel_Op<"gelu_grad", [Pure,
    AllTypesMatch<["input", "result_grad", "result"]>]> {
  let summary = "dL/dx of tessel.gelu: dy * gelu'(x)";
  let description = [{
    `exact`: `gelu'(x) = Phi(x) + x * phi(x)` with `Phi(x) = 0.5 (1 +
    erf(x / sqrt 2))` and `phi(x) = exp(-x^2 / 2) / sqrt(2 pi)`.
    `tanh`: with `u = sqrt(2/pi) (x + 0.044715 x^3)` and `t = tanh(u)`,
    `gelu'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715
    x^2)`.

    ```mlir
    %dx = tessel.gelu_grad %x, %dy approximate = tanh : tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input,
      Tessel_FloatTensor:$result_grad,
      DefaultValuedAttr<Tessel_GeluApproximation,
                        "::tessel::GeluApproximation::exact">:$approximate);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $result_grad (`approximate` `=` $approximate^)? attr-dict `:`
    type($input)
  }];
}

def Tessel_SiluGradOp : Tessel_Op<"silu_grad", [Pure,
    AllTypesMatch<["input", "result_grad", "result"]>]> {
  let summary = "dL/dx of tessel.silu: dy * s (1 + x (1 - s)), s = sigmoid(x)";
  let description = [{
    `silu(x) = x s(x)` with `s(x) = 1 / (1 + exp(-x))`, so
    `silu'(x) = s + x s (1 - s) = s (1 + x (1 - s))`.

    ```mlir
    %dx = tessel.silu_grad %x, %dy : tensor<?x?x11008xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input,
                       Tessel_FloatTensor:$result_grad);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = "$input `,` $result_grad attr-dict `:` type($input)";
}

def Tessel_EmbeddingGradOp : Tessel_Op<"embedding_grad", [Pure]> {
  let summary = "the table gradient of tessel.embedding: a scatter-add";
  let description = [{
    `dtable[v, :] = sum of dy[i, :] over every index i with ids[i] = v`;
    rows no id selects are 0. The result's shape is the table's
    `[num_embeddings, dim]`; ids outside `[0, num_embeddings)` are an error
    at run time. The rows are added in index order (no atomics), so the
    result is deterministic. Accumulated in f32.

    ```mlir
    %dwte = tessel.embedding_grad %tokens, %dh
        : tensor<?x?xi64>, tensor<?x?x768xf32> -> tensor<50257x768xf32>
    ```
  }];
  let arguments = (ins Tessel_IndexTensor:$ids,
                       Tessel_FloatTensor:$result_grad);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $ids `,` $result_grad attr-dict `:` type($ids) `,` type($result_grad) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def Tessel_CrossEntropyGradOp : Tessel_Op<"cross_entropy_grad", [Pure]> {
  let summary = "dL/dlogits of tessel.cross_entropy";
  let description = [{
    With `n` the number of rows whose target is not `ignore_index` and
    `dloss` the (rank-0) gradient of the mean loss:

      dlogits[r, c] = dloss * (softmax(logits[r])[c] - [c = target[r]]) / n

    and 0 on ignored rows (everywhere when n = 0). The softmax subtracts the
    row maximum first. Targets outside `[0, C)` that are not `ignore_index`
    are an error at run time, as in the forward op.

    ```mlir
    %dlogits = tessel.cross_entropy_grad %logits, %labels, %dloss
        : tensor<?x?x50257xf32>, tensor<?x?xi64>, tensor<f32>
        -> tensor<?x?x50257xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$logits,
                       Tessel_IndexTensor:$targets,
                       Tessel_FloatTensor:$loss_grad,
                       DefaultValuedAttr<I64Attr, "-100">:$ignore_index);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $targets `,` $loss_grad attr-dict `:` type($logits) `,`
    type($targets) `,` type($loss_grad) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tessel_LayerNormGradOp : Tessel_Op<"layer_norm_grad", [Pure,
    AllTypesMatch<["input", "result_grad", "input_grad"]>,
    AllTypesMatch<["gamma", "gamma_grad", "beta_grad"]>,
    AllTypesMatch<["mean", "rstd"]>]> {
  let summary = "the backward pass of tessel.layer_norm from its statistics";
  let description = [{
    From the forward op's saved `mean` and `rstd` (per row, f32), with
    `xhat = (x - mean) * rstd` and `g = dy * gamma`, means over the last
    axis:

      dx     = rstd * (g - mean(g) - xhat * mean(g * xhat))
      dgamma = sum over rows of dy * xhat
      dbeta  = sum over rows of dy

    Reductions are accumulated in f32.

    ```mlir
    %dx, %dg, %db = tessel.layer_norm_grad %x, %g, %mean, %rstd, %dy
        : tensor<?x?x768xf32>, tensor<768xf32>, tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input, Tessel_FloatTensor:$gamma,
                       Tessel_F32Tensor:$mean, Tessel_F32Tensor:$rstd,
                       Tessel_FloatTensor:$result_grad);
  let results = (outs Tessel_FloatTensor:$input_grad,
                      Tessel_FloatTensor:$gamma_grad,
                      Tessel_FloatTensor:$beta_grad);
  let assemblyFormat = [{
    $input `,` $gamma `,` $mean `,` $rstd `,` $result_grad attr-dict `:`
    type($input) `,` type($gamma) `,` type($mean)
  }];
  let hasVerifier = 1;
}

def Tessel_RMSNormGradOp : Tessel_Op<"rms_norm_grad", [Pure,
    AllTypesMatch<["input", "result_grad", "input_grad"]>,
    AllTypesMatch<["gamma", "gamma_grad"]>]> {
  let summary = "the backward pass of tessel.rms_norm from its statistic";
  let description = [{
    From the forward op's saved `rstd` (per row, f32), with
    `xhat = x * rstd` and `g = dy * gamma`, the mean over the last axis:

      dx     = rstd * (g - xhat * mean(g * xhat))
      dgamma = sum over rows of dy * xhat

    Reductions are accumulated in f32.

    ```mlir
    %dx, %dg = tessel.rms_norm_grad %x, %g, %rstd, %dy
        : tensor<?x?x4096xf32>, tensor<4096xf32>, tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input, Tessel_FloatTensor:$gamma,
                       Tessel_F32Tensor:$rstd,
                       Tessel_FloatTensor:$result_grad);
  let results = (outs Tessel_FloatTensor:$input_grad,
                      Tessel_FloatTensor:$gamma_grad);
  let assemblyFormat = [{
    $input `,` $gamma `,` $rstd `,` $result_grad attr-dict `:` type($input)
    `,` type($gamma) `,` type($rstd)
  }];
  let hasVerifier = 1;
}

def Tessel_AttentionGradOp : Tessel_Op<"attention_grad", [Pure,
    AllTypesMatch<["query", "query_grad"]>, AllTypesMatch<["key", "key_grad"]>,
    AllTypesMatch<["value", "value_grad"]>,
    AllTypesMatch<["result", "result_grad"]>]> {
  let summary = "the backward pass of tessel.attention from its log-sum-exp";
  let description = [{
    From the forward op's output `o` and log-sum-exp `lse` and the output's
    gradient `do`, with the forward's `scale`, `causal` and `bias`:

      p[i, j]  = exp(s[i, j] - lse[i])    (s recomputed; 0 where masked)
      delta[i] = sum_c do[i, c] * o[i, c]
      ds[i, j] = p[i, j] * (sum_c do[i, c] * v[j, c] - delta[i])
      dq[i]    = scale * sum_j ds[i, j] * k[j]
      dk[j]    = scale * sum_i ds[i, j] * q[i]
      dv[j]    = sum_i p[i, j] * do[i]

    per (batch, query head); a key/value head's dk and dv sum over the
    query heads of its group (GQA, MQA). `bias_grad`, present when `bias`
    is, is `ds` itself (`[B, Hq, S, T]`; the gradient rule sums it to the
    bias's shape). Nothing of size S × T is kept from the forward pass; this
    op recomputes the probabilities from `lse`.

    ```mlir
    %dq, %dk, %dv = tessel.attention_grad %q, %k, %v, %o, %lse, %do
        {causal, scale = 1.250000e-01 : f64}
        : tensor<?x12x?x64xf32>, tensor<?x4x?x64xf32>, tensor<?x4x?x64xf32>,
          tensor<?x12x?x64xf32>, tensor<?x12x?xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$query, Tessel_FloatTensor:$key,
                       Tessel_FloatTensor:$value, Tessel_FloatTensor:$result,
                       Tessel_F32Tensor:$lse, Tessel_FloatTensor:$result_grad,
                       Optional<Tessel_FloatTensor>:$bias,
                       F64Attr:$scale, UnitAttr:$causal);
  let results = (outs Tessel_FloatTensor:$query_grad,
                      Tessel_FloatTensor:$key_grad,
                      Tessel_FloatTensor:$value_grad,
                      Optional<Tessel_FloatTensor>:$bias_grad);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $result `,` $lse `,` $result_grad
    (`bias` `(` $bias^ `:` type($bias) `)`)? attr-dict `:` type($query) `,`
    type($key) `,` type($value) `,` type($result) `,` type($lse)
    (`->` type($bias_grad)^)?
  }];
  let hasVerifier = 1;
}

#endif // TESSEL_DIALECT_TESSELGRADIENTOPS_TD
