// RUN: tessel-opt %s --tessel-gpu-mma-attention --cse -split-input-file -verify-diagnostics | FileCheck %s
// RUN: tessel-opt %s --tessel-gpu-mma-attention=element-type=f16 -split-input-file | FileCheck %s --check-prefix=F16
// RUN: not tessel-opt %s --tessel-gpu-mma-attention=element-type=f64 -split-input-file 2>&1 | FileCheck %s --check-prefix=BADTYPE

// Attention the tensor-core kernel computes becomes tessel.mma_attention
// on fresh bf16 copies of q, k and v, into a fresh f32 result; the scale
// (1/sqrt(64)) and causal are carried over. Grouped-query heads stay as
// they are: the kernel maps query head h to key/value head h / 4.

// CHECK-LABEL: func.func @gqa
// CHECK-SAME: (%[[Q:.*]]: tensor<2x8x?x64xf32>, %[[K:.*]]: tensor<2x2x?x64xf32>, %[[V:.*]]: tensor<2x2x?x64xf32>)
// CHECK: %[[QB:.*]] = linalg.generic {{.*}} ins(%[[Q]] : tensor<2x8x?x64xf32>) outs(%{{.*}} : tensor<2x8x?x64xbf16>)
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: %[[KB:.*]] = linalg.generic {{.*}} ins(%[[K]] : {{.*}}) outs(%{{.*}} : tensor<2x2x?x64xbf16>)
// CHECK: %[[VB:.*]] = linalg.generic {{.*}} ins(%[[V]] : {{.*}}) outs(%{{.*}} : tensor<2x2x?x64xbf16>)
// CHECK: %[[INIT:.*]] = tensor.empty(%{{.*}}) : tensor<2x8x?x64xf32>
// CHECK: %[[O:.*]] = tessel.mma_attention ins(%[[QB]], %[[KB]], %[[VB]]) outs(%[[INIT]]) {causal, scale = 1.250000e-01 : f64}
// CHECK-NOT: tessel.attention
// CHECK: return %[[O]]
// F16-LABEL: func.func @gqa
// F16: tessel.mma_attention {{.*}} : tensor<2x8x?x64xf16>, tensor<2x2x?x64xf16>, tensor<2x2x?x64xf16> -> tensor<2x8x?x64xf32>
// BADTYPE: error: tessel-gpu-mma-attention: element-type must be bf16 or f16, got 'f64'
func.func @gqa(%q: tensor<2x8x?x64xf32>, %k: tensor<2x2x?x64xf32>, %v: tensor<2x2x?x64xf32>) -> tensor<2x8x?x64xf32> {
  %o = tessel.attention %q, %k, %v {causal} : tensor<2x8x?x64xf32>, tensor<2x2x?x64xf32>, tensor<2x2x?x64xf32> -> tensor<2x8x?x64xf32>
  return %o : tensor<2x8x?x64xf32>
}

// -----

// A head dimension that is not a multiple of 16 (mma.sync's k) is padded
// with zeros (in f32, before the conversion); the result's padded columns
// are sliced off. The scale stays 1/sqrt(8).

// CHECK-LABEL: func.func @pad
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<?x4x?x8xf32>
// CHECK: %[[QP:.*]] = tensor.pad %[[Q]] low[0, 0, 0, 0] high[0, 0, 0, 8]
// CHECK: tensor.yield %{{.*}} : f32
// CHECK: } : tensor<?x4x?x8xf32> to tensor<?x4x?x16xf32>
// CHECK: linalg.generic {{.*}} ins(%[[QP]] : tensor<?x4x?x16xf32>) outs(%{{.*}} : tensor<?x4x?x16xbf16>)
// CHECK: %[[O:.*]] = tessel.mma_attention {{.*}} {scale = 0.35355339059327373 : f64} : {{.*}} -> tensor<?x4x?x16xf32>
// CHECK: %[[S:.*]] = tensor.extract_slice %[[O]][0, 0, 0, 0] [%{{.*}}, 4, %{{.*}}, 8] [1, 1, 1, 1] : tensor<?x4x?x16xf32> to tensor<?x4x?x8xf32>
// CHECK: return %[[S]]
func.func @pad(%q: tensor<?x4x?x8xf32>, %k: tensor<?x4x?x8xf32>, %v: tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32> {
  %o = tessel.attention %q, %k, %v : tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32> -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}

// -----

// ALiBi is computed in the tile from its positions: the [H, S, T] bias
// op goes.

// CHECK-LABEL: func.func @alibi
// CHECK-SAME: %[[QP:[^:]*]]: tensor<?xi64>, %[[KP:[^:]*]]: tensor<?xi64>)
// CHECK-NOT: tessel.alibi
// CHECK: tessel.mma_attention ins({{.*}}) bias_positions(%[[QP]], %[[KP]] : tensor<?xi64>, tensor<?xi64>) outs({{.*}}) {alibi, causal, scale = 2.500000e-01 : f64}
func.func @alibi(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>, %v: tensor<?x4x?x16xf32>, %qp: tensor<?xi64>, %kp: tensor<?xi64>) -> tensor<?x4x?x16xf32> {
  %b = tessel.alibi %qp, %kp : tensor<?xi64>, tensor<?xi64> -> tensor<4x?x?xf32>
  %o = tessel.attention %q, %k, %v, %b {causal} : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<4x?x?xf32> -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// A relative bias (T5 buckets) is tabulated once per distance r in
// [-L, L], L = S + T: the same op for one query at position L and keys
// 0..2L (the keys' slice, not a buffer the host writes), [H, 2L + 1]. A
// decode step's positions go with it.

// CHECK-LABEL: func.func @relative
// CHECK-SAME: (%[[Q:[^:]*]]: tensor<?x4x?x16xf32>, %[[K:[^:]*]]: tensor<?x4x?x16xf32>, %{{[^:]*}}: tensor<?x4x?x16xf32>, %[[POS:[^:]*]]: tensor<?x?xi64>, %[[KP:[^:]*]]: tensor<?xi64>, %[[TABLE:[^:]*]]: tensor<32x4xf32>)
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[S:.*]] = tensor.dim %[[Q]], %[[C2]]
// CHECK: %[[T:.*]] = tensor.dim %[[K]], %[[C2]]
// CHECK: %[[L:.*]] = arith.addi %[[S]], %[[T]] : index
// CHECK: %[[KEYS:.*]] = linalg.generic
// CHECK: linalg.index 0
// CHECK: %[[AT:.*]] = tensor.extract_slice %[[KEYS]][%[[L]]] [1] [1] : tensor<?xi64> to tensor<1xi64>
// CHECK: %[[BIAS:.*]] = tessel.relative_bias t5 %[[TABLE]], %[[AT]], %[[KEYS]] {max_distance = 128 : i64} : tensor<32x4xf32>, tensor<1xi64>, tensor<?xi64> -> tensor<4x1x?xf32>
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[BIAS]] {{\[}}[0], [1, 2]] : tensor<4x1x?xf32> into tensor<4x?xf32>
// CHECK: tessel.mma_attention ins({{.*}}) positions(%[[POS]] : tensor<?x?xi64>) bias_positions(%[[POS]], %[[KP]] : tensor<?x?xi64>, tensor<?xi64>) bias_table(%[[ROWS]] : tensor<4x?xf32>) outs({{.*}}) {causal, scale = 2.500000e-01 : f64}
// CHECK-NOT: tessel.relative_bias
func.func @relative(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>, %v: tensor<?x4x?x16xf32>, %pos: tensor<?x?xi64>, %kp: tensor<?xi64>, %table: tensor<32x4xf32>) -> tensor<?x4x?x16xf32> {
  %b = tessel.relative_bias t5 %table, %pos, %kp {max_distance = 128 : i64} : tensor<32x4xf32>, tensor<?x?xi64>, tensor<?xi64> -> tensor<?x4x?x?xf32>
  %o = tessel.attention %q, %k, %v, %b positions(%pos : tensor<?x?xi64>) {causal} : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x?xf32> -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// What the kernel does not compute stays tessel.attention: any other bias,
// a log-sum-exp that is used, a head dimension above 128.

// CHECK-LABEL: func.func @left
// CHECK-COUNT-3: tessel.attention
// CHECK-NOT: tessel.mma_attention
func.func @left(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>, %v: tensor<?x4x?x16xf32>, %bias: tensor<4x?x?xf32>, %q2: tensor<?x4x?x256xf32>, %k2: tensor<?x4x?x256xf32>) -> (tensor<?x4x?x16xf32>, tensor<?x4x?xf32>, tensor<?x4x?x16xf32>) {
  %a = tessel.attention %q, %k, %v, %bias : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<4x?x?xf32> -> tensor<?x4x?x16xf32>
  %b, %lse = tessel.attention %q, %k, %v : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32> -> tensor<?x4x?x16xf32>, tensor<?x4x?xf32>
  %c = tessel.attention %q2, %k2, %v : tensor<?x4x?x256xf32>, tensor<?x4x?x256xf32>, tensor<?x4x?x16xf32> -> tensor<?x4x?x16xf32>
  return %a, %lse, %c : tensor<?x4x?x16xf32>, tensor<?x4x?xf32>, tensor<?x4x?x16xf32>
}
