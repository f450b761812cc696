// Round trip of softmax and attention.
// RUN: tessel-opt %s | tessel-opt | FileCheck %s
// RUN: tessel-opt %s --mlir-print-op-generic | tessel-opt | FileCheck %s

// The default axis (-1) is elided, written or not.
// CHECK-LABEL: func.func @softmax
// CHECK-SAME: (%[[S:.+]]: tensor<?x8x?x?xf32>)
// CHECK-NEXT: %[[A:.+]] = tessel.softmax %[[S]] : tensor<?x8x?x?xf32>
// CHECK-NEXT: %[[B:.+]] = tessel.softmax %[[A]] : tensor<?x8x?x?xf32>
// CHECK-NEXT: %[[C:.+]] = tessel.softmax %[[B]] {axis = 3 : i64} : tensor<?x8x?x?xf32>
// CHECK-NEXT: %[[D:.+]] = tessel.softmax %[[C]] {axis = -4 : i64} : tensor<?x8x?x?xf32>
// CHECK-NEXT: %[[E:.+]] = tessel.softmax %[[D]] {axis = 0 : i64} : tensor<?x8x?x?xf32>
// CHECK-NEXT: return %[[E]]
func.func @softmax(%s: tensor<?x8x?x?xf32>) -> tensor<?x8x?x?xf32> {
  %a = tessel.softmax %s : tensor<?x8x?x?xf32>
  %b = tessel.softmax %a {axis = -1 : i64} : tensor<?x8x?x?xf32>
  %c = tessel.softmax %b {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %d = tessel.softmax %c {axis = -4 : i64} : tensor<?x8x?x?xf32>
  %e = tessel.softmax %d {axis = 0 : i64} : tensor<?x8x?x?xf32>
  return %e : tensor<?x8x?x?xf32>
}

// CHECK-LABEL: func.func @softmax_f16_bf16
// CHECK-NEXT: tessel.softmax %{{.+}} : tensor<5xf16>
// CHECK-NEXT: tessel.softmax %{{.+}} {axis = 1 : i64} : tensor<2x3xbf16>
func.func @softmax_f16_bf16(%a: tensor<5xf16>, %b: tensor<2x3xbf16>)
    -> (tensor<5xf16>, tensor<2x3xbf16>) {
  %x = tessel.softmax %a : tensor<5xf16>
  %y = tessel.softmax %b {axis = 1 : i64} : tensor<2x3xbf16>
  return %x, %y : tensor<5xf16>, tensor<2x3xbf16>
}

// Multi-head attention, no bias, no attributes.
// CHECK-LABEL: func.func @attention_mha
// CHECK-SAME: (%[[Q:.+]]: tensor<2x12x16x64xf32>, %[[K:.+]]: tensor<2x12x16x64xf32>, %[[V:.+]]: tensor<2x12x16x64xf32>)
// CHECK-NEXT: %[[O:.+]] = tessel.attention %[[Q]], %[[K]], %[[V]] : tensor<2x12x16x64xf32>, tensor<2x12x16x64xf32>, tensor<2x12x16x64xf32> -> tensor<2x12x16x64xf32>
// CHECK-NEXT: return %[[O]]
func.func @attention_mha(%q: tensor<2x12x16x64xf32>, %k: tensor<2x12x16x64xf32>,
                         %v: tensor<2x12x16x64xf32>) -> tensor<2x12x16x64xf32> {
  %o = tessel.attention %q, %k, %v
      : tensor<2x12x16x64xf32>, tensor<2x12x16x64xf32>, tensor<2x12x16x64xf32>
      -> tensor<2x12x16x64xf32>
  return %o : tensor<2x12x16x64xf32>
}

// Grouped-query attention, causal, dynamic batch and lengths.
// CHECK-LABEL: func.func @attention_gqa_causal
// CHECK-SAME: (%[[Q:.+]]: tensor<?x32x?x128xf32>, %[[K:.+]]: tensor<?x8x?x128xf32>, %[[V:.+]]: tensor<?x8x?x128xf32>)
// CHECK-NEXT: %[[O:.+]] = tessel.attention %[[Q]], %[[K]], %[[V]] {causal} : tensor<?x32x?x128xf32>, tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32> -> tensor<?x32x?x128xf32>
// CHECK-NEXT: return %[[O]]
func.func @attention_gqa_causal(%q: tensor<?x32x?x128xf32>,
                                %k: tensor<?x8x?x128xf32>,
                                %v: tensor<?x8x?x128xf32>)
    -> tensor<?x32x?x128xf32> {
  %o = tessel.attention %q, %k, %v {causal}
      : tensor<?x32x?x128xf32>, tensor<?x8x?x128xf32>, tensor<?x8x?x128xf32>
      -> tensor<?x32x?x128xf32>
  return %o : tensor<?x32x?x128xf32>
}

// Multi-query attention with an explicit scale, in f16.
// CHECK-LABEL: func.func @attention_mqa_scale
// CHECK-SAME: (%[[Q:.+]]: tensor<1x8x4x32xf16>, %[[K:.+]]: tensor<1x1x6x32xf16>, %[[V:.+]]: tensor<1x1x6x32xf16>)
// CHECK-NEXT: %[[O:.+]] = tessel.attention %[[Q]], %[[K]], %[[V]] {scale = 1.250000e-01 : f64} : tensor<1x8x4x32xf16>, tensor<1x1x6x32xf16>, tensor<1x1x6x32xf16> -> tensor<1x8x4x32xf16>
// CHECK-NEXT: %[[P:.+]] = tessel.attention %[[Q]], %[[K]], %[[V]] {causal, scale = -2.000000e+00 : f64} : tensor<1x8x4x32xf16>, tensor<1x1x6x32xf16>, tensor<1x1x6x32xf16> -> tensor<1x8x4x32xf16>
// CHECK-NEXT: return %[[O]], %[[P]]
func.func @attention_mqa_scale(%q: tensor<1x8x4x32xf16>,
                               %k: tensor<1x1x6x32xf16>,
                               %v: tensor<1x1x6x32xf16>)
    -> (tensor<1x8x4x32xf16>, tensor<1x8x4x32xf16>) {
  %o = tessel.attention %q, %k, %v {scale = 0.125 : f64}
      : tensor<1x8x4x32xf16>, tensor<1x1x6x32xf16>, tensor<1x1x6x32xf16>
      -> tensor<1x8x4x32xf16>
  // A negative scale is allowed.
  %p = tessel.attention %q, %k, %v {scale = -2.0 : f64, causal}
      : tensor<1x8x4x32xf16>, tensor<1x1x6x32xf16>, tensor<1x1x6x32xf16>
      -> tensor<1x8x4x32xf16>
  return %o, %p : tensor<1x8x4x32xf16>, tensor<1x8x4x32xf16>
}

// A [H, S, T] bias (from relative_bias or alibi) and a full [B, H, S, T] one.
// CHECK-LABEL: func.func @attention_bias
// CHECK-SAME: (%[[Q:.+]]: tensor<?x8x?x64xf32>, %[[K:.+]]: tensor<?x8x?x64xf32>, %[[V:.+]]: tensor<?x8x?x64xf32>, %[[B:.+]]: tensor<8x?x?xf32>, %[[B4:.+]]: tensor<?x8x?x?xf32>)
// CHECK-NEXT: %[[O:.+]] = tessel.attention %[[Q]], %[[K]], %[[V]], %[[B]] : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<8x?x?xf32> -> tensor<?x8x?x64xf32>
// CHECK-NEXT: %[[P:.+]] = tessel.attention %[[Q]], %[[K]], %[[V]], %[[B4]] {causal, scale = 5.000000e-01 : f64} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32> -> tensor<?x8x?x64xf32>
// CHECK-NEXT: return %[[O]], %[[P]]
func.func @attention_bias(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>,
                          %v: tensor<?x8x?x64xf32>, %bias: tensor<8x?x?xf32>,
                          %bias4: tensor<?x8x?x?xf32>)
    -> (tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>) {
  %o = tessel.attention %q, %k, %v, %bias
      : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>,
        tensor<8x?x?xf32> -> tensor<?x8x?x64xf32>
  %p = tessel.attention %q, %k, %v, %bias4 {causal, scale = 0.5 : f64}
      : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>,
        tensor<?x8x?x?xf32> -> tensor<?x8x?x64xf32>
  return %o, %p : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
}

// A decode step's per-sequence positions [B, S] bound causal attention per
// sequence, with a [B, H, S, T] bias (ALiBi at those positions).
// CHECK-LABEL: func.func @attention_positions
// CHECK-SAME: (%[[Q:.+]]: tensor<?x8x?x64xf32>, %[[K:.+]]: tensor<?x2x?x64xf32>, %[[B:.+]]: tensor<?x8x?x?xf32>, %[[P:.+]]: tensor<?x?xi64>)
// CHECK-NEXT: %[[O:.+]] = tessel.attention %[[Q]], %[[K]], %[[K]], %[[B]] positions(%[[P]] : tensor<?x?xi64>) {causal} : tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x8x?x?xf32> -> tensor<?x8x?x64xf32>
// CHECK-NEXT: return %[[O]]
func.func @attention_positions(%q: tensor<?x8x?x64xf32>,
                               %k: tensor<?x2x?x64xf32>,
                               %bias: tensor<?x8x?x?xf32>,
                               %pos: tensor<?x?xi64>) -> tensor<?x8x?x64xf32> {
  %o = tessel.attention %q, %k, %k, %bias positions(%pos : tensor<?x?xi64>)
      {causal}
      : tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>,
        tensor<?x8x?x?xf32> -> tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// Broadcasting biases: a padding mask [B, 1, 1, T] and a rank-2 [S, T] mask,
// all static, in bf16.
// CHECK-LABEL: func.func @attention_bias_broadcast
// CHECK-NEXT: tessel.attention %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<2x4x3x16xbf16>, tensor<2x4x5x16xbf16>, tensor<2x4x5x16xbf16>, tensor<2x1x1x5xbf16> -> tensor<2x4x3x16xbf16>
// CHECK-NEXT: tessel.attention %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} {causal} : tensor<2x4x3x16xbf16>, tensor<2x4x5x16xbf16>, tensor<2x4x5x16xbf16>, tensor<3x5xbf16> -> tensor<2x4x3x16xbf16>
func.func @attention_bias_broadcast(%q: tensor<2x4x3x16xbf16>,
                                    %k: tensor<2x4x5x16xbf16>,
                                    %v: tensor<2x4x5x16xbf16>,
                                    %pad: tensor<2x1x1x5xbf16>,
                                    %mask: tensor<3x5xbf16>)
    -> (tensor<2x4x3x16xbf16>, tensor<2x4x3x16xbf16>) {
  %o = tessel.attention %q, %k, %v, %pad
      : tensor<2x4x3x16xbf16>, tensor<2x4x5x16xbf16>, tensor<2x4x5x16xbf16>,
        tensor<2x1x1x5xbf16> -> tensor<2x4x3x16xbf16>
  %p = tessel.attention %q, %k, %v, %mask {causal}
      : tensor<2x4x3x16xbf16>, tensor<2x4x5x16xbf16>, tensor<2x4x5x16xbf16>,
        tensor<3x5xbf16> -> tensor<2x4x3x16xbf16>
  return %o, %p : tensor<2x4x3x16xbf16>, tensor<2x4x3x16xbf16>
}

// MLA: the value head dim (128) differs from the query/key head dim (192).
// CHECK-LABEL: func.func @attention_value_dim
// CHECK-NEXT: tessel.attention %{{.+}}, %{{.+}}, %{{.+}} {causal} : tensor<?x16x?x192xf32>, tensor<?x16x?x192xf32>, tensor<?x16x?x128xf32> -> tensor<?x16x?x128xf32>
func.func @attention_value_dim(%q: tensor<?x16x?x192xf32>,
                               %k: tensor<?x16x?x192xf32>,
                               %v: tensor<?x16x?x128xf32>)
    -> tensor<?x16x?x128xf32> {
  %o = tessel.attention %q, %k, %v {causal}
      : tensor<?x16x?x192xf32>, tensor<?x16x?x192xf32>, tensor<?x16x?x128xf32>
      -> tensor<?x16x?x128xf32>
  return %o : tensor<?x16x?x128xf32>
}

// A static bias against dynamic logits dimensions verifies; the sizes are
// checked at run time.
// CHECK-LABEL: func.func @attention_static_bias_dynamic_logits
// CHECK: tessel.attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x8x?x32xf32>, tensor<1x8x?x32xf32>, tensor<1x8x?x32xf32>, tensor<1x1x4x6xf32> -> tensor<1x8x?x32xf32>
func.func @attention_static_bias_dynamic_logits(%q: tensor<1x8x?x32xf32>, %k: tensor<1x8x?x32xf32>, %v: tensor<1x8x?x32xf32>, %bias: tensor<1x1x4x6xf32>) -> tensor<1x8x?x32xf32> {
  %o = tessel.attention %q, %k, %v, %bias : tensor<1x8x?x32xf32>, tensor<1x8x?x32xf32>, tensor<1x8x?x32xf32>, tensor<1x1x4x6xf32> -> tensor<1x8x?x32xf32>
  return %o : tensor<1x8x?x32xf32>
}

// Attention with its log-sum-exp, f32 [B, Hq, S], named in the printed form.
// CHECK-LABEL: func.func @attention_lse
// CHECK-NEXT: %[[O:.+]], %[[LSE:.+]] = tessel.attention %{{.+}}, %{{.+}}, %{{.+}} {causal} : tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16> -> tensor<?x8x?x64xbf16>, tensor<?x8x?xf32>
// CHECK-NEXT: return %[[O]], %[[LSE]]
func.func @attention_lse(%q: tensor<?x8x?x64xbf16>, %k: tensor<?x2x?x64xbf16>,
                         %v: tensor<?x2x?x64xbf16>)
    -> (tensor<?x8x?x64xbf16>, tensor<?x8x?xf32>) {
  %o, %lse = tessel.attention %q, %k, %v {causal}
      : tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16>
      -> tensor<?x8x?x64xbf16>, tensor<?x8x?xf32>
  return %o, %lse : tensor<?x8x?x64xbf16>, tensor<?x8x?xf32>
}

// One key tile of the online softmax: the running state in, updated out;
// an optional bias (broadcast to [G, Q, K]) and causal diagonal.
// CHECK-LABEL: func.func @online_attention
// CHECK-SAME: (%[[Q:.+]]: tensor<4x?x64xf16>, %[[K:.+]]: tensor<32x64xf16>, %[[V:.+]]: tensor<32x48xf16>, %[[M:.+]]: tensor<4x?xf32>, %[[L:.+]]: tensor<4x?xf32>, %[[ACC:.+]]: tensor<4x?x48xf32>, %[[BIAS:.+]]: tensor<?x32xf16>, %[[D:.+]]: index)
// CHECK-NEXT: %[[M1:.+]], %[[L1:.+]], %[[A1:.+]] = tessel.online_attention %[[Q]], %[[K]], %[[V]] into %[[M]], %[[L]], %[[ACC]] : tensor<4x?x64xf16>, tensor<32x64xf16>, tensor<32x48xf16> -> tensor<4x?xf32>, tensor<4x?x48xf32>
// CHECK-NEXT: %[[M2:.+]], %[[L2:.+]], %[[A2:.+]] = tessel.online_attention %[[Q]], %[[K]], %[[V]] bias %[[BIAS]] diagonal %[[D]] into %[[M1]], %[[L1]], %[[A1]] {scale = 1.250000e-01 : f64} : tensor<4x?x64xf16>, tensor<32x64xf16>, tensor<32x48xf16>, tensor<?x32xf16> -> tensor<4x?xf32>, tensor<4x?x48xf32>
// CHECK-NEXT: return %[[M2]], %[[L2]], %[[A2]]
func.func @online_attention(%q: tensor<4x?x64xf16>, %k: tensor<32x64xf16>,
                            %v: tensor<32x48xf16>, %m: tensor<4x?xf32>,
                            %l: tensor<4x?xf32>, %acc: tensor<4x?x48xf32>,
                            %bias: tensor<?x32xf16>, %d: index)
    -> (tensor<4x?xf32>, tensor<4x?xf32>, tensor<4x?x48xf32>) {
  %m1, %l1, %a1 = tessel.online_attention %q, %k, %v into %m, %l, %acc
      : tensor<4x?x64xf16>, tensor<32x64xf16>, tensor<32x48xf16>
      -> tensor<4x?xf32>, tensor<4x?x48xf32>
  %m2, %l2, %a2 = tessel.online_attention %q, %k, %v bias %bias diagonal %d
      into %m1, %l1, %a1 {scale = 0.125 : f64}
      : tensor<4x?x64xf16>, tensor<32x64xf16>, tensor<32x48xf16>, tensor<?x32xf16>
      -> tensor<4x?xf32>, tensor<4x?x48xf32>
  return %m2, %l2, %a2 : tensor<4x?xf32>, tensor<4x?xf32>, tensor<4x?x48xf32>
}

// The KV cache ops: a step's keys written at its positions, and the cache
// read up to the step's last position.
// CHECK-LABEL: func.func @kv_cache
// CHECK-SAME: (%[[C:.+]]: tensor<?x2x?x16xf32>, %[[K:.+]]: tensor<?x2x?x16xf32>, %[[P:.+]]: tensor<?xi64>)
// CHECK-NEXT: %[[W:.+]] = tessel.cache_write %[[K]] into %[[C]][%[[P]]] : tensor<?x2x?x16xf32> into tensor<?x2x?x16xf32>, tensor<?xi64>
// CHECK-NEXT: %[[R:.+]] = tessel.cache_read %[[W]][%[[P]]] : tensor<?x2x?x16xf32>, tensor<?xi64> -> tensor<?x2x?x16xf32>
// CHECK-NEXT: return %[[W]], %[[R]]
func.func @kv_cache(%cache: tensor<?x2x?x16xf32>, %k: tensor<?x2x?x16xf32>, %pos: tensor<?xi64>) -> (tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>) {
  %w = tessel.cache_write %k into %cache[%pos] : tensor<?x2x?x16xf32> into tensor<?x2x?x16xf32>, tensor<?xi64>
  %r = tessel.cache_read %w[%pos] : tensor<?x2x?x16xf32>, tensor<?xi64> -> tensor<?x2x?x16xf32>
  return %w, %r : tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
}

// A paged KV cache: a pool of blocks of 16 positions, written and read
// through per-sequence block tables.
// CHECK-LABEL: func.func @paged_cache
// CHECK-SAME: (%[[K:.+]]: tensor<?x2x?x64xf32>, %[[POOL:.+]]: tensor<?x2x16x64xf32>, %[[T:.+]]: tensor<?x?xi64>, %[[P:.+]]: tensor<?x?xi64>)
// CHECK-NEXT: %[[W:.+]] = tessel.paged_cache_write %[[K]] into %[[POOL]][%[[T]], %[[P]]] : tensor<?x2x?x64xf32> into tensor<?x2x16x64xf32>, tensor<?x?xi64>, tensor<?x?xi64>
// CHECK-NEXT: %[[R:.+]] = tessel.paged_cache_read %[[W]][%[[T]], %[[P]]] : tensor<?x2x16x64xf32>, tensor<?x?xi64>, tensor<?x?xi64> -> tensor<?x2x?x64xf32>
// CHECK-NEXT: return %[[W]], %[[R]]
func.func @paged_cache(%k: tensor<?x2x?x64xf32>, %pool: tensor<?x2x16x64xf32>,
                       %table: tensor<?x?xi64>, %pos: tensor<?x?xi64>)
    -> (tensor<?x2x16x64xf32>, tensor<?x2x?x64xf32>) {
  %w = tessel.paged_cache_write %k into %pool[%table, %pos]
      : tensor<?x2x?x64xf32> into tensor<?x2x16x64xf32>, tensor<?x?xi64>,
        tensor<?x?xi64>
  %r = tessel.paged_cache_read %w[%table, %pos]
      : tensor<?x2x16x64xf32>, tensor<?x?xi64>, tensor<?x?xi64>
      -> tensor<?x2x?x64xf32>
  return %w, %r : tensor<?x2x16x64xf32>, tensor<?x2x?x64xf32>
}
