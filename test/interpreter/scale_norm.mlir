// Reference interpreter: tessel.scale_norm (g * x / max(||x||_2, epsilon)
// over the last axis, g a rank-0 scalar): rows below epsilon, all-zero rows,
// explicit and default epsilon, f16, against NumPy and by hand.
// RUN: %oracle check %s scale_norm
// RUN: %oracle check %s scale_norm_clamp
// RUN: %oracle check %s scale_norm_eps
// RUN: %oracle check %s scale_norm_f16
// RUN: tessel-interpret %s --entry hand --print | FileCheck %s --check-prefix=HAND
// RUN: tessel-interpret %s --entry hand_default_eps --print | FileCheck %s --check-prefix=DEFAULT

func.func @scale_norm(%x: tensor<?x?x16xf32>, %g: tensor<f32>)
    -> tensor<?x?x16xf32> {
  %y = tessel.scale_norm %x, %g {epsilon = 1.000000e-05 : f64}
      : tensor<?x?x16xf32>, tensor<f32>
  return %y : tensor<?x?x16xf32>
}

func.func @scale_norm_clamp(%x: tensor<6x8xf32>, %g: tensor<f32>)
    -> tensor<6x8xf32> {
  %y = tessel.scale_norm %x, %g : tensor<6x8xf32>, tensor<f32>
  return %y : tensor<6x8xf32>
}

func.func @scale_norm_eps(%x: tensor<?x4xf32>, %g: tensor<f32>)
    -> tensor<?x4xf32> {
  %y = tessel.scale_norm %x, %g {epsilon = 2.000000e+00 : f64}
      : tensor<?x4xf32>, tensor<f32>
  return %y : tensor<?x4xf32>
}

func.func @scale_norm_f16(%x: tensor<?x4x16xf16>, %g: tensor<f16>)
    -> tensor<?x4x16xf16> {
  %y = tessel.scale_norm %x, %g : tensor<?x4x16xf16>, tensor<f16>
  return %y : tensor<?x4x16xf16>
}

// g = 10, epsilon = 1.
// Row [3, 4]: norm 5 > 1, y = 10 * [3, 4] / 5 = [6, 8].
// Row [0.3, 0.4]: norm 0.5 < 1, divided by epsilon: y = [3, 4]
//   (norm + epsilon would give [2, 2.66667], sqrt(norm^2 + epsilon)
//   [2.68328, 3.57771]).
// Row [0, 0]: y = 0 / max(0, 1) = [0, 0].
// Row [-1, 0]: norm 1 = epsilon: y = [-10, 0].
// HAND: result 0: tensor<4x2xf32> = {{\[\[}}6, 8], [3, 4], [0, 0], [-10, 0]]{{$}}
func.func @hand() -> tensor<4x2xf32> {
  %x = arith.constant dense<[[3.0, 4.0], [0.3, 0.4], [0.0, 0.0], [-1.0, 0.0]]> : tensor<4x2xf32>
  %g = arith.constant dense<10.0> : tensor<f32>
  %y = tessel.scale_norm %x, %g {epsilon = 1.0 : f64} : tensor<4x2xf32>, tensor<f32>
  return %y : tensor<4x2xf32>
}

// Default epsilon 1e-5, g = -2. Row [3e-6, 4e-6]: norm 5e-6 < 1e-5,
// y = -2 * [3e-6, 4e-6] / 1e-5 = [-0.6, -0.8]. Row [0, 2]: y = [0, -2].
// DEFAULT: result 0: tensor<2x2xf32> = {{\[\[}}-0.6, -0.8], [{{-?}}0, -2]]{{$}}
func.func @hand_default_eps() -> tensor<2x2xf32> {
  %x = arith.constant dense<[[3.0e-6, 4.0e-6], [0.0, 2.0]]> : tensor<2x2xf32>
  %g = arith.constant dense<-2.0> : tensor<f32>
  %y = tessel.scale_norm %x, %g : tensor<2x2xf32>, tensor<f32>
  return %y : tensor<2x2xf32>
}
