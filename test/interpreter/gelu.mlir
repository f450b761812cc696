// Reference interpreter: tessel.gelu, exact (erf) and tanh-approximated,
// including large |x|, in f32, f16 and bf16, against NumPy and by hand.
// RUN: %oracle check %s gelu_exact
// RUN: %oracle check %s gelu_tanh
// RUN: %oracle check %s gelu_exact_f16
// RUN: %oracle check %s gelu_tanh_f16
// RUN: %oracle check %s gelu_tanh_bf16
// RUN: tessel-interpret %s --entry hand_exact --print | FileCheck %s --check-prefix=EXACT
// RUN: tessel-interpret %s --entry hand_tanh --print | FileCheck %s --check-prefix=TANH

func.func @gelu_exact(%x: tensor<?x33xf32>) -> tensor<?x33xf32> {
  %y = tessel.gelu %x : tensor<?x33xf32>
  return %y : tensor<?x33xf32>
}

func.func @gelu_tanh(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %y = tessel.gelu %x approximate = tanh : tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

func.func @gelu_exact_f16(%x: tensor<3x16xf16>) -> tensor<3x16xf16> {
  %y = tessel.gelu %x approximate = exact : tensor<3x16xf16>
  return %y : tensor<3x16xf16>
}

func.func @gelu_tanh_f16(%x: tensor<?x16xf16>) -> tensor<?x16xf16> {
  %y = tessel.gelu %x approximate = tanh : tensor<?x16xf16>
  return %y : tensor<?x16xf16>
}

func.func @gelu_tanh_bf16(%x: tensor<2x20xbf16>) -> tensor<2x20xbf16> {
  %y = tessel.gelu %x approximate = tanh : tensor<2x20xbf16>
  return %y : tensor<2x20xbf16>
}

// gelu(x) = x * 0.5 * (1 + erf(x / sqrt 2)) = x * Phi(x):
//   gelu(-1) = -Phi(-1) = -0.158655   (Phi(1) = 0.841345)
//   gelu(0)  = 0
//   gelu(1)  = Phi(1) = 0.841345
//   gelu(2)  = 2 * Phi(2) = 2 * 0.977250 = 1.9545
//   gelu(-3) = -3 * Phi(-3) = -3 * 0.00134990 = -0.00404969
// EXACT: result 0: tensor<5xf32> = [-0.158655, 0, 0.841345, 1.9545, -0.00404969]{{$}}
func.func @hand_exact() -> tensor<5xf32> {
  %x = arith.constant dense<[-1.0, 0.0, 1.0, 2.0, -3.0]> : tensor<5xf32>
  %y = tessel.gelu %x : tensor<5xf32>
  return %y : tensor<5xf32>
}

// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), sqrt(2/pi) = 0.797885:
//   x = 1:  tanh(0.797885 * 1.044715 = 0.833562) = 0.682384 -> 0.841192
//   x = -1: odd inner part: 0.5 * -1 * (1 - 0.682384) = -0.158808
//   x = 2:  tanh(0.797885 * 2.35772 = 1.881188) = 0.954598 -> 1.9546
//   x = -3: tanh(0.797885 * -4.207305 = -3.356944) = -0.997575 -> -0.00363739
// TANH: result 0: tensor<5xf32> = [-0.158808, 0, 0.841192, 1.9546, -0.00363739]{{$}}
func.func @hand_tanh() -> tensor<5xf32> {
  %x = arith.constant dense<[-1.0, 0.0, 1.0, 2.0, -3.0]> : tensor<5xf32>
  %y = tessel.gelu %x approximate = tanh : tensor<5xf32>
  return %y : tensor<5xf32>
}
