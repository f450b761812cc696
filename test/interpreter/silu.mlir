// Reference interpreter: tessel.silu (x / (1 + exp(-x))), including large
// |x| where exp overflows, in f32 and f16, against NumPy and by hand.
// RUN: %oracle check %s silu
// RUN: %oracle check %s silu_f16
// RUN: tessel-interpret %s --entry hand --print | FileCheck %s --check-prefix=HAND

func.func @silu(%x: tensor<?x5x?xf32>) -> tensor<?x5x?xf32> {
  %y = tessel.silu %x : tensor<?x5x?xf32>
  return %y : tensor<?x5x?xf32>
}

func.func @silu_f16(%x: tensor<4x8xf16>) -> tensor<4x8xf16> {
  %y = tessel.silu %x : tensor<4x8xf16>
  return %y : tensor<4x8xf16>
}

// silu(x) = x * sigmoid(x), e = 2.718282:
//   silu(1)  = 1 / (1 + 1/e) = 1 / 1.367879 = 0.731059
//   silu(-1) = -1 / (1 + e) = -1 / 3.718282 = -0.268941
//   silu(0)  = 0
//   silu(2)  = 2 / (1 + e^-2) = 2 / 1.135335 = 1.76159
//   silu(50)  = 50 / (1 + e^-50) = 50 * (1 - 1.9e-22) -> 50 in float32
//   silu(-200) = -200 / (1 + e^200) = -2.8e-85, below float32's smallest
//   subnormal (1.4e-45): -0 (the sign of zero is not checked). exp(200)
//   overflows float32; the result must still not be NaN.
// HAND: result 0: tensor<2x3xf32> = {{\[\[}}0.731059, -0.268941, 0], [1.76159, 50, {{-?}}0]]{{$}}
func.func @hand() -> tensor<2x3xf32> {
  %x = arith.constant dense<[[1.0, -1.0, 0.0], [2.0, 50.0, -200.0]]> : tensor<2x3xf32>
  %y = tessel.silu %x : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
