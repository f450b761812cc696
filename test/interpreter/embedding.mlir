// Reference interpreter: tessel.embedding (y[..., :] = table[ids[...], :])
// with i64 and i32 ids, rank-0 ids and an f16 table, against NumPy and by
// hand; ids outside [0, num_embeddings) are a run-time error.
// RUN: %oracle check %s embedding_i64
// RUN: %oracle check %s embedding_i32
// RUN: %oracle check %s embedding_f16
// RUN: tessel-interpret %s --entry hand_i64 --print | FileCheck %s --check-prefix=I64
// RUN: tessel-interpret %s --entry hand_i32 --print | FileCheck %s --check-prefix=I32
// RUN: tessel-interpret %s --entry hand_scalar --print | FileCheck %s --check-prefix=SCALAR
// RUN: not tessel-interpret %s --entry bad_high --print 2>&1 | FileCheck %s --check-prefix=BADHIGH
// RUN: not tessel-interpret %s --entry bad_negative --print 2>&1 | FileCheck %s --check-prefix=BADNEG

func.func @embedding_i64(%ids: tensor<?x?xi64>, %table: tensor<11x6xf32>)
    -> tensor<?x?x6xf32> {
  %y = tessel.embedding %ids, %table : tensor<?x?xi64>, tensor<11x6xf32>
      -> tensor<?x?x6xf32>
  return %y : tensor<?x?x6xf32>
}

func.func @embedding_i32(%ids: tensor<?xi32>, %table: tensor<?x4xf32>)
    -> tensor<?x4xf32> {
  %y = tessel.embedding %ids, %table : tensor<?xi32>, tensor<?x4xf32>
      -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

func.func @embedding_f16(%ids: tensor<2x3xi64>, %table: tensor<5x3xf16>)
    -> tensor<2x3x3xf16> {
  %y = tessel.embedding %ids, %table : tensor<2x3xi64>, tensor<5x3xf16>
      -> tensor<2x3x3xf16>
  return %y : tensor<2x3x3xf16>
}

// table row r = [10 r, 10 r + 1]; ids [[2, 0], [1, 1]] pick rows 2, 0, 1, 1.
// I64: result 0: tensor<2x2x2xf32> = {{\[\[\[}}20, 21], [0, 1]], {{\[\[}}10, 11], [10, 11]]]{{$}}
func.func @hand_i64() -> tensor<2x2x2xf32> {
  %ids = arith.constant dense<[[2, 0], [1, 1]]> : tensor<2x2xi64>
  %t = arith.constant dense<[[0.0, 1.0], [10.0, 11.0], [20.0, 21.0]]> : tensor<3x2xf32>
  %y = tessel.embedding %ids, %t : tensor<2x2xi64>, tensor<3x2xf32> -> tensor<2x2x2xf32>
  return %y : tensor<2x2x2xf32>
}

// i32 ids [3, 0, 3] of a 4-row table: rows 3, 0, 3.
// I32: result 0: tensor<3x3xf32> = {{\[\[}}-3, 3.5, 30], [0, 0.5, 0], [-3, 3.5, 30]]{{$}}
func.func @hand_i32() -> tensor<3x3xf32> {
  %ids = arith.constant dense<[3, 0, 3]> : tensor<3xi32>
  %t = arith.constant dense<[[0.0, 0.5, 0.0], [-1.0, 1.5, 10.0], [-2.0, 2.5, 20.0], [-3.0, 3.5, 30.0]]> : tensor<4x3xf32>
  %y = tessel.embedding %ids, %t : tensor<3xi32>, tensor<4x3xf32> -> tensor<3x3xf32>
  return %y : tensor<3x3xf32>
}

// Rank-0 ids: the result is one row, shape [dim]. Row 1 = [7, 8].
// SCALAR: result 0: tensor<2xf32> = [7, 8]{{$}}
func.func @hand_scalar() -> tensor<2xf32> {
  %id = arith.constant dense<1> : tensor<i64>
  %t = arith.constant dense<[[5.0, 6.0], [7.0, 8.0]]> : tensor<2x2xf32>
  %y = tessel.embedding %id, %t : tensor<i64>, tensor<2x2xf32> -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// Id 2 of a 2-row table: an error, no result printed.
// BADHIGH-NOT: result
// BADHIGH: error: {{.*}}id 2 {{.*}}outside [0, 2)
// BADHIGH-NOT: result
func.func @bad_high() -> tensor<2x2xf32> {
  %ids = arith.constant dense<[1, 2]> : tensor<2xi64>
  %t = arith.constant dense<[[5.0, 6.0], [7.0, 8.0]]> : tensor<2x2xf32>
  %y = tessel.embedding %ids, %t : tensor<2xi64>, tensor<2x2xf32> -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// A negative i32 id is not wrapped around as in Python.
// BADNEG-NOT: result
// BADNEG: error: {{.*}}id -1 {{.*}}outside [0, 2)
// BADNEG-NOT: result
func.func @bad_negative() -> tensor<2x2xf32> {
  %ids = arith.constant dense<[0, -1]> : tensor<2xi32>
  %t = arith.constant dense<[[5.0, 6.0], [7.0, 8.0]]> : tensor<2x2xf32>
  %y = tessel.embedding %ids, %t : tensor<2xi32>, tensor<2x2xf32> -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
