// Reference interpreter: tessel.concat (np.concatenate along axis) of one,
// two and three inputs, with dynamic dims (MLA heads, a KV cache), integer,
// f16 and bf16 tensors, against NumPy and by hand.
// RUN: %oracle check %s concat_last_axis
// RUN: %oracle check %s concat_mla
// RUN: %oracle check %s concat_three_rows
// RUN: %oracle check %s concat_kv_cache_f16
// RUN: %oracle check %s concat_single
// RUN: %oracle check %s concat_i64
// RUN: %oracle check %s concat_i32
// RUN: %oracle check %s concat_bf16
// RUN: tessel-interpret %s --entry hand_columns --print | FileCheck %s --check-prefix=COLS
// RUN: tessel-interpret %s --entry hand_rows_i32 --print | FileCheck %s --check-prefix=ROWS
// RUN: tessel-interpret %s --entry hand_middle --print | FileCheck %s --check-prefix=MIDDLE
// RUN: tessel-interpret %s --entry hand_with_empty --print | FileCheck %s --check-prefix=EMPTY
// Non-axis dims that disagree at run time are an error at the op.
// RUN: %python -c "import numpy as np; np.save('%t.a.npy', np.zeros((2, 3, 5, 4), np.float32)); np.save('%t.b.npy', np.zeros((2, 3, 6, 2), np.float32))"
// RUN: not tessel-interpret %s --entry concat_mla --input %t.a.npy --input %t.b.npy 2> %t.err
// RUN: FileCheck %s --check-prefix=MISMATCH < %t.err && count 1 < %t.err

func.func @concat_last_axis(%a: tensor<2x3x4xf32>, %b: tensor<2x3x2xf32>)
    -> tensor<2x3x6xf32> {
  %y = tessel.concat %a, %b {axis = 2 : i64}
      : tensor<2x3x4xf32>, tensor<2x3x2xf32> -> tensor<2x3x6xf32>
  return %y : tensor<2x3x6xf32>
}

func.func @concat_mla(%a: tensor<?x3x?x4xf32>, %b: tensor<?x3x?x2xf32>)
    -> tensor<?x3x?x6xf32> {
  %y = tessel.concat %a, %b {axis = 3 : i64}
      : tensor<?x3x?x4xf32>, tensor<?x3x?x2xf32> -> tensor<?x3x?x6xf32>
  return %y : tensor<?x3x?x6xf32>
}

func.func @concat_three_rows(%a: tensor<1x4xf32>, %b: tensor<?x4xf32>,
                             %c: tensor<2x4xf32>) -> tensor<?x4xf32> {
  %y = tessel.concat %a, %b, %c {axis = 0 : i64}
      : tensor<1x4xf32>, tensor<?x4xf32>, tensor<2x4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

func.func @concat_kv_cache_f16(%cache: tensor<2x?x3xf16>, %new: tensor<2x1x3xf16>)
    -> tensor<2x?x3xf16> {
  %y = tessel.concat %cache, %new {axis = 1 : i64}
      : tensor<2x?x3xf16>, tensor<2x1x3xf16> -> tensor<2x?x3xf16>
  return %y : tensor<2x?x3xf16>
}

func.func @concat_single(%a: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %y = tessel.concat %a {axis = 1 : i64} : tensor<3x2xf32> -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

func.func @concat_i64(%a: tensor<2x3xi64>, %b: tensor<2x1xi64>) -> tensor<2x4xi64> {
  %y = tessel.concat %a, %b {axis = 1 : i64}
      : tensor<2x3xi64>, tensor<2x1xi64> -> tensor<2x4xi64>
  return %y : tensor<2x4xi64>
}

func.func @concat_i32(%a: tensor<3xi32>, %b: tensor<4xi32>) -> tensor<7xi32> {
  %y = tessel.concat %a, %b {axis = 0 : i64}
      : tensor<3xi32>, tensor<4xi32> -> tensor<7xi32>
  return %y : tensor<7xi32>
}

func.func @concat_bf16(%a: tensor<2x2xbf16>, %b: tensor<3x2xbf16>) -> tensor<5x2xbf16> {
  %y = tessel.concat %a, %b {axis = 0 : i64}
      : tensor<2x2xbf16>, tensor<3x2xbf16> -> tensor<5x2xbf16>
  return %y : tensor<5x2xbf16>
}

// [[1, 2], [3, 4]] and [[5], [6]] side by side.
// COLS: result 0: tensor<2x3xf32> = {{\[\[}}1, 2, 5], [3, 4, 6]]{{$}}
func.func @hand_columns() -> tensor<2x3xf32> {
  %a = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %b = arith.constant dense<[[5.0], [6.0]]> : tensor<2x1xf32>
  %y = tessel.concat %a, %b {axis = 1 : i64}
      : tensor<2x2xf32>, tensor<2x1xf32> -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// Three row blocks, in order.
// ROWS: result 0: tensor<4x2xi32> = {{\[\[}}1, 2], [3, 4], [5, 6], [-7, 8]]{{$}}
func.func @hand_rows_i32() -> tensor<4x2xi32> {
  %a = arith.constant dense<[[1, 2]]> : tensor<1x2xi32>
  %b = arith.constant dense<[[3, 4], [5, 6]]> : tensor<2x2xi32>
  %c = arith.constant dense<[[-7, 8]]> : tensor<1x2xi32>
  %y = tessel.concat %a, %b, %c {axis = 0 : i64}
      : tensor<1x2xi32>, tensor<2x2xi32>, tensor<1x2xi32> -> tensor<4x2xi32>
  return %y : tensor<4x2xi32>
}

// Along the middle axis of [2, 1, 2] and [2, 2, 2]:
// a = [[[1, 2]], [[3, 4]]], b = [[[10, 20], [30, 40]], [[50, 60], [70, 80]]]
// give [[[1, 2], [10, 20], [30, 40]], [[3, 4], [50, 60], [70, 80]]].
// MIDDLE: result 0: tensor<2x3x2xf32> = {{\[\[\[}}1, 2], [10, 20], [30, 40]], {{\[\[}}3, 4], [50, 60], [70, 80]]]{{$}}
func.func @hand_middle() -> tensor<2x3x2xf32> {
  %a = arith.constant dense<[[[1.0, 2.0]], [[3.0, 4.0]]]> : tensor<2x1x2xf32>
  %b = arith.constant dense<[[[10.0, 20.0], [30.0, 40.0]],
                             [[50.0, 60.0], [70.0, 80.0]]]> : tensor<2x2x2xf32>
  %y = tessel.concat %a, %b {axis = 1 : i64}
      : tensor<2x1x2xf32>, tensor<2x2x2xf32> -> tensor<2x3x2xf32>
  return %y : tensor<2x3x2xf32>
}

// An empty input (an empty KV cache) contributes nothing.
// EMPTY: result 0: tensor<1x2xf16> = {{\[\[}}0.5, -1.5]]{{$}}
func.func @hand_with_empty() -> tensor<1x2xf16> {
  %a = arith.constant dense<> : tensor<0x2xf16>
  %b = arith.constant dense<[[0.5, -1.5]]> : tensor<1x2xf16>
  %y = tessel.concat %a, %b {axis = 0 : i64}
      : tensor<0x2xf16>, tensor<1x2xf16> -> tensor<1x2xf16>
  return %y : tensor<1x2xf16>
}

// MISMATCH: tessel-interpret: error: {{.*}}concat.mlir:{{[0-9]+}}:8: concat: input shape [2, 3, 6, 2] does not fit [2, 3, 5, 4] outside axis 3{{$}}
