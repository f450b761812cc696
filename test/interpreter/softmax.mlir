// Reference interpreter: tessel.softmax along several axes (default, 0, 1,
// negative), logits around +-1e4 that overflow a naive exp, and f16, against
// NumPy, plus hand-computed rows.
// RUN: %oracle check %s softmax_last
// RUN: %oracle check %s softmax_axis0
// RUN: %oracle check %s softmax_axis1
// RUN: %oracle check %s softmax_axis_neg2
// RUN: %oracle check %s softmax_rank1
// RUN: %oracle check %s softmax_large
// RUN: %oracle check %s softmax_large_axis0
// RUN: %oracle check %s softmax_f16
// RUN: tessel-interpret %s --entry hand_row --print | FileCheck %s --check-prefix=HAND_ROW
// RUN: tessel-interpret %s --entry hand_axis0_large --print | FileCheck %s --check-prefix=HAND_AXIS0_LARGE

func.func @softmax_last(%x: tensor<?x3x4x7xf32>) -> tensor<?x3x4x7xf32> {
  %y = tessel.softmax %x : tensor<?x3x4x7xf32>
  return %y : tensor<?x3x4x7xf32>
}

func.func @softmax_axis0(%x: tensor<5x3x4xf32>) -> tensor<5x3x4xf32> {
  %y = tessel.softmax %x {axis = 0 : i64} : tensor<5x3x4xf32>
  return %y : tensor<5x3x4xf32>
}

func.func @softmax_axis1(%x: tensor<?x?x3xf32>) -> tensor<?x?x3xf32> {
  %y = tessel.softmax %x {axis = 1 : i64} : tensor<?x?x3xf32>
  return %y : tensor<?x?x3xf32>
}

func.func @softmax_axis_neg2(%x: tensor<2x3x5x4xf32>) -> tensor<2x3x5x4xf32> {
  %y = tessel.softmax %x {axis = -2 : i64} : tensor<2x3x5x4xf32>
  return %y : tensor<2x3x5x4xf32>
}

func.func @softmax_rank1(%x: tensor<?xf32>) -> tensor<?xf32> {
  %y = tessel.softmax %x {axis = 0 : i64} : tensor<?xf32>
  return %y : tensor<?xf32>
}

func.func @softmax_large(%x: tensor<4x9xf32>) -> tensor<4x9xf32> {
  %y = tessel.softmax %x : tensor<4x9xf32>
  return %y : tensor<4x9xf32>
}

func.func @softmax_large_axis0(%x: tensor<6x3xf32>) -> tensor<6x3xf32> {
  %y = tessel.softmax %x {axis = -2 : i64} : tensor<6x3xf32>
  return %y : tensor<6x3xf32>
}

func.func @softmax_f16(%x: tensor<?x16xf16>) -> tensor<?x16xf16> {
  %y = tessel.softmax %x : tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

// softmax [1, 2, 3] = [1, e, e^2] / (1 + e + e^2) = [1, 2.71828, 7.38906] /
// 11.1073 = [0.0900306, 0.244728, 0.665241]; shifting a row by 1e4 leaves it
// unchanged; [-1e4, -1e4] is [0.5, 0.5] (a naive exp gives 0 / 0).
// HAND_ROW: result 0: tensor<3x3xf32> = {{\[\[}}0.0900306, 0.244728, 0.665241], [0.0900306, 0.244728, 0.665241], [0.5, 0.5, 0]]
func.func @hand_row() -> tensor<3x3xf32> {
  %x = arith.constant dense<[[1.0, 2.0, 3.0], [10001.0, 10002.0, 10003.0],
                             [-10000.0, -10000.0, -30000.0]]> : tensor<3x3xf32>
  %y = tessel.softmax %x : tensor<3x3xf32>
  return %y : tensor<3x3xf32>
}

// Along axis 0 (and axis -3 for the same rank-3 input): each column
// [1, 2, 3] + c, c in {0, 1e4}, gives [0.0900306, 0.244728, 0.665241].
// HAND_AXIS0_LARGE: result 0: tensor<3x1x2xf32> = {{\[\[\[}}0.0900306, 0.0900306]], {{\[\[}}0.244728, 0.244728]], {{\[\[}}0.665241, 0.665241]]]
// HAND_AXIS0_LARGE: result 1: tensor<3x1x2xf32> = {{\[\[\[}}0.0900306, 0.0900306]], {{\[\[}}0.244728, 0.244728]], {{\[\[}}0.665241, 0.665241]]]
func.func @hand_axis0_large() -> (tensor<3x1x2xf32>, tensor<3x1x2xf32>) {
  %x = arith.constant dense<[[[1.0, 10001.0]], [[2.0, 10002.0]],
                             [[3.0, 10003.0]]]> : tensor<3x1x2xf32>
  %y = tessel.softmax %x {axis = 0 : i64} : tensor<3x1x2xf32>
  %z = tessel.softmax %x {axis = -3 : i64} : tensor<3x1x2xf32>
  return %y, %z : tensor<3x1x2xf32>, tensor<3x1x2xf32>
}
