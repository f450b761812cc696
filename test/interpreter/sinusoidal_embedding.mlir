// Reference interpreter: tessel.sinusoidal_embedding (sin on even, cos on odd
// features; rank-1 and rank-2 positions, i32/i64, custom base, f16) against
// NumPy, plus a hand-computed table.
// RUN: %oracle check %s sinusoidal_1d
// RUN: %oracle check %s sinusoidal_2d_i32
// RUN: %oracle check %s sinusoidal_far
// RUN: %oracle check %s sinusoidal_f16
// RUN: tessel-interpret %s --entry hand --print | FileCheck %s --check-prefix=HAND
// RUN: tessel-interpret %s --entry hand_base --print | FileCheck %s --check-prefix=HAND_BASE

func.func @sinusoidal_1d(%pos: tensor<?xi64>) -> tensor<?x16xf32> {
  %y = tessel.sinusoidal_embedding %pos : tensor<?xi64> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

func.func @sinusoidal_2d_i32(%pos: tensor<?x5xi32>) -> tensor<?x5x6xf32> {
  %y = tessel.sinusoidal_embedding %pos {base = 1.000000e+02 : f64}
      : tensor<?x5xi32> -> tensor<?x5x6xf32>
  return %y : tensor<?x5x6xf32>
}

func.func @sinusoidal_far(%pos: tensor<4xi64>) -> tensor<4x32xf32> {
  %y = tessel.sinusoidal_embedding %pos : tensor<4xi64> -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

func.func @sinusoidal_f16(%pos: tensor<?xi64>) -> tensor<?x8xf16> {
  %y = tessel.sinusoidal_embedding %pos : tensor<?xi64> -> tensor<?x8xf16>
  return %y : tensor<?x8xf16>
}

// D = 4, base 10000: angles p / 10000^0 = p and p / 10000^(2/4) = p / 100.
//   p = 0: [sin 0, cos 0, sin 0, cos 0] = [0, 1, 0, 1]
//   p = 1: [sin 1, cos 1, sin 0.01, cos 0.01]
//        = [0.841471, 0.540302, 0.00999983, 0.99995]
// HAND: result 0: tensor<2x4xf32> = {{\[\[}}0, 1, 0, 1], [0.841471, 0.540302, 0.00999983, 0.99995]]
func.func @hand() -> tensor<2x4xf32> {
  %pos = arith.constant dense<[0, 1]> : tensor<2xi64>
  %y = tessel.sinusoidal_embedding %pos : tensor<2xi64> -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// D = 4, base 4 at p = 2 (i32): angles 2 / 4^0 = 2 and 2 / 4^(1/2) = 1:
// [sin 2, cos 2, sin 1, cos 1] = [0.909297, -0.416147, 0.841471, 0.540302].
// HAND_BASE: result 0: tensor<1x1x4xf32> = {{\[\[\[}}0.909297, -0.416147, 0.841471, 0.540302]]]
func.func @hand_base() -> tensor<1x1x4xf32> {
  %pos = arith.constant dense<[[2]]> : tensor<1x1xi32>
  %y = tessel.sinusoidal_embedding %pos {base = 4.000000e+00 : f64}
      : tensor<1x1xi32> -> tensor<1x1x4xf32>
  return %y : tensor<1x1x4xf32>
}
