// RUN: tessel-opt %s --split-input-file --tessel-outline-steps | FileCheck %s

// Each op that does work (a body, or a copy) moves into a step function the
// entry point calls in its place, in order; constants are rebuilt in the
// step, other values (buffers, sizes) are passed. Host code (dims, views,
// the result's allocation) stays. The entry point lists its steps.

// CHECK-LABEL: func.func @forward(
// CHECK-SAME:      %[[X:[^:]+]]: memref<?x64xf32>, %[[WS:[^:]+]]: memref<?xi8>)
// CHECK-SAME:      tessel.steps = [#tessel.step<function = @forward_s0, op = "linalg.generic", at = "layers.0.mlp">, #tessel.step<function = @forward_s1, op = "memref.copy", at = "lm_head">]
// CHECK:         %[[N:.+]] = memref.dim %[[X]]
// CHECK:         %[[T:.+]] = memref.view %[[WS]]
// CHECK:         call @forward_s0(%[[X]], %[[T]]) : (memref<?x64xf32>, memref<?x64xf32>) -> ()
// CHECK:         %[[R:.+]] = memref.alloc(%[[N]])
// CHECK:         call @forward_s1(%[[T]], %[[R]])
// CHECK:         return %[[R]]

// CHECK-LABEL: func.func private @forward_s0(
// CHECK-SAME:      %[[A:.+]]: memref<?x64xf32>, %[[B:.+]]: memref<?x64xf32>)
// CHECK-SAME:      llvm.linkage = #llvm.linkage<internal>, tessel.step
// CHECK:         %[[TWO:.+]] = arith.constant 2.0
// CHECK:         linalg.generic {{.*}} ins(%[[A]] : memref<?x64xf32>) outs(%[[B]] : memref<?x64xf32>)
// CHECK:           arith.mulf %{{.+}}, %[[TWO]]
// CHECK:         return

// CHECK-LABEL: func.func private @forward_s1(
// CHECK:         memref.copy
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @forward(%x: memref<?x64xf32>, %ws: memref<?xi8>) -> memref<?x64xf32> {
  %c0 = arith.constant 0 : index
  %two = arith.constant 2.0 : f32
  %n = memref.dim %x, %c0 : memref<?x64xf32>
  %t = memref.view %ws[%c0][%n] : memref<?xi8> to memref<?x64xf32>
  linalg.generic {indexing_maps = [#map, #map],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x64xf32>) outs(%t : memref<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.mulf %in, %two : f32
    linalg.yield %y : f32
  } loc("layers.0.mlp"("model.json":1:1))
  %r = memref.alloc(%n) : memref<?x64xf32>
  memref.copy %t, %r : memref<?x64xf32> to memref<?x64xf32> loc("lm_head"("model.json":1:1))
  return %r : memref<?x64xf32>
}

// -----

// Private functions are not entry points: left alone.

// CHECK-LABEL: func.func private @helper(
// CHECK-NOT:     tessel.steps
// CHECK:         memref.copy
func.func private @helper(%a: memref<4xf32>, %b: memref<4xf32>) {
  memref.copy %a, %b : memref<4xf32> to memref<4xf32>
  return
}

// -----

// The threads' tiles of an op (an scf.forall) make a step whose OpenMP
// loop tessel-cpu-openmp-schedule schedules dynamically.

// CHECK-LABEL: func.func private @tiles_s0(
// CHECK-SAME:      tessel.dynamic_schedule
// CHECK:         scf.forall
func.func @tiles(%x: memref<8xf32>) {
  %one = arith.constant 1.0 : f32
  scf.forall (%i) in (8) {
    memref.store %one, %x[%i] : memref<8xf32>
  }
  return
}

// -----

// Equivalent work (the same body and argument types, locations aside, as
// in identical layers) is one step, called from each place and from other
// entry points; the schedule keeps each call's own op and model part. Work
// that differs only in a constant is its own step.

// CHECK-LABEL: func.func @layers(
// CHECK-SAME:      tessel.steps = [#tessel.step<function = @layers_s0, op = "linalg.generic", at = "layers.0.mlp">, #tessel.step<function = @layers_s0, op = "linalg.generic", at = "layers.1.mlp">, #tessel.step<function = @layers_s2, op = "linalg.generic", at = "layers.2.mlp">]
// CHECK:         call @layers_s0(%{{.+}}, %[[H0:[^)]+]])
// CHECK:         call @layers_s0(%[[H0]], %[[H1:[^)]+]])
// CHECK:         call @layers_s2(%[[H1]], %{{.+}})
// CHECK-LABEL: func.func private @layers_s0(
// CHECK:         arith.constant 2.0
// CHECK-NOT:   func.func private @layers_s1(
// CHECK-LABEL: func.func private @layers_s2(
// CHECK:         arith.constant 3.0
// CHECK-LABEL: func.func @other(
// CHECK-SAME:      tessel.steps = [#tessel.step<function = @layers_s0, op = "linalg.generic", at = "layers.0.mlp">]
// CHECK:         call @layers_s0(
// CHECK-NOT:   func.func private @other_s0(
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @layers(%x: memref<?x64xf32>, %h0: memref<?x64xf32>,
                  %h1: memref<?x64xf32>, %h2: memref<?x64xf32>) {
  %two = arith.constant 2.0 : f32
  %three = arith.constant 3.0 : f32
  linalg.generic {indexing_maps = [#map, #map],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x64xf32>) outs(%h0 : memref<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.mulf %in, %two : f32
    linalg.yield %y : f32
  } loc("layers.0.mlp"("model.json":1:1))
  linalg.generic {indexing_maps = [#map, #map],
                  iterator_types = ["parallel", "parallel"]}
      ins(%h0 : memref<?x64xf32>) outs(%h1 : memref<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.mulf %in, %two : f32
    linalg.yield %y : f32
  } loc("layers.1.mlp"("model.json":2:1))
  linalg.generic {indexing_maps = [#map, #map],
                  iterator_types = ["parallel", "parallel"]}
      ins(%h1 : memref<?x64xf32>) outs(%h2 : memref<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.mulf %in, %three : f32
    linalg.yield %y : f32
  } loc("layers.2.mlp"("model.json":3:1))
  return
}
func.func @other(%x: memref<?x64xf32>, %h0: memref<?x64xf32>) {
  %two = arith.constant 2.0 : f32
  linalg.generic {indexing_maps = [#map, #map],
                  iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<?x64xf32>) outs(%h0 : memref<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.mulf %in, %two : f32
    linalg.yield %y : f32
  } loc("layers.0.mlp"("model.json":4:1))
  return
}
