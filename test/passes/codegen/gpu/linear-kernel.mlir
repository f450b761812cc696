// RUN: tessel-opt %s --tessel-gpu-linear-kernel --canonicalize --cse -split-input-file -verify-diagnostics | FileCheck %s

// tessel.mma_linear on memrefs becomes one gpu.launch: blocks of 128
// threads over (64-column tiles, 64-row tiles, batch), two 64 x 64 bf16
// tiles of shared memory (16384 bytes). Each thread loads 8 f32 of a row
// (zeros past the end), converts them and stores them swizzled; the warps
// multiply with ldmatrix and mma.sync; the bias is added at the store.

// CHECK-LABEL: func.func @batched
// CHECK-SAME: (%[[X:.*]]: memref<?x?x128xf32>, %[[W:.*]]: memref<256x128xf32>, %[[B:.*]]: memref<256xf32>, %[[Y:.*]]: memref<?x?x256xf32>)
// CHECK-DAG: %[[SMEM:.*]] = arith.constant 16384 : i32
// CHECK-DAG: %[[BATCH:.*]] = memref.dim %[[X]], %c0
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c4, {{.*}} = %{{.*}}, {{.*}} = %[[BATCH]]) threads({{.*}}) in ({{.*}} = %c128, {{.*}} = %c1, {{.*}} = %c1) dynamic_shared_memory_size %[[SMEM]]
// CHECK: %[[AT:.*]] = memref.view {{.*}} to memref<4096xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[BT:.*]] = memref.view {{.*}} to memref<4096xbf16, #gpu.address_space<workgroup>>
// CHECK: scf.for
// CHECK: scf.if %{{.*}} -> (vector<8xf32>)
// CHECK: vector.load %[[X]][%{{.*}}, %{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<?x?x128xf32>, vector<8xf32>
// CHECK: arith.truncf %{{.*}} : vector<8xf32> to vector<8xbf16>
// CHECK: vector.store %{{.*}}, %[[AT]][%{{.*}}] {alignment = 16 : i64} : memref<4096xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK: vector.load %[[W]][%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<256x128xf32>, vector<8xf32>
// CHECK: gpu.barrier
// CHECK: nvgpu.ldmatrix %[[AT]][%{{.*}}] {numTiles = 4 : i32, transpose = false}
// CHECK: nvgpu.ldmatrix %[[BT]][%{{.*}}] {numTiles = 4 : i32, transpose = false}
// CHECK: nvvm.mma.sync {{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>{{.*}}shape = #nvvm.shape<m = 16, n = 8, k = 16>
// CHECK: gpu.barrier
// CHECK: scf.yield
// CHECK: memref.load %[[B]][%{{.*}}] : memref<256xf32>
// CHECK: memref.store %{{.*}}, %[[Y]][%{{.*}}, %{{.*}}, %{{.*}}] : memref<?x?x256xf32>
func.func @batched(%x: memref<?x?x128xf32>, %w: memref<256x128xf32>, %b: memref<256xf32>, %y: memref<?x?x256xf32>) {
  tessel.mma_linear ins(%x, %w) bias(%b : memref<256xf32>) outs(%y) {mma_type = bf16} : memref<?x?x128xf32>, memref<256x128xf32> -> memref<?x?x256xf32>
  return
}

// -----

// Rows with a stride cannot be read 8 elements at a time.
func.func @strided(%x: memref<?x64xf32, strided<[?, 2]>>, %w: memref<32x64xf32>, %y: memref<?x32xf32>) {
  // expected-error @+1 {{the linear kernel needs rows with unit stride}}
  tessel.mma_linear ins(%x, %w) outs(%y) {mma_type = bf16} : memref<?x64xf32, strided<[?, 2]>>, memref<32x64xf32> -> memref<?x32xf32>
  return
}

// -----

// f16 operands for bf16 tensor cores go through f32 (neither type is
// wider than the other).

// CHECK-LABEL: func.func @f16_to_bf16
// CHECK: %[[WIDE:.*]] = arith.extf %{{.*}} : vector<8xf16> to vector<8xf32>
// CHECK: arith.truncf %[[WIDE]] : vector<8xf32> to vector<8xbf16>
func.func @f16_to_bf16(%x: memref<?x64xf16>, %w: memref<32x64xf16>, %y: memref<?x32xf16>) {
  tessel.mma_linear ins(%x, %w) outs(%y) {mma_type = bf16} : memref<?x64xf16>, memref<32x64xf16> -> memref<?x32xf16>
  return
}
