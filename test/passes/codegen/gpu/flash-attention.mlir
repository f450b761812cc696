// RUN: tessel-opt %s --tessel-gpu-flash-attention --canonicalize --cse -split-input-file -verify-diagnostics | FileCheck %s

// tessel.mma_attention on memrefs becomes one gpu.launch: blocks of 128
// threads (4 warps of 16 query rows) over (64-row tiles of the S x G rows
// of a key/value head, key/value heads, batch), the Q, K and V tiles in
// dynamic shared memory (3 x 64 x 64 bf16 = 24576 bytes).

// CHECK-LABEL: func.func @causal
// CHECK-SAME: (%[[Q:.*]]: memref<?x8x?x64xbf16>, %[[K:.*]]: memref<?x2x?x64xbf16>, %[[V:.*]]: memref<?x2x?x64xbf16>, %[[O:.*]]: memref<?x8x?x64xf32>)
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG: %[[SMEM:.*]] = arith.constant 24576 : i32
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %{{.*}}, {{.*}} = %c2, {{.*}} = %{{.*}}) threads({{.*}}) in ({{.*}} = %[[C128]], {{.*}} = %c1, {{.*}} = %c1) dynamic_shared_memory_size %[[SMEM]]
// CHECK: %[[SHARED:.*]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK: %[[QT:.*]] = memref.view %[[SHARED]][%{{.*}}][] {{.*}} to memref<4096xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[KT:.*]] = memref.view %[[SHARED]][%{{.*}}][] {{.*}} to memref<4096xbf16, #gpu.address_space<workgroup>>
// CHECK: %[[VT:.*]] = memref.view %[[SHARED]][%{{.*}}][] {{.*}} to memref<4096xbf16, #gpu.address_space<workgroup>>
// Q, then K of tile 0 (if there is one), 16 bytes a copy, zero-filled past
// the end.
// CHECK: nvgpu.device_async_copy %[[Q]][{{.*}}], %[[QT]][{{.*}}], 8, %{{.*}} {bypassL1}
// CHECK: nvvm.cp.async.commit.group
// CHECK: scf.if
// CHECK: nvgpu.device_async_copy %[[K]][{{.*}}], %[[KT]][{{.*}}], 8, %{{.*}} {bypassL1}
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// Each warp's Q fragments, once.
// CHECK-COUNT-4: nvgpu.ldmatrix %[[QT]][%{{.*}}] {numTiles = 4 : i32, transpose = false}
// The tiles every row sees whole, without a mask.
// CHECK: %{{.*}}:36 = scf.for %{{.*}} = %{{.*}} to %[[FULL:.*]] step
// CHECK-NOT: 0xFF800000
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// CHECK: nvgpu.device_async_copy %[[V]][{{.*}}], %[[VT]]
// CHECK: nvgpu.ldmatrix %[[KT]][%{{.*}}] {numTiles = 4 : i32, transpose = false}
// CHECK: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// K of the next tile loads during the softmax and P V.
// CHECK: scf.if
// CHECK: nvgpu.device_async_copy %[[K]]
// The row max over the 4 lanes of a row, exp2 of one FMA.
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32 : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c2_i32, %c32_i32 : f32
// CHECK: %[[E:.*]] = math.fma %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK: math.exp2 %[[E]] : f32
// P from the accumulators: two f32 to one packed bf16 pair.
// CHECK: arith.truncf %{{.*}} : vector<2xf32> to vector<2xbf16>
// CHECK: nvgpu.ldmatrix %[[VT]][%{{.*}}] {numTiles = 4 : i32, transpose = true}
// CHECK: nvvm.mma.sync
// CHECK: scf.yield
// The diagonal and last tiles, with the mask.
// CHECK: %{{.*}}:36 = scf.for %{{.*}} = %[[FULL]] to %{{.*}} step
// CHECK: arith.select %{{.*}}, %{{.*}}, %cst{{.*}} : f32
// CHECK: scf.yield
// The row sums, then O / l for the rows that exist.
// CHECK: gpu.shuffle  xor
// CHECK: scf.if
// CHECK: memref.store %{{.*}}, %[[O]][{{.*}}] : memref<?x8x?x64xf32>
func.func @causal(%q: memref<?x8x?x64xbf16>, %k: memref<?x2x?x64xbf16>, %v: memref<?x2x?x64xbf16>, %o: memref<?x8x?x64xf32>) {
  tessel.mma_attention ins(%q, %k, %v) outs(%o) {causal, scale = 0.125 : f64} : memref<?x8x?x64xbf16>, memref<?x2x?x64xbf16>, memref<?x2x?x64xbf16> -> memref<?x8x?x64xf32>
  return
}

// -----

// f16 operands go to mma.sync as vector<2xf16> pairs; a bf16 result is
// rounded when stored.

// CHECK-LABEL: func.func @f16
// CHECK: nvvm.mma.sync {{.*}} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK: arith.truncf %{{.*}} : f32 to bf16
// CHECK: memref.store %{{.*}} : memref<?x4x?x32xbf16>
func.func @f16(%q: memref<?x4x?x32xf16>, %k: memref<?x4x?x32xf16>, %v: memref<?x4x?x32xf16>, %o: memref<?x4x?x32xbf16>) {
  tessel.mma_attention ins(%q, %k, %v) outs(%o) {scale = 0.125 : f64} : memref<?x4x?x32xf16>, memref<?x4x?x32xf16>, memref<?x4x?x32xf16> -> memref<?x4x?x32xbf16>
  return
}

// -----

// A decode step's positions bound each row's keys; ALiBi is computed in
// the tile: exp2 then takes log2(e) alone (the scale is applied with the
// bias, in one FMA per logit).

// CHECK-LABEL: func.func @decode_alibi
// CHECK-SAME: %[[POS:[^:]*]]: memref<?x?xi64>, %{{[^:]*}}: memref<?xi64>
// CHECK: gpu.launch
// CHECK: memref.load %[[POS]]
// CHECK: math.exp2
// CHECK: scf.for
// CHECK: math.absi %{{.*}} : i64
// CHECK: math.fma %{{.*}}, %{{.*}}, %{{.*}} : f32
func.func @decode_alibi(%q: memref<?x8x?x16xbf16>, %k: memref<?x1x?x16xbf16>, %v: memref<?x1x?x16xbf16>, %pos: memref<?x?xi64>, %kp: memref<?xi64>, %o: memref<?x8x?x16xf32>) {
  tessel.mma_attention ins(%q, %k, %v) positions(%pos : memref<?x?xi64>) bias_positions(%pos, %kp : memref<?x?xi64>, memref<?xi64>) outs(%o) {alibi, causal, scale = 0.25 : f64} : memref<?x8x?x16xbf16>, memref<?x1x?x16xbf16>, memref<?x1x?x16xbf16> -> memref<?x8x?x16xf32>
  return
}

// -----

// The kernel stages rows of 16 bytes: a row with a stride is an error.
func.func @strided(%q: memref<?x4x?x16xbf16, strided<[?, ?, ?, 2]>>, %k: memref<?x4x?x16xbf16>, %v: memref<?x4x?x16xbf16>, %o: memref<?x4x?x16xf32>) {
  // expected-error @+1 {{the attention kernel needs rows with unit stride}}
  tessel.mma_attention ins(%q, %k, %v) outs(%o) {scale = 0.25 : f64} : memref<?x4x?x16xbf16, strided<[?, ?, ?, 2]>>, memref<?x4x?x16xbf16>, memref<?x4x?x16xbf16> -> memref<?x4x?x16xf32>
  return
}
