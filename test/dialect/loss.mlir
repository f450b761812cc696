// Round trip of cross_entropy.
// RUN: tessel-opt %s | tessel-opt | FileCheck %s
// RUN: tessel-opt %s --mlir-print-op-generic | tessel-opt | FileCheck %s

// The default ignore_index (-100) is elided, written or not.
// CHECK-LABEL: func.func @cross_entropy
// CHECK-SAME: (%[[L:.+]]: tensor<?x?x50257xf32>, %[[T:.+]]: tensor<?x?xi64>)
// CHECK-NEXT: %[[A:.+]] = tessel.cross_entropy %[[L]], %[[T]] : tensor<?x?x50257xf32>, tensor<?x?xi64> -> tensor<f32>
// CHECK-NEXT: %[[B:.+]] = tessel.cross_entropy %[[L]], %[[T]] : tensor<?x?x50257xf32>, tensor<?x?xi64> -> tensor<f32>
// CHECK-NEXT: return %[[A]], %[[B]]
func.func @cross_entropy(%logits: tensor<?x?x50257xf32>,
                         %labels: tensor<?x?xi64>) -> (tensor<f32>, tensor<f32>) {
  %a = tessel.cross_entropy %logits, %labels
      : tensor<?x?x50257xf32>, tensor<?x?xi64> -> tensor<f32>
  %b = tessel.cross_entropy %logits, %labels {ignore_index = -100 : i64}
      : tensor<?x?x50257xf32>, tensor<?x?xi64> -> tensor<f32>
  return %a, %b : tensor<f32>, tensor<f32>
}

// CHECK-LABEL: func.func @cross_entropy_ignore_index
// CHECK-SAME: (%[[L:.+]]: tensor<4x10xf16>, %[[T:.+]]: tensor<4xi32>)
// CHECK-NEXT: %[[A:.+]] = tessel.cross_entropy %[[L]], %[[T]] {ignore_index = 0 : i64} : tensor<4x10xf16>, tensor<4xi32> -> tensor<f16>
// CHECK-NEXT: %[[B:.+]] = tessel.cross_entropy %[[L]], %[[T]] {ignore_index = -1 : i64} : tensor<4x10xf16>, tensor<4xi32> -> tensor<f16>
// CHECK-NEXT: return %[[A]], %[[B]]
func.func @cross_entropy_ignore_index(%logits: tensor<4x10xf16>,
                                      %labels: tensor<4xi32>)
    -> (tensor<f16>, tensor<f16>) {
  %a = tessel.cross_entropy %logits, %labels {ignore_index = 0 : i64}
      : tensor<4x10xf16>, tensor<4xi32> -> tensor<f16>
  %b = tessel.cross_entropy %logits, %labels {ignore_index = -1 : i64}
      : tensor<4x10xf16>, tensor<4xi32> -> tensor<f16>
  return %a, %b : tensor<f16>, tensor<f16>
}

// A single row: rank-1 logits, rank-0 target; dynamic class count, bf16.
// CHECK-LABEL: func.func @cross_entropy_single_row
// CHECK-NEXT: tessel.cross_entropy %{{.+}}, %{{.+}} : tensor<?xbf16>, tensor<i64> -> tensor<bf16>
func.func @cross_entropy_single_row(%logits: tensor<?xbf16>,
                                    %label: tensor<i64>) -> tensor<bf16> {
  %a = tessel.cross_entropy %logits, %label
      : tensor<?xbf16>, tensor<i64> -> tensor<bf16>
  return %a : tensor<bf16>
}
