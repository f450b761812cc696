// RUN: tessel-opt %s --tessel-gpu-mma-linear --cse -split-input-file | FileCheck %s
// RUN: tessel-opt %s --tessel-gpu-mma-linear=element-type=f16 -split-input-file | FileCheck %s --check-prefix=F16
// RUN: not tessel-opt %s --tessel-gpu-mma-linear=element-type=f8 -split-input-file 2>&1 | FileCheck %s --check-prefix=BADTYPE

// A linear layer on [B, M, K] (or [M, K]) becomes tessel.mma_linear of the
// same operands, its bias fused, into a fresh result: nothing converted
// beforehand (the kernel converts tiles as it stages them).

// CHECK-LABEL: func.func @batched
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>, %[[W:.*]]: tensor<256x64xf32>, %[[B:.*]]: tensor<256xf32>)
// CHECK: %[[INIT:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?x256xf32>
// CHECK: %[[Y:.*]] = tessel.mma_linear ins(%[[X]], %[[W]]) bias(%[[B]] : tensor<256xf32>) outs(%[[INIT]]) {mma_type = bf16} : tensor<?x?x64xf32>, tensor<256x64xf32> -> tensor<?x?x256xf32>
// CHECK-NOT: tessel.linear
// CHECK: return %[[Y]]
// F16-LABEL: func.func @batched
// F16: tessel.mma_linear {{.*}} {mma_type = f16}
// BADTYPE: error: tessel-gpu-mma-linear: element-type must be bf16 or f16, got 'f8'
func.func @batched(%x: tensor<?x?x64xf32>, %w: tensor<256x64xf32>, %b: tensor<256xf32>) -> tensor<?x?x256xf32> {
  %y = tessel.linear %x, %w, %b : tensor<?x?x64xf32>, tensor<256x64xf32>, tensor<256xf32> -> tensor<?x?x256xf32>
  return %y : tensor<?x?x256xf32>
}

// -----

// CHECK-LABEL: func.func @rows
// CHECK: tessel.mma_linear ins(%{{.*}}, %{{.*}}) outs(%{{.*}}) {mma_type = bf16} : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
func.func @rows(%x: tensor<?x64xf32>, %w: tensor<32x64xf32>) -> tensor<?x32xf32> {
  %y = tessel.linear %x, %w : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

// What the kernel does not take stays tessel.linear: K not a multiple of 8
// (its rows are read 8 elements at a time), an input of rank 4.

// CHECK-LABEL: func.func @left
// CHECK-COUNT-2: tessel.linear
// CHECK-NOT: tessel.mma_linear
func.func @left(%x: tensor<?x?x172xf32>, %w: tensor<64x172xf32>, %x4: tensor<2x?x?x64xf32>, %w4: tensor<16x64xf32>) -> (tensor<?x?x64xf32>, tensor<2x?x?x16xf32>) {
  %a = tessel.linear %x, %w : tensor<?x?x172xf32>, tensor<64x172xf32> -> tensor<?x?x64xf32>
  %b = tessel.linear %x4, %w4 : tensor<2x?x?x64xf32>, tensor<16x64xf32> -> tensor<2x?x?x16xf32>
  return %a, %b : tensor<?x?x64xf32>, tensor<2x?x?x16xf32>
}
