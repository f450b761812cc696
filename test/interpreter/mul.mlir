// Reference interpreter: tessel.mul with NumPy broadcasting (equal shapes,
// size-1 dims on both sides, a rank-2 mask against rank 4, a rank-0 scalar),
// exact f16 and bf16 rounding, against NumPy and by hand.
// RUN: %oracle check %s mul_same
// RUN: %oracle check %s mul_broadcast
// RUN: %oracle check %s mul_mask
// RUN: %oracle check %s mul_scalar
// RUN: %oracle check %s mul_f16
// RUN: %oracle check %s mul_bf16
// RUN: tessel-interpret %s --entry hand_column --print | FileCheck %s --check-prefix=COLUMN
// RUN: tessel-interpret %s --entry hand_scalar --print | FileCheck %s --check-prefix=SCALAR
// RUN: tessel-interpret %s --entry hand_rank0 --print | FileCheck %s --check-prefix=RANK0
// RUN: tessel-interpret %s --entry hand_bf16 --print | FileCheck %s --check-prefix=BF16

func.func @mul_same(%a: tensor<2x3x4xf32>, %b: tensor<2x3x4xf32>)
    -> tensor<2x3x4xf32> {
  %y = tessel.mul %a, %b : tensor<2x3x4xf32>, tensor<2x3x4xf32>
      -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

func.func @mul_broadcast(%a: tensor<2x1x4xf32>, %b: tensor<1x3x1xf32>)
    -> tensor<2x3x4xf32> {
  %y = tessel.mul %a, %b : tensor<2x1x4xf32>, tensor<1x3x1xf32>
      -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

func.func @mul_mask(%a: tensor<?x8x?x?xf32>, %b: tensor<?x?xf32>)
    -> tensor<?x8x?x?xf32> {
  %y = tessel.mul %a, %b : tensor<?x8x?x?xf32>, tensor<?x?xf32>
      -> tensor<?x8x?x?xf32>
  return %y : tensor<?x8x?x?xf32>
}

func.func @mul_scalar(%a: tensor<?x4xf32>, %b: tensor<f32>) -> tensor<?x4xf32> {
  %y = tessel.mul %a, %b : tensor<?x4xf32>, tensor<f32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

func.func @mul_f16(%a: tensor<3x1x4xf16>, %b: tensor<5x4xf16>)
    -> tensor<3x5x4xf16> {
  %y = tessel.mul %a, %b : tensor<3x1x4xf16>, tensor<5x4xf16>
      -> tensor<3x5x4xf16>
  return %y : tensor<3x5x4xf16>
}

func.func @mul_bf16(%a: tensor<?x8xbf16>, %b: tensor<8xbf16>)
    -> tensor<?x8xbf16> {
  %y = tessel.mul %a, %b : tensor<?x8xbf16>, tensor<8xbf16> -> tensor<?x8xbf16>
  return %y : tensor<?x8xbf16>
}

// [[1, 2, 3], [4, 5, 6]] * [[2], [-1]]: row i scaled by column entry i.
// COLUMN: result 0: tensor<2x3xf32> = {{\[\[}}2, 4, 6], [-4, -5, -6]]{{$}}
func.func @hand_column() -> tensor<2x3xf32> {
  %a = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[[2.0], [-1.0]]> : tensor<2x1xf32>
  %y = tessel.mul %a, %b : tensor<2x3xf32>, tensor<2x1xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// Rank-0 lhs 0.5 times [[1, -3], [8, 0.25]].
// SCALAR: result 0: tensor<2x2xf32> = {{\[\[}}0.5, -1.5], [4, 0.125]]{{$}}
func.func @hand_scalar() -> tensor<2x2xf32> {
  %a = arith.constant dense<0.5> : tensor<f32>
  %b = arith.constant dense<[[1.0, -3.0], [8.0, 0.25]]> : tensor<2x2xf32>
  %y = tessel.mul %a, %b : tensor<f32>, tensor<2x2xf32> -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// Two rank-0 operands: 1.5 * -4 = -6, a rank-0 result.
// RANK0: result 0: tensor<f32> = -6{{$}}
func.func @hand_rank0() -> tensor<f32> {
  %a = arith.constant dense<1.5> : tensor<f32>
  %b = arith.constant dense<-4.0> : tensor<f32>
  %y = tessel.mul %a, %b : tensor<f32>, tensor<f32> -> tensor<f32>
  return %y : tensor<f32>
}

// bf16 (8 significant bits): 17 * 17 = 289 = 256 + 33, spacing 2 in
// [256, 512): 289 is a tie between 288 and 290 -> 288 (even significand);
// 15 * 17 = 255 fits (8 bits); 19 * 19 = 361 -> a tie between 360 and 362 ->
// 360.
// BF16: result 0: tensor<3xbf16> = [288, 255, 360]{{$}}
func.func @hand_bf16() -> tensor<3xbf16> {
  %a = arith.constant dense<[17.0, 15.0, 19.0]> : tensor<3xbf16>
  %b = arith.constant dense<[17.0, 17.0, 19.0]> : tensor<3xbf16>
  %y = tessel.mul %a, %b : tensor<3xbf16>, tensor<3xbf16> -> tensor<3xbf16>
  return %y : tensor<3xbf16>
}
