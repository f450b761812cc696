// RUN: tessel-opt %s --tessel-gpu-coalesce-loops | FileCheck %s

// The outermost loop nest's dimensions reversed: the contiguous one first,
// for the x threads. The body is unchanged, its indices follow.

// CHECK-LABEL: func.func @copy
// CHECK-SAME: (%[[A:.*]]: memref<?x?xf32>, %[[B:.*]]: memref<?x?xf32>)
// CHECK: %[[M:.*]] = memref.dim %[[A]], %c0
// CHECK: %[[N:.*]] = memref.dim %[[A]], %c1
// CHECK: scf.parallel (%[[J:.*]], %[[I:.*]]) = (%c0, %c0) to (%[[N]], %[[M]]) step (%c1, %c1)
// CHECK: %[[V:.*]] = memref.load %[[A]][%[[I]], %[[J]]]
// CHECK: memref.store %[[V]], %[[B]][%[[I]], %[[J]]]
func.func @copy(%a: memref<?x?xf32>, %b: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %a, %c0 : memref<?x?xf32>
  %n = memref.dim %a, %c1 : memref<?x?xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%m, %n) step (%c1, %c1) {
    %v = memref.load %a[%i, %j] : memref<?x?xf32>
    memref.store %v, %b[%i, %j] : memref<?x?xf32>
    scf.reduce
  }
  return
}

// A loop of one dimension, and a loop nested in another's body, stay as
// they are.

// CHECK-LABEL: func.func @nested
// CHECK: scf.parallel (%[[K:.*]], %[[R:.*]]) = (%c0, %c0) to (%c8, %c4)
// CHECK: scf.parallel (%[[X:.*]], %[[Y:.*]]) = (%c0, %c0) to (%c2, %c3)
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[R]], %[[K]], %[[X]], %[[Y]]]
// CHECK: scf.parallel (%[[L:.*]]) = (%c0) to (%c4)
func.func @nested(%a: memref<4x8x2x3xf32>, %b: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%r, %k) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    scf.parallel (%x, %y) = (%c0, %c0) to (%c2, %c3) step (%c1, %c1) {
      memref.store %zero, %a[%r, %k, %x, %y] : memref<4x8x2x3xf32>
      scf.reduce
    }
    scf.reduce
  }
  scf.parallel (%l) = (%c0) to (%c4) step (%c1) {
    memref.store %zero, %b[%l] : memref<4xf32>
    scf.reduce
  }
  return
}
