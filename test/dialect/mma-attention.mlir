// RUN: tessel-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// tessel.mma_attention (the CUDA target's attention kernel) round-trips on
// tensors and on memrefs, with positions and a position bias.

// CHECK-LABEL: func.func @tensors
// CHECK: tessel.mma_attention ins(%{{.*}}, %{{.*}}, %{{.*}}) outs(%{{.*}}) {causal, scale = 1.250000e-01 : f64} : tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16> -> tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
func.func @tensors(%q: tensor<?x8x?x64xbf16>, %k: tensor<?x2x?x64xbf16>, %v: tensor<?x2x?x64xbf16>, %o: tensor<?x8x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %r = tessel.mma_attention ins(%q, %k, %v) outs(%o) {causal, scale = 0.125 : f64} : tensor<?x8x?x64xbf16>, tensor<?x2x?x64xbf16>, tensor<?x2x?x64xbf16> -> tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  return %r : tensor<?x8x?x64xf32>
}

// CHECK-LABEL: func.func @memrefs
// CHECK: tessel.mma_attention ins(%{{.*}}, %{{.*}}, %{{.*}}) positions(%{{.*}} : memref<?x?xi64>) bias_positions(%{{.*}}, %{{.*}} : memref<?x?xi64>, memref<?xi64>) bias_table(%{{.*}} : memref<4x?xf32>) outs(%{{.*}}) {causal, scale = 2.500000e-01 : f64}
func.func @memrefs(%q: memref<?x4x?x16xf16>, %k: memref<?x4x?x16xf16>, %v: memref<?x4x?x16xf16>, %pos: memref<?x?xi64>, %kp: memref<?xi64>, %t: memref<4x?xf32>, %o: memref<?x4x?x16xf32>) {
  tessel.mma_attention ins(%q, %k, %v) positions(%pos : memref<?x?xi64>) bias_positions(%pos, %kp : memref<?x?xi64>, memref<?xi64>) bias_table(%t : memref<4x?xf32>) outs(%o) {causal, scale = 0.25 : f64} : memref<?x4x?x16xf16>, memref<?x4x?x16xf16>, memref<?x4x?x16xf16> -> memref<?x4x?x16xf32>
  return
}

// -----

func.func @f32_inputs(%q: tensor<?x8x?x64xf32>, %k: tensor<?x2x?x64xf32>, %v: tensor<?x2x?x64xf32>, %o: tensor<?x8x?x64xf32>) -> tensor<?x8x?x64xf32> {
  // expected-error @+1 {{query must be bf16 or f16, got 'f32'}}
  %r = tessel.mma_attention ins(%q, %k, %v) outs(%o) {scale = 0.125 : f64} : tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32> -> tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  return %r : tensor<?x8x?x64xf32>
}

// -----

func.func @heads(%q: tensor<?x6x?x64xbf16>, %k: tensor<?x4x?x64xbf16>, %v: tensor<?x4x?x64xbf16>, %o: tensor<?x6x?x64xf32>) -> tensor<?x6x?x64xf32> {
  // expected-error @+1 {{query heads are not a multiple of key/value heads: query [?, 6, ?, 64], key [?, 4, ?, 64], value [?, 4, ?, 64], init [?, 6, ?, 64]}}
  %r = tessel.mma_attention ins(%q, %k, %v) outs(%o) {scale = 0.125 : f64} : tensor<?x6x?x64xbf16>, tensor<?x4x?x64xbf16>, tensor<?x4x?x64xbf16> -> tensor<?x6x?x64xf32>, tensor<?x6x?x64xf32>
  return %r : tensor<?x6x?x64xf32>
}

// -----

func.func @mixed(%q: memref<?x4x?x16xbf16>, %k: tensor<?x4x?x16xbf16>, %v: tensor<?x4x?x16xbf16>, %o: tensor<?x4x?x16xf32>) {
  // expected-error @+1 {{takes ranked tensors or memrefs, not a mix}}
  %r = tessel.mma_attention ins(%q, %k, %v) outs(%o) {scale = 0.25 : f64} : memref<?x4x?x16xbf16>, tensor<?x4x?x16xbf16>, tensor<?x4x?x16xbf16> -> tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>
  return
}

// -----

func.func @positions_without_causal(%q: memref<?x4x?x16xbf16>, %k: memref<?x4x?x16xbf16>, %v: memref<?x4x?x16xbf16>, %pos: memref<?x?xi64>, %o: memref<?x4x?x16xf32>) {
  // expected-error @+1 {{positions must be [B, S] i64, with causal}}
  tessel.mma_attention ins(%q, %k, %v) positions(%pos : memref<?x?xi64>) outs(%o) {scale = 0.25 : f64} : memref<?x4x?x16xbf16>, memref<?x4x?x16xbf16>, memref<?x4x?x16xbf16> -> memref<?x4x?x16xf32>
  return
}

// -----

func.func @bias_positions_alone(%q: memref<?x4x?x16xbf16>, %k: memref<?x4x?x16xbf16>, %v: memref<?x4x?x16xbf16>, %qp: memref<?xi64>, %o: memref<?x4x?x16xf32>) {
  // expected-error @+1 {{bias positions go with one of alibi and bias_table}}
  tessel.mma_attention ins(%q, %k, %v) bias_positions(%qp, %qp : memref<?xi64>, memref<?xi64>) outs(%o) {scale = 0.25 : f64} : memref<?x4x?x16xbf16>, memref<?x4x?x16xbf16>, memref<?x4x?x16xbf16> -> memref<?x4x?x16xf32>
  return
}

// -----

func.func @table_heads(%q: memref<?x4x?x16xbf16>, %k: memref<?x4x?x16xbf16>, %v: memref<?x4x?x16xbf16>, %qp: memref<?xi64>, %t: memref<8x?xf32>, %o: memref<?x4x?x16xf32>) {
  // expected-error @+1 {{bias_table must be [Hq, 2L + 1] f32, got 'memref<8x?xf32>'}}
  tessel.mma_attention ins(%q, %k, %v) bias_positions(%qp, %qp : memref<?xi64>, memref<?xi64>) bias_table(%t : memref<8x?xf32>) outs(%o) {scale = 0.25 : f64} : memref<?x4x?x16xbf16>, memref<?x4x?x16xbf16>, memref<?x4x?x16xbf16> -> memref<?x4x?x16xf32>
  return
}
