// Reference interpreter: tessel.rms_norm (x / sqrt(mean(x^2) + epsilon) *
// gamma over the last axis): explicit and default epsilon, uncentred input,
// f16 and bf16, against NumPy and by hand.
// RUN: %oracle check %s rms_norm
// RUN: %oracle check %s rms_norm_default_eps
// RUN: %oracle check %s rms_norm_eps
// RUN: %oracle check %s rms_norm_offset
// RUN: %oracle check %s rms_norm_f16
// RUN: %oracle check %s rms_norm_bf16
// RUN: %oracle check %s rms_norm_stats
// RUN: tessel-interpret %s --entry hand --print | FileCheck %s --check-prefix=HAND
// RUN: tessel-interpret %s --entry hand_default_eps --print | FileCheck %s --check-prefix=DEFAULT

func.func @rms_norm(%x: tensor<?x?x16xf32>, %g: tensor<16xf32>)
    -> tensor<?x?x16xf32> {
  %y = tessel.rms_norm %x, %g {epsilon = 1.000000e-06 : f64}
      : tensor<?x?x16xf32>, tensor<16xf32>
  return %y : tensor<?x?x16xf32>
}

func.func @rms_norm_default_eps(%x: tensor<4x10xf32>, %g: tensor<10xf32>)
    -> tensor<4x10xf32> {
  %y = tessel.rms_norm %x, %g : tensor<4x10xf32>, tensor<10xf32>
  return %y : tensor<4x10xf32>
}

func.func @rms_norm_eps(%x: tensor<?x5xf32>, %g: tensor<5xf32>)
    -> tensor<?x5xf32> {
  %y = tessel.rms_norm %x, %g {epsilon = 5.000000e-01 : f64}
      : tensor<?x5xf32>, tensor<5xf32>
  return %y : tensor<?x5xf32>
}

func.func @rms_norm_offset(%x: tensor<3x12xf32>, %g: tensor<12xf32>)
    -> tensor<3x12xf32> {
  %y = tessel.rms_norm %x, %g : tensor<3x12xf32>, tensor<12xf32>
  return %y : tensor<3x12xf32>
}

func.func @rms_norm_f16(%x: tensor<?x5x64xf16>, %g: tensor<64xf16>)
    -> tensor<?x5x64xf16> {
  %y = tessel.rms_norm %x, %g : tensor<?x5x64xf16>, tensor<64xf16>
  return %y : tensor<?x5x64xf16>
}

func.func @rms_norm_bf16(%x: tensor<?x24xbf16>, %g: tensor<24xbf16>)
    -> tensor<?x24xbf16> {
  %y = tessel.rms_norm %x, %g : tensor<?x24xbf16>, tensor<24xbf16>
  return %y : tensor<?x24xbf16>
}

// gamma = [1, 2].
// Row 0, epsilon = 0: x = [3, 4], mean(x^2) = (9 + 16) / 2 = 12.5,
// rms = 3.535534, y = [3 / 3.535534, 2 * 4 / 3.535534] = [0.848528, 2.26274]
// (not centred: layer norm would give [-1, 2]).
// Row 1, x = [1, 1]: mean(x^2) = 1, sqrt(1 + 3) = 2, y = [0.5, 1].
// (Two calls: row 0 with epsilon = 0, row 1 with epsilon = 3.)
// HAND: result 0: tensor<1x2xf32> = {{\[\[}}0.848528, 2.26274]]{{$}}
// HAND: result 1: tensor<1x2xf32> = {{\[\[}}0.5, 1]]{{$}}
func.func @hand() -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %x0 = arith.constant dense<[[3.0, 4.0]]> : tensor<1x2xf32>
  %x1 = arith.constant dense<[[1.0, 1.0]]> : tensor<1x2xf32>
  %g = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %y0 = tessel.rms_norm %x0, %g {epsilon = 0.0 : f64} : tensor<1x2xf32>, tensor<2xf32>
  %y1 = tessel.rms_norm %x1, %g {epsilon = 3.0 : f64} : tensor<1x2xf32>, tensor<2xf32>
  return %y0, %y1 : tensor<1x2xf32>, tensor<1x2xf32>
}

// Default epsilon 1e-6. x = [0.001, -0.001]: mean(x^2) = 1e-6,
// y = x / sqrt(2e-6) = [0.707107, -0.707107] (epsilon = 0 would give [1, -1],
// layer norm's default 1e-5 [0.301511, -0.301511]).
// DEFAULT: result 0: tensor<1x2xf32> = {{\[\[}}0.707107, -0.707107]]{{$}}
func.func @hand_default_eps() -> tensor<1x2xf32> {
  %x = arith.constant dense<[[0.001, -0.001]]> : tensor<1x2xf32>
  %g = arith.constant dense<1.0> : tensor<2xf32>
  %y = tessel.rms_norm %x, %g : tensor<1x2xf32>, tensor<2xf32>
  return %y : tensor<1x2xf32>
}

// With the statistic a backward pass keeps: rstd per row (f32).
func.func @rms_norm_stats(%x: tensor<?x5x16xf32>, %g: tensor<16xf32>)
    -> (tensor<?x5x16xf32>, tensor<?x5xf32>) {
  %y, %rstd = tessel.rms_norm %x, %g
      : tensor<?x5x16xf32>, tensor<16xf32> -> tensor<?x5xf32>
  return %y, %rstd : tensor<?x5x16xf32>, tensor<?x5xf32>
}
