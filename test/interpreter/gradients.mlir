// Reference interpreter: the backward ops (sum_to, linear_weight_grad,
// gelu_grad, silu_grad, embedding_grad, cross_entropy_grad, layer_norm_grad,
// rms_norm_grad, attention_grad, slice_grad, scale_norm_grad, softmax_grad,
// batch_norm_grad) against their
// formulas in NumPy float64, and the errors for out-of-range ids and
// targets.
// RUN: %oracle check %s sum_to_leading
// RUN: %oracle check %s sum_to_stretched
// RUN: %oracle check %s sum_to_f16
// RUN: %oracle check %s linear_weight_grad_3d
// RUN: %oracle check %s linear_weight_grad_2d
// RUN: %oracle check %s gelu_grad_exact
// RUN: %oracle check %s gelu_grad_tanh
// RUN: %oracle check %s gelu_grad_tanh_bf16
// RUN: %oracle check %s silu_grad
// RUN: %oracle check %s embedding_grad_2d
// RUN: %oracle check %s embedding_grad_1d_i32
// RUN: %oracle check %s cross_entropy_grad_3d
// RUN: %oracle check %s cross_entropy_grad_custom_ignore
// RUN: %oracle check %s cross_entropy_grad_all_ignored
// RUN: %oracle check %s layer_norm_grad_3d
// RUN: %oracle check %s rms_norm_grad_2d
// RUN: %oracle check %s attention_grad_causal_gqa
// RUN: %oracle check %s attention_grad_bias
// RUN: %oracle check %s slice_grad_middle
// RUN: %oracle check %s scale_norm_grad_clamped
// RUN: %oracle check %s softmax_grad_middle_axis
// RUN: %oracle check %s batch_norm_grad_training
// RUN: %oracle check %s batch_norm_grad_running
// RUN: not tessel-interpret %s --entry bad_id --print 2>&1 | FileCheck %s --check-prefix=BAD_ID
// RUN: not tessel-interpret %s --entry bad_target --print 2>&1 | FileCheck %s --check-prefix=BAD_TARGET

func.func @sum_to_leading(%dy: tensor<?x?x7xf32>) -> tensor<7xf32> {
  %r = tessel.sum_to %dy : tensor<?x?x7xf32> -> tensor<7xf32>
  return %r : tensor<7xf32>
}

func.func @sum_to_stretched(%dy: tensor<?x3x?x5xf32>)
    -> (tensor<?x1x?x5xf32>, tensor<1x5xf32>) {
  %a = tessel.sum_to %dy : tensor<?x3x?x5xf32> -> tensor<?x1x?x5xf32>
  %b = tessel.sum_to %dy : tensor<?x3x?x5xf32> -> tensor<1x5xf32>
  return %a, %b : tensor<?x1x?x5xf32>, tensor<1x5xf32>
}

func.func @sum_to_f16(%dy: tensor<6x9xf16>) -> tensor<9xf16> {
  %r = tessel.sum_to %dy : tensor<6x9xf16> -> tensor<9xf16>
  return %r : tensor<9xf16>
}

func.func @linear_weight_grad_3d(%dy: tensor<?x?x5xf32>, %x: tensor<?x?x4xf32>)
    -> tensor<5x4xf32> {
  %r = tessel.linear_weight_grad %dy, %x
      : tensor<?x?x5xf32>, tensor<?x?x4xf32> -> tensor<5x4xf32>
  return %r : tensor<5x4xf32>
}

func.func @linear_weight_grad_2d(%dy: tensor<7x3xf32>, %x: tensor<7x6xf32>)
    -> tensor<3x6xf32> {
  %r = tessel.linear_weight_grad %dy, %x
      : tensor<7x3xf32>, tensor<7x6xf32> -> tensor<3x6xf32>
  return %r : tensor<3x6xf32>
}

func.func @gelu_grad_exact(%x: tensor<?x9xf32>, %dy: tensor<?x9xf32>)
    -> tensor<?x9xf32> {
  %r = tessel.gelu_grad %x, %dy : tensor<?x9xf32>
  return %r : tensor<?x9xf32>
}

func.func @gelu_grad_tanh(%x: tensor<?x9xf32>, %dy: tensor<?x9xf32>)
    -> tensor<?x9xf32> {
  %r = tessel.gelu_grad %x, %dy approximate = tanh : tensor<?x9xf32>
  return %r : tensor<?x9xf32>
}

func.func @gelu_grad_tanh_bf16(%x: tensor<3x8xbf16>, %dy: tensor<3x8xbf16>)
    -> tensor<3x8xbf16> {
  %r = tessel.gelu_grad %x, %dy approximate = tanh : tensor<3x8xbf16>
  return %r : tensor<3x8xbf16>
}

func.func @silu_grad(%x: tensor<?x9xf32>, %dy: tensor<?x9xf32>)
    -> tensor<?x9xf32> {
  %r = tessel.silu_grad %x, %dy : tensor<?x9xf32>
  return %r : tensor<?x9xf32>
}

func.func @embedding_grad_2d(%ids: tensor<?x?xi64>, %dy: tensor<?x?x3xf32>)
    -> tensor<9x3xf32> {
  %r = tessel.embedding_grad %ids, %dy
      : tensor<?x?xi64>, tensor<?x?x3xf32> -> tensor<9x3xf32>
  return %r : tensor<9x3xf32>
}

func.func @embedding_grad_1d_i32(%ids: tensor<?xi32>, %dy: tensor<?x4xf32>)
    -> tensor<8x4xf32> {
  %r = tessel.embedding_grad %ids, %dy
      : tensor<?xi32>, tensor<?x4xf32> -> tensor<8x4xf32>
  return %r : tensor<8x4xf32>
}

func.func @cross_entropy_grad_3d(%x: tensor<?x?x7xf32>, %t: tensor<?x?xi64>,
    %dl: tensor<f32>) -> tensor<?x?x7xf32> {
  %r = tessel.cross_entropy_grad %x, %t, %dl
      : tensor<?x?x7xf32>, tensor<?x?xi64>, tensor<f32> -> tensor<?x?x7xf32>
  return %r : tensor<?x?x7xf32>
}

func.func @cross_entropy_grad_custom_ignore(%x: tensor<5x6xf32>,
    %t: tensor<5xi32>, %dl: tensor<f32>) -> tensor<5x6xf32> {
  %r = tessel.cross_entropy_grad %x, %t, %dl {ignore_index = 0 : i64}
      : tensor<5x6xf32>, tensor<5xi32>, tensor<f32> -> tensor<5x6xf32>
  return %r : tensor<5x6xf32>
}

func.func @cross_entropy_grad_all_ignored(%x: tensor<3x4xf32>,
    %t: tensor<3xi64>, %dl: tensor<f32>) -> tensor<3x4xf32> {
  %r = tessel.cross_entropy_grad %x, %t, %dl
      : tensor<3x4xf32>, tensor<3xi64>, tensor<f32> -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}

func.func @layer_norm_grad_3d(%x: tensor<?x?x16xf32>, %g: tensor<16xf32>,
    %mean: tensor<?x?xf32>, %rstd: tensor<?x?xf32>, %dy: tensor<?x?x16xf32>)
    -> (tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>) {
  %dx, %dg, %db = tessel.layer_norm_grad %x, %g, %mean, %rstd, %dy
      : tensor<?x?x16xf32>, tensor<16xf32>, tensor<?x?xf32>
  return %dx, %dg, %db : tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>
}

func.func @rms_norm_grad_2d(%x: tensor<?x12xf32>, %g: tensor<12xf32>,
    %rstd: tensor<?xf32>, %dy: tensor<?x12xf32>)
    -> (tensor<?x12xf32>, tensor<12xf32>) {
  %dx, %dg = tessel.rms_norm_grad %x, %g, %rstd, %dy
      : tensor<?x12xf32>, tensor<12xf32>, tensor<?xf32>
  return %dx, %dg : tensor<?x12xf32>, tensor<12xf32>
}

func.func @softmax_grad_middle_axis(%y: tensor<?x7x3xf32>,
    %dy: tensor<?x7x3xf32>) -> tensor<?x7x3xf32> {
  %dx = tessel.softmax_grad %y, %dy {axis = 1 : i64} : tensor<?x7x3xf32>
  return %dx : tensor<?x7x3xf32>
}

func.func @batch_norm_grad_training(%x: tensor<?x?x6xf32>,
    %g: tensor<6xf32>, %rm: tensor<6xf32>, %rv: tensor<6xf32>,
    %dy: tensor<?x?x6xf32>) -> (tensor<?x?x6xf32>, tensor<6xf32>, tensor<6xf32>) {
  %dx, %dg, %db = tessel.batch_norm_grad %x, %g, %rm, %rv, %dy
      {epsilon = 1.000000e-05 : f64, training}
      : tensor<?x?x6xf32>, tensor<6xf32>, tensor<6xf32>
  return %dx, %dg, %db : tensor<?x?x6xf32>, tensor<6xf32>, tensor<6xf32>
}

func.func @batch_norm_grad_running(%x: tensor<?x6xf32>,
    %g: tensor<6xf32>, %rm: tensor<6xf32>, %rv: tensor<6xf32>,
    %dy: tensor<?x6xf32>) -> (tensor<?x6xf32>, tensor<6xf32>, tensor<6xf32>) {
  %dx, %dg, %db = tessel.batch_norm_grad %x, %g, %rm, %rv, %dy
      {epsilon = 1.000000e-03 : f64}
      : tensor<?x6xf32>, tensor<6xf32>, tensor<6xf32>
  return %dx, %dg, %db : tensor<?x6xf32>, tensor<6xf32>, tensor<6xf32>
}

func.func @attention_grad_causal_gqa(%q: tensor<?x4x?x8xf32>,
    %k: tensor<?x2x?x8xf32>, %v: tensor<?x2x?x6xf32>, %o: tensor<?x4x?x6xf32>,
    %lse: tensor<?x4x?xf32>, %do: tensor<?x4x?x6xf32>)
    -> (tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x6xf32>) {
  %dq, %dk, %dv = tessel.attention_grad %q, %k, %v, %o, %lse, %do
      {causal, scale = 3.500000e-01 : f64}
      : tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x6xf32>,
        tensor<?x4x?x6xf32>, tensor<?x4x?xf32>
  return %dq, %dk, %dv
      : tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x6xf32>
}

func.func @attention_grad_bias(%q: tensor<2x3x4x8xf32>, %k: tensor<2x3x6x8xf32>,
    %v: tensor<2x3x6x8xf32>, %o: tensor<2x3x4x8xf32>, %lse: tensor<2x3x4xf32>,
    %do: tensor<2x3x4x8xf32>, %bias: tensor<3x4x6xf32>)
    -> (tensor<2x3x4x8xf32>, tensor<2x3x6x8xf32>, tensor<2x3x6x8xf32>,
        tensor<2x3x4x6xf32>) {
  %dq, %dk, %dv, %db = tessel.attention_grad %q, %k, %v, %o, %lse, %do
      bias(%bias : tensor<3x4x6xf32>) {scale = 2.500000e-01 : f64}
      : tensor<2x3x4x8xf32>, tensor<2x3x6x8xf32>, tensor<2x3x6x8xf32>,
        tensor<2x3x4x8xf32>, tensor<2x3x4xf32> -> tensor<2x3x4x6xf32>
  return %dq, %dk, %dv, %db : tensor<2x3x4x8xf32>, tensor<2x3x6x8xf32>,
      tensor<2x3x6x8xf32>, tensor<2x3x4x6xf32>
}

func.func @slice_grad_middle(%dy: tensor<?x3x4xf32>) -> tensor<?x7x4xf32> {
  %r = tessel.slice_grad %dy {axis = 1 : i64, offset = 2 : i64}
      : tensor<?x3x4xf32> -> tensor<?x7x4xf32>
  return %r : tensor<?x7x4xf32>
}

func.func @scale_norm_grad_clamped(%x: tensor<?x5xf32>, %g: tensor<f32>,
    %dy: tensor<?x5xf32>) -> (tensor<?x5xf32>, tensor<f32>) {
  %dx, %dg = tessel.scale_norm_grad %x, %g, %dy {epsilon = 1.000000e-05 : f64}
      : tensor<?x5xf32>, tensor<f32>
  return %dx, %dg : tensor<?x5xf32>, tensor<f32>
}

// BAD_ID: gradients.mlir:[[@LINE+4]]:8: embedding_grad: id 5 at flat index 1 is outside [0, 4)
func.func @bad_id() -> tensor<4x2xf32> {
  %ids = arith.constant dense<[0, 5]> : tensor<2xi64>
  %dy = arith.constant dense<1.0> : tensor<2x2xf32>
  %r = tessel.embedding_grad %ids, %dy
      : tensor<2xi64>, tensor<2x2xf32> -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// BAD_TARGET: gradients.mlir:[[@LINE+5]]:8: cross_entropy_grad: target 3 at flat index 0 is outside [0, 3)
func.func @bad_target() -> tensor<1x3xf32> {
  %x = arith.constant dense<1.0> : tensor<1x3xf32>
  %t = arith.constant dense<3> : tensor<1xi64>
  %dl = arith.constant dense<1.0> : tensor<f32>
  %r = tessel.cross_entropy_grad %x, %t, %dl
      : tensor<1x3xf32>, tensor<1xi64>, tensor<f32> -> tensor<1x3xf32>
  return %r : tensor<1x3xf32>
}
