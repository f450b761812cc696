// RUN: tessel-opt %s --split-input-file --tessel-plan-buffers | FileCheck %s
// RUN: tessel-opt %s --split-input-file \
// RUN:   --tessel-plan-buffers=workspace-argument=true | FileCheck %s --check-prefix=ARG

// A chain: %a is dead once %b is written, so %c takes %a's slot; %d is
// returned and keeps its own allocation. Each buffer is described with its
// slot and the model part its location names. Sizes depend on the dynamic row
// count, so the layout is computed at the start of the function.

// CHECK-LABEL: func.func @chain(
// CHECK-SAME:      %[[X:.+]]: memref<?x64xf32>) -> memref<?x64xf32>
// CHECK-SAME:      tessel.buffer_plan = #tessel.buffer_plan<slots = 2, buffers = [#tessel.buffer<type = memref<?x64xf32>, slot = 0, at = "layers.0.mlp">, #tessel.buffer<type = memref<?x64xf32>, slot = 1>, #tessel.buffer<type = memref<?x64xf32>, slot = 0>]>
// CHECK:         %[[WS:.+]] = memref.alloc(%{{.+}}) {alignment = 64 : i64} : memref<?xi8>
// CHECK:         %[[N:.+]] = memref.dim %[[X]]
// CHECK:         %[[A:.+]] = memref.view %[[WS]][%[[OFF0:.+]]][%[[N]]] : memref<?xi8> to memref<?x64xf32>
// CHECK:         linalg.copy ins(%[[X]] : {{.*}}) outs(%[[A]] :
// CHECK:         %[[B:.+]] = memref.view %[[WS]][%[[OFF1:.+]]][%[[N]]]
// CHECK:         linalg.copy ins(%[[A]] : {{.*}}) outs(%[[B]] :
// CHECK:         %[[C:.+]] = memref.view %[[WS]][%[[OFF0]]][%[[N]]]
// CHECK:         linalg.copy ins(%[[B]] : {{.*}}) outs(%[[C]] :
// CHECK:         %[[D:.+]] = memref.alloc(%[[N]]) : memref<?x64xf32>
// CHECK:         linalg.copy ins(%[[C]] : {{.*}}) outs(%[[D]] :
// CHECK:         return %[[D]]

// ARG-LABEL: func.func @chain_workspace(
// ARG-SAME:      %[[X:.+]]: memref<?x64xf32>, %[[SIZES:.+]]: memref<2xi64>)
// ARG:           %[[N:.+]] = memref.dim %[[X]]
// ARG:           %[[BYTES:.+]] = arith.muli %[[N]], %{{.+}} : index
// ARG:           memref.store %{{.+}}, %[[SIZES]][%{{.+}}] : memref<2xi64>
// ARG:           memref.store %{{.+}}, %[[SIZES]][%{{.+}}] : memref<2xi64>
// ARG:           return
// ARG-LABEL: func.func @chain(
// ARG-SAME:      %[[X:.+]]: memref<?x64xf32>, %[[WS:.+]]: memref<?xi8>) -> memref<?x64xf32>
// ARG-NOT:       memref.alloc(%{{.+}}) {alignment = 64 : i64} : memref<?xi8>
// ARG:           memref.view %[[WS]]
func.func @chain(%x: memref<?x64xf32>) -> memref<?x64xf32> {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x64xf32>
  %a = memref.alloc(%n) : memref<?x64xf32> loc("layers.0.mlp"("m.json":1:1))
  linalg.copy ins(%x : memref<?x64xf32>) outs(%a : memref<?x64xf32>)
  %b = memref.alloc(%n) : memref<?x64xf32>
  linalg.copy ins(%a : memref<?x64xf32>) outs(%b : memref<?x64xf32>)
  %c = memref.alloc(%n) : memref<?x64xf32>
  linalg.copy ins(%b : memref<?x64xf32>) outs(%c : memref<?x64xf32>)
  %d = memref.alloc(%n) : memref<?x64xf32>
  linalg.copy ins(%c : memref<?x64xf32>) outs(%d : memref<?x64xf32>)
  return %d : memref<?x64xf32>
}

// -----

// A view keeps its buffer alive: %a is read through %s after %b is
// allocated, so they may not share; %c may take %a's slot afterwards.

// CHECK-LABEL: func.func @view_alias(
// CHECK-SAME:      tessel.buffer_plan = #tessel.buffer_plan<slots = 2, buffers = [#tessel.buffer<type = memref<8x16xf32>, slot = 0>, #tessel.buffer<type = memref<4x16xf32>, slot = 1>, #tessel.buffer<type = memref<4x16xf32>, slot = 0>]>
// CHECK:         %[[A:.+]] = memref.view %{{.+}}[%[[OFF0:.+]]][] : memref<?xi8> to memref<8x16xf32>
// CHECK:         %[[S:.+]] = memref.subview %[[A]]
// CHECK:         memref.view %{{.+}}[%[[OFF1:.+]]][] : memref<?xi8> to memref<4x16xf32>
// CHECK-NOT:     %[[OFF0]]]
// CHECK:         linalg.copy ins(%[[S]]
// CHECK:         memref.view %{{.+}}[%[[OFF0]]][] : memref<?xi8> to memref<4x16xf32>
func.func @view_alias(%x: memref<8x16xf32>, %y: memref<4x16xf32>) {
  %a = memref.alloc() : memref<8x16xf32>
  linalg.copy ins(%x : memref<8x16xf32>) outs(%a : memref<8x16xf32>)
  %s = memref.subview %a[0, 0] [4, 16] [1, 1]
      : memref<8x16xf32> to memref<4x16xf32, strided<[16, 1]>>
  %b = memref.alloc() : memref<4x16xf32>
  linalg.copy ins(%s : memref<4x16xf32, strided<[16, 1]>>)
      outs(%b : memref<4x16xf32>)
  %c = memref.alloc() : memref<4x16xf32>
  linalg.copy ins(%b : memref<4x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.copy ins(%c : memref<4x16xf32>) outs(%y : memref<4x16xf32>)
  return
}

// -----

// Not planned: a buffer returned through a cast, one whose size is only
// known from memory (not computable at the start of the function), and
// index elements (no byte size without a data layout).

// CHECK-LABEL: func.func @unplanned(
// CHECK-NOT:     tessel.buffer_plan
// CHECK-NOT:     memref.view
// CHECK:         memref.alloc() : memref<4xf32>
// CHECK:         memref.alloc(%{{.+}}) : memref<?xf32>
// CHECK:         memref.alloc() : memref<2xindex>
func.func @unplanned(%n: memref<1xindex>) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %a = memref.alloc() : memref<4xf32>
  %r = memref.cast %a : memref<4xf32> to memref<?xf32>
  %size = memref.load %n[%c0] : memref<1xindex>
  %b = memref.alloc(%size) : memref<?xf32>
  linalg.copy ins(%r : memref<?xf32>) outs(%b : memref<?xf32>)
  %i = memref.alloc() : memref<2xindex>
  memref.store %c0, %i[%c0] : memref<2xindex>
  return %r : memref<?xf32>
}
