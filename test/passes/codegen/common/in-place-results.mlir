// RUN: tessel-opt %s -split-input-file --tessel-in-place-results -verify-diagnostics | FileCheck %s

// After bufferization, a result marked tessel.in_place = N that is argument
// N's own buffer (through a memref.cast at most) leaves the signature and
// the returns: the caller holds the buffer already. The other results stay.

// CHECK-LABEL: func.func @decode(
// CHECK-SAME:    %[[T:[^:]+]]: memref<?xi64>, %[[C:[^:]+]]: memref<?x2x?x4xf32>)
// CHECK-SAME:    -> memref<?x8xf32> {
// CHECK:         %[[L:.+]] = memref.alloc
// CHECK:         return %[[L]] : memref<?x8xf32>
func.func @decode(%t: memref<?xi64>, %cache: memref<?x2x?x4xf32>)
    -> (memref<?x8xf32>, memref<?x2x?x4xf32> {tessel.in_place = 1 : i64}) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %t, %c0 : memref<?xi64>
  %logits = memref.alloc(%n) : memref<?x8xf32>
  return %logits, %cache : memref<?x8xf32>, memref<?x2x?x4xf32>
}

// -----

// Through a cast.

// CHECK-LABEL: func.func @cast(
// CHECK-SAME:    %{{.+}}: memref<?x2x?x4xf32>) {
// CHECK:         return{{$}}
func.func @cast(%cache: memref<?x2x?x4xf32>)
    -> (memref<?x2x?x4xf32> {tessel.in_place = 0 : i64}) {
  %s = memref.cast %cache : memref<?x2x?x4xf32> to memref<1x2x4x4xf32>
  %c = memref.cast %s : memref<1x2x4x4xf32> to memref<?x2x?x4xf32>
  return %c : memref<?x2x?x4xf32>
}

// -----

// A copy is not an update in place: an error that names the result.

func.func @copied(%cache: memref<?x4xf32>)
    -> (memref<?x4xf32> {tessel.in_place = 0 : i64}) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %cache, %c0 : memref<?x4xf32>
  %copy = memref.alloc(%n) : memref<?x4xf32>
  memref.copy %cache, %copy : memref<?x4xf32> to memref<?x4xf32>
  // expected-error @+1 {{result 0 updates argument 0 in place, but bufferization returns a copy of it}}
  return %copy : memref<?x4xf32>
}

// -----

// Through an scf.for that carries the buffer unchanged (the cache write of
// a batch whose sequences are at different positions).

// CHECK-LABEL: func.func @loop(
// CHECK-SAME:    %{{.+}}: index, %{{.+}}: memref<?x2x?x4xf32>) {
// CHECK:         scf.for
// CHECK:         return{{$}}
func.func @loop(%n: index, %cache: memref<?x2x?x4xf32>)
    -> (memref<?x2x?x4xf32> {tessel.in_place = 1 : i64}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%c = %cache)
      -> (memref<?x2x?x4xf32>) {
    scf.yield %c : memref<?x2x?x4xf32>
  }
  return %r : memref<?x2x?x4xf32>
}
