// Reference interpreter: tessel.attention (MHA, GQA 8/2, MQA; causal with
// S == T and bottom-right aligned S < T, or per sequence by positions
// [B, S]; default and explicit scale; bias [S,T], [H,S,T], [B,H,S,T] and
// broadcast shapes; Dv != D; logits ~1e4; f16)
// against NumPy, plus hand-computed attention.
// RUN: %oracle check %s attn_mha
// RUN: %oracle check %s attn_gqa_causal
// RUN: %oracle check %s attn_gqa
// RUN: %oracle check %s attn_mqa
// RUN: %oracle check %s attn_causal_square
// RUN: %oracle check %s attn_causal_kv_cache
// RUN: %oracle check %s attn_causal_mqa_decode
// RUN: %oracle check %s attn_causal_positions
// RUN: %oracle check %s attn_causal_positions_tiles
// RUN: %oracle check %s attn_causal_positions_chunks
// RUN: %oracle check %s attn_scale
// RUN: %oracle check %s attn_scale_one_causal
// RUN: %oracle check %s attn_bias_st
// RUN: %oracle check %s attn_bias_hst
// RUN: %oracle check %s attn_bias_bhst
// RUN: %oracle check %s attn_bias_padding_mask
// RUN: %oracle check %s attn_bias_head_broadcast
// RUN: %oracle check %s attn_dv
// RUN: %oracle check %s attn_dv_large
// RUN: %oracle check %s attn_large_logits
// RUN: %oracle check %s attn_large_bias
// RUN: %oracle check %s attn_f16
// RUN: %oracle check %s attn_f16_bias
// RUN: %oracle check %s attn_lse_gqa_causal
// RUN: %oracle check %s attn_lse_masked_rows
// RUN: %oracle check %s attn_lse_large_logits
// RUN: tessel-interpret %s --entry hand_default_scale --print | FileCheck %s --check-prefix=HAND_DEFAULT_SCALE
// RUN: tessel-interpret %s --entry hand_scale --print | FileCheck %s --check-prefix=HAND_SCALE
// RUN: tessel-interpret %s --entry hand_causal_square --print | FileCheck %s --check-prefix=HAND_CAUSAL_SQUARE
// RUN: tessel-interpret %s --entry hand_causal_kv_cache --print | FileCheck %s --check-prefix=HAND_CAUSAL_KV_CACHE
// RUN: tessel-interpret %s --entry hand_gqa --print | FileCheck %s --check-prefix=HAND_GQA
// RUN: tessel-interpret %s --entry hand_large_bias --print | FileCheck %s --check-prefix=HAND_LARGE_BIAS

func.func @attn_mha(%q: tensor<?x4x?x8xf32>, %k: tensor<?x4x?x8xf32>,
                    %v: tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32> {
  %o = tessel.attention %q, %k, %v
      : tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>
      -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}

func.func @attn_gqa_causal(%q: tensor<?x8x?x16xf32>, %k: tensor<?x2x?x16xf32>,
                           %v: tensor<?x2x?x16xf32>) -> tensor<?x8x?x16xf32> {
  %o = tessel.attention %q, %k, %v {causal}
      : tensor<?x8x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
      -> tensor<?x8x?x16xf32>
  return %o : tensor<?x8x?x16xf32>
}

func.func @attn_gqa(%q: tensor<1x8x3x4xf32>, %k: tensor<1x2x5x4xf32>,
                    %v: tensor<1x2x5x4xf32>) -> tensor<1x8x3x4xf32> {
  %o = tessel.attention %q, %k, %v
      : tensor<1x8x3x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>
      -> tensor<1x8x3x4xf32>
  return %o : tensor<1x8x3x4xf32>
}

func.func @attn_mqa(%q: tensor<?x4x3x8xf32>, %k: tensor<?x1x?x8xf32>,
                    %v: tensor<?x1x?x8xf32>) -> tensor<?x4x3x8xf32> {
  %o = tessel.attention %q, %k, %v
      : tensor<?x4x3x8xf32>, tensor<?x1x?x8xf32>, tensor<?x1x?x8xf32>
      -> tensor<?x4x3x8xf32>
  return %o : tensor<?x4x3x8xf32>
}

func.func @attn_causal_square(%q: tensor<1x2x7x8xf32>, %k: tensor<1x2x7x8xf32>,
                              %v: tensor<1x2x7x8xf32>) -> tensor<1x2x7x8xf32> {
  %o = tessel.attention %q, %k, %v {causal}
      : tensor<1x2x7x8xf32>, tensor<1x2x7x8xf32>, tensor<1x2x7x8xf32>
      -> tensor<1x2x7x8xf32>
  return %o : tensor<1x2x7x8xf32>
}

func.func @attn_causal_kv_cache(%q: tensor<?x2x?x8xf32>,
                                %k: tensor<?x2x?x8xf32>,
                                %v: tensor<?x2x?x8xf32>)
    -> tensor<?x2x?x8xf32> {
  %o = tessel.attention %q, %k, %v {causal}
      : tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>
      -> tensor<?x2x?x8xf32>
  return %o : tensor<?x2x?x8xf32>
}

func.func @attn_causal_mqa_decode(%q: tensor<3x4x1x8xf32>,
                                  %k: tensor<3x1x9x8xf32>,
                                  %v: tensor<3x1x9x8xf32>)
    -> tensor<3x4x1x8xf32> {
  %o = tessel.attention %q, %k, %v {causal}
      : tensor<3x4x1x8xf32>, tensor<3x1x9x8xf32>, tensor<3x1x9x8xf32>
      -> tensor<3x4x1x8xf32>
  return %o : tensor<3x4x1x8xf32>
}

func.func @attn_scale(%q: tensor<1x3x4x8xf32>, %k: tensor<1x3x5x8xf32>,
                      %v: tensor<1x3x5x8xf32>) -> tensor<1x3x4x8xf32> {
  %o = tessel.attention %q, %k, %v {scale = 3.000000e-01 : f64}
      : tensor<1x3x4x8xf32>, tensor<1x3x5x8xf32>, tensor<1x3x5x8xf32>
      -> tensor<1x3x4x8xf32>
  return %o : tensor<1x3x4x8xf32>
}

func.func @attn_scale_one_causal(%q: tensor<1x2x4x4xf32>,
                                 %k: tensor<1x2x6x4xf32>,
                                 %v: tensor<1x2x6x4xf32>)
    -> tensor<1x2x4x4xf32> {
  %o = tessel.attention %q, %k, %v {causal, scale = 1.000000e+00 : f64}
      : tensor<1x2x4x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x6x4xf32>
      -> tensor<1x2x4x4xf32>
  return %o : tensor<1x2x4x4xf32>
}

func.func @attn_bias_st(%q: tensor<?x3x4x8xf32>, %k: tensor<?x3x5x8xf32>,
                        %v: tensor<?x3x5x8xf32>, %bias: tensor<4x5xf32>)
    -> tensor<?x3x4x8xf32> {
  %o = tessel.attention %q, %k, %v, %bias
      : tensor<?x3x4x8xf32>, tensor<?x3x5x8xf32>, tensor<?x3x5x8xf32>,
        tensor<4x5xf32> -> tensor<?x3x4x8xf32>
  return %o : tensor<?x3x4x8xf32>
}

func.func @attn_bias_hst(%q: tensor<2x4x3x8xf32>, %k: tensor<2x2x6x8xf32>,
                         %v: tensor<2x2x6x8xf32>, %bias: tensor<4x3x6xf32>)
    -> tensor<2x4x3x8xf32> {
  %o = tessel.attention %q, %k, %v, %bias {causal}
      : tensor<2x4x3x8xf32>, tensor<2x2x6x8xf32>, tensor<2x2x6x8xf32>,
        tensor<4x3x6xf32> -> tensor<2x4x3x8xf32>
  return %o : tensor<2x4x3x8xf32>
}

func.func @attn_bias_bhst(%q: tensor<2x2x5x8xf32>, %k: tensor<2x2x5x8xf32>,
                          %v: tensor<2x2x5x8xf32>, %bias: tensor<2x2x5x5xf32>)
    -> tensor<2x2x5x8xf32> {
  %o = tessel.attention %q, %k, %v, %bias {scale = 5.000000e-01 : f64}
      : tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>,
        tensor<2x2x5x5xf32> -> tensor<2x2x5x8xf32>
  return %o : tensor<2x2x5x8xf32>
}

func.func @attn_bias_padding_mask(%q: tensor<2x2x4x8xf32>,
                                  %k: tensor<2x2x6x8xf32>,
                                  %v: tensor<2x2x6x8xf32>,
                                  %bias: tensor<2x1x1x6xf32>)
    -> tensor<2x2x4x8xf32> {
  %o = tessel.attention %q, %k, %v, %bias
      : tensor<2x2x4x8xf32>, tensor<2x2x6x8xf32>, tensor<2x2x6x8xf32>,
        tensor<2x1x1x6xf32> -> tensor<2x2x4x8xf32>
  return %o : tensor<2x2x4x8xf32>
}

func.func @attn_bias_head_broadcast(%q: tensor<1x3x4x8xf32>,
                                    %k: tensor<1x3x5x8xf32>,
                                    %v: tensor<1x3x5x8xf32>,
                                    %bias: tensor<3x1x5xf32>)
    -> tensor<1x3x4x8xf32> {
  %o = tessel.attention %q, %k, %v, %bias
      : tensor<1x3x4x8xf32>, tensor<1x3x5x8xf32>, tensor<1x3x5x8xf32>,
        tensor<3x1x5xf32> -> tensor<1x3x4x8xf32>
  return %o : tensor<1x3x4x8xf32>
}

func.func @attn_dv(%q: tensor<?x4x?x12xf32>, %k: tensor<?x2x?x12xf32>,
                   %v: tensor<?x2x?x5xf32>) -> tensor<?x4x?x5xf32> {
  %o = tessel.attention %q, %k, %v {causal}
      : tensor<?x4x?x12xf32>, tensor<?x2x?x12xf32>, tensor<?x2x?x5xf32>
      -> tensor<?x4x?x5xf32>
  return %o : tensor<?x4x?x5xf32>
}

func.func @attn_dv_large(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x4x4xf32>,
                         %v: tensor<1x2x4x16xf32>) -> tensor<1x2x3x16xf32> {
  %o = tessel.attention %q, %k, %v
      : tensor<1x2x3x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x16xf32>
      -> tensor<1x2x3x16xf32>
  return %o : tensor<1x2x3x16xf32>
}

func.func @attn_large_logits(%q: tensor<2x2x4x4xf32>, %k: tensor<2x2x6x4xf32>,
                             %v: tensor<2x2x6x4xf32>) -> tensor<2x2x4x4xf32> {
  %o = tessel.attention %q, %k, %v {causal}
      : tensor<2x2x4x4xf32>, tensor<2x2x6x4xf32>, tensor<2x2x6x4xf32>
      -> tensor<2x2x4x4xf32>
  return %o : tensor<2x2x4x4xf32>
}

func.func @attn_large_bias(%q: tensor<1x2x3x4xf32>, %k: tensor<1x2x5x4xf32>,
                           %v: tensor<1x2x5x4xf32>, %bias: tensor<3x5xf32>)
    -> tensor<1x2x3x4xf32> {
  %o = tessel.attention %q, %k, %v, %bias {scale = 1.000000e+00 : f64}
      : tensor<1x2x3x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>,
        tensor<3x5xf32> -> tensor<1x2x3x4xf32>
  return %o : tensor<1x2x3x4xf32>
}

func.func @attn_f16(%q: tensor<?x8x?x16xf16>, %k: tensor<?x2x?x16xf16>,
                    %v: tensor<?x2x?x16xf16>) -> tensor<?x8x?x16xf16> {
  %o = tessel.attention %q, %k, %v {causal}
      : tensor<?x8x?x16xf16>, tensor<?x2x?x16xf16>, tensor<?x2x?x16xf16>
      -> tensor<?x8x?x16xf16>
  return %o : tensor<?x8x?x16xf16>
}

func.func @attn_f16_bias(%q: tensor<1x2x3x8xf16>, %k: tensor<1x2x4x8xf16>,
                         %v: tensor<1x2x4x8xf16>, %bias: tensor<2x3x4xf16>)
    -> tensor<1x2x3x8xf16> {
  %o = tessel.attention %q, %k, %v, %bias
      : tensor<1x2x3x8xf16>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>,
        tensor<2x3x4xf16> -> tensor<1x2x3x8xf16>
  return %o : tensor<1x2x3x8xf16>
}

// D = 4, default scale 1/sqrt(4) = 0.5. q = [2, 0, 0, 0], keys [0, 0, 0, 0]
// and [1, 0, 0, 0]: logits 0.5 * [0, 2] = [0, 1], softmax
// [1, e] / (1 + e) = [0.268941, 0.731059]; values 10, 20:
// 10 * 0.268941 + 20 * 0.731059 = 17.3106.
// HAND_DEFAULT_SCALE: result 0: tensor<1x1x1x1xf32> = {{\[\[\[\[}}17.3106]]]]
func.func @hand_default_scale() -> tensor<1x1x1x1xf32> {
  %q = arith.constant dense<[[[[2.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x1x4xf32>
  %k = arith.constant dense<[[[[0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]]]]>
      : tensor<1x1x2x4xf32>
  %v = arith.constant dense<[[[[10.0], [20.0]]]]> : tensor<1x1x2x1xf32>
  %o = tessel.attention %q, %k, %v
      : tensor<1x1x1x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x1xf32>
      -> tensor<1x1x1x1xf32>
  return %o : tensor<1x1x1x1xf32>
}

// Same with scale = 0.25: logits [0, 0.5], weight of key 1
// e^0.5 / (1 + e^0.5) = 1.64872 / 2.64872 = 0.622459, so
// 10 + 10 * 0.622459 = 16.2246.
// HAND_SCALE: result 0: tensor<1x1x1x1xf32> = {{\[\[\[\[}}16.2246]]]]
func.func @hand_scale() -> tensor<1x1x1x1xf32> {
  %q = arith.constant dense<[[[[2.0, 0.0, 0.0, 0.0]]]]> : tensor<1x1x1x4xf32>
  %k = arith.constant dense<[[[[0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]]]]>
      : tensor<1x1x2x4xf32>
  %v = arith.constant dense<[[[[10.0], [20.0]]]]> : tensor<1x1x2x1xf32>
  %o = tessel.attention %q, %k, %v {scale = 2.500000e-01 : f64}
      : tensor<1x1x1x4xf32>, tensor<1x1x2x4xf32>, tensor<1x1x2x1xf32>
      -> tensor<1x1x1x1xf32>
  return %o : tensor<1x1x1x1xf32>
}

// Causal, S = T = 2, D = 1, scale 1, q = [1, 1], k = [0, 1], v = [10, 20]:
// query 0 sees key 0 only -> 10; query 1 sees both, logits [0, 1] -> 17.3106.
// HAND_CAUSAL_SQUARE: result 0: tensor<1x1x2x1xf32> = {{\[\[\[\[}}10], [17.3106]]]]
func.func @hand_causal_square() -> tensor<1x1x2x1xf32> {
  %q = arith.constant dense<[[[[1.0], [1.0]]]]> : tensor<1x1x2x1xf32>
  %k = arith.constant dense<[[[[0.0], [1.0]]]]> : tensor<1x1x2x1xf32>
  %v = arith.constant dense<[[[[10.0], [20.0]]]]> : tensor<1x1x2x1xf32>
  %o = tessel.attention %q, %k, %v {causal}
      : tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>, tensor<1x1x2x1xf32>
      -> tensor<1x1x2x1xf32>
  return %o : tensor<1x1x2x1xf32>
}

// Causal, S = 2 < T = 3 (bottom right: key j visible to query i iff
// j <= i + 1), D = 1, q = [1, 1], k = [0, 1, 1], v = [10, 20, 30]:
//   query 0 sees keys 0, 1: logits [0, 1] -> 17.3106
//   query 1 sees all: weights [1, e, e] / (1 + 2e) = [0.155362, 0.422319,
//   0.422319] -> 1.55362 + 50 * 0.422319 = 22.6696
// (top-left alignment would give 10 and 17.3106).
// HAND_CAUSAL_KV_CACHE: result 0: tensor<1x1x2x1xf32> = {{\[\[\[\[}}17.3106], [22.6696]]]]
func.func @hand_causal_kv_cache() -> tensor<1x1x2x1xf32> {
  %q = arith.constant dense<[[[[1.0], [1.0]]]]> : tensor<1x1x2x1xf32>
  %k = arith.constant dense<[[[[0.0], [1.0], [1.0]]]]> : tensor<1x1x3x1xf32>
  %v = arith.constant dense<[[[[10.0], [20.0], [30.0]]]]> : tensor<1x1x3x1xf32>
  %o = tessel.attention %q, %k, %v {causal}
      : tensor<1x1x2x1xf32>, tensor<1x1x3x1xf32>, tensor<1x1x3x1xf32>
      -> tensor<1x1x2x1xf32>
  return %o : tensor<1x1x2x1xf32>
}

// GQA, Hq = 4, Hkv = 2: every value of kv head 0 is 1 and of kv head 1 is 2,
// so whatever the weights, query heads 0, 1 give 1 and heads 2, 3 give 2
// (head h reads kv head h / 2; h % 2 would give 1, 2, 1, 2).
// HAND_GQA: result 0: tensor<1x4x1x1xf32> = {{\[\[\[\[}}1]], {{\[\[}}1]], {{\[\[}}2]], {{\[\[}}2]]]]
func.func @hand_gqa() -> tensor<1x4x1x1xf32> {
  %q = arith.constant dense<[[[[0.5, 1.0]], [[1.0, 0.0]], [[0.0, 2.0]],
                              [[-1.0, 1.0]]]]> : tensor<1x4x1x2xf32>
  %k = arith.constant dense<[[[[1.0, 0.0], [0.0, 1.0]],
                              [[1.0, 1.0], [2.0, 0.0]]]]> : tensor<1x2x2x2xf32>
  %v = arith.constant dense<[[[[1.0], [1.0]], [[2.0], [2.0]]]]>
      : tensor<1x2x2x1xf32>
  %o = tessel.attention %q, %k, %v
      : tensor<1x4x1x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x1xf32>
      -> tensor<1x4x1x1xf32>
  return %o : tensor<1x4x1x1xf32>
}

// Zero q, so the logits are the [S, T] bias alone: [1e4, 1e4 + 1] gives the
// weights [0.268941, 0.731059] of [0, 1] (exp(1e4) would overflow):
// 10 * 0.268941 + 20 * 0.731059 = 17.3106.
// HAND_LARGE_BIAS: result 0: tensor<1x1x1x1xf32> = {{\[\[\[\[}}17.3106]]]]
func.func @hand_large_bias() -> tensor<1x1x1x1xf32> {
  %q = arith.constant dense<0.0> : tensor<1x1x1x2xf32>
  %k = arith.constant dense<[[[[3.0, -1.0], [2.0, 5.0]]]]> : tensor<1x1x2x2xf32>
  %v = arith.constant dense<[[[[10.0], [20.0]]]]> : tensor<1x1x2x1xf32>
  %bias = arith.constant dense<[[10000.0, 10001.0]]> : tensor<1x2xf32>
  %o = tessel.attention %q, %k, %v, %bias
      : tensor<1x1x1x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x1xf32>,
        tensor<1x2xf32> -> tensor<1x1x1x1xf32>
  return %o : tensor<1x1x1x1xf32>
}

// With its log-sum-exp: O and lse [B, Hq, S].
func.func @attn_lse_gqa_causal(%q: tensor<?x4x?x8xf32>, %k: tensor<?x2x?x8xf32>,
                               %v: tensor<?x2x?x8xf32>, %bias: tensor<4x?x?xf32>)
    -> (tensor<?x4x?x8xf32>, tensor<?x4x?xf32>) {
  %o, %lse = tessel.attention %q, %k, %v, %bias {causal}
      : tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>,
        tensor<4x?x?xf32> -> tensor<?x4x?x8xf32>, tensor<?x4x?xf32>
  return %o, %lse : tensor<?x4x?x8xf32>, tensor<?x4x?xf32>
}

func.func @attn_lse_masked_rows(%q: tensor<1x2x6x4xf32>, %k: tensor<1x2x4x4xf32>,
                                %v: tensor<1x2x4x4xf32>)
    -> (tensor<1x2x6x4xf32>, tensor<1x2x6xf32>) {
  %o, %lse = tessel.attention %q, %k, %v {causal}
      : tensor<1x2x6x4xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
      -> tensor<1x2x6x4xf32>, tensor<1x2x6xf32>
  return %o, %lse : tensor<1x2x6x4xf32>, tensor<1x2x6xf32>
}

func.func @attn_lse_large_logits(%q: tensor<1x2x3x8xf32>, %k: tensor<1x2x70x8xf32>,
                                 %v: tensor<1x2x70x8xf32>, %bias: tensor<3x70xf32>)
    -> (tensor<1x2x3x8xf32>, tensor<1x2x3xf32>) {
  %o, %lse = tessel.attention %q, %k, %v, %bias
      : tensor<1x2x3x8xf32>, tensor<1x2x70x8xf32>, tensor<1x2x70x8xf32>,
        tensor<3x70xf32> -> tensor<1x2x3x8xf32>, tensor<1x2x3xf32>
  return %o, %lse : tensor<1x2x3x8xf32>, tensor<1x2x3xf32>
}

func.func @attn_causal_positions(%q: tensor<?x4x?x8xf32>,
                                 %k: tensor<?x2x?x8xf32>,
                                 %v: tensor<?x2x?x8xf32>,
                                 %pos: tensor<?x?xi64>)
    -> tensor<?x4x?x8xf32> {
  %o = tessel.attention %q, %k, %v positions(%pos : tensor<?x?xi64>) {causal}
      : tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>
      -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}

func.func @attn_causal_positions_tiles(%q: tensor<?x2x?x16xf32>,
                                       %k: tensor<?x2x?x16xf32>,
                                       %v: tensor<?x2x?x16xf32>,
                                       %pos: tensor<?x?xi64>)
    -> tensor<?x2x?x16xf32> {
  %o = tessel.attention %q, %k, %v positions(%pos : tensor<?x?xi64>) {causal}
      : tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
      -> tensor<?x2x?x16xf32>
  return %o : tensor<?x2x?x16xf32>
}

func.func @attn_causal_positions_chunks(%q: tensor<?x2x?x16xf32>,
                                        %k: tensor<?x1x?x16xf32>,
                                        %v: tensor<?x1x?x16xf32>,
                                        %pos: tensor<?x?xi64>)
    -> tensor<?x2x?x16xf32> {
  %o = tessel.attention %q, %k, %v positions(%pos : tensor<?x?xi64>) {causal}
      : tensor<?x2x?x16xf32>, tensor<?x1x?x16xf32>, tensor<?x1x?x16xf32>
      -> tensor<?x2x?x16xf32>
  return %o : tensor<?x2x?x16xf32>
}
