// convert-tessel-to-linalg: linear. The leading dimensions of the input
// collapse into one row dimension (a view; decode's batch of one-row
// sequences becomes one block of rows that reads each weight once), and
// the result goes back to them through tensor.reshape (MLIR 22 cannot lower
// an expand_shape of one dynamic size into two). The weight is read as stored [out, in]; a weight
// stored [in, out] (GPT-2's Conv1D) reaches the linear through a transpose,
// and the contraction reads the stored tensor directly with the indexing
// map swapped: no transpose is left (decode reads each weight once per
// token; a transpose would write and read it twice more).
//
// RUN: tessel-opt %s --convert-tessel-to-linalg --canonicalize | FileCheck %s

// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[WT:.+]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[O:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[LHS:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG: #[[RHS:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4, d3)>
// CHECK-DAG: #[[RHST:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d3, d4)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>

// CHECK-LABEL: func.func @linear(
// CHECK-SAME: %[[XV:[^:]+]]: tensor<?x?x8xf32>, %[[WV:[^:]+]]: tensor<4x8xf32>
// CHECK-DAG: %[[B:.+]] = tensor.dim %[[XV]], %c0
// CHECK-DAG: %[[S:.+]] = tensor.dim %[[XV]], %c1
// CHECK: %[[ROWS:.+]] = tensor.collapse_shape %[[XV]] {{\[\[}}0, 1], [2]] : tensor<?x?x8xf32> into tensor<?x8xf32>
// CHECK: %[[Y:.+]] = linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[O]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[ROWS]], %[[WV]] : tensor<?x8xf32>, tensor<4x8xf32>)
// CHECK: %[[SHAPE:.+]] = tensor.from_elements %[[B]], %[[S]], %c4 : tensor<3xindex>
// CHECK: tensor.reshape %[[Y]](%[[SHAPE]]) : (tensor<?x4xf32>, tensor<3xindex>) -> tensor<?x?x4xf32>
func.func @linear(%x: tensor<?x?x8xf32>, %w: tensor<4x8xf32>) -> tensor<?x?x4xf32> {
  %y = tessel.linear %x, %w : tensor<?x?x8xf32>, tensor<4x8xf32> -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// CHECK-LABEL: func.func @conv1d(
// CHECK-SAME: %[[XV:[^:]+]]: tensor<?x?x8xf32>, %[[STORED:[^:]+]]: tensor<8x4xf32>
// CHECK-NOT: linalg.transpose
// CHECK: %[[ROWS:.+]] = tensor.collapse_shape %[[XV]]
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[WT]], #[[O]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[ROWS]], %[[STORED]] : tensor<?x8xf32>, tensor<8x4xf32>)
// CHECK-NOT: linalg.transpose
func.func @conv1d(%x: tensor<?x?x8xf32>, %stored: tensor<8x4xf32>) -> tensor<?x?x4xf32> {
  %w = tessel.transpose %stored [1, 0] : tensor<8x4xf32> -> tensor<4x8xf32>
  %y = tessel.linear %x, %w : tensor<?x?x8xf32>, tensor<4x8xf32> -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// A 2-D input is rows already.
// CHECK-LABEL: func.func @rows(
// CHECK-NOT: tensor.collapse_shape
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[O]]]
// CHECK-NOT: tensor.reshape
func.func @rows(%x: tensor<?x8xf32>, %w: tensor<4x8xf32>) -> tensor<?x4xf32> {
  %y = tessel.linear %x, %w : tensor<?x8xf32>, tensor<4x8xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// A vector is one row.
// CHECK-LABEL: func.func @vector(
// CHECK: %[[ROW:.+]] = tensor.expand_shape %{{.+}} {{\[\[}}0, 1]] output_shape [1, 8] : tensor<8xf32> into tensor<1x8xf32>
// CHECK: %[[Y:.+]] = linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[O]]]{{.+}} ins(%[[ROW]], %{{.+}} : tensor<1x8xf32>, tensor<4x8xf32>)
// CHECK: tensor.collapse_shape %[[Y]] {{\[\[}}0, 1]] : tensor<1x4xf32> into tensor<4xf32>
func.func @vector(%x: tensor<8xf32>, %w: tensor<4x8xf32>) -> tensor<4xf32> {
  %y = tessel.linear %x, %w : tensor<8xf32>, tensor<4x8xf32> -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// matmul with a per-head rhs [H, K, N] broadcast over the batch (MLA's
// absorbed decode): the rhs's map has only the head, k and n loops; with
// transpose_rhs it reads [H, N, K] in place, the map's last two swapped.
// CHECK-LABEL: func.func @matmul_per_head(
// CHECK-SAME: %[[A:[^:]+]]: tensor<?x3x?x5xf32>, %[[W:[^:]+]]: tensor<3x5x6xf32>, %[[WT:[^:]+]]: tensor<3x6x5xf32>
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[A]], %[[W]] : tensor<?x3x?x5xf32>, tensor<3x5x6xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHST]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[A]], %[[WT]] : tensor<?x3x?x5xf32>, tensor<3x6x5xf32>)
// CHECK-NOT: linalg.transpose
func.func @matmul_per_head(%a: tensor<?x3x?x5xf32>, %w: tensor<3x5x6xf32>,
                           %wt: tensor<3x6x5xf32>)
    -> (tensor<?x3x?x6xf32>, tensor<?x3x?x6xf32>) {
  %c = tessel.matmul %a, %w : tensor<?x3x?x5xf32>, tensor<3x5x6xf32>
      -> tensor<?x3x?x6xf32>
  %d = tessel.matmul %a, %wt {transpose_rhs} : tensor<?x3x?x5xf32>,
      tensor<3x6x5xf32> -> tensor<?x3x?x6xf32>
  return %c, %d : tensor<?x3x?x6xf32>, tensor<?x3x?x6xf32>
}

// dropout: the seed's two halves make Philox's key, whose ten round keys
// are computed once, outside the loop; inside, the element's row-major
// index (from linalg.index and the dimensions) is the counter's first two
// words, the stream and the step its last two; ten rounds of two 32-bit
// widening multiplications; the element is kept when the first word >> 8
// is at least round(0.1 * 2^24) = 1677722, and scaled by 1 / 0.9 in f32.
// Checked before canonicalization, which folds the round keys together.
// RUN: tessel-opt %s --convert-tessel-to-linalg | FileCheck %s --check-prefix=DROPOUT

// DROPOUT-LABEL: func.func @dropout
// DROPOUT-SAME:    (%[[X:[^:]+]]: tensor<?x5x8xf16>, %[[RNG:[^:]+]]: tensor<2xi64>)
// DROPOUT-DAG:     %[[SEED:.+]] = tensor.extract %[[RNG]][%{{.+}}] : tensor<2xi64>
// DROPOUT-DAG:     %[[KEY0:.+]] = arith.trunci %[[SEED]] : i64 to i32
// DROPOUT-COUNT-9: arith.addi %{{.+}}, %{{.+}} : i32
// DROPOUT:         linalg.generic
// DROPOUT-SAME:      ins(%[[X]] : tensor<?x5x8xf16>)
// DROPOUT:           %[[I0:.+]] = linalg.index 0 : index
// DROPOUT:           %[[I2:.+]] = linalg.index 2 : index
// DROPOUT:           %[[FLAT:.+]] = arith.index_cast %{{.+}} : index to i64
// DROPOUT-COUNT-20:  arith.mului_extended
// DROPOUT:           %[[HI:.+]] = arith.shrui %{{.+}}, %{{.+}} : i32
// DROPOUT:           %[[KEEP:.+]] = arith.cmpi uge, %[[HI]], %{{.+}} : i32
// DROPOUT:           %[[SCALED:.+]] = arith.mulf %{{.+}}, %{{.+}} : f32
// DROPOUT:           %[[Y:.+]] = arith.select %[[KEEP]], %[[SCALED]], %{{.+}} : f32
// DROPOUT:           arith.truncf %[[Y]] : f32 to f16
func.func @dropout(%x: tensor<?x5x8xf16>, %rng: tensor<2xi64>) -> tensor<?x5x8xf16> {
  %y = tessel.dropout %x, %rng rate = 1.000000e-01 stream = 3
      : tensor<?x5x8xf16>, tensor<2xi64>
  return %y : tensor<?x5x8xf16>
}

// Embedding: each id is clamped into the table's rows (the runtime checks
// them before a call): to a constant for a static table, to the table's
// run-time size - 1 for a dynamic one (computed once, outside the body).
// CHECK-LABEL: func.func @embedding_static_table(
// CHECK: linalg.generic
// CHECK: arith.minsi %{{.+}}, %c10
// CHECK-LABEL: func.func @embedding_dynamic_table(
// CHECK-SAME: %[[IDS:[^:]+]]: tensor<?xi32>, %[[T:[^:]+]]: tensor<?x4xf32>
// CHECK: %[[N:.+]] = tensor.dim %[[T]], %c0
// CHECK: %[[LAST:.+]] = arith.{{addi|subi}} %[[N]], %c
// CHECK: linalg.generic
// CHECK: arith.minsi %{{.+}}, %[[LAST]]
func.func @embedding_static_table(%ids: tensor<?xi64>, %t: tensor<11x4xf32>) -> tensor<?x4xf32> {
  %y = tessel.embedding %ids, %t : tensor<?xi64>, tensor<11x4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
func.func @embedding_dynamic_table(%ids: tensor<?xi32>, %t: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = tessel.embedding %ids, %t : tensor<?xi32>, tensor<?x4xf32> -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
