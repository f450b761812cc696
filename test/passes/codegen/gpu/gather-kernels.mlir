// RUN: tessel-opt %s --tessel-gpu-gather-kernels -split-input-file -verify-diagnostics | FileCheck %s

// Kernels with the same body are kept once; each gets its entry point's
// name and a number, in launch order; the module lists them. A buffer the
// host only fills and reads as a reshape's shape goes on the host stack;
// integer arguments (ids, positions) are host-readable.

// CHECK-LABEL: module attributes
// CHECK-SAME: tessel.kernels = ["forward_k0", "forward_k1"]
// CHECK-NOT: gpu.module @forward_kernel
// CHECK-LABEL: func.func @forward
// CHECK: gpu.launch_func @tessel_kernels::@forward_k0
// CHECK: gpu.launch_func @tessel_kernels::@forward_k0
// CHECK: gpu.launch_func @tessel_kernels::@forward_k1
// CHECK: %[[SHAPE:.*]] = memref.alloca() {alignment = 64 : i64} : memref<1xindex>
// CHECK: memref.reshape %{{.*}}(%[[SHAPE]])
// CHECK-NOT: memref.dealloc
// CHECK: gpu.module @tessel_kernels
// CHECK: gpu.func @forward_k0
// CHECK: arith.addf
// CHECK: gpu.func @forward_k1
// CHECK: arith.mulf
// CHECK-NOT: gpu.func
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  gpu.module @forward_kernel {
    gpu.func @forward_kernel(%a: memref<?xf32>) kernel {
      %i = gpu.thread_id x
      %v = memref.load %a[%i] : memref<?xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %a[%i] : memref<?xf32>
      gpu.return
    }
  }
  gpu.module @forward_kernel_0 {
    gpu.func @forward_kernel_0(%a: memref<?xf32>) kernel {
      %i = gpu.thread_id x
      %v = memref.load %a[%i] : memref<?xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %a[%i] : memref<?xf32>
      gpu.return
    }
  }
  gpu.module @forward_kernel_1 {
    gpu.func @forward_kernel_1(%a: memref<?xf32>) kernel {
      %i = gpu.thread_id x
      %v = memref.load %a[%i] : memref<?xf32>
      %w = arith.mulf %v, %v : f32
      memref.store %w, %a[%i] : memref<?xf32>
      gpu.return
    }
  }
  func.func @forward(%a: memref<?xf32>, %ids: memref<?xi64>) -> memref<?xf32> {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = memref.dim %a, %c0 : memref<?xf32>
    gpu.launch_func @forward_kernel::@forward_kernel blocks in (%c1, %c1, %c1) threads in (%n, %c1, %c1) args(%a : memref<?xf32>)
    gpu.launch_func @forward_kernel_0::@forward_kernel_0 blocks in (%c1, %c1, %c1) threads in (%n, %c1, %c1) args(%a : memref<?xf32>)
    gpu.launch_func @forward_kernel_1::@forward_kernel_1 blocks in (%c1, %c1, %c1) threads in (%n, %c1, %c1) args(%a : memref<?xf32>)
    %first = memref.load %ids[%c0] : memref<?xi64>
    %shape = memref.alloc() {alignment = 64 : i64} : memref<1xindex>
    memref.store %n, %shape[%c0] : memref<1xindex>
    %r = memref.reshape %a(%shape) : (memref<?xf32>, memref<1xindex>) -> memref<?xf32>
    memref.dealloc %shape : memref<1xindex>
    return %r : memref<?xf32>
  }
}

// -----

// A float buffer is device memory: the host cannot read it.
module attributes {gpu.container_module} {
  func.func @forward(%a: memref<?xf32>) -> f32 {
    %c0 = arith.constant 0 : index
    // expected-error @+1 {{host code would dereference device memory: memref.load}}
    %v = memref.load %a[%c0] : memref<?xf32>
    return %v : f32
  }
}

// -----

// Work left outside a kernel is an error, not host code reading the GPU's
// memory.
module attributes {gpu.container_module} {
  func.func @forward(%a: memref<4xf32>) {
    %zero = arith.constant 0.0 : f32
    // expected-error @+1 {{linalg.fill stays on the host but reads device memory: it was not mapped to a GPU kernel}}
    linalg.fill ins(%zero : f32) outs(%a : memref<4xf32>)
    return
  }
}

// -----

// A kernel its pass named (gpu.launch's function, outlined as such, made
// unique with _N) keeps that name as a suffix: profiles and the manifest
// say what it computes.

// CHECK: gpu.module @tessel_kernels
// CHECK: gpu.func @forward_k0_flash_attention
// CHECK: gpu.func @forward_k1(
module attributes {gpu.container_module} {
  func.func @forward(%a: memref<?xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @flash_attention_0::@flash_attention_0 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    gpu.launch_func @forward_kernel::@forward_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    return
  }
  gpu.module @flash_attention_0 {
    gpu.func @flash_attention_0(%a: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %a[%c0] : memref<?xf32>
      memref.store %v, %a[%c0] : memref<?xf32>
      gpu.return
    }
  }
  gpu.module @forward_kernel {
    gpu.func @forward_kernel(%a: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %v = memref.load %a[%c1] : memref<?xf32>
      memref.store %v, %a[%c0] : memref<?xf32>
      gpu.return
    }
  }
}
