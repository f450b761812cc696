// Reference interpreter: tessel.transpose (result dim i = input dim
// permutation[i]) for head splitting with dynamic dims, a 3-cycle and f16,
// against NumPy and by hand.
// RUN: %oracle check %s transpose_heads
// RUN: %oracle check %s transpose_cycle
// RUN: %oracle check %s transpose_f16
// RUN: tessel-interpret %s --entry hand_2d --print | FileCheck %s --check-prefix=TWO
// RUN: tessel-interpret %s --entry hand_3d --print | FileCheck %s --check-prefix=THREE
// RUN: tessel-interpret %s --entry hand_i64 --print | FileCheck %s --check-prefix=I64

func.func @transpose_heads(%x: tensor<?x?x3x4xf32>) -> tensor<?x3x?x4xf32> {
  %t = tessel.transpose %x [0, 2, 1, 3]
      : tensor<?x?x3x4xf32> -> tensor<?x3x?x4xf32>
  return %t : tensor<?x3x?x4xf32>
}

func.func @transpose_cycle(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %t = tessel.transpose %x [2, 0, 1] : tensor<2x3x4xf32> -> tensor<4x2x3xf32>
  return %t : tensor<4x2x3xf32>
}

func.func @transpose_f16(%x: tensor<3x6xf16>) -> tensor<6x3xf16> {
  %t = tessel.transpose %x [1, 0] : tensor<3x6xf16> -> tensor<6x3xf16>
  return %t : tensor<6x3xf16>
}

// [[1, 2, 3], [4, 5, 6]] transposed: y[j][i] = x[i][j].
// TWO: result 0: tensor<3x2xf32> = {{\[\[}}1, 4], [2, 5], [3, 6]]{{$}}
func.func @hand_2d() -> tensor<3x2xf32> {
  %x = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %t = tessel.transpose %x [1, 0] : tensor<2x3xf32> -> tensor<3x2xf32>
  return %t : tensor<3x2xf32>
}

// x[i][j][k] = 100 i + 10 j + k, shape [2, 2, 3]; permutation [2, 0, 1]
// gives y[k][i][j] = x[i][j][k], shape [3, 2, 2]:
//   y[0] = [[0, 10], [100, 110]], y[1] = [[1, 11], [101, 111]],
//   y[2] = [[2, 12], [102, 112]]
// THREE: result 0: tensor<3x2x2xf32> = {{\[\[\[}}0, 10], [100, 110]], {{\[\[}}1, 11], [101, 111]], {{\[\[}}2, 12], [102, 112]]]{{$}}
func.func @hand_3d() -> tensor<3x2x2xf32> {
  %x = arith.constant dense<[[[0.0, 1.0, 2.0], [10.0, 11.0, 12.0]],
                             [[100.0, 101.0, 102.0], [110.0, 111.0, 112.0]]]> : tensor<2x2x3xf32>
  %t = tessel.transpose %x [2, 0, 1] : tensor<2x2x3xf32> -> tensor<3x2x2xf32>
  return %t : tensor<3x2x2xf32>
}

// Integer tensors move the same way (positions, ids): [[1, 2, 3], [4, 5, 6]]
// transposed.
// I64: result 0: tensor<3x2xi64> = {{\[\[}}1, 4], [2, 5], [3, 6]]{{$}}
func.func @hand_i64() -> tensor<3x2xi64> {
  %x = arith.constant dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
  %t = tessel.transpose %x [1, 0] : tensor<2x3xi64> -> tensor<3x2xi64>
  return %t : tensor<3x2xi64>
}
