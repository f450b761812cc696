// Round trip of the position ops: rope, sinusoidal_embedding, relative_bias,
// relative_buckets, alibi.
// RUN: tessel-opt %s | tessel-opt | FileCheck %s
// RUN: tessel-opt %s --mlir-print-op-generic | tessel-opt | FileCheck %s

// The default theta (1e4) is elided, written or not.
// CHECK-LABEL: func.func @rope_default
// CHECK-SAME: (%[[Q:.+]]: tensor<?x32x?x128xf32>, %[[P:.+]]: tensor<?xi64>)
// CHECK-NEXT: %[[A:.+]] = tessel.rope %[[Q]], %[[P]] : tensor<?x32x?x128xf32>, tensor<?xi64>
// CHECK-NEXT: %[[B:.+]] = tessel.rope %[[A]], %[[P]] : tensor<?x32x?x128xf32>, tensor<?xi64>
// CHECK-NEXT: return %[[B]]
func.func @rope_default(%q: tensor<?x32x?x128xf32>, %pos: tensor<?xi64>)
    -> tensor<?x32x?x128xf32> {
  %a = tessel.rope %q, %pos : tensor<?x32x?x128xf32>, tensor<?xi64>
  %b = tessel.rope %a, %pos {theta = 1.000000e+04 : f64}
      : tensor<?x32x?x128xf32>, tensor<?xi64>
  return %b : tensor<?x32x?x128xf32>
}

// CHECK-LABEL: func.func @rope_theta
// CHECK-SAME: (%[[Q:.+]]: tensor<1x8x16x64xbf16>, %[[P:.+]]: tensor<16xi32>)
// CHECK-NEXT: %[[A:.+]] = tessel.rope %[[Q]], %[[P]] {theta = 5.000000e+05 : f64} : tensor<1x8x16x64xbf16>, tensor<16xi32>
// CHECK-NEXT: return %[[A]]
func.func @rope_theta(%q: tensor<1x8x16x64xbf16>, %pos: tensor<16xi32>)
    -> tensor<1x8x16x64xbf16> {
  %a = tessel.rope %q, %pos {theta = 500000.0 : f64}
      : tensor<1x8x16x64xbf16>, tensor<16xi32>
  return %a : tensor<1x8x16x64xbf16>
}

// CHECK-LABEL: func.func @rope_interleaved
// CHECK-SAME: (%[[K:.+]]: tensor<?x1x?x64xf32>, %[[P:.+]]: tensor<?xi64>)
// CHECK-NEXT: %[[A:.+]] = tessel.rope %[[K]], %[[P]] {interleaved} : tensor<?x1x?x64xf32>, tensor<?xi64>
// CHECK-NEXT: return %[[A]]
func.func @rope_interleaved(%k: tensor<?x1x?x64xf32>, %pos: tensor<?xi64>)
    -> tensor<?x1x?x64xf32> {
  %a = tessel.rope %k, %pos {interleaved} : tensor<?x1x?x64xf32>, tensor<?xi64>
  return %a : tensor<?x1x?x64xf32>
}

// Partial rotation, alone and with interleaving.
// CHECK-LABEL: func.func @rope_rotary_dims
// CHECK-SAME: (%[[K:.+]]: tensor<?x1x?x128xf16>, %[[P:.+]]: tensor<?xi64>)
// CHECK-NEXT: %[[A:.+]] = tessel.rope %[[K]], %[[P]] {rotary_dims = 32 : i64} : tensor<?x1x?x128xf16>, tensor<?xi64>
// CHECK-NEXT: %[[B:.+]] = tessel.rope %[[A]], %[[P]] {interleaved, rotary_dims = 64 : i64, theta = 1.000000e+06 : f64} : tensor<?x1x?x128xf16>, tensor<?xi64>
// CHECK-NEXT: %[[C:.+]] = tessel.rope %[[B]], %[[P]] {rotary_dims = 2 : i64} : tensor<?x1x?x128xf16>, tensor<?xi64>
// CHECK-NEXT: return %[[C]]
func.func @rope_rotary_dims(%k: tensor<?x1x?x128xf16>, %pos: tensor<?xi64>)
    -> tensor<?x1x?x128xf16> {
  %a = tessel.rope %k, %pos {rotary_dims = 32 : i64}
      : tensor<?x1x?x128xf16>, tensor<?xi64>
  %b = tessel.rope %a, %pos
      {theta = 1.0e6 : f64, rotary_dims = 64 : i64, interleaved}
      : tensor<?x1x?x128xf16>, tensor<?xi64>
  %c = tessel.rope %b, %pos {rotary_dims = 2 : i64}
      : tensor<?x1x?x128xf16>, tensor<?xi64>
  return %c : tensor<?x1x?x128xf16>
}

// Per-sequence positions [B, S] for a rank-4 input.
// CHECK-LABEL: func.func @rope_batched_positions
// CHECK-SAME: (%[[Q:.+]]: tensor<?x8x?x64xf32>, %[[P:.+]]: tensor<?x?xi64>, %[[P32:.+]]: tensor<2x5xi32>, %[[Q2:.+]]: tensor<2x8x5x64xf32>)
// CHECK-NEXT: %[[A:.+]] = tessel.rope %[[Q]], %[[P]] : tensor<?x8x?x64xf32>, tensor<?x?xi64>
// CHECK-NEXT: %[[B:.+]] = tessel.rope %[[Q2]], %[[P32]] {interleaved} : tensor<2x8x5x64xf32>, tensor<2x5xi32>
// CHECK-NEXT: return %[[A]], %[[B]]
func.func @rope_batched_positions(%q: tensor<?x8x?x64xf32>,
                                  %pos: tensor<?x?xi64>,
                                  %pos32: tensor<2x5xi32>,
                                  %q2: tensor<2x8x5x64xf32>)
    -> (tensor<?x8x?x64xf32>, tensor<2x8x5x64xf32>) {
  %a = tessel.rope %q, %pos : tensor<?x8x?x64xf32>, tensor<?x?xi64>
  %b = tessel.rope %q2, %pos32 {interleaved}
      : tensor<2x8x5x64xf32>, tensor<2x5xi32>
  return %a, %b : tensor<?x8x?x64xf32>, tensor<2x8x5x64xf32>
}

// A rank-2 [S, D] input.
// CHECK-LABEL: func.func @rope_rank2
// CHECK-NEXT: tessel.rope %{{.+}}, %{{.+}} : tensor<7x4xf32>, tensor<7xi64>
func.func @rope_rank2(%x: tensor<7x4xf32>, %pos: tensor<7xi64>)
    -> tensor<7x4xf32> {
  %a = tessel.rope %x, %pos : tensor<7x4xf32>, tensor<7xi64>
  return %a : tensor<7x4xf32>
}

// CHECK-LABEL: func.func @sinusoidal_embedding
// CHECK-SAME: (%[[P:.+]]: tensor<?xi64>)
// CHECK-NEXT: %[[A:.+]] = tessel.sinusoidal_embedding %[[P]] : tensor<?xi64> -> tensor<?x512xf32>
// CHECK-NEXT: %[[B:.+]] = tessel.sinusoidal_embedding %[[P]] : tensor<?xi64> -> tensor<?x512xf32>
// CHECK-NEXT: %[[C:.+]] = tessel.sinusoidal_embedding %[[P]] {base = 5.000000e+02 : f64} : tensor<?xi64> -> tensor<?x512xf32>
// CHECK-NEXT: return %[[A]], %[[B]], %[[C]]
func.func @sinusoidal_embedding(%pos: tensor<?xi64>)
    -> (tensor<?x512xf32>, tensor<?x512xf32>, tensor<?x512xf32>) {
  %a = tessel.sinusoidal_embedding %pos : tensor<?xi64> -> tensor<?x512xf32>
  %b = tessel.sinusoidal_embedding %pos {base = 1.000000e+04 : f64}
      : tensor<?xi64> -> tensor<?x512xf32>
  %c = tessel.sinusoidal_embedding %pos {base = 500.0 : f64}
      : tensor<?xi64> -> tensor<?x512xf32>
  return %a, %b, %c : tensor<?x512xf32>, tensor<?x512xf32>, tensor<?x512xf32>
}

// Positions of any rank, i32, f16 and bf16 results.
// CHECK-LABEL: func.func @sinusoidal_embedding_shapes
// CHECK-NEXT: tessel.sinusoidal_embedding %{{.+}} : tensor<2x?xi32> -> tensor<2x?x64xf16>
// CHECK-NEXT: tessel.sinusoidal_embedding %{{.+}} : tensor<i32> -> tensor<2xbf16>
func.func @sinusoidal_embedding_shapes(%pos: tensor<2x?xi32>, %p: tensor<i32>)
    -> (tensor<2x?x64xf16>, tensor<2xbf16>) {
  %a = tessel.sinusoidal_embedding %pos : tensor<2x?xi32> -> tensor<2x?x64xf16>
  %b = tessel.sinusoidal_embedding %p : tensor<i32> -> tensor<2xbf16>
  return %a, %b : tensor<2x?x64xf16>, tensor<2xbf16>
}

// CHECK-LABEL: func.func @relative_bias_t5
// CHECK-SAME: (%[[T:.+]]: tensor<32x8xf32>, %[[QP:.+]]: tensor<?xi64>, %[[KP:.+]]: tensor<?xi64>)
// CHECK-NEXT: %[[A:.+]] = tessel.relative_bias t5 %[[T]], %[[QP]], %[[KP]] {bidirectional, max_distance = 128 : i64} : tensor<32x8xf32>, tensor<?xi64>, tensor<?xi64> -> tensor<8x?x?xf32>
// CHECK-NEXT: %[[B:.+]] = tessel.relative_bias t5 %[[T]], %[[QP]], %[[KP]] {max_distance = 17 : i64} : tensor<32x8xf32>, tensor<?xi64>, tensor<?xi64> -> tensor<8x?x?xf32>
// CHECK-NEXT: return %[[A]], %[[B]]
func.func @relative_bias_t5(%table: tensor<32x8xf32>, %qpos: tensor<?xi64>,
                            %kpos: tensor<?xi64>)
    -> (tensor<8x?x?xf32>, tensor<8x?x?xf32>) {
  %a = tessel.relative_bias t5 %table, %qpos, %kpos
      {bidirectional, max_distance = 128 : i64}
      : tensor<32x8xf32>, tensor<?xi64>, tensor<?xi64> -> tensor<8x?x?xf32>
  // Unidirectional: all 32 buckets on one side, 16 exact.
  %b = tessel.relative_bias t5 %table, %qpos, %kpos {max_distance = 17 : i64}
      : tensor<32x8xf32>, tensor<?xi64>, tensor<?xi64> -> tensor<8x?x?xf32>
  return %a, %b : tensor<8x?x?xf32>, tensor<8x?x?xf32>
}

// relative_bias's rows, for its gradient: [S, T] or [B, S, T] int64.
// CHECK-LABEL: func.func @relative_buckets
// CHECK-NEXT: tessel.relative_buckets t5 %{{.+}}, %{{.+}} {bidirectional, max_distance = 128 : i64, num_buckets = 32 : i64} : tensor<?xi64>, tensor<?xi64> -> tensor<?x?xi64>
// CHECK-NEXT: tessel.relative_buckets shaw %{{.+}}, %{{.+}} {max_distance = 2 : i64, num_buckets = 5 : i64} : tensor<2x?xi32>, tensor<?xi64> -> tensor<2x?x?xi64>
func.func @relative_buckets(%q: tensor<?xi64>, %k: tensor<?xi64>,
                            %qb: tensor<2x?xi32>)
    -> (tensor<?x?xi64>, tensor<2x?x?xi64>) {
  %a = tessel.relative_buckets t5 %q, %k
      {bidirectional, max_distance = 128 : i64, num_buckets = 32 : i64}
      : tensor<?xi64>, tensor<?xi64> -> tensor<?x?xi64>
  %b = tessel.relative_buckets shaw %qb, %k
      {max_distance = 2 : i64, num_buckets = 5 : i64}
      : tensor<2x?xi32>, tensor<?xi64> -> tensor<2x?x?xi64>
  return %a, %b : tensor<?x?xi64>, tensor<2x?x?xi64>
}

// The smallest t5 tables: 4 buckets bidirectional, 2 unidirectional.
// CHECK-LABEL: func.func @relative_bias_t5_small
// CHECK-NEXT: tessel.relative_bias t5 %{{.+}}, %{{.+}}, %{{.+}} {bidirectional, max_distance = 2 : i64} : tensor<4x2xf16>, tensor<3xi32>, tensor<5xi64> -> tensor<2x3x5xf16>
// CHECK-NEXT: tessel.relative_bias t5 %{{.+}}, %{{.+}}, %{{.+}} {max_distance = 2 : i64} : tensor<2x2xf16>, tensor<3xi32>, tensor<5xi64> -> tensor<2x3x5xf16>
func.func @relative_bias_t5_small(%t4: tensor<4x2xf16>, %t2: tensor<2x2xf16>,
                                  %q: tensor<3xi32>, %k: tensor<5xi64>)
    -> (tensor<2x3x5xf16>, tensor<2x3x5xf16>) {
  %a = tessel.relative_bias t5 %t4, %q, %k {bidirectional, max_distance = 2 : i64}
      : tensor<4x2xf16>, tensor<3xi32>, tensor<5xi64> -> tensor<2x3x5xf16>
  %b = tessel.relative_bias t5 %t2, %q, %k {max_distance = 2 : i64}
      : tensor<2x2xf16>, tensor<3xi32>, tensor<5xi64> -> tensor<2x3x5xf16>
  return %a, %b : tensor<2x3x5xf16>, tensor<2x3x5xf16>
}

// shaw: 2 * max_distance + 1 rows.
// CHECK-LABEL: func.func @relative_bias_shaw
// CHECK-SAME: (%[[T:.+]]: tensor<9x12xbf16>, %[[QP:.+]]: tensor<?xi32>, %[[KP:.+]]: tensor<?xi32>)
// CHECK-NEXT: %[[A:.+]] = tessel.relative_bias shaw %[[T]], %[[QP]], %[[KP]] {max_distance = 4 : i64} : tensor<9x12xbf16>, tensor<?xi32>, tensor<?xi32> -> tensor<12x?x?xbf16>
// CHECK-NEXT: return %[[A]]
func.func @relative_bias_shaw(%table: tensor<9x12xbf16>, %qpos: tensor<?xi32>,
                              %kpos: tensor<?xi32>) -> tensor<12x?x?xbf16> {
  %a = tessel.relative_bias shaw %table, %qpos, %kpos {max_distance = 4 : i64}
      : tensor<9x12xbf16>, tensor<?xi32>, tensor<?xi32> -> tensor<12x?x?xbf16>
  return %a : tensor<12x?x?xbf16>
}

// max_distance = 0: a single row, every distance clipped to 0.
// CHECK-LABEL: func.func @relative_bias_shaw_zero
// CHECK-NEXT: tessel.relative_bias shaw %{{.+}}, %{{.+}}, %{{.+}} {max_distance = 0 : i64} : tensor<1x4xf32>, tensor<6xi64>, tensor<6xi64> -> tensor<4x6x6xf32>
func.func @relative_bias_shaw_zero(%table: tensor<1x4xf32>, %pos: tensor<6xi64>)
    -> tensor<4x6x6xf32> {
  %a = tessel.relative_bias shaw %table, %pos, %pos {max_distance = 0 : i64}
      : tensor<1x4xf32>, tensor<6xi64>, tensor<6xi64> -> tensor<4x6x6xf32>
  return %a : tensor<4x6x6xf32>
}

// CHECK-LABEL: func.func @alibi
// CHECK-SAME: (%[[QP:.+]]: tensor<?xi64>, %[[KP:.+]]: tensor<?xi64>)
// CHECK-NEXT: %[[A:.+]] = tessel.alibi %[[QP]], %[[KP]] : tensor<?xi64>, tensor<?xi64> -> tensor<12x?x?xf32>
// CHECK-NEXT: return %[[A]]
func.func @alibi(%qpos: tensor<?xi64>, %kpos: tensor<?xi64>)
    -> tensor<12x?x?xf32> {
  %a = tessel.alibi %qpos, %kpos
      : tensor<?xi64>, tensor<?xi64> -> tensor<12x?x?xf32>
  return %a : tensor<12x?x?xf32>
}

// CHECK-LABEL: func.func @alibi_static
// CHECK-NEXT: tessel.alibi %{{.+}}, %{{.+}} : tensor<3xi32>, tensor<7xi64> -> tensor<1x3x7xbf16>
// CHECK-NEXT: tessel.alibi %{{.+}}, %{{.+}} : tensor<3xi32>, tensor<7xi64> -> tensor<5x3x7xf16>
func.func @alibi_static(%q: tensor<3xi32>, %k: tensor<7xi64>)
    -> (tensor<1x3x7xbf16>, tensor<5x3x7xf16>) {
  %a = tessel.alibi %q, %k : tensor<3xi32>, tensor<7xi64> -> tensor<1x3x7xbf16>
  %b = tessel.alibi %q, %k : tensor<3xi32>, tensor<7xi64> -> tensor<5x3x7xf16>
  return %a, %b : tensor<1x3x7xbf16>, tensor<5x3x7xf16>
}
