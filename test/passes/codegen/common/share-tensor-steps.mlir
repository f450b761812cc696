// RUN: tessel-opt %s --split-input-file --tessel-share-tensor-steps | FileCheck %s

// Two layers' identical ops share one function: each op becomes a call, its
// constants are rebuilt inside, its tensors and sizes are passed, its
// results returned. The layers' different inputs and outputs are only the
// calls' operands. Ops without a body (tensor.empty, dims) stay.

// CHECK-LABEL: func.func @forward(
// CHECK-SAME:      %[[X:[^:]+]]: tensor<?x64xf32>
// CHECK:         %[[E0:.+]] = tensor.empty
// CHECK:         %[[L0:.+]] = call @forward_t0(%[[X]], %[[E0]]) : (tensor<?x64xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
// CHECK:         %[[E1:.+]] = tensor.empty
// CHECK:         %[[L1:.+]] = call @forward_t0(%[[L0]], %[[E1]])
// CHECK:         return %[[L1]]
// CHECK-LABEL: func.func private @forward_t0(
// CHECK-SAME:      %[[IN:[^:]+]]: tensor<?x64xf32>, %[[OUT:[^:]+]]: tensor<?x64xf32>) -> tensor<?x64xf32>
// CHECK-SAME:      attributes {tessel.tensor_step}
// CHECK:         %[[TWO:.+]] = arith.constant 2.0
// CHECK:         %[[R:.+]] = linalg.generic {{.*}} ins(%[[IN]] : tensor<?x64xf32>) outs(%[[OUT]] : tensor<?x64xf32>)
// CHECK:           arith.mulf %{{.+}}, %[[TWO]]
// CHECK:         return %[[R]]
// CHECK-NOT:     func.func
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %two = arith.constant 2.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e0 = tensor.empty(%n) : tensor<?x64xf32>
  %l0 = linalg.generic {indexing_maps = [#map, #map],
                        iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x64xf32>) outs(%e0 : tensor<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.mulf %in, %two : f32
    linalg.yield %y : f32
  } -> tensor<?x64xf32>
  %e1 = tensor.empty(%n) : tensor<?x64xf32>
  %l1 = linalg.generic {indexing_maps = [#map, #map],
                        iterator_types = ["parallel", "parallel"]}
      ins(%l0 : tensor<?x64xf32>) outs(%e1 : tensor<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.mulf %in, %two : f32
    linalg.yield %y : f32
  } -> tensor<?x64xf32>
  return %l1 : tensor<?x64xf32>
}

// -----

// Ops that differ (another constant, another type) get functions of their
// own, shared across entry points: decode's op is forward's.

// CHECK-LABEL: func.func @forward(
// CHECK:         call @forward_t0(
// CHECK:         call @forward_t1(
// CHECK-LABEL: func.func private @forward_t0(
// CHECK:         arith.constant 2.0
// CHECK-LABEL: func.func private @forward_t1(
// CHECK:         arith.constant 3.0
// CHECK-LABEL: func.func @decode(
// CHECK:         call @forward_t0(
// CHECK:         call @decode_t0(
// CHECK-LABEL: func.func private @decode_t0(
// CHECK-SAME:      tensor<?x32xf32>
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %two = arith.constant 2.0 : f32
  %three = arith.constant 3.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e0 = tensor.empty(%n) : tensor<?x64xf32>
  %l0 = linalg.generic {indexing_maps = [#map, #map],
                        iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x64xf32>) outs(%e0 : tensor<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.mulf %in, %two : f32
    linalg.yield %y : f32
  } -> tensor<?x64xf32>
  %e1 = tensor.empty(%n) : tensor<?x64xf32>
  %l1 = linalg.generic {indexing_maps = [#map, #map],
                        iterator_types = ["parallel", "parallel"]}
      ins(%l0 : tensor<?x64xf32>) outs(%e1 : tensor<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.mulf %in, %three : f32
    linalg.yield %y : f32
  } -> tensor<?x64xf32>
  return %l1 : tensor<?x64xf32>
}
func.func @decode(%x: tensor<?x64xf32>, %z: tensor<?x32xf32>)
    -> (tensor<?x64xf32>, tensor<?x32xf32>) {
  %c0 = arith.constant 0 : index
  %two = arith.constant 2.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e0 = tensor.empty(%n) : tensor<?x64xf32>
  %l0 = linalg.generic {indexing_maps = [#map, #map],
                        iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x64xf32>) outs(%e0 : tensor<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.mulf %in, %two : f32
    linalg.yield %y : f32
  } -> tensor<?x64xf32>
  %e1 = tensor.empty(%n) : tensor<?x32xf32>
  %l1 = linalg.generic {indexing_maps = [#map, #map],
                        iterator_types = ["parallel", "parallel"]}
      ins(%z : tensor<?x32xf32>) outs(%e1 : tensor<?x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.mulf %in, %two : f32
    linalg.yield %y : f32
  } -> tensor<?x32xf32>
  return %l0, %l1 : tensor<?x64xf32>, tensor<?x32xf32>
}

// -----

// A slice the op reads goes with it (the function takes what is sliced and
// the slice's sizes), so the function's arguments keep the identity layout;
// the slice stays where other ops use it too.

// CHECK-LABEL: func.func @decode(
// CHECK-SAME:      %[[CACHE:[^:]+]]: tensor<?x64xf32>, %[[LEN:[^:]+]]: index
// CHECK:         %[[USED:.+]] = tensor.extract_slice %[[CACHE]][0, 0] [%[[LEN]], 64]
// CHECK:         %[[A:.+]] = call @decode_t0(%[[CACHE]], %[[LEN]], %{{.+}}) : (tensor<?x64xf32>, index, tensor<?x64xf32>)
// CHECK:         return %[[A]], %[[USED]]
// CHECK-LABEL: func.func private @decode_t0(
// CHECK-SAME:      %[[C:[^:]+]]: tensor<?x64xf32>, %[[L:[^:]+]]: index, %[[O:[^:]+]]: tensor<?x64xf32>)
// CHECK:         %[[S:.+]] = tensor.extract_slice %[[C]][0, 0] [%[[L]], 64]
// CHECK:         linalg.generic {{.*}} ins(%[[S]] : tensor<?x64xf32>) outs(%[[O]] : tensor<?x64xf32>)
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @decode(%cache: tensor<?x64xf32>, %len: index)
    -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  %used = tensor.extract_slice %cache[0, 0] [%len, 64] [1, 1]
      : tensor<?x64xf32> to tensor<?x64xf32>
  %e = tensor.empty(%len) : tensor<?x64xf32>
  %a = linalg.generic {indexing_maps = [#map, #map],
                       iterator_types = ["parallel", "parallel"]}
      ins(%used : tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.negf %in : f32
    linalg.yield %y : f32
  } -> tensor<?x64xf32>
  return %a, %used : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// A tensor that will be a strided view (a slice of a slice, here) would be
// copied at a call: the op stays in the entry point.

// CHECK-LABEL: func.func @strided(
// CHECK:         linalg.generic
// CHECK-NOT:     call
// CHECK-NOT:     func.func private
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @strided(%x: tensor<8x64xf32>) -> tensor<4x16xf32> {
  %s = tensor.extract_slice %x[0, 0] [4, 32] [1, 1]
      : tensor<8x64xf32> to tensor<4x32xf32>
  %t = tensor.extract_slice %s[0, 0] [4, 16] [1, 2]
      : tensor<4x32xf32> to tensor<4x16xf32>
  %e = tensor.empty() : tensor<4x16xf32>
  %a = linalg.generic {indexing_maps = [#map, #map],
                       iterator_types = ["parallel", "parallel"]}
      ins(%t : tensor<4x16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.negf %in : f32
    linalg.yield %y : f32
  } -> tensor<4x16xf32>
  return %a : tensor<4x16xf32>
}

// -----

// A decode entry point's contractions are marked (the CPU tiles a decode
// step's few rows differently), so they are not shared with forward's.

// CHECK-LABEL: func.func @forward(
// CHECK:         call @forward_t0(
// CHECK-LABEL: func.func private @forward_t0(
// CHECK:         linalg.matmul ins(
// CHECK-LABEL: func.func @decode(
// CHECK:         call @decode_t0(
// CHECK-LABEL: func.func private @decode_t0(
// CHECK:         linalg.matmul {tessel.decode_contraction}
func.func @forward(%x: tensor<?x64xf32>, %w: tensor<64x32xf32>, %e: tensor<?x32xf32>) -> tensor<?x32xf32> attributes {tessel.entry_point = #tessel.entry_point<forward>} {
  %r = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x32xf32>) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %r : tensor<?x32xf32>
}
func.func @decode(%x: tensor<?x64xf32>, %w: tensor<64x32xf32>, %e: tensor<?x32xf32>) -> tensor<?x32xf32> attributes {tessel.entry_point = #tessel.entry_point<decode>} {
  %r = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x32xf32>) outs(%e : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %r : tensor<?x32xf32>
}
