// RUN: tessel-opt %s --tessel-parameters-to-arguments | FileCheck %s

// Parameters a function reads become trailing arguments in declaration
// order, named by an argument attribute and read-only for bufferization (so
// the runtime passes the same buffers to every call); an entry point's inputs
// are read-only too (the runtime passes the caller's data); the declarations
// go away, and public functions get a C interface.

tessel.parameter @b : tensor<4xf32> init = zeros
tessel.parameter @w : tensor<4x8xf32> init = normal {std = 2.000000e-02 : f64}
tessel.parameter @unused : tensor<2xf32> init = ones

// CHECK-NOT: tessel.parameter
// CHECK-LABEL: func.func @f(
// CHECK-SAME:    %[[X:.+]]: tensor<?x8xf32> {bufferization.writable = false},
// CHECK-SAME:    %[[B:.+]]: tensor<4xf32> {bufferization.writable = false, tessel.parameter = "b"},
// CHECK-SAME:    %[[W:.+]]: tensor<4x8xf32> {bufferization.writable = false, tessel.parameter = "w"})
// CHECK-SAME:    attributes {llvm.emit_c_interface}
// CHECK-NEXT:    %[[Y:.+]] = tessel.linear %[[X]], %[[W]], %[[B]]
// CHECK-NEXT:    %[[Z:.+]] = tessel.linear %[[X]], %[[W]], %[[B]]
// CHECK-NEXT:    tessel.add %[[Y]], %[[Z]]
// CHECK-NOT:     tessel.get_parameter
func.func @f(%x: tensor<?x8xf32>) -> tensor<?x4xf32> {
  %w = tessel.get_parameter @w : tensor<4x8xf32>
  %b = tessel.get_parameter @b : tensor<4xf32>
  %y = tessel.linear %x, %w, %b : tensor<?x8xf32>, tensor<4x8xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %w2 = tessel.get_parameter @w : tensor<4x8xf32>
  %z = tessel.linear %x, %w2, %b : tensor<?x8xf32>, tensor<4x8xf32>, tensor<4xf32> -> tensor<?x4xf32>
  %s = tessel.add %y, %z : tensor<?x4xf32>, tensor<?x4xf32> -> tensor<?x4xf32>
  return %s : tensor<?x4xf32>
}

// A private function is not an entry point: no C interface.
// CHECK-LABEL: func.func private @helper(
// CHECK-SAME:    %{{.+}}: tensor<4xf32> {bufferization.writable = false, tessel.parameter = "b"}) -> tensor<4xf32> {
func.func private @helper() -> tensor<4xf32> {
  %b = tessel.get_parameter @b : tensor<4xf32>
  return %b : tensor<4xf32>
}

// An input a result updates in place (tessel.in_place: decode's caches) is
// the one argument bufferization may write.

// CHECK-LABEL: func.func @step(
// CHECK-SAME:    %{{.+}}: tensor<?xi64> {bufferization.writable = false},
// CHECK-SAME:    %{{.+}}: tensor<?x2x?x4xf32> {bufferization.writable = true})
// CHECK-SAME:    -> (tensor<?x2x?x4xf32> {tessel.in_place = 1 : i64})
func.func @step(%pos: tensor<?xi64>, %cache: tensor<?x2x?x4xf32>) -> (tensor<?x2x?x4xf32> {tessel.in_place = 1 : i64}) {
  return %cache : tensor<?x2x?x4xf32>
}
