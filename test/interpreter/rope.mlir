// Reference interpreter: tessel.rope (rotate-half and interleaved, partial
// rotary_dims, [S] and [B, S] positions, theta, f16) against NumPy, plus
// hand-computed rotations.
// RUN: %oracle check %s rope_half
// RUN: %oracle check %s rope_interleaved
// RUN: %oracle check %s rope_partial
// RUN: %oracle check %s rope_partial_interleaved
// RUN: %oracle check %s rope_batch_positions
// RUN: %oracle check %s rope_batch_positions_interleaved
// RUN: %oracle check %s rope_rank3
// RUN: %oracle check %s rope_far_positions
// RUN: %oracle check %s rope_f16
// RUN: tessel-interpret %s --entry hand_d2 --print | FileCheck %s --check-prefix=HAND_D2
// RUN: tessel-interpret %s --entry hand_half --print | FileCheck %s --check-prefix=HAND_HALF
// RUN: tessel-interpret %s --entry hand_interleaved --print | FileCheck %s --check-prefix=HAND_INTERLEAVED
// RUN: tessel-interpret %s --entry hand_partial --print | FileCheck %s --check-prefix=HAND_PARTIAL
// RUN: tessel-interpret %s --entry hand_batch --print | FileCheck %s --check-prefix=HAND_BATCH

func.func @rope_half(%x: tensor<?x3x?x8xf32>, %pos: tensor<?xi64>)
    -> tensor<?x3x?x8xf32> {
  %y = tessel.rope %x, %pos : tensor<?x3x?x8xf32>, tensor<?xi64>
  return %y : tensor<?x3x?x8xf32>
}

func.func @rope_interleaved(%x: tensor<2x3x5x16xf32>, %pos: tensor<5xi64>)
    -> tensor<2x3x5x16xf32> {
  %y = tessel.rope %x, %pos {interleaved} : tensor<2x3x5x16xf32>, tensor<5xi64>
  return %y : tensor<2x3x5x16xf32>
}

func.func @rope_partial(%x: tensor<1x2x?x20xf32>, %pos: tensor<?xi32>)
    -> tensor<1x2x?x20xf32> {
  %y = tessel.rope %x, %pos {theta = 5.000000e+02 : f64, rotary_dims = 8 : i64}
      : tensor<1x2x?x20xf32>, tensor<?xi32>
  return %y : tensor<1x2x?x20xf32>
}

func.func @rope_partial_interleaved(%x: tensor<2x1x4x12xf32>,
                                    %pos: tensor<4xi64>)
    -> tensor<2x1x4x12xf32> {
  %y = tessel.rope %x, %pos {interleaved, rotary_dims = 4 : i64}
      : tensor<2x1x4x12xf32>, tensor<4xi64>
  return %y : tensor<2x1x4x12xf32>
}

func.func @rope_batch_positions(%x: tensor<?x2x?x8xf32>, %pos: tensor<?x?xi64>)
    -> tensor<?x2x?x8xf32> {
  %y = tessel.rope %x, %pos : tensor<?x2x?x8xf32>, tensor<?x?xi64>
  return %y : tensor<?x2x?x8xf32>
}

func.func @rope_batch_positions_interleaved(%x: tensor<2x3x5x6xf32>,
                                            %pos: tensor<2x5xi32>)
    -> tensor<2x3x5x6xf32> {
  %y = tessel.rope %x, %pos {interleaved, theta = 1.000000e+06 : f64}
      : tensor<2x3x5x6xf32>, tensor<2x5xi32>
  return %y : tensor<2x3x5x6xf32>
}

func.func @rope_rank3(%x: tensor<?x5x10xf32>, %pos: tensor<5xi64>)
    -> tensor<?x5x10xf32> {
  %y = tessel.rope %x, %pos : tensor<?x5x10xf32>, tensor<5xi64>
  return %y : tensor<?x5x10xf32>
}

func.func @rope_far_positions(%x: tensor<1x2x4x16xf32>, %pos: tensor<4xi64>)
    -> tensor<1x2x4x16xf32> {
  %y = tessel.rope %x, %pos : tensor<1x2x4x16xf32>, tensor<4xi64>
  return %y : tensor<1x2x4x16xf32>
}

func.func @rope_f16(%x: tensor<?x4x?x8xf16>, %pos: tensor<?xi64>)
    -> tensor<?x4x?x8xf16> {
  %y = tessel.rope %x, %pos : tensor<?x4x?x8xf16>, tensor<?xi64>
  return %y : tensor<?x4x?x8xf16>
}

// D = 2, x = [1, 0] at position 1: w_0 = 1, angle 1, so
// [cos 1, sin 1] = [0.540302, 0.841471].
// HAND_D2: result 0: tensor<1x2xf32> = {{\[\[}}0.540302, 0.841471]]
func.func @hand_d2() -> tensor<1x2xf32> {
  %x = arith.constant dense<[[1.0, 0.0]]> : tensor<1x2xf32>
  %pos = arith.constant dense<[1]> : tensor<1xi64>
  %y = tessel.rope %x, %pos : tensor<1x2xf32>, tensor<1xi64>
  return %y : tensor<1x2xf32>
}

// D = 4, position 1: w_0 = 1, w_1 = 10000^(-1/2) = 0.01. Rotate-half pairs
// (x0, x2) and (x1, x3):
//   [1, 0, 0, 0] -> pair (x0, x2) = (1, 0) by 1 rad -> [cos 1, 0, sin 1, 0]
//   [0, 1, 0, 0] -> pair (x1, x3) = (1, 0) by 0.01 rad
//                -> [0, cos 0.01, 0, sin 0.01] = [0, 0.99995, 0, 0.00999983]
// HAND_HALF: result 0: tensor<2x4xf32> = {{\[\[}}0.540302, {{-?}}0, 0.841471, {{-?}}0], [{{-?}}0, 0.99995, {{-?}}0, 0.00999983]]
func.func @hand_half() -> tensor<2x4xf32> {
  %x = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]]>
      : tensor<2x4xf32>
  %pos = arith.constant dense<[1, 1]> : tensor<2xi64>
  %y = tessel.rope %x, %pos : tensor<2x4xf32>, tensor<2xi64>
  return %y : tensor<2x4xf32>
}

// Same input, interleaved pairs (x0, x1), (x2, x3); both rows rotate pair 0
// by 1 rad:
//   (1, 0) -> (cos 1, sin 1) = (0.540302, 0.841471)
//   (0, 1) -> (-sin 1, cos 1) = (-0.841471, 0.540302)
// HAND_INTERLEAVED: result 0: tensor<2x4xf32> = {{\[\[}}0.540302, 0.841471, {{-?}}0, {{-?}}0], [-0.841471, 0.540302, {{-?}}0, {{-?}}0]]
func.func @hand_interleaved() -> tensor<2x4xf32> {
  %x = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]]>
      : tensor<2x4xf32>
  %pos = arith.constant dense<[1, 1]> : tensor<2xi64>
  %y = tessel.rope %x, %pos {interleaved} : tensor<2x4xf32>, tensor<2xi64>
  return %y : tensor<2x4xf32>
}

// rotary_dims = 2 of D = 4 at position 2: (x0, x1) = (1, 0) turns by 2 rad
// to (cos 2, sin 2) = (-0.416147, 0.909297); x2, x3 = 5, 6 pass through.
// HAND_PARTIAL: result 0: tensor<1x4xf32> = {{\[\[}}-0.416147, 0.909297, 5, 6]]
func.func @hand_partial() -> tensor<1x4xf32> {
  %x = arith.constant dense<[[1.0, 0.0, 5.0, 6.0]]> : tensor<1x4xf32>
  %pos = arith.constant dense<[2]> : tensor<1xi32>
  %y = tessel.rope %x, %pos {rotary_dims = 2 : i64}
      : tensor<1x4xf32>, tensor<1xi32>
  return %y : tensor<1x4xf32>
}

// [B, S] positions [[0], [1]] with x = [1, 0] in both sequences: sequence 0
// is unchanged, sequence 1 becomes [cos 1, sin 1].
// HAND_BATCH: result 0: tensor<2x1x1x2xf32> = {{\[\[\[\[}}1, {{-?}}0]]], {{\[\[\[}}0.540302, 0.841471]]]]
func.func @hand_batch() -> tensor<2x1x1x2xf32> {
  %x = arith.constant dense<[[[[1.0, 0.0]]], [[[1.0, 0.0]]]]>
      : tensor<2x1x1x2xf32>
  %pos = arith.constant dense<[[0], [1]]> : tensor<2x1xi64>
  %y = tessel.rope %x, %pos : tensor<2x1x1x2xf32>, tensor<2x1xi64>
  return %y : tensor<2x1x1x2xf32>
}
