// tessel-autodiff's vector-Jacobian products, run by the reference
// interpreter, against central differences of the same functions in NumPy
// float64 (test/lib/cases_autodiff.py): an MLP with a loss, broadcasting,
// batched matmuls, an embedding tied to the output projection, head
// splitting with SwiGLU, a residual block with LayerNorm and RMSNorm, and
// causal grouped-query attention with a learned bias, and RoPE (full
// rotate-half and partial interleaved), slices, concat and broadcast,
// ScaleNorm, attention written op by op (matmul, softmax, matmul), and
// relative-position bias tables (t5 buckets; shaw with per-sequence
// positions) feeding attention, and batch norm in training mode (the batch
// statistics depend on x) and with running statistics, and dropout (its
// gradient redraws the forward's mask from the same rng and stream).
// RUN: tessel-opt --tessel-autodiff %s -o %t.mlir
// RUN: %oracle check %t.mlir mlp_vjp
// RUN: %oracle check %t.mlir broadcast_vjp
// RUN: %oracle check %t.mlir matmul_vjp
// RUN: %oracle check %t.mlir tied_vjp
// RUN: %oracle check %t.mlir heads_vjp
// RUN: %oracle check %t.mlir block_vjp
// RUN: %oracle check %t.mlir attention_vjp
// RUN: %oracle check %t.mlir rope_vjp
// RUN: %oracle check %t.mlir split_join_vjp
// RUN: %oracle check %t.mlir scale_norm_vjp
// RUN: %oracle check %t.mlir softmax_attention_vjp
// RUN: %oracle check %t.mlir relative_bias_t5_vjp
// RUN: %oracle check %t.mlir relative_bias_shaw_vjp
// RUN: %oracle check %t.mlir batch_norm_vjp
// RUN: %oracle check %t.mlir dropout_vjp

func.func @mlp(%x: tensor<?x8xf32>, %w1: tensor<16x8xf32>, %b1: tensor<16xf32>,
    %w2: tensor<5x16xf32>, %t: tensor<?xi64>) -> tensor<f32>
    attributes {tessel.differentiate} {
  %h = tessel.linear %x, %w1, %b1
      : tensor<?x8xf32>, tensor<16x8xf32>, tensor<16xf32> -> tensor<?x16xf32>
  %g = tessel.gelu %h approximate = tanh : tensor<?x16xf32>
  %y = tessel.linear %g, %w2
      : tensor<?x16xf32>, tensor<5x16xf32> -> tensor<?x5xf32>
  %l = tessel.cross_entropy %y, %t : tensor<?x5xf32>, tensor<?xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @broadcast(%a: tensor<?x4x6xf32>, %b: tensor<6xf32>,
    %c: tensor<4x1xf32>) -> tensor<?x4x6xf32>
    attributes {tessel.differentiate} {
  %s = tessel.add %a, %b : tensor<?x4x6xf32>, tensor<6xf32> -> tensor<?x4x6xf32>
  %p = tessel.mul %s, %c : tensor<?x4x6xf32>, tensor<4x1xf32> -> tensor<?x4x6xf32>
  return %p : tensor<?x4x6xf32>
}

func.func @matmul(%a: tensor<2x3x4x5xf32>, %b: tensor<3x6x5xf32>,
    %v: tensor<2x3x6x5xf32>) -> tensor<2x3x4x5xf32>
    attributes {tessel.differentiate} {
  %s = tessel.matmul %a, %b {transpose_rhs}
      : tensor<2x3x4x5xf32>, tensor<3x6x5xf32> -> tensor<2x3x4x6xf32>
  %o = tessel.matmul %s, %v
      : tensor<2x3x4x6xf32>, tensor<2x3x6x5xf32> -> tensor<2x3x4x5xf32>
  return %o : tensor<2x3x4x5xf32>
}

func.func @tied(%ids: tensor<?x?xi64>, %table: tensor<16x4xf32>,
    %gain: tensor<4xf32>, %t: tensor<?x?xi64>) -> tensor<f32>
    attributes {tessel.differentiate} {
  %h = tessel.embedding %ids, %table
      : tensor<?x?xi64>, tensor<16x4xf32> -> tensor<?x?x4xf32>
  %n = tessel.mul %h, %gain : tensor<?x?x4xf32>, tensor<4xf32> -> tensor<?x?x4xf32>
  %y = tessel.linear %n, %table
      : tensor<?x?x4xf32>, tensor<16x4xf32> -> tensor<?x?x16xf32>
  %l = tessel.cross_entropy %y, %t
      : tensor<?x?x16xf32>, tensor<?x?xi64> -> tensor<f32>
  return %l : tensor<f32>
}

func.func @heads(%x: tensor<?x2x12xf32>, %u: tensor<?x3x2x4xf32>)
    -> tensor<?x3x2x4xf32> attributes {tessel.differentiate} {
  %r = tessel.reshape %x : tensor<?x2x12xf32> -> tensor<?x2x3x4xf32>
  %t = tessel.transpose %r [0, 2, 1, 3]
      : tensor<?x2x3x4xf32> -> tensor<?x3x2x4xf32>
  %g = tessel.silu %t : tensor<?x3x2x4xf32>
  %y = tessel.swiglu %g, %u : tensor<?x3x2x4xf32>
  return %y : tensor<?x3x2x4xf32>
}

func.func @block(%x: tensor<?x8xf32>, %g1: tensor<8xf32>, %b1: tensor<8xf32>,
    %w: tensor<8x8xf32>, %g2: tensor<8xf32>) -> tensor<?x8xf32>
    attributes {tessel.differentiate} {
  %n = tessel.layer_norm %x, %g1, %b1
      : tensor<?x8xf32>, tensor<8xf32>, tensor<8xf32>
  %a = tessel.linear %n, %w : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32>
  %m = tessel.rms_norm %a, %g2 : tensor<?x8xf32>, tensor<8xf32>
  %y = tessel.add %x, %m : tensor<?x8xf32>, tensor<?x8xf32> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

func.func @attention(%q: tensor<2x4x5x8xf32>, %k: tensor<2x2x5x8xf32>,
    %v: tensor<2x2x5x8xf32>, %bias: tensor<4x1x5xf32>) -> tensor<2x4x5x8xf32>
    attributes {tessel.differentiate} {
  %o = tessel.attention %q, %k, %v, %bias {causal, scale = 3.000000e-01 : f64}
      : tensor<2x4x5x8xf32>, tensor<2x2x5x8xf32>, tensor<2x2x5x8xf32>,
        tensor<4x1x5xf32> -> tensor<2x4x5x8xf32>
  return %o : tensor<2x4x5x8xf32>
}

func.func @rope(%x: tensor<?x3x?x8xf32>, %y: tensor<2x3x5x8xf32>,
    %pos: tensor<?xi64>) -> (tensor<?x3x?x8xf32>, tensor<2x3x5x8xf32>)
    attributes {tessel.differentiate} {
  %a = tessel.rope %x, %pos : tensor<?x3x?x8xf32>, tensor<?xi64>
  %b = tessel.rope %y, %pos {interleaved, rotary_dims = 4 : i64,
                             theta = 5.000000e+02 : f64}
      : tensor<2x3x5x8xf32>, tensor<?xi64>
  return %a, %b : tensor<?x3x?x8xf32>, tensor<2x3x5x8xf32>
}

func.func @split_join(%x: tensor<?x4x10xf32>, %y: tensor<?x4x3xf32>,
    %z: tensor<4x1xf32>)
    -> (tensor<?x4x7xf32>, tensor<?x4x6xf32>, tensor<2x4x5xf32>)
    attributes {tessel.differentiate} {
  %a = tessel.slice %x {axis = 2 : i64, offset = 0 : i64}
      : tensor<?x4x10xf32> -> tensor<?x4x6xf32>
  %b = tessel.slice %x {axis = 2 : i64, offset = 6 : i64}
      : tensor<?x4x10xf32> -> tensor<?x4x4xf32>
  %c = tessel.concat %b, %y {axis = 2 : i64}
      : tensor<?x4x4xf32>, tensor<?x4x3xf32> -> tensor<?x4x7xf32>
  %d = tessel.mul %a, %a : tensor<?x4x6xf32>, tensor<?x4x6xf32> -> tensor<?x4x6xf32>
  %e = tessel.broadcast %z : tensor<4x1xf32> -> tensor<2x4x5xf32>
  return %c, %d, %e : tensor<?x4x7xf32>, tensor<?x4x6xf32>, tensor<2x4x5xf32>
}

func.func @scale_norm(%x: tensor<?x6xf32>, %g: tensor<f32>) -> tensor<?x6xf32>
    attributes {tessel.differentiate} {
  %y = tessel.scale_norm %x, %g {epsilon = 1.000000e-05 : f64}
      : tensor<?x6xf32>, tensor<f32>
  return %y : tensor<?x6xf32>
}

func.func @softmax_attention(%q: tensor<?x2x5x4xf32>, %kt: tensor<?x2x4x6xf32>,
    %v: tensor<?x2x6x3xf32>) -> tensor<?x2x5x3xf32>
    attributes {tessel.differentiate} {
  %s = tessel.matmul %q, %kt
      : tensor<?x2x5x4xf32>, tensor<?x2x4x6xf32> -> tensor<?x2x5x6xf32>
  %p = tessel.softmax %s {axis = -1 : i64} : tensor<?x2x5x6xf32>
  %o = tessel.matmul %p, %v
      : tensor<?x2x5x6xf32>, tensor<?x2x6x3xf32> -> tensor<?x2x5x3xf32>
  return %o : tensor<?x2x5x3xf32>
}

func.func @relative_bias_t5(%table: tensor<8x2xf32>, %q: tensor<2x2x5x4xf32>,
    %pos: tensor<5xi64>) -> tensor<2x2x5x4xf32>
    attributes {tessel.differentiate} {
  %bias = tessel.relative_bias t5 %table, %pos, %pos
      {bidirectional, max_distance = 4 : i64}
      : tensor<8x2xf32>, tensor<5xi64>, tensor<5xi64> -> tensor<2x5x5xf32>
  %o = tessel.attention %q, %q, %q, %bias {causal, scale = 5.000000e-01 : f64}
      : tensor<2x2x5x4xf32>, tensor<2x2x5x4xf32>, tensor<2x2x5x4xf32>,
        tensor<2x5x5xf32> -> tensor<2x2x5x4xf32>
  return %o : tensor<2x2x5x4xf32>
}

func.func @relative_bias_shaw(%table: tensor<5x3xf32>, %qpos: tensor<2x4xi64>,
    %kpos: tensor<6xi64>) -> tensor<2x3x4x6xf32>
    attributes {tessel.differentiate} {
  %bias = tessel.relative_bias shaw %table, %qpos, %kpos {max_distance = 2 : i64}
      : tensor<5x3xf32>, tensor<2x4xi64>, tensor<6xi64> -> tensor<2x3x4x6xf32>
  return %bias : tensor<2x3x4x6xf32>
}

func.func @batch_norm(%x: tensor<?x4x5xf32>, %g: tensor<5xf32>,
    %b: tensor<5xf32>, %rm: tensor<5xf32>, %rv: tensor<5xf32>)
    -> (tensor<?x4x5xf32>, tensor<?x4x5xf32>)
    attributes {tessel.differentiate} {
  %y, %m, %v = tessel.batch_norm %x, %g, %b, %rm, %rv
      {epsilon = 1.000000e-05 : f64, momentum = 1.000000e-01 : f64, training}
      : tensor<?x4x5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>,
        tensor<5xf32>
  %z, %m2, %v2 = tessel.batch_norm %x, %g, %b, %rm, %rv
      {epsilon = 1.000000e-05 : f64, momentum = 1.000000e-01 : f64}
      : tensor<?x4x5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>,
        tensor<5xf32>
  return %y, %z : tensor<?x4x5xf32>, tensor<?x4x5xf32>
}

func.func @dropout(%x: tensor<?x8xf32>, %w: tensor<6x8xf32>,
    %rng: tensor<2xi64>) -> tensor<?x6xf32>
    attributes {tessel.differentiate} {
  %d = tessel.dropout %x, %rng rate = 3.000000e-01 stream = 2
      : tensor<?x8xf32>, tensor<2xi64>
  %y = tessel.linear %d, %w : tensor<?x8xf32>, tensor<6x8xf32> -> tensor<?x6xf32>
  %g = tessel.gelu %y approximate = tanh : tensor<?x6xf32>
  return %g : tensor<?x6xf32>
}
