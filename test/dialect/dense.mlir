// Round trip of the dense ops: linear, matmul, embedding, add, mul, gelu,
// silu, swiglu, transpose, reshape.
// RUN: tessel-opt %s | tessel-opt | FileCheck %s
// RUN: tessel-opt %s --mlir-print-op-generic | tessel-opt | FileCheck %s

// CHECK-LABEL: func.func @linear_bias
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x768xf32>, %[[W:.+]]: tensor<3072x768xf32>, %[[B:.+]]: tensor<3072xf32>)
// CHECK-NEXT: %[[Y:.+]] = tessel.linear %[[X]], %[[W]], %[[B]] : tensor<?x?x768xf32>, tensor<3072x768xf32>, tensor<3072xf32> -> tensor<?x?x3072xf32>
// CHECK-NEXT: return %[[Y]]
func.func @linear_bias(%x: tensor<?x?x768xf32>, %w: tensor<3072x768xf32>,
                       %b: tensor<3072xf32>) -> tensor<?x?x3072xf32> {
  %y = tessel.linear %x, %w, %b
      : tensor<?x?x768xf32>, tensor<3072x768xf32>, tensor<3072xf32>
      -> tensor<?x?x3072xf32>
  return %y : tensor<?x?x3072xf32>
}

// CHECK-LABEL: func.func @linear_no_bias
// CHECK-SAME: (%[[X:.+]]: tensor<4x16xf16>, %[[W:.+]]: tensor<8x16xf16>)
// CHECK-NEXT: %[[Y:.+]] = tessel.linear %[[X]], %[[W]] : tensor<4x16xf16>, tensor<8x16xf16> -> tensor<4x8xf16>
// CHECK-NEXT: return %[[Y]]
func.func @linear_no_bias(%x: tensor<4x16xf16>, %w: tensor<8x16xf16>)
    -> tensor<4x8xf16> {
  %y = tessel.linear %x, %w : tensor<4x16xf16>, tensor<8x16xf16>
      -> tensor<4x8xf16>
  return %y : tensor<4x8xf16>
}

// A rank-1 input and a dynamic weight, in bf16.
// CHECK-LABEL: func.func @linear_rank1_dynamic_weight
// CHECK-SAME: (%[[X:.+]]: tensor<16xbf16>, %[[W:.+]]: tensor<?x?xbf16>, %[[B:.+]]: tensor<?xbf16>)
// CHECK-NEXT: %[[Y:.+]] = tessel.linear %[[X]], %[[W]], %[[B]] : tensor<16xbf16>, tensor<?x?xbf16>, tensor<?xbf16> -> tensor<?xbf16>
func.func @linear_rank1_dynamic_weight(%x: tensor<16xbf16>,
                                       %w: tensor<?x?xbf16>,
                                       %b: tensor<?xbf16>) -> tensor<?xbf16> {
  %y = tessel.linear %x, %w, %b
      : tensor<16xbf16>, tensor<?x?xbf16>, tensor<?xbf16> -> tensor<?xbf16>
  return %y : tensor<?xbf16>
}

// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[A:.+]]: tensor<1x8x128x64xf32>, %[[B:.+]]: tensor<1x8x64x128xf32>)
// CHECK-NEXT: %[[C:.+]] = tessel.matmul %[[A]], %[[B]] : tensor<1x8x128x64xf32>, tensor<1x8x64x128xf32> -> tensor<1x8x128x128xf32>
// CHECK-NEXT: return %[[C]]
func.func @matmul(%a: tensor<1x8x128x64xf32>, %b: tensor<1x8x64x128xf32>)
    -> tensor<1x8x128x128xf32> {
  %c = tessel.matmul %a, %b
      : tensor<1x8x128x64xf32>, tensor<1x8x64x128xf32>
      -> tensor<1x8x128x128xf32>
  return %c : tensor<1x8x128x128xf32>
}

// CHECK-LABEL: func.func @matmul_dynamic_bf16
// CHECK-SAME: (%[[A:.+]]: tensor<?x?x64xbf16>, %[[B:.+]]: tensor<?x64x?xbf16>)
// CHECK-NEXT: %[[C:.+]] = tessel.matmul %[[A]], %[[B]] : tensor<?x?x64xbf16>, tensor<?x64x?xbf16> -> tensor<?x?x?xbf16>
func.func @matmul_dynamic_bf16(%a: tensor<?x?x64xbf16>,
                               %b: tensor<?x64x?xbf16>) -> tensor<?x?x?xbf16> {
  %c = tessel.matmul %a, %b
      : tensor<?x?x64xbf16>, tensor<?x64x?xbf16> -> tensor<?x?x?xbf16>
  return %c : tensor<?x?x?xbf16>
}

// CHECK-LABEL: func.func @embedding_i64
// CHECK-SAME: (%[[IDS:.+]]: tensor<?x?xi64>, %[[T:.+]]: tensor<50257x768xf32>)
// CHECK-NEXT: %[[H:.+]] = tessel.embedding %[[IDS]], %[[T]] : tensor<?x?xi64>, tensor<50257x768xf32> -> tensor<?x?x768xf32>
// CHECK-NEXT: return %[[H]]
func.func @embedding_i64(%ids: tensor<?x?xi64>, %wte: tensor<50257x768xf32>)
    -> tensor<?x?x768xf32> {
  %h = tessel.embedding %ids, %wte
      : tensor<?x?xi64>, tensor<50257x768xf32> -> tensor<?x?x768xf32>
  return %h : tensor<?x?x768xf32>
}

// CHECK-LABEL: func.func @embedding_i32_f16
// CHECK-SAME: (%[[IDS:.+]]: tensor<7xi32>, %[[T:.+]]: tensor<100x32xf16>)
// CHECK-NEXT: %[[H:.+]] = tessel.embedding %[[IDS]], %[[T]] : tensor<7xi32>, tensor<100x32xf16> -> tensor<7x32xf16>
func.func @embedding_i32_f16(%ids: tensor<7xi32>, %t: tensor<100x32xf16>)
    -> tensor<7x32xf16> {
  %h = tessel.embedding %ids, %t
      : tensor<7xi32>, tensor<100x32xf16> -> tensor<7x32xf16>
  return %h : tensor<7x32xf16>
}

// Rank-0 ids give one row.
// CHECK-LABEL: func.func @embedding_scalar_id
// CHECK: tessel.embedding %{{.+}}, %{{.+}} : tensor<i64>, tensor<10x4xf32> -> tensor<4xf32>
func.func @embedding_scalar_id(%id: tensor<i64>, %t: tensor<10x4xf32>)
    -> tensor<4xf32> {
  %h = tessel.embedding %id, %t : tensor<i64>, tensor<10x4xf32> -> tensor<4xf32>
  return %h : tensor<4xf32>
}

// CHECK-LABEL: func.func @add_broadcast
// CHECK-SAME: (%[[S:.+]]: tensor<?x8x?x?xf32>, %[[M:.+]]: tensor<?x?xf32>)
// CHECK-NEXT: %[[Y:.+]] = tessel.add %[[S]], %[[M]] : tensor<?x8x?x?xf32>, tensor<?x?xf32> -> tensor<?x8x?x?xf32>
// CHECK-NEXT: return %[[Y]]
func.func @add_broadcast(%s: tensor<?x8x?x?xf32>, %m: tensor<?x?xf32>)
    -> tensor<?x8x?x?xf32> {
  %y = tessel.add %s, %m
      : tensor<?x8x?x?xf32>, tensor<?x?xf32> -> tensor<?x8x?x?xf32>
  return %y : tensor<?x8x?x?xf32>
}

// Size-1 dimensions stretch on both sides.
// CHECK-LABEL: func.func @add_stretch_f16
// CHECK-NEXT: tessel.add %{{.+}}, %{{.+}} : tensor<4x1xf16>, tensor<1x3xf16> -> tensor<4x3xf16>
func.func @add_stretch_f16(%a: tensor<4x1xf16>, %b: tensor<1x3xf16>)
    -> tensor<4x3xf16> {
  %y = tessel.add %a, %b : tensor<4x1xf16>, tensor<1x3xf16> -> tensor<4x3xf16>
  return %y : tensor<4x3xf16>
}

// CHECK-LABEL: func.func @mul
// CHECK-SAME: (%[[A:.+]]: tensor<2x3xbf16>, %[[B:.+]]: tensor<bf16>)
// CHECK-NEXT: %[[Y:.+]] = tessel.mul %[[A]], %[[B]] : tensor<2x3xbf16>, tensor<bf16> -> tensor<2x3xbf16>
// CHECK-NEXT: return %[[Y]]
func.func @mul(%a: tensor<2x3xbf16>, %b: tensor<bf16>) -> tensor<2x3xbf16> {
  %y = tessel.mul %a, %b : tensor<2x3xbf16>, tensor<bf16> -> tensor<2x3xbf16>
  return %y : tensor<2x3xbf16>
}

// The default approximation, exact, is not printed, whether or not it was
// written.
// CHECK-LABEL: func.func @gelu_exact
// CHECK-SAME: (%[[H:.+]]: tensor<?x?x3072xf32>)
// CHECK-NEXT: %[[A:.+]] = tessel.gelu %[[H]] : tensor<?x?x3072xf32>
// CHECK-NEXT: %[[B:.+]] = tessel.gelu %[[A]] : tensor<?x?x3072xf32>
// CHECK-NEXT: return %[[B]]
func.func @gelu_exact(%h: tensor<?x?x3072xf32>) -> tensor<?x?x3072xf32> {
  %a = tessel.gelu %h : tensor<?x?x3072xf32>
  %b = tessel.gelu %a approximate = exact : tensor<?x?x3072xf32>
  return %b : tensor<?x?x3072xf32>
}

// CHECK-LABEL: func.func @gelu_tanh
// CHECK-SAME: (%[[H:.+]]: tensor<?x?x3072xf16>)
// CHECK-NEXT: %[[A:.+]] = tessel.gelu %[[H]] approximate = tanh : tensor<?x?x3072xf16>
// CHECK-NEXT: return %[[A]]
func.func @gelu_tanh(%h: tensor<?x?x3072xf16>) -> tensor<?x?x3072xf16> {
  %a = tessel.gelu %h approximate = tanh : tensor<?x?x3072xf16>
  return %a : tensor<?x?x3072xf16>
}

// CHECK-LABEL: func.func @silu
// CHECK-SAME: (%[[H:.+]]: tensor<?x?x11008xbf16>)
// CHECK-NEXT: %[[A:.+]] = tessel.silu %[[H]] : tensor<?x?x11008xbf16>
// CHECK-NEXT: return %[[A]]
func.func @silu(%h: tensor<?x?x11008xbf16>) -> tensor<?x?x11008xbf16> {
  %a = tessel.silu %h : tensor<?x?x11008xbf16>
  return %a : tensor<?x?x11008xbf16>
}

// CHECK-LABEL: func.func @swiglu
// CHECK-SAME: (%[[G:.+]]: tensor<?x?x11008xf32>, %[[U:.+]]: tensor<?x?x11008xf32>)
// CHECK-NEXT: %[[A:.+]] = tessel.swiglu %[[G]], %[[U]] : tensor<?x?x11008xf32>
// CHECK-NEXT: return %[[A]]
func.func @swiglu(%gate: tensor<?x?x11008xf32>, %up: tensor<?x?x11008xf32>)
    -> tensor<?x?x11008xf32> {
  %a = tessel.swiglu %gate, %up : tensor<?x?x11008xf32>
  return %a : tensor<?x?x11008xf32>
}

// CHECK-LABEL: func.func @transpose
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x12x64xf32>)
// CHECK-NEXT: %[[T:.+]] = tessel.transpose %[[X]] [0, 2, 1, 3] : tensor<?x?x12x64xf32> -> tensor<?x12x?x64xf32>
// CHECK-NEXT: return %[[T]]
func.func @transpose(%x: tensor<?x?x12x64xf32>) -> tensor<?x12x?x64xf32> {
  %t = tessel.transpose %x [0, 2, 1, 3]
      : tensor<?x?x12x64xf32> -> tensor<?x12x?x64xf32>
  return %t : tensor<?x12x?x64xf32>
}

// transpose takes any ranked tensor, integers included; the identity is
// kept by the round trip (only canonicalization removes it).
// CHECK-LABEL: func.func @transpose_i64_identity
// CHECK-NEXT: %[[A:.+]] = tessel.transpose %{{.+}} [1, 0] : tensor<2x3xi64> -> tensor<3x2xi64>
// CHECK-NEXT: %[[B:.+]] = tessel.transpose %[[A]] [0, 1] : tensor<3x2xi64> -> tensor<3x2xi64>
// CHECK-NEXT: return %[[B]]
func.func @transpose_i64_identity(%x: tensor<2x3xi64>) -> tensor<3x2xi64> {
  %a = tessel.transpose %x [1, 0] : tensor<2x3xi64> -> tensor<3x2xi64>
  %b = tessel.transpose %a [0, 1] : tensor<3x2xi64> -> tensor<3x2xi64>
  return %b : tensor<3x2xi64>
}

// CHECK-LABEL: func.func @reshape_split_heads
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x768xf32>)
// CHECK-NEXT: %[[H:.+]] = tessel.reshape %[[X]] : tensor<?x?x768xf32> -> tensor<?x?x12x64xf32>
// CHECK-NEXT: %[[M:.+]] = tessel.reshape %[[H]] : tensor<?x?x12x64xf32> -> tensor<?x?x768xf32>
// CHECK-NEXT: return %[[M]]
func.func @reshape_split_heads(%x: tensor<?x?x768xf32>) -> tensor<?x?x768xf32> {
  %h = tessel.reshape %x : tensor<?x?x768xf32> -> tensor<?x?x12x64xf32>
  %m = tessel.reshape %h : tensor<?x?x12x64xf32> -> tensor<?x?x768xf32>
  return %m : tensor<?x?x768xf32>
}

// CHECK-LABEL: func.func @reshape_static_f16
// CHECK-NEXT: tessel.reshape %{{.+}} : tensor<2x3x4xf16> -> tensor<6x4xf16>
// CHECK-NEXT: tessel.reshape %{{.+}} : tensor<1x1xf16> -> tensor<f16>
func.func @reshape_static_f16(%x: tensor<2x3x4xf16>, %s: tensor<1x1xf16>)
    -> (tensor<6x4xf16>, tensor<f16>) {
  %a = tessel.reshape %x : tensor<2x3x4xf16> -> tensor<6x4xf16>
  %b = tessel.reshape %s : tensor<1x1xf16> -> tensor<f16>
  return %a, %b : tensor<6x4xf16>, tensor<f16>
}
