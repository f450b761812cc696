// RUN: tessel-opt %s --split-input-file --tessel-split-empty-tensors | FileCheck %s

// An empty tensor CSE shared between two ops' destinations: the second use
// gets its own, right before its op (so that bufferization analyzes two
// small alias sets, not one that grows with the chain, and the second
// buffer's lifetime starts where it is needed).

// CHECK-LABEL: func.func @shared(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x64xf32>
// CHECK:         %[[N:.+]] = tensor.dim %[[X]]
// CHECK:         %[[E0:.+]] = tensor.empty(%[[N]]) : tensor<?x64xf32>
// CHECK-NEXT:    %[[A:.+]] = linalg.generic {{.*}} ins(%[[X]] : tensor<?x64xf32>) outs(%[[E0]] : tensor<?x64xf32>)
// CHECK:         %[[E1:.+]] = tensor.empty(%[[N]]) : tensor<?x64xf32>
// CHECK-NEXT:    linalg.generic {{.*}} ins(%[[A]] : tensor<?x64xf32>) outs(%[[E1]] : tensor<?x64xf32>)
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @shared(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%n) : tensor<?x64xf32>
  %a = linalg.generic {indexing_maps = [#map, #map],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.negf %in : f32
    linalg.yield %y : f32
  } -> tensor<?x64xf32>
  %b = linalg.generic {indexing_maps = [#map, #map],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.negf %in : f32
    linalg.yield %y : f32
  } -> tensor<?x64xf32>
  return %b : tensor<?x64xf32>
}

// -----

// One use: left alone. A use inside a loop gets its copy before the loop,
// in the original's block (no allocation per iteration).

// CHECK-LABEL: func.func @single_and_loop(
// CHECK:         %[[E0:.+]] = tensor.empty() : tensor<8xf32>
// CHECK-NEXT:    %[[F:.+]] = linalg.fill {{.*}} outs(%[[E0]] : tensor<8xf32>)
// CHECK-NEXT:    %[[E1:.+]] = tensor.empty() : tensor<8xf32>
// CHECK-NEXT:    scf.for
// CHECK-NOT:       tensor.empty
// CHECK:           linalg.fill {{.*}} outs(%[[E1]] : tensor<8xf32>)
// CHECK:         %[[S:.+]] = tensor.empty() : tensor<4xf32>
// CHECK-NOT:     tensor.empty
func.func @single_and_loop(%v: f32) -> (tensor<8xf32>, tensor<8xf32>, tensor<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %e = tensor.empty() : tensor<8xf32>
  %f = linalg.fill ins(%v : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %f) -> tensor<8xf32> {
    %g = linalg.fill ins(%v : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
    scf.yield %g : tensor<8xf32>
  }
  %s = tensor.empty() : tensor<4xf32>
  return %f, %r, %s : tensor<8xf32>, tensor<8xf32>, tensor<4xf32>
}

// -----

// A copy takes the location of the op that writes it (the memory plan names
// each buffer by it), not that of the first layer, whose empty CSE kept.

// RUN: tessel-opt %s --split-input-file --tessel-split-empty-tensors --mlir-print-debuginfo | FileCheck %s --check-prefix=LOC
// CHECK-LABEL: func.func @located(
// LOC-LABEL: func.func @located(
// LOC:         tensor.empty{{.*}} loc(#[[L0:[a-z0-9]+]])
// LOC:         linalg.generic
// LOC:         } -> tensor<?x64xf32> loc(#[[L0]])
// LOC:         tensor.empty{{.*}} loc(#[[L1:[a-z0-9]+]])
// LOC:         linalg.generic
// LOC:         } -> tensor<?x64xf32> loc(#[[L1]])
// LOC-DAG:     #[[L0]] = loc("layers.0.mlp"
// LOC-DAG:     #[[L1]] = loc("layers.1.mlp"
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @located(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%n) : tensor<?x64xf32> loc("layers.0.mlp"("m.json":1:1))
  %a = linalg.generic {indexing_maps = [#map, #map],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.negf %in : f32
    linalg.yield %y : f32
  } -> tensor<?x64xf32> loc("layers.0.mlp"("m.json":1:1))
  %b = linalg.generic {indexing_maps = [#map, #map],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.negf %in : f32
    linalg.yield %y : f32
  } -> tensor<?x64xf32> loc("layers.1.mlp"("m.json":2:1))
  return %b : tensor<?x64xf32>
}
