// Reference interpreter: tessel.position_mask (LoReFT's positions) and
// tessel.tanh (prefix tuning's reparametrization), by hand.

// tessel.position_mask by hand: positions 0..5, the first 2 and the last 1.
// RUN: tessel-interpret %s --entry hand_position_mask --print | FileCheck %s --check-prefix=MASK
// MASK: result 0: tensor<6x1xf32> = {{\[\[}}1], [1], [0], [0], [0], [1]]{{$}}
func.func @hand_position_mask() -> tensor<6x1xf32> {
  %p = arith.constant dense<[0, 1, 2, 3, 4, 5]> : tensor<6xi64>
  %m = tessel.position_mask %p {first = 2 : i64, last = 1 : i64}
      : tensor<6xi64> -> tensor<6x1xf32>
  return %m : tensor<6x1xf32>
}

// tessel.tanh by hand (the interpreter's elementwise reference).
// RUN: tessel-interpret %s --entry hand_tanh --print | FileCheck %s --check-prefix=TANH
// TANH: result 0: tensor<3xf32> = [0, 0.761594, -0.995055]{{$}}
func.func @hand_tanh() -> tensor<3xf32> {
  %x = arith.constant dense<[0.0, 1.0, -3.0]> : tensor<3xf32>
  %y = tessel.tanh %x : tensor<3xf32>
  return %y : tensor<3xf32>
}
