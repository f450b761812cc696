// Reference interpreter: tessel.reshape (same row-major elements, new shape)
// with static shapes and with dynamic leading dims carried through (head
// split and merge), against NumPy and by hand.
// RUN: %oracle check %s reshape_static
// RUN: %oracle check %s reshape_split_heads
// RUN: %oracle check %s reshape_merge_heads
// RUN: tessel-interpret %s --entry hand_static --print | FileCheck %s --check-prefix=STATIC
// RUN: tessel-interpret %s --entry hand_flat --print | FileCheck %s --check-prefix=FLAT
// RUN: tessel-interpret %s --entry hand_i32 --print | FileCheck %s --check-prefix=I32

func.func @reshape_static(%x: tensor<2x3x4xf32>) -> tensor<4x6xf32> {
  %y = tessel.reshape %x : tensor<2x3x4xf32> -> tensor<4x6xf32>
  return %y : tensor<4x6xf32>
}

func.func @reshape_split_heads(%x: tensor<?x?x12xf32>) -> tensor<?x?x3x4xf32> {
  %y = tessel.reshape %x : tensor<?x?x12xf32> -> tensor<?x?x3x4xf32>
  return %y : tensor<?x?x3x4xf32>
}

func.func @reshape_merge_heads(%x: tensor<?x3x4xf32>) -> tensor<?x12xf32> {
  %y = tessel.reshape %x : tensor<?x3x4xf32> -> tensor<?x12xf32>
  return %y : tensor<?x12xf32>
}

// Row-major [[1, 2, 3], [4, 5, 6]] is 1..6; as [3, 2]:
// [[1, 2], [3, 4], [5, 6]].
// STATIC: result 0: tensor<3x2xf32> = {{\[\[}}1, 2], [3, 4], [5, 6]]{{$}}
func.func @hand_static() -> tensor<3x2xf32> {
  %x = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %y = tessel.reshape %x : tensor<2x3xf32> -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// [2, 2, 2] -> [8] -> [4, 2]: the element order 1..8 is kept.
// FLAT: result 0: tensor<4x2xf32> = {{\[\[}}1, 2], [3, 4], [5, 6], [7, 8]]{{$}}
func.func @hand_flat() -> tensor<4x2xf32> {
  %x = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]> : tensor<2x2x2xf32>
  %f = tessel.reshape %x : tensor<2x2x2xf32> -> tensor<8xf32>
  %y = tessel.reshape %f : tensor<8xf32> -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// Integer tensors too: i32 [[1, 2, 3], [4, 5, -6]] as [3, 2].
// I32: result 0: tensor<3x2xi32> = {{\[\[}}1, 2], [3, 4], [5, -6]]{{$}}
func.func @hand_i32() -> tensor<3x2xi32> {
  %x = arith.constant dense<[[1, 2, 3], [4, 5, -6]]> : tensor<2x3xi32>
  %y = tessel.reshape %x : tensor<2x3xi32> -> tensor<3x2xi32>
  return %y : tensor<3x2xi32>
}
