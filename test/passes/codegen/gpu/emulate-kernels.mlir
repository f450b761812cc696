// RUN: tessel-opt %s --tessel-gpu-emulate-kernels -split-input-file -verify-diagnostics | FileCheck %s

// Each kernel is copied into @tessel_kernels_emulated as a host function
// taking its ids last (block id, thread id, block size, grid size; x, y,
// z each); the gpu.module stays.

// CHECK: gpu.module @tessel_kernels
// CHECK: gpu.func @f_k0
// CHECK: module @tessel_kernels_emulated
// CHECK-LABEL: func.func @f_k0
// CHECK-SAME: (%[[A:.*]]: memref<?xf32>, %[[BX:.*]]: index, %{{.*}}: index, %{{.*}}: index, %[[TX:.*]]: index, %{{.*}}: index, %{{.*}}: index, %[[NX:.*]]: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index)
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

// Threads run one at a time: a barrier cannot be kept.
module attributes {gpu.container_module} {
  gpu.module @tessel_kernels {
    gpu.func @f_k0(%a: memref<?xf32>) kernel {
      // expected-error @+1 {{gpu.barrier cannot run in an emulated kernel (one thread at a time)}}
      gpu.barrier
      gpu.return
    }
  }
}
