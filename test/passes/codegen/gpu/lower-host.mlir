// RUN: tessel-opt %s --tessel-gpu-lower-host --reconcile-unrealized-casts | FileCheck %s

// A launch becomes a call through the runtime's tessel_cuda_launch pointer:
// the kernel's index in tessel.kernels, the grid and block sizes, the
// dynamic shared memory and an array of pointers to the arguments (memrefs
// as their descriptor fields), on the stack for the call only. Buffers are
// device memory from the runtime's tessel_cuda_alloc.

// CHECK-LABEL: llvm.func internal @_mlir_memref_to_llvm_alloc
// CHECK: llvm.mlir.addressof @tessel_cuda_alloc
// CHECK: llvm.call %{{.*}}(%{{.*}}) : !llvm.ptr, (i64) -> !llvm.ptr
// CHECK: gpu.binary @tessel_kernels
// CHECK-LABEL: llvm.func @scale
// CHECK: %[[BUF:.*]] = llvm.call @_mlir_memref_to_llvm_alloc
// CHECK: %[[SAVED:.*]] = llvm.intr.stacksave : !llvm.ptr
// CHECK: %[[VALUES:.*]] = llvm.alloca %{{.*}} x !llvm.struct<(ptr, ptr, i64, i64, i64, ptr, ptr, i64, i64, i64, f32)>
// CHECK: %[[PARAMS:.*]] = llvm.alloca %{{.*}} x !llvm.array<11 x ptr>
// CHECK: %[[FIELD:.*]] = llvm.getelementptr %[[VALUES]][0, 10]
// CHECK: llvm.store %{{.*}}, %[[FIELD]] : f32, !llvm.ptr
// CHECK: %[[SLOT:.*]] = llvm.getelementptr %[[PARAMS]][0, 10]
// CHECK: llvm.store %[[FIELD]], %[[SLOT]] : !llvm.ptr, !llvm.ptr
// CHECK: %[[ADDR:.*]] = llvm.mlir.addressof @tessel_cuda_launch : !llvm.ptr
// CHECK: %[[LAUNCH:.*]] = llvm.load %[[ADDR]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[KERNEL:.*]] = llvm.mlir.constant(1 : i32) : i32
// CHECK: llvm.call %[[LAUNCH]](%[[KERNEL]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[PARAMS]]) : !llvm.ptr, (i32, i64, i64, i64, i64, i64, i64, i32, !llvm.ptr) -> ()
// CHECK: llvm.intr.stackrestore %[[SAVED]]
// CHECK-DAG: llvm.mlir.global external @tessel_cuda_launch() {{.*}} : !llvm.ptr
// CHECK-DAG: llvm.mlir.global external @tessel_cuda_alloc() {{.*}} : !llvm.ptr
// CHECK-DAG: llvm.mlir.global external @tessel_cuda_free() {{.*}} : !llvm.ptr

module attributes {gpu.container_module, tessel.kernels = ["scale_k0", "scale_k1"]} {
  gpu.binary @tessel_kernels [#gpu.object<#nvvm.target, "ptx">]
  func.func @scale(%a: memref<?xf32>, %s: f32) -> memref<?xf32> {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n = memref.dim %a, %c0 : memref<?xf32>
    %b = memref.alloc(%n) : memref<?xf32>
    gpu.launch_func @tessel_kernels::@scale_k1 blocks in (%n, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>, %b : memref<?xf32>, %s : f32)
    return %b : memref<?xf32>
  }
}
