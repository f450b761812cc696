// RUN: tessel-opt %s --split-input-file --tessel-tile-attention-grad="block-q=32 block-k=16" --cse | FileCheck %s
// RUN: not tessel-opt %s --split-input-file --tessel-tile-attention-grad="block-k=0" 2>&1 | FileCheck %s --check-prefix=BAD

// FlashAttention's backward, GQA (4 query heads over 2 key/value heads),
// causal, value heads narrower than key heads. delta = rowsum(do * o) is
// computed once. The dQ pass is a forall over (batch, query head, 32-row
// query tile) that reads key/value head h / 2 and walks the key tiles in
// two loops, as the forward does: tiles wholly below the diagonal with
// static 16-row sizes and no mask, then the tiles crossing it, masked.
// Each step recomputes p = exp(scale q.k - lse) from the saved lse (no
// [S, T] tensor) and adds ds k to the query tile's dq.

// CHECK-LABEL: func.func @gqa_causal
// CHECK-SAME:    (%[[Q:[^:]+]]: tensor<1x4x?x16xf32>, %[[K:[^:]+]]: tensor<1x2x?x16xf32>, %[[V:[^:]+]]: tensor<1x2x?x8xf32>, %[[O:[^:]+]]: tensor<1x4x?x8xf32>, %[[LSE:[^:]+]]: tensor<1x4x?xf32>, %[[DO:[^:]+]]: tensor<1x4x?x8xf32>)
// CHECK:         %[[S:.+]] = tensor.dim %[[Q]], %c2
// CHECK:         %[[T:.+]] = tensor.dim %[[K]], %c2
// CHECK:         %[[SHIFT:.+]] = arith.subi %[[T]], %[[S]]
// CHECK:         %[[DELTA:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[DO]], %[[O]] : {{.+}}) outs(%{{.+}} : tensor<1x4x?xf32>)
// CHECK:         %[[DQ:.+]] = scf.forall (%[[B:.+]], %[[H:.+]], %[[I:.+]]) = (0, 0, 0) to (1, 4, %[[S]]) step (1, 1, 32) shared_outs(%[[DQOUT:.+]] = %{{.+}}) -> (tensor<1x4x?x16xf32>)
// CHECK:           %[[HK:.+]] = arith.divui %[[H]], %c2
// CHECK:           %[[QT:.+]] = tensor.extract_slice %[[Q]][%[[B]], %[[H]], %[[I]], 0] [1, 1, %{{.+}}, 16] [1, 1, 1, 1] : tensor<1x4x?x16xf32> to tensor<?x16xf32>
// CHECK:           %[[LSET:.+]] = tensor.extract_slice %[[LSE]][%[[B]], %[[H]], %[[I]]]
// CHECK:           %[[DT:.+]] = tensor.extract_slice %[[DELTA]][%[[B]], %[[H]], %[[I]]]
// CHECK:           %[[FULL:.+]] = scf.for %[[J:.+]] = %c0 to %[[FULLEND:.+]] step %c16 iter_args(%[[ACC:.+]] = %{{.+}}) -> (tensor<?x16xf32>)
// CHECK-NEXT:        %[[KT:.+]] = tensor.extract_slice %[[K]][%[[B]], %[[HK]], %[[J]], 0] [1, 1, 16, 16] {{.+}} to tensor<16x16xf32>
// CHECK-NEXT:        %[[VT:.+]] = tensor.extract_slice %[[V]][%[[B]], %[[HK]], %[[J]], 0] [1, 1, 16, 8] {{.+}} to tensor<16x8xf32>
// CHECK-NEXT:        %[[QK:.+]] = linalg.generic {{.+}} ins(%[[QT]], %[[KT]] : tensor<?x16xf32>, tensor<16x16xf32>)
// CHECK:             %[[DP:.+]] = linalg.generic {{.+}} ins(%{{.+}}, %[[VT]] : tensor<?x8xf32>, tensor<16x8xf32>)
// CHECK:             %[[PDS:.+]]:2 = linalg.generic {{.+}} ins(%[[LSET]], %[[DT]] : tensor<?xf32>, tensor<?xf32>) outs(%[[QK]], %[[DP]] : tensor<?x16xf32>, tensor<?x16xf32>)
// CHECK-NOT:         linalg.index
// CHECK:               math.exp
// CHECK:               arith.cmpf une
// CHECK:             %[[NEXT:.+]] = linalg.generic {{.+}} ins(%[[PDS]]#1, %[[KT]] : tensor<?x16xf32>, tensor<16x16xf32>) outs(%[[ACC]] : tensor<?x16xf32>)
// CHECK:             scf.yield %[[NEXT]]
// CHECK:           %[[DIAG:.+]] = scf.for %{{.+}} = %[[FULLEND]] to %{{.+}} step %c16 iter_args(%{{.+}} = %[[FULL]])
// CHECK:             tensor.extract_slice %[[K]]{{.+}} to tensor<?x16xf32>
// CHECK:             linalg.index 1
// CHECK:             arith.cmpi sle
// CHECK:           scf.forall.in_parallel
// CHECK-NEXT:        tensor.parallel_insert_slice %[[DIAG]] into %[[DQOUT]][%[[B]], %[[H]], %[[I]], 0] [1, 1, %{{.+}}, 16]

// The dK/dV pass: a forall over (batch, key/value head, 16-row key tile);
// each walks the group's two query heads in one loop (dk and dv summed in
// this thread, no atomics), and for each the query tiles that see its keys:
// the tiles crossing the diagonal (masked, from the first tile that sees
// the key tile), then full 32-row tiles with static sizes, then the last,
// shorter one. Products are in the transposed orientation: sᵀ = k qᵀ,
// dv += pᵀ do, dk += dsᵀ q.

// CHECK:         %[[KV:.+]]:2 = scf.forall (%[[B2:.+]], %[[HK2:.+]], %[[J2:.+]]) = (0, 0, 0) to (1, 2, %[[T]]) step (1, 1, 16) shared_outs(%[[DKOUT:.+]] = %{{.+}}, %[[DVOUT:.+]] = %{{.+}}) -> (tensor<1x2x?x16xf32>, tensor<1x2x?x8xf32>)
// CHECK:           %[[KT2:.+]] = tensor.extract_slice %[[K]][%[[B2]], %[[HK2]], %[[J2]], 0]
// CHECK:           %[[HEADS:.+]]:2 = scf.for %[[G:.+]] = %c0{{.*}} to %c2 step %c1
// CHECK:             %[[FIRST:.+]] = arith.muli %[[HK2]], %c2
// CHECK:             %[[H2:.+]] = arith.addi %[[FIRST]], %[[G]]
// CHECK:             %[[MASKED:.+]]:2 = scf.for
// CHECK:               %[[QT2:.+]] = tensor.extract_slice %[[Q]][%[[B2]], %[[H2]], %{{.+}}, 0]
// CHECK:               %[[ST:.+]] = linalg.generic {{.+}} ins(%[[KT2]], %[[QT2]] : tensor<?x16xf32>, tensor<?x16xf32>)
// CHECK:               linalg.index 0
// CHECK:               arith.cmpi sle
// CHECK:             %[[UNMASKED:.+]]:2 = scf.for {{.+}} iter_args(%{{.+}} = %[[MASKED]]#0, %{{.+}} = %[[MASKED]]#1)
// CHECK:               tensor.extract_slice %[[Q]]{{.+}} [1, 1, 32, 16] {{.+}} to tensor<32x16xf32>
// CHECK-NOT:           linalg.index
// CHECK:             %[[LAST:.+]]:2 = scf.for {{.+}} iter_args(%{{.+}} = %[[UNMASKED]]#0, %{{.+}} = %[[UNMASKED]]#1)
// CHECK:             scf.yield %[[LAST]]#0, %[[LAST]]#1
// CHECK:           scf.forall.in_parallel
// CHECK-NEXT:        tensor.parallel_insert_slice %[[HEADS]]#0 into %[[DKOUT]][%[[B2]], %[[HK2]], %[[J2]], 0]
// CHECK-NEXT:        tensor.parallel_insert_slice %[[HEADS]]#1 into %[[DVOUT]][%[[B2]], %[[HK2]], %[[J2]], 0]
// CHECK:         return %[[DQ]], %[[KV]]#0, %[[KV]]#1
func.func @gqa_causal(%q: tensor<1x4x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x8xf32>, %o: tensor<1x4x?x8xf32>, %lse: tensor<1x4x?xf32>, %do: tensor<1x4x?x8xf32>) -> (tensor<1x4x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x8xf32>) {
  %dq, %dk, %dv = tessel.attention_grad %q, %k, %v, %o, %lse, %do {causal, scale = 2.500000e-01 : f64} : tensor<1x4x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x8xf32>, tensor<1x4x?x8xf32>, tensor<1x4x?xf32>
  return %dq, %dk, %dv : tensor<1x4x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x8xf32>
}

// -----

// Without `causal`: every key tile for every query tile, full tiles first,
// then the last, shorter one; no mask anywhere.

// CHECK-LABEL: func.func @mha
// CHECK:         scf.forall {{.+}} to (%{{.+}}, 2, %{{.+}}) step (1, 1, 32)
// CHECK:           scf.for {{.+}} -> (tensor<?x8xf32>)
// CHECK:           scf.for {{.+}} -> (tensor<?x8xf32>)
// CHECK-NOT:       linalg.index
// CHECK:         scf.forall {{.+}} to (%{{.+}}, 2, %{{.+}}) step (1, 1, 16)
// CHECK:           scf.for {{.+}} = %c0{{.*}} to %c1 step %c1
// CHECK-NOT:       linalg.index
// CHECK:         return
func.func @mha(%q: tensor<?x2x?x8xf32>, %k: tensor<?x2x?x8xf32>, %v: tensor<?x2x?x8xf32>, %o: tensor<?x2x?x8xf32>, %lse: tensor<?x2x?xf32>, %do: tensor<?x2x?x8xf32>) -> (tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>) {
  %dq, %dk, %dv = tessel.attention_grad %q, %k, %v, %o, %lse, %do {scale = 0.35 : f64} : tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?xf32>
  return %dq, %dk, %dv : tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>
}

// -----

// A bias whose gradient is read (the [B, H, S, T] ds itself: a learned
// relative-bias table) and f16 elements are left to the untiled lowering.

// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:     scf.forall
// CHECK:         tessel.attention_grad {{.+}} bias
// CHECK:         tessel.attention_grad {{.+}} : tensor<1x2x4x8xf16>
func.func @left_alone(%q: tensor<1x2x4x8xf32>, %bias: tensor<2x4x4xf32>, %lse: tensor<1x2x4xf32>, %h: tensor<1x2x4x8xf16>, %hlse: tensor<1x2x4xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x8xf16>) {
  %dq, %dk, %dv, %db = tessel.attention_grad %q, %q, %q, %q, %lse, %q bias(%bias : tensor<2x4x4xf32>) {scale = 0.35 : f64} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4xf32> -> tensor<1x2x4x4xf32>
  %hq, %hk, %hv = tessel.attention_grad %h, %h, %h, %h, %hlse, %h {scale = 0.35 : f64} : tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>, tensor<1x2x4xf32>
  return %dq, %db, %hq : tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>, tensor<1x2x4x8xf16>
}

// -----

// A bias nobody needs the gradient of (ALiBi's): both passes read it tile
// by tile, as the forward does, a [bq, bk] slice of this head's rows and
// keys (here [H, S, T]: no batch axis), and add it to the recomputed
// logits; the dK/dV pass reads it transposed.

// CHECK-LABEL: func.func @alibi_bias
// CHECK-SAME:    %[[BIAS:[^:]+]]: tensor<4x?x?xf32>
// CHECK:         scf.forall
// CHECK:           %[[QB:.+]] = tensor.extract_slice %[[BIAS]][%{{.+}}, %{{.+}}, %{{.+}}] [1, %{{.+}}, 16] [1, 1, 1] : tensor<4x?x?xf32> to tensor<?x16xf32>
// CHECK-NEXT:      linalg.generic {{.+}} ins(%{{.+}}, %{{.+}}, %[[QB]] :
// CHECK-NEXT:      ^bb0(%{{[^:]+}}: f32, %{{[^:]+}}: f32, %[[B:[^:]+]]: f32,
// CHECK:             %[[SCALED:.+]] = arith.mulf
// CHECK-NEXT:        arith.addf %[[SCALED]], %[[B]] : f32
// CHECK:         scf.forall
// CHECK:           %[[KB:.+]] = tensor.extract_slice %[[BIAS]]
// CHECK-NEXT:      linalg.generic
// CHECK-SAME:        ins(%{{.+}}, %{{.+}}, %[[KB]] :
// CHECK-NOT:     tessel.attention_grad
func.func @alibi_bias(%q: tensor<?x4x?x8xf32>, %k: tensor<?x2x?x8xf32>, %o: tensor<?x4x?x8xf32>, %lse: tensor<?x4x?xf32>, %bias: tensor<4x?x?xf32>) -> (tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>) {
  %dq, %dk, %dv, %db = tessel.attention_grad %q, %k, %k, %o, %lse, %o bias(%bias : tensor<4x?x?xf32>) {causal, scale = 0.35 : f64} : tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x4x?x8xf32>, tensor<?x4x?xf32> -> tensor<?x4x?x?xf32>
  return %dq, %dk, %dv : tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>
}

// BAD: tessel-tile-attention-grad: block-q and block-k must be positive
