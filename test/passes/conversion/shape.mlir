// convert-tessel-to-linalg: slice, concat (tensor.empty + insert_slice, not
// tensor.concat), broadcast, position_ids and the KV cache's write and read. The structure is checked on
// the linalg output, that it bufferizes (BUF), and the numbers by running
// the lowered code in the JIT (the @run_* entries; the expected values are
// plain copies and indices, by hand, and agree with `tessel-interpret`).
//
// RUN: tessel-opt %s --convert-tessel-to-linalg | FileCheck %s
// RUN: tessel-opt %s --convert-tessel-to-linalg \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries" \
// RUN:   | FileCheck %s --check-prefix=BUF
//
// DEFINE: %{runner} = $(command -v mlir-runner)
// DEFINE: %{jit} = tessel-opt %s --convert-tessel-to-linalg \
// DEFINE:   --one-shot-bufferize="bufferize-function-boundaries" \
// DEFINE:   --convert-linalg-to-loops --convert-scf-to-cf \
// DEFINE:   --expand-strided-metadata --lower-affine --finalize-memref-to-llvm \
// DEFINE:   --convert-math-to-llvm --convert-math-to-libm \
// DEFINE:   --convert-arith-to-llvm --convert-cf-to-llvm \
// DEFINE:   --convert-func-to-llvm --convert-index-to-llvm \
// DEFINE:   --reconcile-unrealized-casts \
// DEFINE:   | %{runner} -entry-point-result=void \
// DEFINE:     -shared-libs=$(dirname %{runner})/../lib/libmlir_runner_utils.so \
// DEFINE:     -shared-libs=$(dirname %{runner})/../lib/libmlir_c_runner_utils.so -e
// RUN: %{jit} run_slice | FileCheck %s --check-prefix=SLICE
// RUN: %{jit} run_concat | FileCheck %s --check-prefix=CONCAT
// RUN: %{jit} run_broadcast | FileCheck %s --check-prefix=BCAST
// RUN: %{jit} run_position_ids | FileCheck %s --check-prefix=POS
// RUN: %{jit} run_position_ids_i32 | FileCheck %s --check-prefix=POS32
// RUN: %{jit} run_cache | FileCheck %s --check-prefix=CACHE
// RUN: %{jit} run_cache_batch | FileCheck %s --check-prefix=CACHEB

//===----------------------------------------------------------------------===//
// Structure
//===----------------------------------------------------------------------===//

// CHECK-DAG: #[[STRETCH:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, 0, d2, d3)>
// CHECK-DAG: #[[ID4:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[LEAD:.+]] = affine_map<(d0, d1, d2) -> (0, d2)>
// CHECK-DAG: #[[ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ID1:.+]] = affine_map<(d0) -> (d0)>

// CHECK-LABEL: func.func @slice(
// CHECK-SAME: %[[X:.+]]: tensor<?x?x2304xf32>
// CHECK-DAG: %[[D0:.+]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[D1:.+]] = tensor.dim %[[X]], %c1
// CHECK: %[[S:.+]] = tensor.extract_slice %[[X]][0, 0, 768] [%[[D0]], %[[D1]], 768] [1, 1, 1] : tensor<?x?x2304xf32> to tensor<?x?x768xf32>
// CHECK: return %[[S]]
func.func @slice(%x: tensor<?x?x2304xf32>) -> tensor<?x?x768xf32> {
  %k = tessel.slice %x {axis = 2 : i64, offset = 768 : i64}
      : tensor<?x?x2304xf32> -> tensor<?x?x768xf32>
  return %k : tensor<?x?x768xf32>
}

// A result more static than the input gets a tensor.cast.
// CHECK-LABEL: func.func @slice_cast(
// CHECK: %[[S:.+]] = tensor.extract_slice %{{.+}}[0, 2] [%{{.+}}, 3] [1, 1] : tensor<?x10xi64> to tensor<?x3xi64>
// CHECK: %[[C:.+]] = tensor.cast %[[S]] : tensor<?x3xi64> to tensor<4x3xi64>
// CHECK: return %[[C]]
func.func @slice_cast(%x: tensor<?x10xi64>) -> tensor<4x3xi64> {
  %k = tessel.slice %x {axis = 1 : i64, offset = 2 : i64}
      : tensor<?x10xi64> -> tensor<4x3xi64>
  return %k : tensor<4x3xi64>
}

// A negative offset counts from the end: the last position of a dynamic
// axis starts at its size - 1; of a static one, at a constant.
// CHECK-LABEL: func.func @slice_last(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x?x64xf32>
// CHECK-DAG: %[[B:.+]] = tensor.dim %[[X]], %c0
// CHECK-DAG: %[[N:.+]] = tensor.dim %[[X]], %c1
// CHECK-DAG: %[[M1:.+]] = arith.constant -1 : index
// CHECK: %[[AT:.+]] = arith.addi %[[N]], %[[M1]] : index
// CHECK: tensor.extract_slice %[[X]][0, %[[AT]], 0] [%[[B]], 1, 64] [1, 1, 1] : tensor<?x?x64xf32> to tensor<?x1x64xf32>
// CHECK-LABEL: func.func @slice_from_end_static(
// CHECK: tensor.extract_slice %{{.+}}[0, 7] [%{{.+}}, 2] [1, 1] : tensor<?x10xf32> to tensor<?x2xf32>
func.func @slice_last(%x: tensor<?x?x64xf32>) -> tensor<?x1x64xf32> {
  %k = tessel.slice %x {axis = 1 : i64, offset = -1 : i64}
      : tensor<?x?x64xf32> -> tensor<?x1x64xf32>
  return %k : tensor<?x1x64xf32>
}
func.func @slice_from_end_static(%x: tensor<?x10xf32>) -> tensor<?x2xf32> {
  %k = tessel.slice %x {axis = 1 : i64, offset = -3 : i64}
      : tensor<?x10xf32> -> tensor<?x2xf32>
  return %k : tensor<?x2xf32>
}

// CHECK-LABEL: func.func @concat(
// CHECK-SAME: %[[A:[^:]+]]: tensor<?x16x?x128xf32>, %[[B:[^:]+]]: tensor<?x16x?x64xf32>
// CHECK-NOT: tensor.concat
// CHECK: %[[E:.+]] = tensor.empty(%{{.+}}, %{{.+}}) : tensor<?x16x?x192xf32>
// CHECK: %[[I0:.+]] = tensor.insert_slice %[[A]] into %[[E]][0, 0, 0, 0] [%{{.+}}, 16, %{{.+}}, 128] [1, 1, 1, 1]
// CHECK: %[[I1:.+]] = tensor.insert_slice %[[B]] into %[[I0]][0, 0, 0, 128] [%{{.+}}, 16, %{{.+}}, 64] [1, 1, 1, 1]
// CHECK: return %[[I1]]
func.func @concat(%a: tensor<?x16x?x128xf32>, %b: tensor<?x16x?x64xf32>)
    -> tensor<?x16x?x192xf32> {
  %q = tessel.concat %a, %b {axis = 3 : i64}
      : tensor<?x16x?x128xf32>, tensor<?x16x?x64xf32> -> tensor<?x16x?x192xf32>
  return %q : tensor<?x16x?x192xf32>
}

// Dynamic along the axis: the offsets are running sums of tensor.dim.
// CHECK-LABEL: func.func @concat_dynamic_axis(
// CHECK-SAME: %[[A:[^:]+]]: tensor<2x?xf16>, %[[B:[^:]+]]: tensor<2x3xf16>, %[[C:[^:]+]]: tensor<2x?xf16>
// CHECK: %[[NA:.+]] = tensor.dim %[[A]], %c1
// CHECK: %[[OB:.+]] = arith.addi %[[NA]], %c3
// CHECK: %[[NC:.+]] = tensor.dim %[[C]], %c1
// CHECK: %[[N:.+]] = arith.addi %[[OB]], %[[NC]]
// CHECK: %[[E:.+]] = tensor.empty(%[[N]]) : tensor<2x?xf16>
// CHECK: %[[I0:.+]] = tensor.insert_slice %[[A]] into %[[E]][0, 0]
// CHECK: %[[I1:.+]] = tensor.insert_slice %[[B]] into %[[I0]][0, %[[NA]]] [2, 3] [1, 1]
// CHECK: %[[I2:.+]] = tensor.insert_slice %[[C]] into %[[I1]][0, %[[OB]]]
// CHECK: return %[[I2]]
func.func @concat_dynamic_axis(%a: tensor<2x?xf16>, %b: tensor<2x3xf16>,
                               %c: tensor<2x?xf16>) -> tensor<2x?xf16> {
  %q = tessel.concat %a, %b, %c {axis = 1 : i64}
      : tensor<2x?xf16>, tensor<2x3xf16>, tensor<2x?xf16> -> tensor<2x?xf16>
  return %q : tensor<2x?xf16>
}

// CHECK-LABEL: func.func @broadcast(
// CHECK-SAME: %[[X:.+]]: tensor<?x1x?x64xf32>
// CHECK: %[[E:.+]] = tensor.empty(%{{.+}}, %{{.+}}) : tensor<?x16x?x64xf32>
// CHECK: %[[Y:.+]] = linalg.generic {indexing_maps = [#[[STRETCH]], #[[ID4]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[X]] : tensor<?x1x?x64xf32>) outs(%[[E]] : tensor<?x16x?x64xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]] : f32
// CHECK: return %[[Y]]
func.func @broadcast(%x: tensor<?x1x?x64xf32>) -> tensor<?x16x?x64xf32> {
  %y = tessel.broadcast %x : tensor<?x1x?x64xf32> -> tensor<?x16x?x64xf32>
  return %y : tensor<?x16x?x64xf32>
}

// A new axis of dynamic size takes `like`'s (prefix tuning's keys joined
// to a batch).
// CHECK-LABEL: func.func @broadcast_like(
// CHECK-SAME: %[[P:[^:]+]]: tensor<4x8x16xf32>, %[[K:[^:]+]]: tensor<?x4x?x16xf32>
// CHECK: %[[B:.+]] = tensor.dim %[[K]], %c0
// CHECK: %[[E:.+]] = tensor.empty(%[[B]]) : tensor<?x4x8x16xf32>
// CHECK: linalg.generic {{.+}} ins(%[[P]] : tensor<4x8x16xf32>) outs(%[[E]] : tensor<?x4x8x16xf32>)
func.func @broadcast_like(%p: tensor<4x8x16xf32>, %k: tensor<?x4x?x16xf32>)
    -> tensor<?x4x8x16xf32> {
  %y = tessel.broadcast %p like(%k : tensor<?x4x?x16xf32>)
      : tensor<4x8x16xf32> -> tensor<?x4x8x16xf32>
  return %y : tensor<?x4x8x16xf32>
}

// position_mask: 1.0 where the position is below `first` or the index is
// at least S - `last`.
// CHECK-LABEL: func.func @position_mask(
// CHECK-SAME: %[[P:[^:]+]]: tensor<?xi64>
// CHECK: %[[S:.+]] = tensor.dim %[[P]], %c0
// CHECK: %[[FROM:.+]] = arith.subi %[[S]], %{{.+}} : index
// CHECK: linalg.generic {{.+}} ins(%[[P]] : tensor<?xi64>) outs(%{{.+}} : tensor<?x1xf32>)
// CHECK: arith.cmpi slt
// CHECK: arith.cmpi sge, %{{.+}}, %[[FROM]] : index
// CHECK: arith.ori
// CHECK: arith.select
func.func @position_mask(%p: tensor<?xi64>) -> tensor<?x1xf32> {
  %m = tessel.position_mask %p {first = 2 : i64, last = 1 : i64}
      : tensor<?xi64> -> tensor<?x1xf32>
  return %m : tensor<?x1xf32>
}

// A slice of dynamic size is the rest of the axis: size - offset.
// CHECK-LABEL: func.func @slice_rest(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x4x?x16xf32>
// CHECK-DAG: %[[N:.+]] = tensor.dim %[[X]], %c2
// CHECK-DAG: %[[C8:.+]] = arith.constant 8 : index
// CHECK: %[[REST:.+]] = arith.subi %[[N]], %[[C8]] : index
// CHECK: tensor.extract_slice %[[X]][0, 0, 8, 0] [%{{.+}}, 4, %[[REST]], 16] [1, 1, 1, 1] : tensor<?x4x?x16xf32> to tensor<?x4x?x16xf32>
func.func @slice_rest(%x: tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %y = tessel.slice %x {axis = 2 : i64, offset = 8 : i64}
      : tensor<?x4x?x16xf32> -> tensor<?x4x?x16xf32>
  return %y : tensor<?x4x?x16xf32>
}

// A new leading dimension and a stretched one; the dynamic one is kept.
// CHECK-LABEL: func.func @broadcast_leading(
// CHECK-SAME: %[[X:.+]]: tensor<1x?xi32>
// CHECK: %[[D:.+]] = tensor.dim %[[X]], %c1
// CHECK: %[[E:.+]] = tensor.empty(%[[D]]) : tensor<3x4x?xi32>
// CHECK: linalg.generic {indexing_maps = [#[[LEAD]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[X]] : tensor<1x?xi32>) outs(%[[E]] : tensor<3x4x?xi32>)
func.func @broadcast_leading(%x: tensor<1x?xi32>) -> tensor<3x4x?xi32> {
  %y = tessel.broadcast %x : tensor<1x?xi32> -> tensor<3x4x?xi32>
  return %y : tensor<3x4x?xi32>
}

// CHECK-LABEL: func.func @position_ids(
// CHECK-SAME: %[[T:.+]]: tensor<?x?xi64>
// CHECK: %[[N:.+]] = tensor.dim %[[T]], %c1
// CHECK: %[[E:.+]] = tensor.empty(%[[N]]) : tensor<?xi64>
// CHECK: linalg.generic {indexing_maps = [#[[ID1]]], iterator_types = ["parallel"]} outs(%[[E]] : tensor<?xi64>)
// CHECK: %[[I:.+]] = linalg.index 0 : index
// CHECK: %[[I64:.+]] = arith.index_cast %[[I]] : index to i64
// CHECK: %[[OFF:.+]] = arith.constant 5 : i64
// CHECK: %[[P:.+]] = arith.addi %[[I64]], %[[OFF]] : i64
// CHECK: linalg.yield %[[P]] : i64
func.func @position_ids(%t: tensor<?x?xi64>) -> tensor<?xi64> {
  %p = tessel.position_ids %t {axis = 1 : i64, offset = 5 : i64}
      : tensor<?x?xi64> -> tensor<?xi64>
  return %p : tensor<?xi64>
}

// CHECK-LABEL: func.func @position_ids_i32(
// CHECK: tensor.empty() : tensor<7xi32>
// CHECK: linalg.index 0
// CHECK: arith.trunci %{{.+}} : i64 to i32
func.func @position_ids_i32(%x: tensor<2x7xf32>) -> tensor<7xi32> {
  %p = tessel.position_ids %x {axis = 1 : i64} : tensor<2x7xf32> -> tensor<7xi32>
  return %p : tensor<7xi32>
}

// A decode step's keys go into the cache at positions[0] (an insert_slice
// into the cache, which bufferizes into the argument's own buffer: no
// allocation, no copy of the cache), and attention reads the first
// positions[S - 1] + 1 rows.
// CHECK-LABEL: func.func @cache_step(
// CHECK-SAME: %[[C:[^:]+]]: tensor<?x1x?x2xf32>, %[[K:[^:]+]]: tensor<?x1x?x2xf32>, %[[P:[^:]+]]: tensor<?xi64>
// CHECK: %[[P0:.+]] = tensor.extract %[[P]][%c0]
// CHECK: %[[AT:.+]] = arith.index_cast %[[P0]] : i64 to index
// CHECK: %[[W:.+]] = tensor.insert_slice %[[K]] into %[[C]][0, 0, %[[AT]], 0] [%{{.+}}, 1, %{{.+}}, 2] [1, 1, 1, 1]
// CHECK: %[[S:.+]] = tensor.dim %[[P]], %c0
// CHECK: %[[LASTI:.+]] = arith.subi %[[S]], %c1
// CHECK: %[[LAST:.+]] = tensor.extract %[[P]][%[[LASTI]]]
// CHECK: %[[LASTX:.+]] = arith.index_cast %[[LAST]] : i64 to index
// CHECK: %[[T:.+]] = arith.addi %[[LASTX]], %c1
// CHECK: %[[R:.+]] = tensor.extract_slice %[[W]][0, 0, 0, 0] [%{{.+}}, 1, %[[T]], 2] [1, 1, 1, 1]
// CHECK: return %[[W]], %[[R]]
func.func @cache_step(%cache: tensor<?x1x?x2xf32>, %k: tensor<?x1x?x2xf32>,
                      %pos: tensor<?xi64>)
    -> (tensor<?x1x?x2xf32>, tensor<?x1x?x2xf32>) {
  %w = tessel.cache_write %k into %cache[%pos]
      : tensor<?x1x?x2xf32> into tensor<?x1x?x2xf32>, tensor<?xi64>
  %r = tessel.cache_read %w[%pos]
      : tensor<?x1x?x2xf32>, tensor<?xi64> -> tensor<?x1x?x2xf32>
  return %w, %r : tensor<?x1x?x2xf32>, tensor<?x1x?x2xf32>
}

// Positions [B, S]: each sequence's rows go at its own positions[b, 0], one
// insert_slice per sequence in an scf.for that carries the cache (in place
// after bufferization), and the read covers the furthest sequence's last
// position.
// CHECK-LABEL: func.func @cache_step_batch(
// CHECK-SAME: %[[C:[^:]+]]: tensor<?x1x?x2xf32>, %[[K:[^:]+]]: tensor<?x1x?x2xf32>, %[[P:[^:]+]]: tensor<?x?xi64>
// CHECK: %[[W:.+]] = scf.for %[[B:[^ ]+]] = {{.+}} iter_args(%[[ACC:[^ ]+]] = %[[C]])
// CHECK: %[[ROW:.+]] = tensor.extract_slice %[[K]][%[[B]], 0, 0, 0] [1, 1, %{{.+}}, 2]
// CHECK: %[[P0:.+]] = tensor.extract %[[P]][%[[B]], %{{.+}}]
// CHECK: %[[AT:.+]] = arith.index_cast %[[P0]] : i64 to index
// CHECK: %[[INS:.+]] = tensor.insert_slice %[[ROW]] into %[[ACC]][%[[B]], 0, %[[AT]], 0] [1, 1, %{{.+}}, 2]
// CHECK: scf.yield %[[INS]]
// CHECK: %[[LAST:.+]] = scf.for {{.+}} iter_args(%[[M:[^ ]+]] = %c-1)
// CHECK: arith.maxsi %[[M]]
// CHECK: %[[T:.+]] = arith.addi %[[LAST]], %c1
// CHECK: %[[R:.+]] = tensor.extract_slice %[[W]][0, 0, 0, 0] [%{{.+}}, 1, %[[T]], 2]
// CHECK: return %[[W]], %[[R]]
func.func @cache_step_batch(%cache: tensor<?x1x?x2xf32>,
                            %k: tensor<?x1x?x2xf32>, %pos: tensor<?x?xi64>)
    -> (tensor<?x1x?x2xf32>, tensor<?x1x?x2xf32>) {
  %w = tessel.cache_write %k into %cache[%pos]
      : tensor<?x1x?x2xf32> into tensor<?x1x?x2xf32>, tensor<?x?xi64>
  %r = tessel.cache_read %w[%pos]
      : tensor<?x1x?x2xf32>, tensor<?x?xi64> -> tensor<?x1x?x2xf32>
  return %w, %r : tensor<?x1x?x2xf32>, tensor<?x1x?x2xf32>
}

// BUF-LABEL: func.func @slice(
// BUF: memref.subview
// BUF-NOT: tensor
// BUF-LABEL: func.func @slice_cast(
// BUF-NOT: tensor
// BUF-LABEL: func.func @concat(
// BUF-NOT: tensor
// BUF: memref.alloc
// BUF: memref.copy
// BUF: memref.copy
// BUF-NOT: tensor
// BUF-LABEL: func.func @concat_dynamic_axis(
// BUF-NOT: tensor
// BUF-LABEL: func.func @broadcast(
// BUF-NOT: tensor
// BUF-LABEL: func.func @broadcast_leading(
// BUF-NOT: tensor
// BUF-LABEL: func.func @position_ids(
// BUF-NOT: tensor
// BUF-LABEL: func.func @position_ids_i32(
// BUF-NOT: tensor
// BUF-LABEL: func.func @cache_step(
// BUF-SAME: %[[C:[^:]+]]: memref<?x1x?x2xf32
// BUF-NOT: memref.alloc
// BUF: %[[DST:.+]] = memref.subview %[[C]]
// BUF: memref.copy %{{.+}}, %[[DST]]
// BUF-NOT: memref.alloc
// BUF: return %[[C]]
// BUF-LABEL: func.func @cache_step_batch(
// BUF-NOT: memref.alloc
// BUF: scf.for
// BUF: memref.subview
// BUF: memref.copy
// BUF: scf.yield
// BUF-NOT: memref.alloc
// BUF: return

//===----------------------------------------------------------------------===//
// Numbers: the lowered code run in the JIT.
//===----------------------------------------------------------------------===//

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printMemrefI64(tensor<*xi64>)
func.func private @printMemrefI32(tensor<*xi32>)

// x[i, j, k] = 100 i + 10 j + k, [2, 2, 5]; columns 1..3 of the last axis.
// SLICE: sizes = [2, 2, 3]
// SLICE-NEXT: {{\[\[\[}}1,{{ +}}2,{{ +}}3],
// SLICE-NEXT: [11,{{ +}}12,{{ +}}13]],
// SLICE-NEXT: {{\[\[}}101,{{ +}}102,{{ +}}103],
// SLICE-NEXT: [111,{{ +}}112,{{ +}}113]]]
func.func @slice_dyn(%x: tensor<?x?x5xf32>) -> tensor<?x?x3xf32> {
  %k = tessel.slice %x {axis = 2 : i64, offset = 1 : i64}
      : tensor<?x?x5xf32> -> tensor<?x?x3xf32>
  return %k : tensor<?x?x3xf32>
}
func.func @run_slice() {
  %x = arith.constant dense<[[[0.0, 1.0, 2.0, 3.0, 4.0], [10.0, 11.0, 12.0, 13.0, 14.0]],
                             [[100.0, 101.0, 102.0, 103.0, 104.0],
                              [110.0, 111.0, 112.0, 113.0, 114.0]]]> : tensor<2x2x5xf32>
  %xd = tensor.cast %x : tensor<2x2x5xf32> to tensor<?x?x5xf32>
  %y = call @slice_dyn(%xd) : (tensor<?x?x5xf32>) -> tensor<?x?x3xf32>
  %u = tensor.cast %y : tensor<?x?x3xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

// Three inputs of 1, 2 and 1 rows joined on the dynamic axis 1.
// CONCAT: sizes = [2, 4, 2]
// CONCAT-NEXT: {{\[\[\[}}1,{{ +}}2],
// CONCAT-NEXT: [10,{{ +}}11],
// CONCAT-NEXT: [12,{{ +}}13],
// CONCAT-NEXT: [100,{{ +}}101]],
// CONCAT-NEXT: {{\[\[}}3,{{ +}}4],
// CONCAT-NEXT: [14,{{ +}}15],
// CONCAT-NEXT: [16,{{ +}}17],
// CONCAT-NEXT: [102,{{ +}}103]]]
func.func @concat_dyn(%a: tensor<?x?x2xf32>, %b: tensor<2x2x2xf32>,
                      %c: tensor<?x?x2xf32>) -> tensor<?x?x2xf32> {
  %y = tessel.concat %a, %b, %c {axis = 1 : i64}
      : tensor<?x?x2xf32>, tensor<2x2x2xf32>, tensor<?x?x2xf32>
      -> tensor<?x?x2xf32>
  return %y : tensor<?x?x2xf32>
}
func.func @run_concat() {
  %a = arith.constant dense<[[[1.0, 2.0]], [[3.0, 4.0]]]> : tensor<2x1x2xf32>
  %b = arith.constant dense<[[[10.0, 11.0], [12.0, 13.0]], [[14.0, 15.0], [16.0, 17.0]]]>
      : tensor<2x2x2xf32>
  %c = arith.constant dense<[[[100.0, 101.0]], [[102.0, 103.0]]]> : tensor<2x1x2xf32>
  %ad = tensor.cast %a : tensor<2x1x2xf32> to tensor<?x?x2xf32>
  %cd = tensor.cast %c : tensor<2x1x2xf32> to tensor<?x?x2xf32>
  %y = call @concat_dyn(%ad, %b, %cd)
      : (tensor<?x?x2xf32>, tensor<2x2x2xf32>, tensor<?x?x2xf32>) -> tensor<?x?x2xf32>
  %u = tensor.cast %y : tensor<?x?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

// [2, 1] -> [3, 2, 2]: a new leading axis and a stretched column.
// BCAST: sizes = [3, 2, 2]
// BCAST-NEXT: {{\[\[\[}}7,{{ +}}7],
// BCAST-NEXT: [9,{{ +}}9]],
// BCAST-NEXT: {{\[\[}}7,{{ +}}7],
// BCAST-NEXT: [9,{{ +}}9]],
// BCAST-NEXT: {{\[\[}}7,{{ +}}7],
// BCAST-NEXT: [9,{{ +}}9]]]
func.func @broadcast_dyn(%x: tensor<?x1xf32>) -> tensor<3x?x2xf32> {
  %y = tessel.broadcast %x : tensor<?x1xf32> -> tensor<3x?x2xf32>
  return %y : tensor<3x?x2xf32>
}
func.func @run_broadcast() {
  %x = arith.constant dense<[[7.0], [9.0]]> : tensor<2x1xf32>
  %xd = tensor.cast %x : tensor<2x1xf32> to tensor<?x1xf32>
  %y = call @broadcast_dyn(%xd) : (tensor<?x1xf32>) -> tensor<3x?x2xf32>
  %u = tensor.cast %y : tensor<3x?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

// POS: sizes = [4]
// POS-NEXT: [5,{{ +}}6,{{ +}}7,{{ +}}8]
// POS32: sizes = [3]
// POS32-NEXT: [0,{{ +}}1,{{ +}}2]
func.func @run_position_ids() {
  %t = arith.constant dense<0> : tensor<2x4xi64>
  %td = tensor.cast %t : tensor<2x4xi64> to tensor<?x?xi64>
  %p = call @position_ids(%td) : (tensor<?x?xi64>) -> tensor<?xi64>
  %u = tensor.cast %p : tensor<?xi64> to tensor<*xi64>
  call @printMemrefI64(%u) : (tensor<*xi64>) -> ()
  return
}
func.func @pos_i32(%x: tensor<?x?xf32>) -> tensor<?xi32> {
  %p = tessel.position_ids %x {axis = 0 : i64} : tensor<?x?xf32> -> tensor<?xi32>
  return %p : tensor<?xi32>
}
func.func @run_position_ids_i32() {
  %x = arith.constant dense<0.0> : tensor<3x2xf32>
  %xd = tensor.cast %x : tensor<3x2xf32> to tensor<?x?xf32>
  %p = call @pos_i32(%xd) : (tensor<?x?xf32>) -> tensor<?xi32>
  %u = tensor.cast %p : tensor<?xi32> to tensor<*xi32>
  call @printMemrefI32(%u) : (tensor<*xi32>) -> ()
  return
}

// Rows 1 and 2 of a cache with room for 4 get the step's keys; the read
// covers rows 0..2, and row 3 keeps its old value.
// CACHE: sizes = [1, 1, 4, 2]
// CACHE-NEXT: {{\[\[\[\[}}9,{{ +}}9],
// CACHE-NEXT: [1,{{ +}}2],
// CACHE-NEXT: [3,{{ +}}4],
// CACHE-NEXT: [9,{{ +}}9]]]]
// CACHE: sizes = [1, 1, 3, 2]
// CACHE-NEXT: {{\[\[\[\[}}9,{{ +}}9],
// CACHE-NEXT: [1,{{ +}}2],
// CACHE-NEXT: [3,{{ +}}4]]]]
func.func @run_cache() {
  %c = arith.constant dense<9.0> : tensor<1x1x4x2xf32>
  %k = arith.constant dense<[[[[1.0, 2.0], [3.0, 4.0]]]]> : tensor<1x1x2x2xf32>
  %p = arith.constant dense<[1, 2]> : tensor<2xi64>
  %cd = tensor.cast %c : tensor<1x1x4x2xf32> to tensor<?x1x?x2xf32>
  %kd = tensor.cast %k : tensor<1x1x2x2xf32> to tensor<?x1x?x2xf32>
  %pd = tensor.cast %p : tensor<2xi64> to tensor<?xi64>
  %w, %r = call @cache_step(%cd, %kd, %pd)
      : (tensor<?x1x?x2xf32>, tensor<?x1x?x2xf32>, tensor<?xi64>)
      -> (tensor<?x1x?x2xf32>, tensor<?x1x?x2xf32>)
  %wu = tensor.cast %w : tensor<?x1x?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%wu) : (tensor<*xf32>) -> ()
  %ru = tensor.cast %r : tensor<?x1x?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%ru) : (tensor<*xf32>) -> ()
  return
}

// Sequence 0 writes position 0, sequence 1 position 2; the read covers 3.
// CACHEB: sizes = [2, 1, 4, 2]
// CACHEB-NEXT: {{\[\[\[\[}}1,{{ +}}2],
// CACHEB-NEXT: [9,{{ +}}9],
// CACHEB-NEXT: [9,{{ +}}9],
// CACHEB-NEXT: [9,{{ +}}9]]],
// CACHEB: {{\[\[\[}}9,{{ +}}9],
// CACHEB-NEXT: [9,{{ +}}9],
// CACHEB-NEXT: [3,{{ +}}4],
// CACHEB-NEXT: [9,{{ +}}9]]]]
// CACHEB: sizes = [2, 1, 3, 2]
func.func @run_cache_batch() {
  %c = arith.constant dense<9.0> : tensor<2x1x4x2xf32>
  %k = arith.constant dense<[[[[1.0, 2.0]]], [[[3.0, 4.0]]]]>
      : tensor<2x1x1x2xf32>
  %p = arith.constant dense<[[0], [2]]> : tensor<2x1xi64>
  %cd = tensor.cast %c : tensor<2x1x4x2xf32> to tensor<?x1x?x2xf32>
  %kd = tensor.cast %k : tensor<2x1x1x2xf32> to tensor<?x1x?x2xf32>
  %pd = tensor.cast %p : tensor<2x1xi64> to tensor<?x?xi64>
  %w, %r = call @cache_step_batch(%cd, %kd, %pd)
      : (tensor<?x1x?x2xf32>, tensor<?x1x?x2xf32>, tensor<?x?xi64>)
      -> (tensor<?x1x?x2xf32>, tensor<?x1x?x2xf32>)
  %wu = tensor.cast %w : tensor<?x1x?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%wu) : (tensor<*xf32>) -> ()
  %ru = tensor.cast %r : tensor<?x1x?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%ru) : (tensor<*xf32>) -> ()
  return
}
