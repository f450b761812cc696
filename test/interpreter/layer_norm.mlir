// Reference interpreter: tessel.layer_norm ((x - mean) / sqrt(biased var +
// epsilon) * gamma + beta over the last axis): explicit and default epsilon,
// a large mean offset, f16, against NumPy and by hand.
// RUN: %oracle check %s layer_norm
// RUN: %oracle check %s layer_norm_default_eps
// RUN: %oracle check %s layer_norm_eps
// RUN: %oracle check %s layer_norm_offset
// RUN: %oracle check %s layer_norm_f16
// RUN: %oracle check %s layer_norm_stats
// RUN: %oracle check %s layer_norm_stats_f16
// RUN: tessel-interpret %s --entry hand --print | FileCheck %s --check-prefix=HAND
// RUN: tessel-interpret %s --entry hand_eps --print | FileCheck %s --check-prefix=EPS
// RUN: tessel-interpret %s --entry hand_default_eps --print | FileCheck %s --check-prefix=DEFAULT

func.func @layer_norm(%x: tensor<?x?x16xf32>, %g: tensor<16xf32>,
                      %b: tensor<16xf32>) -> tensor<?x?x16xf32> {
  %y = tessel.layer_norm %x, %g, %b {epsilon = 1.000000e-05 : f64}
      : tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>
  return %y : tensor<?x?x16xf32>
}

func.func @layer_norm_default_eps(%x: tensor<4x8xf32>, %g: tensor<8xf32>,
                                  %b: tensor<8xf32>) -> tensor<4x8xf32> {
  %y = tessel.layer_norm %x, %g, %b
      : tensor<4x8xf32>, tensor<8xf32>, tensor<8xf32>
  return %y : tensor<4x8xf32>
}

func.func @layer_norm_eps(%x: tensor<?x6xf32>, %g: tensor<6xf32>,
                          %b: tensor<6xf32>) -> tensor<?x6xf32> {
  %y = tessel.layer_norm %x, %g, %b {epsilon = 2.500000e-01 : f64}
      : tensor<?x6xf32>, tensor<6xf32>, tensor<6xf32>
  return %y : tensor<?x6xf32>
}

func.func @layer_norm_offset(%x: tensor<?x256xf32>, %g: tensor<256xf32>,
                             %b: tensor<256xf32>) -> tensor<?x256xf32> {
  %y = tessel.layer_norm %x, %g, %b
      : tensor<?x256xf32>, tensor<256xf32>, tensor<256xf32>
  return %y : tensor<?x256xf32>
}

func.func @layer_norm_f16(%x: tensor<?x4x32xf16>, %g: tensor<32xf16>,
                          %b: tensor<32xf16>) -> tensor<?x4x32xf16> {
  %y = tessel.layer_norm %x, %g, %b {epsilon = 1.000000e-05 : f64}
      : tensor<?x4x32xf16>, tensor<32xf16>, tensor<32xf16>
  return %y : tensor<?x4x32xf16>
}

// epsilon = 0. Row 0, x = [1, 2, 3, 4]: mean 2.5, biased var
// (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25, sqrt = 1.118034, so
// x_hat = [-1.341641, -0.447214, 0.447214, 1.341641];
// gamma = [1, 2, 1, 2], beta = [0, 0, 1, 1]:
// y = [-1.34164, -0.894427, 1.44721, 3.68328].
// Row 1, x = [0, 2, 0, 2]: mean 1, var 1, x_hat = [-1, 1, -1, 1],
// y = [-1, 2, 0, 3].
// HAND: result 0: tensor<2x4xf32> = {{\[\[}}-1.34164, -0.894427, 1.44721, 3.68328], [-1, 2, 0, 3]]{{$}}
func.func @hand() -> tensor<2x4xf32> {
  %x = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [0.0, 2.0, 0.0, 2.0]]> : tensor<2x4xf32>
  %g = arith.constant dense<[1.0, 2.0, 1.0, 2.0]> : tensor<4xf32>
  %b = arith.constant dense<[0.0, 0.0, 1.0, 1.0]> : tensor<4xf32>
  %y = tessel.layer_norm %x, %g, %b {epsilon = 0.0 : f64}
      : tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>
  return %y : tensor<2x4xf32>
}

// epsilon = 1 inside the square root; gamma = 1, beta = [0.5, -0.5].
// Row 0, x = [0, 2]: mean 1, var 1, x_hat = [-1, 1] / sqrt(1 + 1)
// = [-0.707107, 0.707107], y = [-0.207107, 0.207107].
// Row 1, x = [5, 5]: var 0, x_hat = 0, y = beta = [0.5, -0.5].
// EPS: result 0: tensor<2x2xf32> = {{\[\[}}-0.207107, 0.207107], [0.5, -0.5]]{{$}}
func.func @hand_eps() -> tensor<2x2xf32> {
  %x = arith.constant dense<[[0.0, 2.0], [5.0, 5.0]]> : tensor<2x2xf32>
  %g = arith.constant dense<1.0> : tensor<2xf32>
  %b = arith.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %y = tessel.layer_norm %x, %g, %b {epsilon = 1.0 : f64}
      : tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>
  return %y : tensor<2x2xf32>
}

// Default epsilon 1e-5. x = [0, 0.002]: mean 0.001, var 1e-6,
// y = [-0.001, 0.001] / sqrt(1e-6 + 1e-5) = [-0.001, 0.001] / 0.00331662
//   = [-0.301511, 0.301511]  (epsilon = 0 would give [-1, 1]).
// DEFAULT: result 0: tensor<1x2xf32> = {{\[\[}}-0.301511, 0.301511]]{{$}}
func.func @hand_default_eps() -> tensor<1x2xf32> {
  %x = arith.constant dense<[[0.0, 0.002]]> : tensor<1x2xf32>
  %g = arith.constant dense<1.0> : tensor<2xf32>
  %b = arith.constant dense<0.0> : tensor<2xf32>
  %y = tessel.layer_norm %x, %g, %b : tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>
  return %y : tensor<1x2xf32>
}

// With the statistics a backward pass keeps: mean and rstd per row (f32).
func.func @layer_norm_stats(%x: tensor<?x?x16xf32>, %g: tensor<16xf32>,
                            %b: tensor<16xf32>)
    -> (tensor<?x?x16xf32>, tensor<?x?xf32>, tensor<?x?xf32>) {
  %y, %mean, %rstd = tessel.layer_norm %x, %g, %b
      : tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>
      -> tensor<?x?xf32>, tensor<?x?xf32>
  return %y, %mean, %rstd : tensor<?x?x16xf32>, tensor<?x?xf32>, tensor<?x?xf32>
}

func.func @layer_norm_stats_f16(%x: tensor<3x32xf16>, %g: tensor<32xf16>,
                                %b: tensor<32xf16>)
    -> (tensor<3x32xf16>, tensor<3xf32>, tensor<3xf32>) {
  %y, %mean, %rstd = tessel.layer_norm %x, %g, %b
      : tensor<3x32xf16>, tensor<32xf16>, tensor<32xf16>
      -> tensor<3xf32>, tensor<3xf32>
  return %y, %mean, %rstd : tensor<3x32xf16>, tensor<3xf32>, tensor<3xf32>
}
