// Reference interpreter: tessel.linear (y = x @ W.T + b), with and without
// bias, rank-1 and dynamic inputs, f16 and bf16, against NumPy and by hand.
// RUN: %oracle check %s linear_bias
// RUN: %oracle check %s linear_nobias
// RUN: %oracle check %s linear_vector
// RUN: %oracle check %s linear_f16
// RUN: %oracle check %s linear_bf16
// RUN: tessel-interpret %s --entry hand_bias --print | FileCheck %s --check-prefix=BIAS
// RUN: tessel-interpret %s --entry hand_nobias --print | FileCheck %s --check-prefix=NOBIAS

func.func @linear_bias(%x: tensor<?x5x8xf32>, %w: tensor<6x8xf32>,
                       %b: tensor<6xf32>) -> tensor<?x5x6xf32> {
  %y = tessel.linear %x, %w, %b
      : tensor<?x5x8xf32>, tensor<6x8xf32>, tensor<6xf32> -> tensor<?x5x6xf32>
  return %y : tensor<?x5x6xf32>
}

func.func @linear_nobias(%x: tensor<?x?x16xf32>, %w: tensor<7x16xf32>)
    -> tensor<?x?x7xf32> {
  %y = tessel.linear %x, %w : tensor<?x?x16xf32>, tensor<7x16xf32>
      -> tensor<?x?x7xf32>
  return %y : tensor<?x?x7xf32>
}

func.func @linear_vector(%x: tensor<9xf32>, %w: tensor<4x9xf32>,
                         %b: tensor<4xf32>) -> tensor<4xf32> {
  %y = tessel.linear %x, %w, %b
      : tensor<9xf32>, tensor<4x9xf32>, tensor<4xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

func.func @linear_f16(%x: tensor<?x3x32xf16>, %w: tensor<12x32xf16>,
                      %b: tensor<12xf16>) -> tensor<?x3x12xf16> {
  %y = tessel.linear %x, %w, %b
      : tensor<?x3x32xf16>, tensor<12x32xf16>, tensor<12xf16>
      -> tensor<?x3x12xf16>
  return %y : tensor<?x3x12xf16>
}

func.func @linear_bf16(%x: tensor<?x16xbf16>, %w: tensor<5x16xbf16>,
                       %b: tensor<5xbf16>) -> tensor<?x5xbf16> {
  %y = tessel.linear %x, %w, %b
      : tensor<?x16xbf16>, tensor<5x16xbf16>, tensor<5xbf16> -> tensor<?x5xbf16>
  return %y : tensor<?x5xbf16>
}

// x = [[1, 2, 3], [0, -1, 0.5]], W = [[1, 0, -1], [2, 1, 0]], b = [0.5, -1]:
// row 0: [1 - 3 + 0.5, 2 + 2 - 1] = [-1.5, 3]
// row 1: [0 - 0.5 + 0.5, 0 - 1 - 1] = [0, -2]
// BIAS: result 0: tensor<2x2xf32> = {{\[\[}}-1.5, 3], [0, -2]]{{$}}
func.func @hand_bias() -> tensor<2x2xf32> {
  %x = arith.constant dense<[[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]]> : tensor<2x3xf32>
  %w = arith.constant dense<[[1.0, 0.0, -1.0], [2.0, 1.0, 0.0]]> : tensor<2x3xf32>
  %b = arith.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %y = tessel.linear %x, %w, %b
      : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32> -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// x = [1, 2, 3], W = [[1, 0, -1], [2, 1, 0], [0.5, 0.5, 0.5]]:
// [1 - 3, 2 + 2, 0.5 + 1 + 1.5] = [-2, 4, 3]
// NOBIAS: result 0: tensor<1x3xf32> = {{\[\[}}-2, 4, 3]]{{$}}
func.func @hand_nobias() -> tensor<1x3xf32> {
  %x = arith.constant dense<[[1.0, 2.0, 3.0]]> : tensor<1x3xf32>
  %w = arith.constant dense<[[1.0, 0.0, -1.0], [2.0, 1.0, 0.0], [0.5, 0.5, 0.5]]> : tensor<3x3xf32>
  %y = tessel.linear %x, %w : tensor<1x3xf32>, tensor<3x3xf32> -> tensor<1x3xf32>
  return %y : tensor<1x3xf32>
}
