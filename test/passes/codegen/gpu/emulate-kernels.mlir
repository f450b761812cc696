// RUN: tessel-opt %s --tessel-gpu-emulate-kernels -split-input-file -verify-diagnostics | FileCheck %s

// Each kernel is copied into @tessel_kernels_emulated as a host function
// taking its ids last (block id, thread id, block size, grid size; x, y,
// z each) and its block's shared memory address; the gpu.module stays.

// CHECK: gpu.module @tessel_kernels
// CHECK: gpu.func @f_k0
// CHECK: module @tessel_kernels_emulated
// CHECK-NOT: f_k0_cooperative
// CHECK-LABEL: func.func @f_k0
// CHECK-SAME: (%[[A:.*]]: memref<?xf32>, %[[BX:.*]]: index, %{{.*}}: index, %{{.*}}: index, %[[TX:.*]]: index, %{{.*}}: index, %{{.*}}: index, %[[NX:.*]]: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %[[SHARED:.*]]: index)
// CHECK: %[[ROW:.*]] = arith.muli %[[BX]], %[[NX]] : index
// CHECK: %[[I:.*]] = arith.addi %[[ROW]], %[[TX]] : index
// CHECK: memref.load %[[A]][%[[I]]]
// CHECK: return
module attributes {gpu.container_module} {
  gpu.module @tessel_kernels {
    gpu.func @f_k0(%a: memref<?xf32>) kernel {
      %b = gpu.block_id x
      %n = gpu.block_dim x
      %t = gpu.thread_id x
      %row = arith.muli %b, %n : index
      %i = arith.addi %row, %t : index
      %v = memref.load %a[%i] : memref<?xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %a[%i] : memref<?xf32>
      gpu.return
    }
  }
}

// -----

// What threads do together becomes calls of the stand-in driver, which
// runs the threads of a kernel exporting NAME_cooperative as fibers.
// Shared memory is the driver's buffer (the 13th id), in the host's
// address space.

// CHECK: module @tessel_kernels_emulated
// CHECK-DAG: func.func private @tessel_emu_barrier()
// CHECK-DAG: func.func private @tessel_emu_shfl_xor(f32, i32) -> f32
// CHECK-DAG: func.func private @tessel_emu_ldmatrix(i64, i64, i32, i32)
// CHECK-DAG: func.func private @tessel_emu_copy(i64, i64, i64, i64)
// CHECK-DAG: func.func private @tessel_emu_mma_bf16(i32, i32, i32, i32, i32, i32, f32, f32, f32, f32, i64)
// CHECK-DAG: memref.global "public" constant @f_k0_cooperative : memref<i8> = dense<1>
// CHECK-LABEL: func.func @f_k0(
// CHECK-SAME: %[[SHARED:[^:]*]]: index) {
// CHECK: %[[ADDRESS:.*]] = arith.index_cast %[[SHARED]] : index to i64
// CHECK: %[[PTR:.*]] = llvm.inttoptr %[[ADDRESS]]
// CHECK: %[[SMEM:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<{{.*}}> to memref<?xi8>
// CHECK: %[[TILE:.*]] = memref.view %[[SMEM]][%{{.*}}][] : memref<?xi8> to memref<256xbf16>
// CHECK: call @tessel_emu_copy(
// CHECK-NOT: cp.async
// CHECK: call @tessel_emu_barrier() : () -> ()
// CHECK: call @tessel_emu_ldmatrix(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, i32, i32) -> ()
// CHECK: %[[OUT:.*]] = memref.alloca() : memref<4xf32>
// CHECK: call @tessel_emu_mma_bf16(
// CHECK: memref.load %[[OUT]][%{{.*}}] : memref<4xf32>
// CHECK: call @tessel_emu_shfl_xor(%{{.*}}, %{{.*}}) : (f32, i32) -> f32
// CHECK-NOT: gpu.
// CHECK-NOT: nvvm.
// CHECK-NOT: nvgpu.
// CHECK: return
module attributes {gpu.container_module} {
  gpu.module @tessel_kernels {
    gpu.func @f_k0(%g: memref<?xbf16>, %out: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c8 = arith.constant 8 : index
      %smem = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
      %tile = memref.view %smem[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<256xbf16, #gpu.address_space<workgroup>>
      %t = nvgpu.device_async_copy %g[%c0], %tile[%c0], 8, %c8 {bypassL1} : memref<?xbf16> to memref<256xbf16, #gpu.address_space<workgroup>>
      nvvm.cp.async.commit.group
      nvvm.cp.async.wait.group 0
      gpu.barrier
      %m = nvgpu.ldmatrix %tile[%c0] {numTiles = 4 : i32, transpose = false} : memref<256xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
      %r = vector.extract %m[0] : vector<2xbf16> from vector<4x2xbf16>
      %rv = vector.bitcast %r : vector<2xbf16> to vector<1xi32>
      %ri = vector.extract %rv[0] : i32 from vector<1xi32>
      %z = arith.constant 0.0 : f32
      %d = nvvm.mma.sync A[%ri, %ri, %ri, %ri] B[%ri, %ri] C[%z, %z, %z, %z] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
      %e = llvm.extractvalue %d[0] : !llvm.struct<(f32, f32, f32, f32)>
      %one = arith.constant 1 : i32
      %w = arith.constant 32 : i32
      %s, %ok = gpu.shuffle xor %e, %one, %w : f32
      memref.store %s, %out[%c0] : memref<?xf32>
      gpu.return
    }
  }
}

// -----

// An f32-to-bf16 truncation is done in integers, rounding to nearest even
// (0x7fff plus the kept part's lowest bit, then the high half).

// CHECK-LABEL: func.func @f_k0(
// CHECK: %[[BITS:.*]] = arith.bitcast %{{.*}} : vector<2xf32> to vector<2xi32>
// CHECK: arith.constant dense<32767> : vector<2xi32>
// CHECK: %[[HIGH:.*]] = arith.trunci %{{.*}} : vector<2xi32> to vector<2xi16>
// CHECK: arith.bitcast %[[HIGH]] : vector<2xi16> to vector<2xbf16>
// CHECK-NOT: arith.truncf
module attributes {gpu.container_module} {
  gpu.module @tessel_kernels {
    gpu.func @f_k0(%x: vector<2xf32>, %out: memref<?xvector<2xbf16>>) kernel {
      %c0 = arith.constant 0 : index
      %h = arith.truncf %x : vector<2xf32> to vector<2xbf16>
      memref.store %h, %out[%c0] : memref<?xvector<2xbf16>>
      gpu.return
    }
  }
}

// -----

// What the stand-in driver has no emulation of is an error.
module attributes {gpu.container_module} {
  gpu.module @tessel_kernels {
    gpu.func @f_k0(%a: memref<?xi32>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %a[%c0] : memref<?xi32>
      %one = arith.constant 1 : i32
      %w = arith.constant 32 : i32
      // expected-error @+1 {{emulation runs f32 xor shuffles only}}
      %s, %ok = gpu.shuffle down %v, %one, %w : i32
      memref.store %s, %a[%c0] : memref<?xi32>
      gpu.return
    }
  }
}
