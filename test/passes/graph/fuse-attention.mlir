// RUN: tessel-opt %s --split-input-file --tessel-fuse-attention --canonicalize | FileCheck %s

// The textbook form: q . k^T (k transposed over its last two axes), times
// 1/sqrt(d_k) = 0.25, softmax over the keys, times v. The transpose of k^T
// folds away, so the attention reads k as it was.

// CHECK-LABEL: func.func @scaled_dot_product
// CHECK-SAME:    (%[[Q:.+]]: tensor<1x4x?x16xf32>, %[[K:.+]]: tensor<1x4x?x16xf32>, %[[V:.+]]: tensor<1x4x?x16xf32>)
// CHECK-NEXT:    %[[O:.+]] = tessel.attention %[[Q]], %[[K]], %[[V]] {scale = 2.500000e-01 : f64}
// CHECK-NEXT:    return %[[O]]
func.func @scaled_dot_product(%q: tensor<1x4x?x16xf32>, %k: tensor<1x4x?x16xf32>, %v: tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32> {
  %kt = tessel.transpose %k [0, 1, 3, 2] : tensor<1x4x?x16xf32> -> tensor<1x4x16x?xf32>
  %s = tessel.matmul %q, %kt : tensor<1x4x?x16xf32>, tensor<1x4x16x?xf32> -> tensor<1x4x?x?xf32>
  %c = arith.constant dense<0.25> : tensor<1xf32>
  %d = tessel.mul %s, %c : tensor<1x4x?x?xf32>, tensor<1xf32> -> tensor<1x4x?x?xf32>
  %p = tessel.softmax %d : tensor<1x4x?x?xf32>
  %o = tessel.matmul %p, %v : tensor<1x4x?x?xf32>, tensor<1x4x?x16xf32> -> tensor<1x4x?x16xf32>
  return %o : tensor<1x4x?x16xf32>
}

// -----

// Head splitting written out ([B, S, H*D] -> [B, H, S, D]) stays in front
// of the attention; division by a constant and an additive bias fuse.

// CHECK-LABEL: func.func @split_heads_bias
// CHECK-SAME:    (%[[XQ:[^:]+]]: {{.+}}, %[[XK:[^:]+]]: {{.+}}, %[[XV:[^:]+]]: {{.+}}, %[[BIAS:[^:]+]]: tensor<4x8x8xf32>)
// CHECK-DAG:     %[[Q4:.+]] = tessel.reshape %[[XQ]]
// CHECK-DAG:     %[[K4:.+]] = tessel.reshape %[[XK]]
// CHECK-DAG:     %[[V4:.+]] = tessel.reshape %[[XV]]
// CHECK-DAG:     %[[Q:.+]] = tessel.transpose %[[Q4]] [0, 2, 1, 3] : tensor<2x8x4x16xf32> -> tensor<2x4x8x16xf32>
// CHECK-DAG:     %[[K:.+]] = tessel.transpose %[[K4]] [0, 2, 1, 3] : tensor<2x8x4x16xf32> -> tensor<2x4x8x16xf32>
// CHECK-DAG:     %[[V:.+]] = tessel.transpose %[[V4]] [0, 2, 1, 3] : tensor<2x8x4x16xf32> -> tensor<2x4x8x16xf32>
// CHECK:         %[[O:.+]] = tessel.attention %[[Q]], %[[K]], %[[V]], %[[BIAS]] {scale = 2.500000e-01 : f64}
// CHECK-NOT:     tessel.softmax
// CHECK-NOT:     tessel.matmul
func.func @split_heads_bias(%xq: tensor<2x8x64xf32>, %xk: tensor<2x8x64xf32>, %xv: tensor<2x8x64xf32>, %bias: tensor<4x8x8xf32>) -> tensor<2x4x8x16xf32> {
  %q4 = tessel.reshape %xq : tensor<2x8x64xf32> -> tensor<2x8x4x16xf32>
  %k4 = tessel.reshape %xk : tensor<2x8x64xf32> -> tensor<2x8x4x16xf32>
  %v4 = tessel.reshape %xv : tensor<2x8x64xf32> -> tensor<2x8x4x16xf32>
  %q = tessel.transpose %q4 [0, 2, 1, 3] : tensor<2x8x4x16xf32> -> tensor<2x4x8x16xf32>
  %kt = tessel.transpose %k4 [0, 2, 3, 1] : tensor<2x8x4x16xf32> -> tensor<2x4x16x8xf32>
  %v = tessel.transpose %v4 [0, 2, 1, 3] : tensor<2x8x4x16xf32> -> tensor<2x4x8x16xf32>
  %s = tessel.matmul %q, %kt : tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32> -> tensor<2x4x8x8xf32>
  %c = arith.constant dense<4.0> : tensor<2x4x8x8xf32>
  %d = arith.divf %s, %c : tensor<2x4x8x8xf32>
  %b = tessel.add %bias, %d : tensor<4x8x8xf32>, tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %p = tessel.softmax %b {axis = 3 : i64} : tensor<2x4x8x8xf32>
  %o = tessel.matmul %p, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32> -> tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// A constant causal mask (0 on and below the diagonal, -inf above) becomes
// the `causal` attribute; an unscaled product gets scale 1.

// CHECK-LABEL: func.func @causal_mask
// CHECK-NOT:     arith.constant
// CHECK:         tessel.attention %{{.+}}, %{{.+}}, %{{.+}} {causal, scale = 1.000000e+00 : f64}
func.func @causal_mask(%q: tensor<1x2x3x8xf32>, %kt: tensor<1x2x8x3xf32>, %v: tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32> {
  %s = tessel.matmul %q, %kt : tensor<1x2x3x8xf32>, tensor<1x2x8x3xf32> -> tensor<1x2x3x3xf32>
  %mask = arith.constant dense<[[0.0, 0xFF800000, 0xFF800000], [0.0, 0.0, 0xFF800000], [0.0, 0.0, 0.0]]> : tensor<3x3xf32>
  %m = tessel.add %s, %mask : tensor<1x2x3x3xf32>, tensor<3x3xf32> -> tensor<1x2x3x3xf32>
  %p = tessel.softmax %m : tensor<1x2x3x3xf32>
  %o = tessel.matmul %p, %v : tensor<1x2x3x3xf32>, tensor<1x2x3x8xf32> -> tensor<1x2x3x8xf32>
  return %o : tensor<1x2x3x8xf32>
}

// -----

// A mask that is not causal (key 0 is hidden from query 1, which a causal
// mask shows it) stays a bias.

// CHECK-LABEL: func.func @not_causal_mask
// CHECK:         %[[MASK:.+]] = arith.constant
// CHECK:         tessel.attention %{{.+}}, %{{.+}}, %{{.+}}, %[[MASK]] {scale = 1.000000e+00 : f64}
func.func @not_causal_mask(%q: tensor<1x2x2x8xf32>, %kt: tensor<1x2x8x2xf32>, %v: tensor<1x2x2x8xf32>) -> tensor<1x2x2x8xf32> {
  %s = tessel.matmul %q, %kt : tensor<1x2x2x8xf32>, tensor<1x2x8x2xf32> -> tensor<1x2x2x2xf32>
  %mask = arith.constant dense<[[0.0, 0xFF800000], [0xFF800000, 0.0]]> : tensor<2x2xf32>
  %m = tessel.add %s, %mask : tensor<1x2x2x2xf32>, tensor<2x2xf32> -> tensor<1x2x2x2xf32>
  %p = tessel.softmax %m : tensor<1x2x2x2xf32>
  %o = tessel.matmul %p, %v : tensor<1x2x2x2xf32>, tensor<1x2x2x8xf32> -> tensor<1x2x2x8xf32>
  return %o : tensor<1x2x2x8xf32>
}

// -----

// Near miss: softmax over the query axis (2), not the keys.

// CHECK-LABEL: func.func @softmax_wrong_axis
// CHECK-NOT:     tessel.attention
// CHECK:         tessel.softmax %{{.+}} {axis = 2 : i64}
func.func @softmax_wrong_axis(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = tessel.matmul %q, %kt : tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x4x4xf32>
  %p = tessel.softmax %s {axis = 2 : i64} : tensor<1x2x4x4xf32>
  %o = tessel.matmul %p, %v : tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Near miss: the scale is applied after the softmax (to the probabilities),
// which is not attention.

// CHECK-LABEL: func.func @scale_after_softmax
// CHECK-NOT:     tessel.attention
// CHECK:         tessel.softmax
// CHECK:         tessel.mul
func.func @scale_after_softmax(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %s = tessel.matmul %q, %kt : tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x4x4xf32>
  %p = tessel.softmax %s : tensor<1x2x4x4xf32>
  %c = arith.constant dense<0.125> : tensor<1xf32>
  %ps = tessel.mul %p, %c : tensor<1x2x4x4xf32>, tensor<1xf32> -> tensor<1x2x4x4xf32>
  %o = tessel.matmul %ps, %v : tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o : tensor<1x2x4x8xf32>
}

// -----

// Near miss: the probabilities have a second user (returned for
// inspection), so they must exist and nothing fuses.

// CHECK-LABEL: func.func @probabilities_escape
// CHECK-NOT:     tessel.attention
// CHECK:         %[[P:.+]] = tessel.softmax
// CHECK:         return %{{.+}}, %[[P]]
func.func @probabilities_escape(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>) {
  %s = tessel.matmul %q, %kt : tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x4x4xf32>
  %p = tessel.softmax %s : tensor<1x2x4x4xf32>
  %o = tessel.matmul %p, %v : tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o, %p : tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>
}

// -----

// Near miss: the logits have a second user, so they are materialized anyway.

// CHECK-LABEL: func.func @logits_escape
// CHECK-NOT:     tessel.attention
func.func @logits_escape(%q: tensor<1x2x4x8xf32>, %kt: tensor<1x2x8x4xf32>, %v: tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>) {
  %s = tessel.matmul %q, %kt : tensor<1x2x4x8xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x4x4xf32>
  %p = tessel.softmax %s : tensor<1x2x4x4xf32>
  %o = tessel.matmul %p, %v : tensor<1x2x4x4xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %o, %s : tensor<1x2x4x8xf32>, tensor<1x2x4x4xf32>
}
