// Reference interpreter: tessel.cross_entropy (mean over non-ignored rows;
// ignore_index -100 by default and custom; [N, C] and [B, S, C] logits; i32
// and i64 targets; NaN when every row is ignored; logits ~1e4; f16) against
// NumPy, hand-computed losses, and the error for an out-of-range target.
// RUN: %oracle check %s ce_2d_i64
// RUN: %oracle check %s ce_2d_i32_ignore
// RUN: %oracle check %s ce_3d_i64_ignore
// RUN: %oracle check %s ce_3d_i32_custom_ignore
// RUN: %oracle check %s ce_custom_negative_ignore
// RUN: %oracle check %s ce_all_ignored
// RUN: %oracle check %s ce_large_logits
// RUN: %oracle check %s ce_f16
// RUN: tessel-interpret %s --entry hand_default --print | FileCheck %s --check-prefix=HAND_DEFAULT
// RUN: tessel-interpret %s --entry hand_custom --print | FileCheck %s --check-prefix=HAND_CUSTOM
// RUN: tessel-interpret %s --entry hand_3d_large --print | FileCheck %s --check-prefix=HAND_3D_LARGE
// RUN: tessel-interpret %s --entry hand_all_ignored --print | FileCheck %s --check-prefix=HAND_ALL_IGNORED
// RUN: not tessel-interpret %s --entry bad_target --print 2>&1 | FileCheck %s --check-prefix=BAD_TARGET
// RUN: not tessel-interpret %s --entry bad_default_ignore --print 2>&1 | FileCheck %s --check-prefix=BAD_DEFAULT_IGNORE

func.func @ce_2d_i64(%x: tensor<?x11xf32>, %t: tensor<?xi64>) -> tensor<f32> {
  %l = tessel.cross_entropy %x, %t : tensor<?x11xf32>, tensor<?xi64>
      -> tensor<f32>
  return %l : tensor<f32>
}

func.func @ce_2d_i32_ignore(%x: tensor<9x5xf32>, %t: tensor<9xi32>)
    -> tensor<f32> {
  %l = tessel.cross_entropy %x, %t : tensor<9x5xf32>, tensor<9xi32>
      -> tensor<f32>
  return %l : tensor<f32>
}

func.func @ce_3d_i64_ignore(%x: tensor<?x?x13xf32>, %t: tensor<?x?xi64>)
    -> tensor<f32> {
  %l = tessel.cross_entropy %x, %t {ignore_index = -100 : i64}
      : tensor<?x?x13xf32>, tensor<?x?xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @ce_3d_i32_custom_ignore(%x: tensor<2x5x4xf32>,
                                   %t: tensor<2x5xi32>) -> tensor<f32> {
  %l = tessel.cross_entropy %x, %t {ignore_index = 0 : i64}
      : tensor<2x5x4xf32>, tensor<2x5xi32> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @ce_custom_negative_ignore(%x: tensor<6x8xf32>, %t: tensor<6xi64>)
    -> tensor<f32> {
  %l = tessel.cross_entropy %x, %t {ignore_index = -1 : i64}
      : tensor<6x8xf32>, tensor<6xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @ce_all_ignored(%x: tensor<4x3xf32>, %t: tensor<4xi64>)
    -> tensor<f32> {
  %l = tessel.cross_entropy %x, %t : tensor<4x3xf32>, tensor<4xi64>
      -> tensor<f32>
  return %l : tensor<f32>
}

func.func @ce_large_logits(%x: tensor<4x6xf32>, %t: tensor<4xi64>)
    -> tensor<f32> {
  %l = tessel.cross_entropy %x, %t : tensor<4x6xf32>, tensor<4xi64>
      -> tensor<f32>
  return %l : tensor<f32>
}

func.func @ce_f16(%x: tensor<?x5x17xf16>, %t: tensor<?x5xi64>)
    -> tensor<f16> {
  %l = tessel.cross_entropy %x, %t : tensor<?x5x17xf16>, tensor<?x5xi64>
      -> tensor<f16>
  return %l : tensor<f16>
}

// Rows [0, 0, 0] -> target 1: ln 3 = 1.09861;
//      [1, 2, 3] -> target 2: ln(e + e^2 + e^3) - 3 = ln(1 + e^-1 + e^-2)
//                 = 0.407606;
//      [7, 8, 9] -> -100, ignored.
// Mean of the two: (1.09861 + 0.407606) / 2 = 0.753109.
// HAND_DEFAULT: result 0: tensor<f32> = 0.753109
func.func @hand_default() -> tensor<f32> {
  %x = arith.constant dense<[[0.0, 0.0, 0.0], [1.0, 2.0, 3.0],
                             [7.0, 8.0, 9.0]]> : tensor<3x3xf32>
  %t = arith.constant dense<[1, 2, -100]> : tensor<3xi64>
  %l = tessel.cross_entropy %x, %t : tensor<3x3xf32>, tensor<3xi64>
      -> tensor<f32>
  return %l : tensor<f32>
}

// ignore_index = 2, i32 targets [1, 0, 2]: row 0 gives ln 3 = 1.09861,
// row 1 ln(e + e^2 + e^3) - 1 = 2.40761, row 2 is ignored:
// (1.09861 + 2.40761) / 2 = 1.75311.
// HAND_CUSTOM: result 0: tensor<f32> = 1.75311
func.func @hand_custom() -> tensor<f32> {
  %x = arith.constant dense<[[0.0, 0.0, 0.0], [1.0, 2.0, 3.0],
                             [7.0, 8.0, 9.0]]> : tensor<3x3xf32>
  %t = arith.constant dense<[1, 0, 2]> : tensor<3xi32>
  %l = tessel.cross_entropy %x, %t {ignore_index = 2 : i64}
      : tensor<3x3xf32>, tensor<3xi32> -> tensor<f32>
  return %l : tensor<f32>
}

// [B, S, C] = [1, 2, 3]: [1e4, 1e4 + 1, 1e4 + 2] -> target 2 is
// [0, 1, 2] -> 2 shifted by 1e4, 0.407606 (exp(1e4) overflows without the
// shift); [0, 0, 0] -> target 1: 1.09861. Mean 0.753109.
// HAND_3D_LARGE: result 0: tensor<f32> = 0.753109
func.func @hand_3d_large() -> tensor<f32> {
  %x = arith.constant dense<[[[10000.0, 10001.0, 10002.0], [0.0, 0.0, 0.0]]]>
      : tensor<1x2x3xf32>
  %t = arith.constant dense<[[2, 1]]> : tensor<1x2xi64>
  %l = tessel.cross_entropy %x, %t : tensor<1x2x3xf32>, tensor<1x2xi64>
      -> tensor<f32>
  return %l : tensor<f32>
}

// Every row ignored: 0 / 0 = NaN, as in PyTorch.
// HAND_ALL_IGNORED: result 0: tensor<f32> = {{-?nan}}
func.func @hand_all_ignored() -> tensor<f32> {
  %x = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %t = arith.constant dense<[-100, -100]> : tensor<2xi32>
  %l = tessel.cross_entropy %x, %t : tensor<2x2xf32>, tensor<2xi32>
      -> tensor<f32>
  return %l : tensor<f32>
}

// Target 3 with C = 3 is neither a class nor ignore_index: a run-time error.
// BAD_TARGET: error: {{.*}}target 3 at flat index 1 is outside [0, 3)
// BAD_TARGET-NOT: result 0
func.func @bad_target() -> tensor<f32> {
  %x = arith.constant dense<[[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]]> : tensor<2x3xf32>
  %t = arith.constant dense<[1, 3]> : tensor<2xi64>
  %l = tessel.cross_entropy %x, %t : tensor<2x3xf32>, tensor<2xi64>
      -> tensor<f32>
  return %l : tensor<f32>
}

// With ignore_index = 1, -100 is not ignored, so it is out of range.
// BAD_DEFAULT_IGNORE: error: {{.*}}target -100 at flat index 1 is outside [0, 3)
func.func @bad_default_ignore() -> tensor<f32> {
  %x = arith.constant dense<[[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]]> : tensor<2x3xf32>
  %t = arith.constant dense<[1, -100]> : tensor<2xi32>
  %l = tessel.cross_entropy %x, %t {ignore_index = 1 : i64}
      : tensor<2x3xf32>, tensor<2xi32> -> tensor<f32>
  return %l : tensor<f32>
}
