// RUN: tessel-opt %s --split-input-file --tessel-inline-tensor-steps --mlir-print-debuginfo | FileCheck %s

// Each call of a shared step becomes its body on the call's buffers, with
// the call's location (the layer it came from); the functions go.

// CHECK-LABEL: func.func @forward(
// CHECK-NOT:     call
// CHECK:         arith.constant 2.0{{.*}} loc(#[[L0:[a-z0-9]+]])
// CHECK:         linalg.generic {{.*}} ins(%arg0 : memref<?x64xf32>) outs(%arg1 : memref<?x64xf32>)
// CHECK-NEXT:    ^bb0
// CHECK-NEXT:      arith.mulf {{.*}} loc(#[[L0]])
// CHECK:         } loc(#[[L0]])
// CHECK:         linalg.generic {{.*}} ins(%arg1 : memref<?x64xf32>) outs(%arg2 : memref<?x64xf32>)
// CHECK:         } loc(#[[L1:[a-z0-9]+]])
// CHECK:         return %arg2
// CHECK-NOT:     func.func private @forward_t0
// CHECK-DAG:     #[[L0]] = loc("layers.0.mlp"(#[[FILE:.+]]))
// CHECK-DAG:     #[[L1]] = loc("layers.1.mlp"(#[[FILE]]))
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @forward(%x: memref<?x64xf32>, %a: memref<?x64xf32>, %b: memref<?x64xf32>) -> memref<?x64xf32> {
  %0 = call @forward_t0(%x, %a) : (memref<?x64xf32>, memref<?x64xf32>) -> memref<?x64xf32> loc("layers.0.mlp"("model.json":1:1))
  %1 = call @forward_t0(%0, %b) : (memref<?x64xf32>, memref<?x64xf32>) -> memref<?x64xf32> loc("layers.1.mlp"("model.json":1:1))
  return %1 : memref<?x64xf32>
}
func.func private @forward_t0(%in: memref<?x64xf32>, %out: memref<?x64xf32>) -> memref<?x64xf32> attributes {tessel.tensor_step} {
  %two = arith.constant 2.0 : f32
  linalg.generic {indexing_maps = [#map, #map],
                  iterator_types = ["parallel", "parallel"]}
      ins(%in : memref<?x64xf32>) outs(%out : memref<?x64xf32>) {
  ^bb0(%i: f32, %o: f32):
    %y = arith.mulf %i, %two : f32
    linalg.yield %y : f32
  } loc("layers.0.mlp"("model.json":9:9))
  return %out : memref<?x64xf32>
}

// -----

// Other calls stay.

// CHECK-LABEL: func.func @other(
// CHECK:         call @helper
// CHECK-LABEL: func.func private @helper(
func.func @other(%a: memref<4xf32>) {
  call @helper(%a) : (memref<4xf32>) -> ()
  return
}
func.func private @helper(%a: memref<4xf32>) {
  return
}
