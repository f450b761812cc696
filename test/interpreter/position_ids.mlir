// Reference interpreter: tessel.position_ids (offset + arange of the size
// of one axis) with dynamic and static axes, i64 and i32 results, offsets,
// and inputs of any element type (only the shape is read), against NumPy
// and by hand.
// RUN: %oracle check %s position_ids_seq
// RUN: %oracle check %s position_ids_offset_i32
// RUN: %oracle check %s position_ids_float_input
// RUN: %oracle check %s position_ids_large_offset
// RUN: tessel-interpret %s --entry hand_seq --print | FileCheck %s --check-prefix=SEQ
// RUN: tessel-interpret %s --entry hand_offset_i32 --print | FileCheck %s --check-prefix=OFFSET
// RUN: tessel-interpret %s --entry hand_negative --print | FileCheck %s --check-prefix=NEG
// RUN: tessel-interpret %s --entry hand_empty --print | FileCheck %s --check-prefix=EMPTY

func.func @position_ids_seq(%t: tensor<?x?xi64>) -> tensor<?xi64> {
  %p = tessel.position_ids %t {axis = 1 : i64} : tensor<?x?xi64> -> tensor<?xi64>
  return %p : tensor<?xi64>
}

func.func @position_ids_offset_i32(%t: tensor<?x4xi32>) -> tensor<?xi32> {
  %p = tessel.position_ids %t {axis = 0 : i64, offset = 10 : i64}
      : tensor<?x4xi32> -> tensor<?xi32>
  return %p : tensor<?xi32>
}

func.func @position_ids_float_input(%h: tensor<2x3x6xf32>) -> tensor<6xi64> {
  %p = tessel.position_ids %h {axis = 2 : i64, offset = -2 : i64}
      : tensor<2x3x6xf32> -> tensor<6xi64>
  return %p : tensor<6xi64>
}

func.func @position_ids_large_offset(%t: tensor<?xi64>) -> tensor<?xi64> {
  %p = tessel.position_ids %t {axis = 0 : i64, offset = 8589934592 : i64}
      : tensor<?xi64> -> tensor<?xi64>
  return %p : tensor<?xi64>
}

// The positions of a [2, 5] batch of tokens: 0..4, whatever the ids.
// SEQ: result 0: tensor<5xi64> = [0, 1, 2, 3, 4]{{$}}
func.func @hand_seq() -> tensor<5xi64> {
  %t = arith.constant dense<[[50, 40, 30, 20, 10], [9, 9, 9, 9, 9]]> : tensor<2x5xi64>
  %p = tessel.position_ids %t {axis = 1 : i64} : tensor<2x5xi64> -> tensor<5xi64>
  return %p : tensor<5xi64>
}

// Three new tokens after a cache of 7, from a bf16 activation's axis 0.
// OFFSET: result 0: tensor<3xi32> = [7, 8, 9]{{$}}
func.func @hand_offset_i32() -> tensor<3xi32> {
  %h = arith.constant dense<0.0> : tensor<3x2xbf16>
  %p = tessel.position_ids %h {axis = 0 : i64, offset = 7 : i64}
      : tensor<3x2xbf16> -> tensor<3xi32>
  return %p : tensor<3xi32>
}

// NEG: result 0: tensor<4xi64> = [-3, -2, -1, 0]{{$}}
func.func @hand_negative() -> tensor<4xi64> {
  %h = arith.constant dense<1.0> : tensor<1x4xf16>
  %p = tessel.position_ids %h {axis = 1 : i64, offset = -3 : i64}
      : tensor<1x4xf16> -> tensor<4xi64>
  return %p : tensor<4xi64>
}

// An empty axis has no positions.
// EMPTY: result 0: tensor<0xi64> = []{{$}}
func.func @hand_empty() -> tensor<0xi64> {
  %t = arith.constant dense<> : tensor<2x0xi64>
  %p = tessel.position_ids %t {axis = 1 : i64, offset = 3 : i64}
      : tensor<2x0xi64> -> tensor<0xi64>
  return %p : tensor<0xi64>
}
