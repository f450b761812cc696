// Reference interpreter: tessel.add with NumPy broadcasting (equal shapes,
// rank-differing operands on either side, size-1 dims on both sides, dynamic
// dims that are 1 at run time), exact f16 and bf16 rounding, against NumPy
// and by hand.
// RUN: %oracle check %s add_same
// RUN: %oracle check %s add_broadcast
// RUN: %oracle check %s add_lower_rank_lhs
// A dynamic dimension never stretches (only static size-1 ones do), so a
// `?` that is 1 at run time against a larger dimension is an error.
// RUN: %python -c "import numpy as np; np.save('%t.one.npy', np.ones((1, 4), np.float32)); np.save('%t.three.npy', np.ones((3, 4), np.float32))"
// RUN: not tessel-interpret %s --entry add_dynamic_one --input %t.one.npy --input %t.three.npy 2>&1 | FileCheck %s --check-prefix=DYNONE
// DYNONE: tessel-interpret: error: {{.*}}add.mlir:{{[0-9]+}}:{{[0-9]+}}: dynamic dimension 0 of lhs is 1 at run time but only static size-1 dimensions broadcast (shapes [1, 4] and [3, 4])
// RUN: %oracle check %s add_f16
// RUN: %oracle check %s add_bf16
// RUN: tessel-interpret %s --entry hand_row --print | FileCheck %s --check-prefix=ROW
// RUN: tessel-interpret %s --entry hand_outer --print | FileCheck %s --check-prefix=OUTER
// RUN: tessel-interpret %s --entry hand_f16 --print | FileCheck %s --check-prefix=F16
// RUN: tessel-interpret %s --entry hand_bf16 --print | FileCheck %s --check-prefix=BF16

func.func @add_same(%a: tensor<?x4xf32>, %b: tensor<?x4xf32>)
    -> tensor<?x4xf32> {
  %y = tessel.add %a, %b : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

func.func @add_broadcast(%a: tensor<?x3x1x5xf32>, %b: tensor<4x1xf32>)
    -> tensor<?x3x4x5xf32> {
  %y = tessel.add %a, %b : tensor<?x3x1x5xf32>, tensor<4x1xf32>
      -> tensor<?x3x4x5xf32>
  return %y : tensor<?x3x4x5xf32>
}

func.func @add_lower_rank_lhs(%a: tensor<5xf32>, %b: tensor<2x3x5xf32>)
    -> tensor<2x3x5xf32> {
  %y = tessel.add %a, %b : tensor<5xf32>, tensor<2x3x5xf32>
      -> tensor<2x3x5xf32>
  return %y : tensor<2x3x5xf32>
}

func.func @add_dynamic_one(%a: tensor<?x4xf32>, %b: tensor<3x4xf32>)
    -> tensor<3x4xf32> {
  %y = tessel.add %a, %b : tensor<?x4xf32>, tensor<3x4xf32> -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

func.func @add_f16(%a: tensor<4x6xf16>, %b: tensor<6xf16>) -> tensor<4x6xf16> {
  %y = tessel.add %a, %b : tensor<4x6xf16>, tensor<6xf16> -> tensor<4x6xf16>
  return %y : tensor<4x6xf16>
}

func.func @add_bf16(%a: tensor<3x5xbf16>, %b: tensor<3x1xbf16>)
    -> tensor<3x5xbf16> {
  %y = tessel.add %a, %b : tensor<3x5xbf16>, tensor<3x1xbf16>
      -> tensor<3x5xbf16>
  return %y : tensor<3x5xbf16>
}

// [[1, 2, 3], [4, 5, 6]] + [10, 20, 30]: the row is added to each row.
// ROW: result 0: tensor<2x3xf32> = {{\[\[}}11, 22, 33], [14, 25, 36]]{{$}}
func.func @hand_row() -> tensor<2x3xf32> {
  %a = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[10.0, 20.0, 30.0]> : tensor<3xf32>
  %y = tessel.add %a, %b : tensor<2x3xf32>, tensor<3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// Column [[1], [2]] + row [[10, 20, 30]]: y[i][j] = col[i] + row[j].
// OUTER: result 0: tensor<2x3xf32> = {{\[\[}}11, 21, 31], [12, 22, 32]]{{$}}
func.func @hand_outer() -> tensor<2x3xf32> {
  %a = arith.constant dense<[[1.0], [2.0]]> : tensor<2x1xf32>
  %b = arith.constant dense<[[10.0, 20.0, 30.0]]> : tensor<1x3xf32>
  %y = tessel.add %a, %b : tensor<2x1xf32>, tensor<1x3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// f16 has 11 significant bits: between 2048 and 4096 the spacing is 2.
// 2048 + 1 = 2049 is a tie between 2048 and 2050 -> 2048 (even significand);
// 2048 + 3 = 2051 is a tie between 2050 and 2052 -> 2052; 2048 + 4 = 2052.
// F16: result 0: tensor<3xf16> = [2048, 2052, 2052]{{$}}
func.func @hand_f16() -> tensor<3xf16> {
  %a = arith.constant dense<2048.0> : tensor<3xf16>
  %b = arith.constant dense<[1.0, 3.0, 4.0]> : tensor<3xf16>
  %y = tessel.add %a, %b : tensor<3xf16>, tensor<3xf16> -> tensor<3xf16>
  return %y : tensor<3xf16>
}

// bf16 has 8 significant bits: between 256 and 512 the spacing is 2.
// 256 + 1 = 257 -> 256 (tie, even); 256 + 3 = 259 -> 260 (tie, even);
// 256 + 0.5 = 256.5 -> 256; 256 + 1.5 = 257.5 -> 258.
// BF16: result 0: tensor<4xbf16> = [256, 260, 256, 258]{{$}}
func.func @hand_bf16() -> tensor<4xbf16> {
  %a = arith.constant dense<256.0> : tensor<4xbf16>
  %b = arith.constant dense<[1.0, 3.0, 0.5, 1.5]> : tensor<4xbf16>
  %y = tessel.add %a, %b : tensor<4xbf16>, tensor<4xbf16> -> tensor<4xbf16>
  return %y : tensor<4xbf16>
}
