// RUN: tessel-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// tessel.mma_linear (the CUDA target's linear-layer kernel) round-trips on
// tensors and memrefs, with and without a bias.

// CHECK-LABEL: func.func @tensors
// CHECK: tessel.mma_linear ins(%{{.*}}, %{{.*}}) bias(%{{.*}} : tensor<256xf32>) outs(%{{.*}}) {mma_type = bf16} : tensor<?x?x64xf32>, tensor<256x64xf32> -> tensor<?x?x256xf32>, tensor<?x?x256xf32>
func.func @tensors(%x: tensor<?x?x64xf32>, %w: tensor<256x64xf32>, %b: tensor<256xf32>, %o: tensor<?x?x256xf32>) -> tensor<?x?x256xf32> {
  %y = tessel.mma_linear ins(%x, %w) bias(%b : tensor<256xf32>) outs(%o) {mma_type = bf16} : tensor<?x?x64xf32>, tensor<256x64xf32> -> tensor<?x?x256xf32>, tensor<?x?x256xf32>
  return %y : tensor<?x?x256xf32>
}

// CHECK-LABEL: func.func @memrefs
// CHECK: tessel.mma_linear ins(%{{.*}}, %{{.*}}) outs(%{{.*}}) {mma_type = f16} : memref<?x64xbf16>, memref<32x64xbf16> -> memref<?x32xf32>
func.func @memrefs(%x: memref<?x64xbf16>, %w: memref<32x64xbf16>, %o: memref<?x32xf32>) {
  tessel.mma_linear ins(%x, %w) outs(%o) {mma_type = f16} : memref<?x64xbf16>, memref<32x64xbf16> -> memref<?x32xf32>
  return
}

// -----

func.func @mma_type(%x: memref<?x64xf32>, %w: memref<32x64xf32>, %o: memref<?x32xf32>) {
  // expected-error @+1 {{mma_type must be bf16 or f16, got 'f32'}}
  tessel.mma_linear ins(%x, %w) outs(%o) {mma_type = f32} : memref<?x64xf32>, memref<32x64xf32> -> memref<?x32xf32>
  return
}

// -----

func.func @depth(%x: memref<?x60xf32>, %w: memref<32x60xf32>, %o: memref<?x32xf32>) {
  // expected-error @+1 {{the reduced dimension must be static and a multiple of 8, got 60}}
  tessel.mma_linear ins(%x, %w) outs(%o) {mma_type = bf16} : memref<?x60xf32>, memref<32x60xf32> -> memref<?x32xf32>
  return
}

// -----

func.func @shapes(%x: memref<?x64xf32>, %w: memref<32x64xf32>, %o: memref<?x16xf32>) {
  // expected-error @+1 {{input [?, 64] and weight [32, 64] do not give init [?, 16]}}
  tessel.mma_linear ins(%x, %w) outs(%o) {mma_type = bf16} : memref<?x64xf32>, memref<32x64xf32> -> memref<?x16xf32>
  return
}

// -----

func.func @bias(%x: memref<?x64xf32>, %w: memref<32x64xf32>, %b: memref<16xf32>, %o: memref<?x32xf32>) {
  // expected-error @+1 {{bias must be [N] float, got 'memref<16xf32>'}}
  tessel.mma_linear ins(%x, %w) bias(%b : memref<16xf32>) outs(%o) {mma_type = bf16} : memref<?x64xf32>, memref<32x64xf32> -> memref<?x32xf32>
  return
}
