// Reference interpreter: tessel.matmul (c[..., i, j] = sum_k a[..., i, k] *
// b[..., k, j]), 2-d, batched rank-4, dynamic dims, f16, and a per-head rhs
// broadcast over the batch (also transposed), against NumPy and by hand.
// RUN: %oracle check %s matmul_2d
// RUN: %oracle check %s matmul_batched
// RUN: %oracle check %s matmul_dynamic
// RUN: %oracle check %s matmul_f16
// RUN: %oracle check %s matmul_per_head
// RUN: tessel-interpret %s --entry hand_batched --print | FileCheck %s --check-prefix=BATCHED
// RUN: tessel-interpret %s --entry hand_rect --print | FileCheck %s --check-prefix=RECT

func.func @matmul_2d(%a: tensor<5x7xf32>, %b: tensor<7x3xf32>)
    -> tensor<5x3xf32> {
  %c = tessel.matmul %a, %b : tensor<5x7xf32>, tensor<7x3xf32>
      -> tensor<5x3xf32>
  return %c : tensor<5x3xf32>
}

func.func @matmul_batched(%a: tensor<2x3x4x5xf32>, %b: tensor<2x3x5x6xf32>)
    -> tensor<2x3x4x6xf32> {
  %c = tessel.matmul %a, %b : tensor<2x3x4x5xf32>, tensor<2x3x5x6xf32>
      -> tensor<2x3x4x6xf32>
  return %c : tensor<2x3x4x6xf32>
}

func.func @matmul_dynamic(%a: tensor<?x?x6xf32>, %b: tensor<?x6x?xf32>)
    -> tensor<?x?x?xf32> {
  %c = tessel.matmul %a, %b : tensor<?x?x6xf32>, tensor<?x6x?xf32>
      -> tensor<?x?x?xf32>
  return %c : tensor<?x?x?xf32>
}

func.func @matmul_f16(%a: tensor<?x4x24xf16>, %b: tensor<?x24x3xf16>)
    -> tensor<?x4x3xf16> {
  %c = tessel.matmul %a, %b : tensor<?x4x24xf16>, tensor<?x24x3xf16>
      -> tensor<?x4x3xf16>
  return %c : tensor<?x4x3xf16>
}

func.func @matmul_per_head(%a: tensor<?x3x4x5xf32>, %w: tensor<3x5x6xf32>,
                           %wt: tensor<3x6x5xf32>)
    -> (tensor<?x3x4x6xf32>, tensor<?x3x4x6xf32>) {
  %c = tessel.matmul %a, %w : tensor<?x3x4x5xf32>, tensor<3x5x6xf32>
      -> tensor<?x3x4x6xf32>
  %d = tessel.matmul %a, %wt {transpose_rhs} : tensor<?x3x4x5xf32>,
      tensor<3x6x5xf32> -> tensor<?x3x4x6xf32>
  return %c, %d : tensor<?x3x4x6xf32>, tensor<?x3x4x6xf32>
}

// Batch 0: [[1, 2], [3, 4]] @ [[5, 6], [7, 8]]
//        = [[1*5 + 2*7, 1*6 + 2*8], [3*5 + 4*7, 3*6 + 4*8]]
//        = [[19, 22], [43, 50]]
// Batch 1: [[0, 1], [1, 0]] (a row swap) @ [[1, 2], [3, 4]] = [[3, 4], [1, 2]]
// BATCHED: result 0: tensor<2x2x2xf32> = {{\[\[\[}}19, 22], [43, 50]], {{\[\[}}3, 4], [1, 2]]]{{$}}
func.func @hand_batched() -> tensor<2x2x2xf32> {
  %a = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0], [1.0, 0.0]]]> : tensor<2x2x2xf32>
  %b = arith.constant dense<[[[5.0, 6.0], [7.0, 8.0]], [[1.0, 2.0], [3.0, 4.0]]]> : tensor<2x2x2xf32>
  %c = tessel.matmul %a, %b : tensor<2x2x2xf32>, tensor<2x2x2xf32> -> tensor<2x2x2xf32>
  return %c : tensor<2x2x2xf32>
}

// [1, 3] @ [3, 2]: [[1, 2, 3]] @ [[1, -1], [0, 2], [0.5, 0]]
//                = [[1 + 0 + 1.5, -1 + 4 + 0]] = [[2.5, 3]]
// RECT: result 0: tensor<1x2xf32> = {{\[\[}}2.5, 3]]{{$}}
func.func @hand_rect() -> tensor<1x2xf32> {
  %a = arith.constant dense<[[1.0, 2.0, 3.0]]> : tensor<1x3xf32>
  %b = arith.constant dense<[[1.0, -1.0], [0.0, 2.0], [0.5, 0.0]]> : tensor<3x2xf32>
  %c = tessel.matmul %a, %b : tensor<1x3xf32>, tensor<3x2xf32> -> tensor<1x2xf32>
  return %c : tensor<1x2xf32>
}
