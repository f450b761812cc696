//===- TesselOps.td - tessel ops ---------------------------*- tablegen -*-===//
//
// One op per concept. Each op states its math in the description; the
// reference interpreter (runtime/reference/) implements exactly that math.
//
//===----------------------------------------------------------------------===//

#ifndef TESSEL_DIALECT_TESSELOPS_TD
#define TESSEL_DIALECT_TESSELOPS_TD

include "dialect/TesselAttrs.td"
include "dialect/TesselDialect.td"
include "dialect/TesselInterfaces.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/OpAsmInterface.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Tessel_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "how GELU's Gaussian CDF is evaluated", [
      I32EnumAttrCase<"exact", 0>,
      I32EnumAttrCase<"tanh", 1>
    ]> {
  let cppNamespace = "::tessel";
}

def Tessel_RelativeBiasKind : I32EnumAttr<"RelativeBiasKind",
    "how a relative distance becomes a table row", [
      I32EnumAttrCase<"t5", 0>,
      I32EnumAttrCase<"shaw", 1>
    ]> {
  let cppNamespace = "::tessel";
}

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

def Tessel_ParameterOp : Tessel_Op<"parameter",
    [Symbol, HasParent<"::mlir::ModuleOp">]> {
  let summary = "a named, learned tensor of the model and its initializer";
  let description = [{
    Declares one parameter at module level. The symbol is the name a
    checkpoint stores it under (HuggingFace names for HuggingFace models), so
    weights load by name. `init` says how to fill it when no checkpoint does:

    - `zeros`, `ones`, `constant` (`value`);
    - `normal` (mean 0, `std`) and `truncated_normal` (mean 0, standard
      deviation `std`: a normal cut at 2 of its own standard deviations and
      scaled so that the cut one has `std`, so |x| <= 2.27 std);
    - `xavier_uniform` / `xavier_normal` (Glorot: variance 2 / (fan_in +
      fan_out)), `kaiming_uniform` / `kaiming_normal` (He: variance
      2 / ((1 + a^2) fan_in), as PyTorch's `kaiming_*_` with negative slope
      `a` = `value`, default 0), with fan_in the last dimension and fan_out
      the product of the others (the `[out, in]` layout of `tessel.linear`).

    `frozen` marks a parameter that training leaves alone (the base model
    under LoRA): `tessel-autodiff` returns no gradient for it.

    ```mlir
    tessel.parameter @transformer.wte.weight : tensor<50257x768xf32>
        init = normal {std = 2.000000e-02 : f64}
    tessel.parameter @transformer.ln_f.weight : tensor<768xf32> init = ones
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name,
                       TypeAttrOf<Tessel_FloatTensor>:$type,
                       Tessel_InitKindAttr:$init, OptionalAttr<F64Attr>:$std,
                       OptionalAttr<F64Attr>:$value, UnitAttr:$frozen);
  let assemblyFormat = [{
    $sym_name `:` $type `init` `=` custom<InitKindKeyword>($init)
    (`frozen` $frozen^)? attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::RankedTensorType getTensorType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getType());
    }
  }];
}

def Tessel_GetParameterOp : Tessel_Op<"get_parameter",
    [Pure, DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "the value of a declared parameter";
  let description = [{
    Reads the `tessel.parameter` named by `name`; the result type is the
    declared type.

    ```mlir
    %wte = tessel.get_parameter @transformer.wte.weight
        : tensor<50257x768xf32>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$name);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Dense
//===----------------------------------------------------------------------===//

def Tessel_LinearOp : Tessel_Op<"linear", [Pure,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "y = x·Wᵀ + b over the last axis";
  let description = [{
    A fully connected layer with the weight stored as `[out_features,
    in_features]`, as `torch.nn.Linear` stores it:

      y[..., n] = sum_k x[..., k] * weight[n, k] + bias[n]

    The bias is optional. Leading dimensions of `input` are carried through.

    ```mlir
    %y = tessel.linear %x, %w, %b
        : tensor<?x?x768xf32>, tensor<3072x768xf32>, tensor<3072xf32>
        -> tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input, Tessel_FloatTensor:$weight,
                       Optional<Tessel_FloatTensor>:$bias);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` type($input) `,`
    type($weight) (`,` type($bias)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tessel_MmaLinearOp : Tessel_Op<"mma_linear", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "a linear layer as one tensor-core kernel (GPU)";
  let description = [{
    The CUDA target's form of `tessel.linear` on an input of rank 2 or 3:
    `init[(b,) m, n] = sum_k input[(b,) m, k] * weight[n, k] (+ bias[n])`,
    computed
    by `tessel-gpu-mma-linear`'s kernel with `mma.sync` m16n8k16 on
    `mma_type` (bf16 or f16) tiles that it converts from `input` and
    `weight` (any float type, `[(B,) M, K]` and `[N, K]`, K a multiple of
    8) as it stages them, f32 accumulators, and the optional `bias`
    (`[N]`) added before the store into `init` (`[(B,) M, N]`).
    Destination style, on tensors (one result) or on memrefs (none).

    ```mlir
    %y = tessel.mma_linear ins(%x, %w) bias(%b : tensor<3072xf32>)
        outs(%init) {mma_type = bf16}
        : tensor<?x?x768xf32>, tensor<3072x768xf32> -> tensor<?x?x3072xf32>,
          tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins AnyShaped:$input, AnyShaped:$weight,
                       Optional<AnyShaped>:$bias, AnyShaped:$init,
                       TypeAttr:$mma_type);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $input `,` $weight `)` (`bias` `(` $bias^ `:` type($bias) `)`)?
    `outs` `(` $init `)` attr-dict `:` type($input) `,` type($weight) `->`
    type($init) (`,` type($result)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
  }];
}

def Tessel_MatmulOp : Tessel_Op<"matmul", [Pure,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "batched matrix product over the last two axes";
  let description = [{
    `c[..., i, j] = sum_k a[..., i, k] * b[..., k, j]`, or with
    `transpose_rhs`, `sum_k a[..., i, k] * b[..., j, k]` (b read in its
    stored `[N, K]` layout, with no copy). Both operands have rank at least
    2; the rhs's leading (batch) dimensions are the trailing batch
    dimensions of the lhs, and the lhs's others broadcast over it: a
    per-head weight `[H, K, N]` multiplies activations `[B, H, S, K]`
    (MLA's absorbed decode).

    ```mlir
    %s = tessel.matmul %q, %kt
        : tensor<1x8x128x64xf32>, tensor<1x8x64x128xf32>
        -> tensor<1x8x128x128xf32>
    %o = tessel.matmul %latent, %w_uv {transpose_rhs}
        : tensor<?x16x?x512xf32>, tensor<16x128x512xf32>
        -> tensor<?x16x?x128xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$lhs, Tessel_FloatTensor:$rhs,
                       UnitAttr:$transpose_rhs);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tessel_EmbeddingOp : Tessel_Op<"embedding", [Pure,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "row lookup: y[..., :] = table[ids[...], :]";
  let description = [{
    Gathers one row of `table` (`[num_embeddings, dim]`) per id. Ids outside
    `[0, num_embeddings)` are an error at run time.

    ```mlir
    %h = tessel.embedding %tokens, %wte
        : tensor<?x?xi64>, tensor<50257x768xf32> -> tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins Tessel_IndexTensor:$ids, Tessel_FloatTensor:$table);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $ids `,` $table attr-dict `:` type($ids) `,` type($table) `->` type($result)
  }];
  let hasVerifier = 1;
}

class Tessel_BroadcastBinaryOp<string mnemonic, string math>
    : Tessel_Op<mnemonic, [Pure, DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "elementwise " # math # " with NumPy broadcasting";
  let description = [{
    Shapes broadcast as in NumPy: aligned at the trailing axis, a dimension
    of static size 1 stretches to the other operand's size. A dynamic (`?`)
    dimension never stretches: at run time it must equal the other
    operand's size, so compiled code knows every broadcast statically. The
    result has the broadcast shape; all element types are equal.

    ```mlir
    %y = tessel.}] # mnemonic # [{ %scores, %mask
        : tensor<?x8x?x?xf32>, tensor<?x?xf32> -> tensor<?x8x?x?xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$lhs, Tessel_FloatTensor:$rhs);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tessel_AddOp : Tessel_BroadcastBinaryOp<"add", "sum (lhs + rhs)">;
def Tessel_MulOp : Tessel_BroadcastBinaryOp<"mul", "product (lhs * rhs)">;

def Tessel_GeluOp : Tessel_Op<"gelu", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "Gaussian error linear unit, exact or tanh-approximated";
  let description = [{
    `exact`: `x * 0.5 * (1 + erf(x / sqrt(2)))`.
    `tanh` (GPT-2's `gelu_new`):
    `0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))`.
    The approximation is printed only when it is not `exact`.

    ```mlir
    %a = tessel.gelu %h : tensor<?x?x3072xf32>
    %b = tessel.gelu %h approximate = tanh : tensor<?x?x3072xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input,
      DefaultValuedAttr<Tessel_GeluApproximation,
                        "::tessel::GeluApproximation::exact">:$approximate);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`approximate` `=` $approximate^)? attr-dict `:` type($input)
  }];
}

def Tessel_SiluOp : Tessel_Op<"silu", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "sigmoid linear unit: x * sigmoid(x)";
  let description = [{
    `silu(x) = x / (1 + exp(-x))` elementwise.

    ```mlir
    %a = tessel.silu %h : tensor<?x?x11008xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Tessel_TanhOp : Tessel_Op<"tanh", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "hyperbolic tangent";
  let description = [{
    `tanh(x)` elementwise: the activation of prefix tuning's
    reparametrization (PEFT's prompt encoder). Its gradient,
    `dy (1 - y^2)`, is built from `tessel.mul` and `tessel.add` of the
    result.

    ```mlir
    %a = tessel.tanh %h : tensor<8x512xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Tessel_DropoutOp : Tessel_Op<"dropout", [Pure,
    AllTypesMatch<["input", "result"]>,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "inverted dropout with a counter-based random mask";
  let description = [{
    `result = keep ? input / (1 - rate) : 0` elementwise, where `keep` is
    drawn from Philox4x32-10 as a function of the element's row-major index,
    the op's `stream` (one per dropout site in a model), and `rng` = [seed,
    step]: key (seed mod 2^32, seed div 2^32), counter (index mod 2^32,
    index div 2^32, stream, step mod 2^32); the element is kept when the
    first output word shifted right by 8 is at least round(rate * 2^24)
    (runtime/Philox.h). The mask is thus deterministic given the seed and the
    step, needs no state, and is the same in every implementation; the
    gradient rule recomputes it rather than storing it: the op is linear in
    `input` for a fixed mask, so `d input = dropout(d result)` with the same
    `rng`, `rate` and `stream`. `rate` is in [0, 1); a model's `loss` takes
    `rng` as its third input, and inference entry points have no dropout.

    ```mlir
    %y = tessel.dropout %h, %rng rate = 1.000000e-01 stream = 3
        : tensor<?x?x768xf32>, tensor<2xi64>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input,
                       RankedTensorOf<[I64]>:$rng, F64Attr:$rate,
                       I64Attr:$stream);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $rng `rate` `=` $rate `stream` `=` $stream attr-dict `:`
    type($input) `,` type($rng)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$rng,
                   "double":$rate, "int64_t":$stream), [{
      build($_builder, $_state, input.getType(), input, rng,
            $_builder.getF64FloatAttr(rate),
            $_builder.getI64IntegerAttr(stream));
    }]>
  ];
  let hasVerifier = 1;
}

def Tessel_RecomputeBarrierOp : Tessel_Op<"recompute_barrier", [
    AllTypesMatch<["input", "result"]>, MemoryEffects<[MemWrite]>]> {
  let summary = "the value, as a copy that CSE does not merge";
  let description = [{
    `result` equals `input`. tessel-recompute reads the inputs of the ops it
    recomputes in the backward pass through this op: being neither pure nor
    foldable, it keeps CSE from merging the recomputed ops back into the
    forward ones (which would keep the forward values alive after all). It
    lowers to a copy into a fresh buffer.

    ```mlir
    %h2 = tessel.recompute_barrier %h : tensor<?x?x768xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Tessel_SwigluOp : Tessel_Op<"swiglu", [Pure, SameOperandsAndResultType,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "gated linear unit with SiLU: silu(gate) * up";
  let description = [{
    The gating of a Llama-style MLP, `down(silu(gate(x)) * up(x))`:
    `result = silu(gate) * up` elementwise, both operands of one type.

    ```mlir
    %a = tessel.swiglu %gate, %up : tensor<?x?x11008xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$gate, Tessel_FloatTensor:$up);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = "$gate `,` $up attr-dict `:` type($result)";
}

def Tessel_TransposeOp : Tessel_Op<"transpose", [Pure,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "permute axes: result dim i is input dim permutation[i]";
  let description = [{
    `result.shape[i] = input.shape[permutation[i]]`. Head splitting uses it to
    turn `[B, S, H, D]` into `[B, H, S, D]`. Canonicalization removes the
    identity permutation and merges a transpose of a transpose.

    ```mlir
    %t = tessel.transpose %x [0, 2, 1, 3]
        : tensor<?x?x12x64xf32> -> tensor<?x12x?x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input $permutation attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Tessel_ReshapeOp : Tessel_Op<"reshape", [Pure,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "same elements in row-major order, new shape";
  let description = [{
    The element count is unchanged. Dynamic dimensions are allowed only as
    a common leading prefix that is carried through unchanged (the batch and
    sequence axes of `[B, S, H*D] <-> [B, S, H, D]`); the static rest must
    hold the same number of elements. Canonicalization removes a reshape to
    the same type and merges a reshape of a reshape.

    ```mlir
    %h = tessel.reshape %x : tensor<?x?x768xf32> -> tensor<?x?x12x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Tessel_SliceOp : Tessel_Op<"slice", [Pure,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "a contiguous range of one axis";
  let description = [{
    `result = input[..., offset : offset + n, ...]` along `axis`, with `n` the
    result's size on that axis; every other dimension is kept. It splits
    fused projections, e.g. GPT-2's `c_attn` output into q, k and v. A
    negative offset counts from the end of the axis, as in Python
    (`input[..., size + offset : size + offset + n, ...]`, with `n <=
    -offset`): `offset = -1` with `n = 1` is the last position of a
    sequence of any length, what a prompt's prefill needs the logits of.
    A dynamic `n` (with `offset >= 0`) is the rest of the axis,
    `input[..., offset:, ...]`: the gradient of a concatenation whose last
    input has a dynamic size (prefix tuning's keys) takes it apart so.

    ```mlir
    %k = tessel.slice %qkv {axis = 2 : i64, offset = 768 : i64}
        : tensor<?x?x2304xf32> -> tensor<?x?x768xf32>
    %last = tessel.slice %h {axis = 1 : i64, offset = -1 : i64}
        : tensor<?x?x768xf32> -> tensor<?x1x768xf32>
    %rest = tessel.slice %keys {axis = 2 : i64, offset = 8 : i64}
        : tensor<?x4x?x16xf32> -> tensor<?x4x?x16xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis, I64Attr:$offset);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Tessel_ConcatOp : Tessel_Op<"concat", [Pure,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "join tensors along one axis";
  let description = [{
    The inputs agree on every dimension but `axis`; the result's size there is
    the sum of theirs. MLA uses it to join the non-rotated and the rotated
    parts of each query and key head.

    ```mlir
    %q = tessel.concat %q_nope, %q_rope {axis = 3 : i64}
        : tensor<?x16x?x128xf32>, tensor<?x16x?x64xf32> -> tensor<?x16x?x192xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $inputs attr-dict `:` type($inputs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tessel_BroadcastOp : Tessel_Op<"broadcast", [Pure,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "stretch size-1 axes (NumPy broadcast_to)";
  let description = [{
    Aligned at the trailing axis, each input dimension is 1 (stretched) or
    equal to the result's; leading result axes are new. A dynamic result
    dimension must come from a dynamic input dimension, so that its size is
    known at run time, or, for a new or stretched axis, from the same axis
    of `like` (a tensor of the result's rank; only its shape is read). MLA
    broadcasts its single decoupled RoPE key head to every query head;
    prefix tuning broadcasts its learned keys to the batch of the keys they
    join.

    ```mlir
    %k_rope = tessel.broadcast %k_pe
        : tensor<?x1x?x64xf32> -> tensor<?x16x?x64xf32>
    %prefix = tessel.broadcast %p like(%k : tensor<?x4x?x16xf32>)
        : tensor<4x8x16xf32> -> tensor<?x4x8x16xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, Optional<AnyRankedTensor>:$like);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $input (`like` `(` $like^ `:` type($like) `)`)? attr-dict `:`
    type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tessel_PositionMaskOp : Tessel_Op<"position_mask", [Pure]> {
  let summary = "1 at the first and last positions of a sequence, else 0";
  let description = [{
    `positions` is `[S]` or `[B, S]`; the f32 result is `[S, 1]` or
    `[B, S, 1]`, to multiply hidden states `[B, S, D]` with:

      result[..., s, 0] = 1 if positions[..., s] < first or s >= S - last
                          else 0

    LoReFT intervenes on the hidden states of chosen positions (pyreft's
    `f3+l3`: the first and last three of a prompt). In a decode step, with
    per-sequence positions, only `first` can be known (the sequence's
    length is not), so decode masks are built with `last = 0`.

    ```mlir
    %m = tessel.position_mask %pos {first = 3 : i64, last = 3 : i64}
        : tensor<?xi64> -> tensor<?x1xf32>
    ```
  }];
  let arguments = (ins Tessel_IndexTensor:$positions, I64Attr:$first,
                       I64Attr:$last);
  let results = (outs Tessel_F32Tensor:$result);
  let assemblyFormat =
      "$positions attr-dict `:` type($positions) `->` type($result)";
  let hasVerifier = 1;
}

def Tessel_PositionIdsOp : Tessel_Op<"position_ids", [Pure]> {
  let summary = "0, 1, ..., n-1 for the n entries of one axis";
  let description = [{
    `result[i] = offset + i` for `i < input.shape[axis]`: the positions of the
    tokens of a `[B, S]` batch, which RoPE, learned and sinusoidal position
    embeddings, relative bias and ALiBi consume. Only the shape of `input`
    is read.

    ```mlir
    %pos = tessel.position_ids %tokens {axis = 1 : i64}
        : tensor<?x?xi64> -> tensor<?xi64>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<I64Attr, "0">:$offset);
  let results = (outs Tessel_IndexTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Norms (all normalize over the last axis, of size D)
//===----------------------------------------------------------------------===//

def Tessel_LayerNormOp : Tessel_Op<"layer_norm",
    [Pure, AttrSizedResultSegments, AllTypesMatch<["input", "result"]>,
     DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>,
     DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "layer normalization over the last axis";
  let description = [{
    With mean `mu` and biased variance `var` of `x[..., :]`:
    `y = (x - mu) / sqrt(var + epsilon) * gamma + beta`; `gamma` and `beta`
    have shape `[D]`.

    Optionally the op also returns what its backward pass needs (as llm.c's
    `layernorm_forward` saves it): `mean` = mu and `rstd` =
    1 / sqrt(var + epsilon), f32, of the input's shape without its last
    axis. Both or neither; when nothing uses them, canonicalization drops
    them.

    ```mlir
    %y = tessel.layer_norm %x, %g, %b {epsilon = 1.000000e-05 : f64}
        : tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>
    %y, %mean, %rstd = tessel.layer_norm %x, %g, %b
        : tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>
        -> tensor<?x?xf32>, tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input, Tessel_FloatTensor:$gamma,
                       Tessel_FloatTensor:$beta,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs Tessel_FloatTensor:$result,
                      Optional<Tessel_F32Tensor>:$mean,
                      Optional<Tessel_F32Tensor>:$rstd);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta attr-dict `:` type($input) `,` type($gamma)
    `,` type($beta) (`->` type($mean)^ `,` type($rstd))?
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$gamma,
                   "::mlir::Value":$beta, "::llvm::APFloat":$epsilon), [{
      build($_builder, $_state, input.getType(), ::mlir::Type(),
            ::mlir::Type(), input, gamma, beta,
            $_builder.getFloatAttr($_builder.getF64Type(), epsilon));
    }]>
  ];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Tessel_RMSNormOp : Tessel_Op<"rms_norm",
    [Pure, AllTypesMatch<["input", "result"]>,
     DeclareOpInterfaceMethods<OpAsmOpInterface, ["getAsmResultNames"]>,
     DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "root-mean-square normalization over the last axis";
  let description = [{
    `y = x / sqrt(mean(x^2) + epsilon) * gamma`, the mean over the last axis,
    `gamma` of shape `[D]` (Llama's `LlamaRMSNorm`).

    Optionally the op also returns what its backward pass needs: `rstd` =
    1 / sqrt(mean(x^2) + epsilon), f32, of the input's shape without its
    last axis; when nothing uses it, canonicalization drops it.

    ```mlir
    %y = tessel.rms_norm %x, %g {epsilon = 1.000000e-06 : f64}
        : tensor<?x?x4096xf32>, tensor<4096xf32>
    %y, %rstd = tessel.rms_norm %x, %g
        : tensor<?x?x4096xf32>, tensor<4096xf32> -> tensor<?x?xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input, Tessel_FloatTensor:$gamma,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$epsilon);
  let results = (outs Tessel_FloatTensor:$result,
                      Optional<Tessel_F32Tensor>:$rstd);
  let assemblyFormat = [{
    $input `,` $gamma attr-dict `:` type($input) `,` type($gamma)
    (`->` type($rstd)^)?
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$gamma,
                   "::llvm::APFloat":$epsilon), [{
      build($_builder, $_state, input.getType(), ::mlir::Type(), input, gamma,
            $_builder.getFloatAttr($_builder.getF64Type(), epsilon));
    }]>
  ];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Tessel_ScaleNormOp : Tessel_Op<"scale_norm",
    [Pure, AllTypesMatch<["input", "result"]>,
     DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "ScaleNorm: a learned scalar over the L2-normalized vector";
  let description = [{
    ScaleNorm (Nguyen & Salazar, 2019):
    `y = g * x / max(||x||_2, epsilon)`, the norm over the last axis, `g` a
    rank-0 learned scalar (initialized to sqrt(D) in the paper).

    ```mlir
    %y = tessel.scale_norm %x, %g {epsilon = 1.000000e-05 : f64}
        : tensor<?x?x512xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input, Tessel_FloatTensor:$scale,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale attr-dict `:` type($input) `,` type($scale)
  }];
  let hasVerifier = 1;
}

def Tessel_BatchNormOp : Tessel_Op<"batch_norm", [Pure,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>,
    AllTypesMatch<["input", "result"]>,
    AllTypesMatch<["running_mean", "running_var", "new_running_mean",
                   "new_running_var"]>]> {
  let summary = "batch normalization of the last (feature) axis";
  let description = [{
    Normalizes each feature `c` of `x[..., c]` over all the other axes
    (batch and sequence, for a transformer's `[B, S, D]`).

    - With `training`: the statistics are the batch's mean and biased
      variance; the running statistics are updated as in PyTorch,
      `new = (1 - momentum) * running + momentum * batch`, with the unbiased
      variance (n / (n - 1)) in the update.
    - Without: the running statistics are used and returned unchanged.

    `y = (x - mean) / sqrt(var + epsilon) * gamma + beta`.

    ```mlir
    %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv
        {epsilon = 1.000000e-05 : f64, momentum = 1.000000e-01 : f64, training}
        : tensor<?x?x512xf32>, tensor<512xf32>, tensor<512xf32>,
          tensor<512xf32>, tensor<512xf32>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input, Tessel_FloatTensor:$gamma,
                       Tessel_FloatTensor:$beta,
                       Tessel_FloatTensor:$running_mean,
                       Tessel_FloatTensor:$running_var,
                       DefaultValuedAttr<F64Attr, "1.0e-5">:$epsilon,
                       DefaultValuedAttr<F64Attr, "0.1">:$momentum,
                       UnitAttr:$training);
  let results = (outs Tessel_FloatTensor:$result,
                      Tessel_FloatTensor:$new_running_mean,
                      Tessel_FloatTensor:$new_running_var);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta `,` $running_mean `,` $running_var attr-dict
    `:` type($input) `,` type($gamma) `,` type($beta) `,` type($running_mean)
    `,` type($running_var)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Positions
//===----------------------------------------------------------------------===//

def Tessel_RopeOp : Tessel_Op<"rope",
    [Pure, AllTypesMatch<["input", "result"]>,
     DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "rotary position embedding of the last axis";
  let description = [{
    `input` is `[..., S, D]` (usually `[B, H, S, D]`), `positions` holds the
    position of each of the S rows: shape `[S]`, or `[B, S]` for a rank-4
    input with per-sequence offsets. The first `rotary_dims` (default D,
    even) features are rotated; the rest pass through, which expresses
    partial RoPE and the decoupled RoPE key of MLA.

    Frequencies `w_i = theta^(-2i / rotary_dims)`, angle `a = p * w_i`,
    for `i < rotary_dims / 2`. The pair `(u, v)` that is rotated,
    `(u cos a - v sin a, v cos a + u sin a)`, is
    - default (rotate-half, as HuggingFace Llama): `(x[i], x[i + r/2])`;
    - `interleaved` (RoFormer, DeepSeek checkpoints): `(x[2i], x[2i + 1])`.

    With `inverse` every pair is rotated by `-a` instead: the transpose of
    the rotation, which is RoPE's gradient (`dx = rope(dy) {inverse}`).

    ```mlir
    %qr = tessel.rope %q, %pos {theta = 1.000000e+04 : f64}
        : tensor<?x32x?x128xf32>, tensor<?xi64>
    %kr = tessel.rope %k, %pos {interleaved, rotary_dims = 64 : i64}
        : tensor<?x1x?x64xf32>, tensor<?xi64>
    ```
  }];
  let arguments = (ins Tessel_FloatTensor:$input,
                       Tessel_IndexTensor:$positions,
                       DefaultValuedAttr<F64Attr, "10000.0">:$theta,
                       OptionalAttr<I64Attr>:$rotary_dims,
                       UnitAttr:$interleaved, UnitAttr:$inverse);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $positions attr-dict `:` type($input) `,` type($positions)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of rotated features: `rotary_dims`, or all of D.
    int64_t getNumRotaryDims() {
      if (auto dims = getRotaryDims())
        return *dims;
      return getInput().getType().getShape().back();
    }
  }];
}

def Tessel_SinusoidalEmbeddingOp : Tessel_Op<"sinusoidal_embedding", [Pure]> {
  let summary = "fixed sin/cos position encoding of 'Attention Is All You Need'";
  let description = [{
    For each position `p` in `positions` and `i < D/2`:
    `y[..., 2i] = sin(p / base^(2i/D))`, `y[..., 2i+1] = cos(p / base^(2i/D))`.
    The result is `positions.shape + [D]`, D even.

    ```mlir
    %pe = tessel.sinusoidal_embedding %pos {base = 1.000000e+04 : f64}
        : tensor<?xi64> -> tensor<?x512xf32>
    ```
  }];
  let arguments = (ins Tessel_IndexTensor:$positions,
                       DefaultValuedAttr<F64Attr, "10000.0">:$base);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $positions attr-dict `:` type($positions) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tessel_RelativeBiasOp : Tessel_Op<"relative_bias", [Pure,
    DeclareOpInterfaceMethods<Tessel_DifferentiableOpInterface>]> {
  let summary = "learned per-head bias of the relative distance key - query";
  let description = [{
    For query position `i` (from `query_positions`, `[S]`) and key position `j`
    (from `key_positions`, `[T]`), the distance `r = j - i` selects a row of
    `table` (`[num_buckets, H]`); the result `[H, S, T]` is added to
    attention logits. Query positions `[B, S]` (a decode step whose
    sequences are at different positions) give a result `[B, H, S, T]`.

    - `t5` (T5's bucketing; `num_buckets` is table dim 0): with
      `bidirectional`, half the buckets are for `r > 0` and `|r|` is used;
      otherwise `n = max(-r, 0)`. Of the `nb` buckets in play, distances
      below `nb/2` get a bucket each, larger ones are placed
      logarithmically up to `max_distance` (the log ratio in f32, as T5's
      implementation computes it), and everything beyond shares the last
      bucket.
    - `shaw` (clipped, Shaw et al. 2018): row `clip(r, -k, k) + k` with
      `k = max_distance`, so the table has `2k + 1` rows.

    ```mlir
    %bias = tessel.relative_bias t5 %table, %qpos, %kpos
        {bidirectional, max_distance = 128 : i64}
        : tensor<32x8xf32>, tensor<?xi64>, tensor<?xi64> -> tensor<8x?x?xf32>
    ```
  }];
  let arguments = (ins Tessel_RelativeBiasKind:$kind, Tessel_FloatTensor:$table,
                       Tessel_IndexTensor:$query_positions,
                       Tessel_IndexTensor:$key_positions,
                       I64Attr:$max_distance, UnitAttr:$bidirectional);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $kind $table `,` $query_positions `,` $key_positions attr-dict `:`
    type($table) `,` type($query_positions) `,` type($key_positions) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def Tessel_RelativeBucketsOp : Tessel_Op<"relative_buckets", [Pure]> {
  let summary = "the table row relative_bias reads for each query and key";
  let description = [{
    `ids[(b,) i, j]` is the row of a `[num_buckets, H]` table that
    `tessel.relative_bias` with the same kind and attributes reads for query
    position `i` and key position `j` (the bucket of `r = j - i`), as
    int64. The bias is `table[ids]` with the heads moved first, so its
    table's gradient is the `tessel.embedding_grad` of `ids` and the bias's
    gradient with the heads moved last: the rule of relative_bias.

    ```mlir
    %ids = tessel.relative_buckets t5 %qpos, %kpos
        {bidirectional, max_distance = 128 : i64, num_buckets = 32 : i64}
        : tensor<?xi64>, tensor<?xi64> -> tensor<?x?xi64>
    ```
  }];
  let arguments = (ins Tessel_RelativeBiasKind:$kind,
                       Tessel_IndexTensor:$query_positions,
                       Tessel_IndexTensor:$key_positions,
                       I64Attr:$num_buckets, I64Attr:$max_distance,
                       UnitAttr:$bidirectional);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = [{
    $kind $query_positions `,` $key_positions attr-dict `:`
    type($query_positions) `,` type($key_positions) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tessel_AlibiOp : Tessel_Op<"alibi", [Pure]> {
  let summary = "ALiBi: a per-head linear penalty on query-key distance";
  let description = [{
    `y[h, i, j] = -m_h * |qpos[i] - kpos[j]|` with `H` = result dim 0 and the
    slopes of Press et al. (2022): for H a power of two
    `m_h = 2^(-8 (h + 1) / H)`; otherwise the slopes of the nearest lower
    power of two `n`, followed by every other slope of `2n`. For causal
    attention (`j <= i`) this is the paper's `m_h * (j - i)`. Query
    positions `[B, S]` give `y[b, h, i, j]` (`[B, H, S, T]`, H = dim 1).

    ```mlir
    %bias = tessel.alibi %qpos, %kpos
        : tensor<?xi64>, tensor<?xi64> -> tensor<12x?x?xf32>
    ```
  }];
  let arguments = (ins Tessel_IndexTensor:$query_positions,
                       Tessel_IndexTensor:$key_positions);
  let results = (outs Tessel_FloatTensor:$result);
  let assemblyFormat = [{
    $query_positions `,` $key_positions attr-dict `:` type($query_positions)
    `,` type($key_positions) `->` type($result)
  }];
  let hasVerifier = 1;
}

include "dialect/TesselAttentionOps.td"
include "dialect/TesselGradientOps.td"

#endif // TESSEL_DIALECT_TESSELOPS_TD
