// Reference interpreter: tessel.slice (input[..., offset : offset + n, ...]
// along axis, a negative offset counted from the end) on every axis, with
// dynamic dims, a dynamic sliced axis, integer, f16 and bf16 tensors,
// against NumPy and by hand.
// RUN: %oracle check %s slice_qkv
// RUN: %oracle check %s slice_rows
// RUN: %oracle check %s slice_middle_axis
// RUN: %oracle check %s slice_dynamic_axis
// RUN: %oracle check %s slice_whole_axis
// RUN: %oracle check %s slice_last
// RUN: %oracle check %s slice_from_end
// RUN: %oracle check %s slice_i64
// RUN: %oracle check %s slice_i32
// RUN: %oracle check %s slice_f16
// RUN: %oracle check %s slice_bf16
// RUN: tessel-interpret %s --entry hand_columns --print | FileCheck %s --check-prefix=COLS
// RUN: tessel-interpret %s --entry hand_3d --print | FileCheck %s --check-prefix=THREE
// RUN: tessel-interpret %s --entry hand_i64 --print | FileCheck %s --check-prefix=I64
// RUN: tessel-interpret %s --entry hand_empty --print | FileCheck %s --check-prefix=EMPTY
// A dynamic axis shorter than offset + n at run time is an error at the op.
// RUN: %python -c "import numpy as np; np.save('%t.short.npy', np.zeros((4, 4), np.float32))"
// RUN: not tessel-interpret %s --entry slice_dynamic_axis --input %t.short.npy 2> %t.err
// RUN: FileCheck %s --check-prefix=SHORT < %t.err && count 1 < %t.err

func.func @slice_qkv(%x: tensor<?x?x12xf32>)
    -> (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?x4xf32>) {
  %q = tessel.slice %x {axis = 2 : i64, offset = 0 : i64}
      : tensor<?x?x12xf32> -> tensor<?x?x4xf32>
  %k = tessel.slice %x {axis = 2 : i64, offset = 4 : i64}
      : tensor<?x?x12xf32> -> tensor<?x?x4xf32>
  %v = tessel.slice %x {axis = 2 : i64, offset = 8 : i64}
      : tensor<?x?x12xf32> -> tensor<?x?x4xf32>
  return %q, %k, %v : tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?x4xf32>
}

func.func @slice_rows(%x: tensor<5x3xf32>) -> tensor<3x3xf32> {
  %y = tessel.slice %x {axis = 0 : i64, offset = 1 : i64}
      : tensor<5x3xf32> -> tensor<3x3xf32>
  return %y : tensor<3x3xf32>
}

func.func @slice_middle_axis(%x: tensor<?x7x?xf32>) -> tensor<?x4x?xf32> {
  %y = tessel.slice %x {axis = 1 : i64, offset = 2 : i64}
      : tensor<?x7x?xf32> -> tensor<?x4x?xf32>
  return %y : tensor<?x4x?xf32>
}

func.func @slice_dynamic_axis(%x: tensor<?x4xf32>) -> tensor<2x4xf32> {
  %y = tessel.slice %x {axis = 0 : i64, offset = 3 : i64}
      : tensor<?x4xf32> -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

func.func @slice_last(%x: tensor<?x?x5xf32>) -> tensor<?x1x5xf32> {
  %y = tessel.slice %x {axis = 1 : i64, offset = -1 : i64}
      : tensor<?x?x5xf32> -> tensor<?x1x5xf32>
  return %y : tensor<?x1x5xf32>
}

func.func @slice_from_end(%x: tensor<5x3xf32>) -> tensor<2x3xf32> {
  %y = tessel.slice %x {axis = 0 : i64, offset = -3 : i64}
      : tensor<5x3xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

func.func @slice_whole_axis(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %y = tessel.slice %x {axis = 1 : i64, offset = 0 : i64}
      : tensor<3x4xf32> -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

func.func @slice_i64(%x: tensor<2x?xi64>) -> tensor<2x4xi64> {
  %y = tessel.slice %x {axis = 1 : i64, offset = 3 : i64}
      : tensor<2x?xi64> -> tensor<2x4xi64>
  return %y : tensor<2x4xi64>
}

func.func @slice_i32(%x: tensor<8xi32>) -> tensor<3xi32> {
  %y = tessel.slice %x {axis = 0 : i64, offset = 5 : i64}
      : tensor<8xi32> -> tensor<3xi32>
  return %y : tensor<3xi32>
}

func.func @slice_f16(%x: tensor<4x6x2xf16>) -> tensor<4x3x2xf16> {
  %y = tessel.slice %x {axis = 1 : i64, offset = 1 : i64}
      : tensor<4x6x2xf16> -> tensor<4x3x2xf16>
  return %y : tensor<4x3x2xf16>
}

func.func @slice_bf16(%x: tensor<3x10xbf16>) -> tensor<3x4xbf16> {
  %y = tessel.slice %x {axis = 1 : i64, offset = 6 : i64}
      : tensor<3x10xbf16> -> tensor<3x4xbf16>
  return %y : tensor<3x4xbf16>
}

// [[1, 2, 3, 4], [5, 6, 7, 8]], columns 1 and 2.
// COLS: result 0: tensor<2x2xf32> = {{\[\[}}2, 3], [6, 7]]{{$}}
func.func @hand_columns() -> tensor<2x2xf32> {
  %x = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]]> : tensor<2x4xf32>
  %y = tessel.slice %x {axis = 1 : i64, offset = 1 : i64}
      : tensor<2x4xf32> -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// x[i][j][k] = 100 i + 10 j + k, shape [2, 3, 2]; rows j = 1..2 of each i:
// [[[10, 11], [20, 21]], [[110, 111], [120, 121]]].
// THREE: result 0: tensor<2x2x2xf32> = {{\[\[\[}}10, 11], [20, 21]], {{\[\[}}110, 111], [120, 121]]]{{$}}
func.func @hand_3d() -> tensor<2x2x2xf32> {
  %x = arith.constant dense<[[[0.0, 1.0], [10.0, 11.0], [20.0, 21.0]],
                             [[100.0, 101.0], [110.0, 111.0], [120.0, 121.0]]]> : tensor<2x3x2xf32>
  %y = tessel.slice %x {axis = 1 : i64, offset = 1 : i64}
      : tensor<2x3x2xf32> -> tensor<2x2x2xf32>
  return %y : tensor<2x2x2xf32>
}

// The last three of 7 token ids.
// I64: result 0: tensor<3xi64> = [-4, 5000000000, 6]{{$}}
func.func @hand_i64() -> tensor<3xi64> {
  %x = arith.constant dense<[0, 1, 2, 3, -4, 5000000000, 6]> : tensor<7xi64>
  %y = tessel.slice %x {axis = 0 : i64, offset = 4 : i64}
      : tensor<7xi64> -> tensor<3xi64>
  return %y : tensor<3xi64>
}

// An empty slice at the end of the axis.
// EMPTY: result 0: tensor<2x0xf32> = {{\[\[}}], []]{{$}}
func.func @hand_empty() -> tensor<2x0xf32> {
  %x = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %y = tessel.slice %x {axis = 1 : i64, offset = 2 : i64}
      : tensor<2x2xf32> -> tensor<2x0xf32>
  return %y : tensor<2x0xf32>
}

// SHORT: tessel-interpret: error: {{.*}}slice.mlir:{{[0-9]+}}:8: slice: offset 3 with size 2 on axis 0 is outside input shape [4, 4]{{$}}
