// RUN: tessel-opt %s --tessel-strided-copies-to-linalg | FileCheck %s

// A strided copy would call MLIR's memrefCopy runtime function; it becomes a
// linalg.copy (loops). A contiguous copy stays: it lowers to memcpy.

// CHECK-LABEL: func.func @strided
// CHECK-NOT:     memref.copy
// CHECK:         linalg.copy ins(%{{.+}} : memref<4x8xf32, strided<[16, 1]>>) outs(%{{.+}} : memref<4x8xf32>)
func.func @strided(%a: memref<4x8xf32, strided<[16, 1]>>, %b: memref<4x8xf32>) {
  memref.copy %a, %b : memref<4x8xf32, strided<[16, 1]>> to memref<4x8xf32>
  return
}

// CHECK-LABEL: func.func @contiguous
// CHECK:         memref.copy %{{.+}}, %{{.+}} : memref<4x8xf32> to memref<4x8xf32>
// CHECK-NOT:     linalg.copy
func.func @contiguous(%a: memref<4x8xf32>, %b: memref<4x8xf32>) {
  memref.copy %a, %b : memref<4x8xf32> to memref<4x8xf32>
  return
}
