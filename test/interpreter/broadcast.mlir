// Reference interpreter: tessel.broadcast (np.broadcast_to) of size-1 axes,
// new leading axes, rank 0, dynamic dims kept, integer, f16 and bf16
// tensors, against NumPy and by hand.
// RUN: %oracle check %s broadcast_heads
// RUN: %oracle check %s broadcast_leading
// RUN: %oracle check %s broadcast_scalar
// RUN: %oracle check %s broadcast_middle
// RUN: %oracle check %s broadcast_several
// RUN: %oracle check %s broadcast_same
// RUN: %oracle check %s broadcast_i64
// RUN: %oracle check %s broadcast_f16
// RUN: %oracle check %s broadcast_bf16
// RUN: tessel-interpret %s --entry hand_rows --print | FileCheck %s --check-prefix=ROWS
// RUN: tessel-interpret %s --entry hand_columns --print | FileCheck %s --check-prefix=COLS
// RUN: tessel-interpret %s --entry hand_scalar_i32 --print | FileCheck %s --check-prefix=SCALAR
// RUN: tessel-interpret %s --entry hand_heads --print | FileCheck %s --check-prefix=HEADS

func.func @broadcast_heads(%k: tensor<?x1x?x4xf32>) -> tensor<?x3x?x4xf32> {
  %y = tessel.broadcast %k : tensor<?x1x?x4xf32> -> tensor<?x3x?x4xf32>
  return %y : tensor<?x3x?x4xf32>
}

func.func @broadcast_leading(%x: tensor<4xf32>) -> tensor<2x3x4xf32> {
  %y = tessel.broadcast %x : tensor<4xf32> -> tensor<2x3x4xf32>
  return %y : tensor<2x3x4xf32>
}

func.func @broadcast_scalar(%x: tensor<f32>) -> tensor<2x3xf32> {
  %y = tessel.broadcast %x : tensor<f32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

func.func @broadcast_middle(%x: tensor<3x1x2xf32>) -> tensor<3x4x2xf32> {
  %y = tessel.broadcast %x : tensor<3x1x2xf32> -> tensor<3x4x2xf32>
  return %y : tensor<3x4x2xf32>
}

func.func @broadcast_several(%x: tensor<1x?x1xf32>) -> tensor<2x5x?x4xf32> {
  %y = tessel.broadcast %x : tensor<1x?x1xf32> -> tensor<2x5x?x4xf32>
  return %y : tensor<2x5x?x4xf32>
}

func.func @broadcast_same(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = tessel.broadcast %x : tensor<?x4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

func.func @broadcast_i64(%x: tensor<1x4xi64>) -> tensor<3x4xi64> {
  %y = tessel.broadcast %x : tensor<1x4xi64> -> tensor<3x4xi64>
  return %y : tensor<3x4xi64>
}

func.func @broadcast_f16(%x: tensor<2x1xf16>) -> tensor<2x5xf16> {
  %y = tessel.broadcast %x : tensor<2x1xf16> -> tensor<2x5xf16>
  return %y : tensor<2x5xf16>
}

func.func @broadcast_bf16(%x: tensor<1x3xbf16>) -> tensor<4x3xbf16> {
  %y = tessel.broadcast %x : tensor<1x3xbf16> -> tensor<4x3xbf16>
  return %y : tensor<4x3xbf16>
}

// A row repeated: [1, 2, 3] to [2, 3].
// ROWS: result 0: tensor<2x3xf32> = {{\[\[}}1, 2, 3], [1, 2, 3]]{{$}}
func.func @hand_rows() -> tensor<2x3xf32> {
  %x = arith.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %y = tessel.broadcast %x : tensor<3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// A column repeated: [[1], [2]] to [2, 3].
// COLS: result 0: tensor<2x3xf32> = {{\[\[}}1, 1, 1], [2, 2, 2]]{{$}}
func.func @hand_columns() -> tensor<2x3xf32> {
  %x = arith.constant dense<[[1.0], [2.0]]> : tensor<2x1xf32>
  %y = tessel.broadcast %x : tensor<2x1xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// SCALAR: result 0: tensor<2x2xi32> = {{\[\[}}-7, -7], [-7, -7]]{{$}}
func.func @hand_scalar_i32() -> tensor<2x2xi32> {
  %x = arith.constant dense<-7> : tensor<i32>
  %y = tessel.broadcast %x : tensor<i32> -> tensor<2x2xi32>
  return %y : tensor<2x2xi32>
}

// One key head [B=1, 1, S=2, D=2] = [[[[1, 2], [3, 4]]]] to 2 heads: the
// head is copied whole.
// HEADS: result 0: tensor<1x2x2x2xf32> = {{\[\[\[\[}}1, 2], [3, 4]], {{\[\[}}1, 2], [3, 4]]]]{{$}}
func.func @hand_heads() -> tensor<1x2x2x2xf32> {
  %x = arith.constant dense<[[[[1.0, 2.0], [3.0, 4.0]]]]> : tensor<1x1x2x2xf32>
  %y = tessel.broadcast %x : tensor<1x1x2x2xf32> -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}
