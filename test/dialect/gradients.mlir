// Round trip of the backward ops, and their verifiers.
// RUN: tessel-opt %s --split-input-file | tessel-opt | FileCheck %s
// RUN: tessel-opt %s --split-input-file --mlir-print-op-generic | tessel-opt | FileCheck %s

// CHECK-LABEL: func.func @backward_ops
// CHECK: tessel.sum_to %{{.+}} : tensor<?x?x8xf32> -> tensor<8xf32>
// CHECK: tessel.linear_weight_grad %{{.+}}, %{{.+}} : tensor<?x?x8xf32>, tensor<?x?x4xf32> -> tensor<8x4xf32>
// CHECK: tessel.gelu_grad %{{.+}}, %{{.+}} approximate = tanh : tensor<?x?x8xf32>
// CHECK: tessel.silu_grad %{{.+}}, %{{.+}} : tensor<?x?x8xf32>
// CHECK: tessel.embedding_grad %{{.+}}, %{{.+}} : tensor<?x?xi64>, tensor<?x?x8xf32> -> tensor<32x8xf32>
// CHECK: tessel.cross_entropy_grad %{{.+}}, %{{.+}}, %{{.+}} {ignore_index = 0 : i64} : tensor<?x?x8xf32>, tensor<?x?xi64>, tensor<f32> -> tensor<?x?x8xf32>
// CHECK: %input_grad, %gamma_grad, %beta_grad = tessel.layer_norm_grad %{{.+}} : tensor<?x?x8xf32>, tensor<8xf32>, tensor<?x?xf32>
// CHECK: %{{.+}}, %{{.+}} = tessel.rms_norm_grad %{{.+}} : tensor<?x?x8xf32>, tensor<8xf32>, tensor<?x?xf32>
// CHECK: tessel.rope %{{.+}}, %{{.+}} {inverse} : tensor<?x?x8xf32>, tensor<?xi64>
// CHECK: tessel.slice_grad %{{.+}} {axis = 2 : i64, offset = 4 : i64} : tensor<?x?x8xf32> -> tensor<?x?x16xf32>
// CHECK: tessel.scale_norm_grad %{{.+}}, %{{.+}}, %{{.+}} {epsilon = 1.000000e-05 : f64} : tensor<?x?x8xf32>, tensor<f32>
func.func @backward_ops(%x: tensor<?x?x8xf32>, %in: tensor<?x?x4xf32>,
    %ids: tensor<?x?xi64>, %dl: tensor<f32>, %g: tensor<8xf32>,
    %stat: tensor<?x?xf32>, %pos: tensor<?xi64>) {
  %0 = tessel.sum_to %x : tensor<?x?x8xf32> -> tensor<8xf32>
  %1 = tessel.linear_weight_grad %x, %in
      : tensor<?x?x8xf32>, tensor<?x?x4xf32> -> tensor<8x4xf32>
  %2 = tessel.gelu_grad %x, %x approximate = tanh : tensor<?x?x8xf32>
  %3 = tessel.silu_grad %x, %x : tensor<?x?x8xf32>
  %4 = tessel.embedding_grad %ids, %x
      : tensor<?x?xi64>, tensor<?x?x8xf32> -> tensor<32x8xf32>
  %5 = tessel.cross_entropy_grad %x, %ids, %dl {ignore_index = 0 : i64}
      : tensor<?x?x8xf32>, tensor<?x?xi64>, tensor<f32> -> tensor<?x?x8xf32>
  %6:3 = tessel.layer_norm_grad %x, %g, %stat, %stat, %x
      : tensor<?x?x8xf32>, tensor<8xf32>, tensor<?x?xf32>
  %7:2 = tessel.rms_norm_grad %x, %g, %stat, %x
      : tensor<?x?x8xf32>, tensor<8xf32>, tensor<?x?xf32>
  %8 = tessel.rope %x, %pos {inverse} : tensor<?x?x8xf32>, tensor<?xi64>
  %9 = tessel.slice_grad %x {axis = 2 : i64, offset = 4 : i64}
      : tensor<?x?x8xf32> -> tensor<?x?x16xf32>
  %10:2 = tessel.scale_norm_grad %x, %dl, %x {epsilon = 1.0e-05 : f64}
      : tensor<?x?x8xf32>, tensor<f32>
  return
}

// -----

// CHECK-LABEL: func.func @attention_grad
// CHECK: %query_grad, %key_grad, %value_grad = tessel.attention_grad %{{.+}} {causal, scale = 1.250000e-01 : f64} : tensor<?x8x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x8x?x16xf32>, tensor<?x8x?xf32>
// CHECK: %{{.+}}, %bias_grad = tessel.attention_grad %{{.+}} bias(%{{.+}} : tensor<8x1x?xf32>) {scale = 1.250000e-01 : f64} : {{.+}} -> tensor<?x8x?x?xf32>
func.func @attention_grad(%q: tensor<?x8x?x16xf32>, %k: tensor<?x2x?x16xf32>,
    %v: tensor<?x2x?x16xf32>, %lse: tensor<?x8x?xf32>,
    %bias: tensor<8x1x?xf32>) {
  %0:3 = tessel.attention_grad %q, %k, %v, %q, %lse, %q
      {causal, scale = 0.125 : f64}
      : tensor<?x8x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>,
        tensor<?x8x?x16xf32>, tensor<?x8x?xf32>
  %1:4 = tessel.attention_grad %q, %k, %v, %q, %lse, %q
      bias(%bias : tensor<8x1x?xf32>) {scale = 0.125 : f64}
      : tensor<?x8x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>,
        tensor<?x8x?x16xf32>, tensor<?x8x?xf32> -> tensor<?x8x?x?xf32>
  return
}

// -----

// CHECK-LABEL: func.func @softmax_grad
// CHECK: tessel.softmax_grad %{{.+}}, %{{.+}} {axis = 1 : i64} : tensor<?x8x?xf32>
// CHECK: tessel.softmax_grad %{{.+}}, %{{.+}} : tensor<?x8x?xf32>
func.func @softmax_grad(%y: tensor<?x8x?xf32>, %dy: tensor<?x8x?xf32>) {
  %0 = tessel.softmax_grad %y, %dy {axis = 1 : i64} : tensor<?x8x?xf32>
  %1 = tessel.softmax_grad %y, %dy : tensor<?x8x?xf32>
  return
}

// -----

// CHECK-LABEL: func.func @batch_norm_grad
// CHECK: %input_grad, %gamma_grad, %beta_grad = tessel.batch_norm_grad %{{.+}} {training} : tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>
// CHECK: tessel.batch_norm_grad %{{.+}} : tensor<?x64xbf16>, tensor<64xbf16>, tensor<64xbf16>
func.func @batch_norm_grad(%x: tensor<?x?x64xf32>, %g: tensor<64xf32>,
    %h: tensor<?x64xbf16>, %hg: tensor<64xbf16>) {
  %0:3 = tessel.batch_norm_grad %x, %g, %g, %g, %x {training}
      : tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>
  %1:3 = tessel.batch_norm_grad %h, %hg, %hg, %hg, %h
      : tensor<?x64xbf16>, tensor<64xbf16>, tensor<64xbf16>
  return
}
