// RUN: tessel-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(tessel-cpu-sequential-inner-loops))' | FileCheck %s

// The innermost dimension of a multi-dimensional scf.parallel becomes an
// scf.for (the loop LLVM vectorizes); the outer ones stay parallel.

// CHECK-LABEL: func.func @inner
// CHECK:         scf.parallel (%[[I:.+]], %[[J:.+]]) = (%c0, %c0) to (%{{.+}}, %{{.+}}) step (%c1, %c1)
// CHECK-NEXT:      scf.for %[[K:.+]] = %c0 to %{{.+}} step %c1
// CHECK-NEXT:        memref.load %{{.+}}[%[[I]], %[[J]], %[[K]]]
func.func @inner(%a: memref<?x?x?xf32>, %b: memref<?x?x?xf32>, %n0: index, %n1: index, %n2: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%n0, %n1, %n2) step (%c1, %c1, %c1) {
    %v = memref.load %a[%i, %j, %k] : memref<?x?x?xf32>
    memref.store %v, %b[%i, %j, %k] : memref<?x?x?xf32>
  }
  return
}

// -----

// A parallel loop inside another (an edge tile inside a thread's chunk)
// becomes sequential loops, so OpenMP never nests parallel regions; a
// one-dimensional loop keeps its only dimension parallel.

// CHECK-LABEL: func.func @nested
// CHECK:         scf.parallel (%[[I:.+]]) =
// CHECK-NOT:       scf.parallel
// CHECK:           scf.for %[[J:.+]] =
// CHECK-NEXT:        scf.for %[[K:.+]] =
// CHECK-NEXT:          memref.load %{{.+}}[%[[I]], %[[J]], %[[K]]]
func.func @nested(%a: memref<?x?x?xf32>, %b: memref<?x?x?xf32>, %n0: index, %n1: index, %n2: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%n0) step (%c1) {
    scf.parallel (%j, %k) = (%c0, %c0) to (%n1, %n2) step (%c1, %c1) {
      %v = memref.load %a[%i, %j, %k] : memref<?x?x?xf32>
      memref.store %v, %b[%i, %j, %k] : memref<?x?x?xf32>
    }
  }
  return
}

// -----

// A parallel loop with a reduction is left alone.

// CHECK-LABEL: func.func @reduction
// CHECK:         scf.parallel (%{{.+}}, %{{.+}}) = {{.+}} init
func.func @reduction(%a: memref<?x?xf32>, %n0: index, %n1: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %r = scf.parallel (%i, %j) = (%c0, %c0) to (%n0, %n1) step (%c1, %c1) init (%zero) -> f32 {
    %v = memref.load %a[%i, %j] : memref<?x?xf32>
    scf.reduce(%v : f32) {
    ^bb0(%x: f32, %y: f32):
      %s = arith.addf %x, %y : f32
      scf.reduce.return %s : f32
    }
  }
  return %r : f32
}

// -----

// A thread's chunk (scf.forall, before it becomes a parallel loop) keeps
// every dimension: a matrix-vector product has its chunks in the column
// dimension only. Inside it, a parallel loop (a partial tile's linalg op)
// runs in order.

// CHECK-LABEL: func.func @in_chunk
// CHECK:         scf.forall (%[[R:.+]], %[[C:.+]]) in (%{{.+}}, 4)
// CHECK-NOT:       scf.parallel
// CHECK:           scf.for %{{.+}} = %c0 to %{{.+}} step %c1
// CHECK-NEXT:        scf.for %{{.+}} = %c0 to %c16 step %c1
func.func @in_chunk(%a: memref<?x64xf32>, %rows: index, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  scf.forall (%r, %c) in (%rows, 4) {
    scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c16) step (%c1, %c1) {
      %v = memref.load %a[%i, %j] : memref<?x64xf32>
      memref.store %v, %a[%i, %j] : memref<?x64xf32>
      scf.reduce
    }
  }
  return
}
