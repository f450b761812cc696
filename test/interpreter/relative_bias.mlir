// Reference interpreter: tessel.relative_bias (t5 buckets as in HuggingFace
// T5's _relative_position_bucket, bidirectional and unidirectional; shaw
// clipping; query positions [S] and [B, S]) against NumPy, plus
// hand-computed bucket tables.
// RUN: %oracle check %s relbias_t5_bidirectional
// RUN: %oracle check %s relbias_t5_unidirectional
// RUN: %oracle check %s relbias_t5_small
// RUN: %oracle check %s relbias_t5_uni_small
// RUN: %oracle check %s relbias_shaw
// RUN: %oracle check %s relbias_shaw_zero
// RUN: %oracle check %s relbias_f16
// RUN: %oracle check %s relbias_t5_batch_positions
// RUN: tessel-interpret %s --entry hand_t5_bi --print | FileCheck %s --check-prefix=HAND_T5_BI
// RUN: tessel-interpret %s --entry hand_t5_uni --print | FileCheck %s --check-prefix=HAND_T5_UNI
// RUN: tessel-interpret %s --entry hand_shaw --print | FileCheck %s --check-prefix=HAND_SHAW

func.func @relbias_t5_bidirectional(%table: tensor<32x4xf32>,
                                    %q: tensor<?xi64>, %k: tensor<?xi64>)
    -> tensor<4x?x?xf32> {
  %b = tessel.relative_bias t5 %table, %q, %k
      {bidirectional, max_distance = 128 : i64}
      : tensor<32x4xf32>, tensor<?xi64>, tensor<?xi64> -> tensor<4x?x?xf32>
  return %b : tensor<4x?x?xf32>
}

func.func @relbias_t5_unidirectional(%table: tensor<32x3xf32>,
                                     %q: tensor<3xi64>, %k: tensor<301xi64>)
    -> tensor<3x3x301xf32> {
  %b = tessel.relative_bias t5 %table, %q, %k {max_distance = 128 : i64}
      : tensor<32x3xf32>, tensor<3xi64>, tensor<301xi64> -> tensor<3x3x301xf32>
  return %b : tensor<3x3x301xf32>
}

func.func @relbias_t5_small(%table: tensor<8x2xf32>, %q: tensor<?xi32>,
                            %k: tensor<?xi32>) -> tensor<2x?x?xf32> {
  %b = tessel.relative_bias t5 %table, %q, %k
      {bidirectional, max_distance = 20 : i64}
      : tensor<8x2xf32>, tensor<?xi32>, tensor<?xi32> -> tensor<2x?x?xf32>
  return %b : tensor<2x?x?xf32>
}

func.func @relbias_t5_uni_small(%table: tensor<6x2xf32>, %q: tensor<3xi32>,
                                %k: tensor<41xi32>) -> tensor<2x3x41xf32> {
  %b = tessel.relative_bias t5 %table, %q, %k {max_distance = 16 : i64}
      : tensor<6x2xf32>, tensor<3xi32>, tensor<41xi32> -> tensor<2x3x41xf32>
  return %b : tensor<2x3x41xf32>
}

func.func @relbias_shaw(%table: tensor<9x3xf32>, %q: tensor<?xi64>,
                        %k: tensor<?xi64>) -> tensor<3x?x?xf32> {
  %b = tessel.relative_bias shaw %table, %q, %k {max_distance = 4 : i64}
      : tensor<9x3xf32>, tensor<?xi64>, tensor<?xi64> -> tensor<3x?x?xf32>
  return %b : tensor<3x?x?xf32>
}

func.func @relbias_shaw_zero(%table: tensor<1x2xf32>, %q: tensor<3xi32>,
                             %k: tensor<2xi32>) -> tensor<2x3x2xf32> {
  %b = tessel.relative_bias shaw %table, %q, %k {max_distance = 0 : i64}
      : tensor<1x2xf32>, tensor<3xi32>, tensor<2xi32> -> tensor<2x3x2xf32>
  return %b : tensor<2x3x2xf32>
}

func.func @relbias_f16(%table: tensor<16x2xf16>, %q: tensor<?xi64>,
                       %k: tensor<?xi64>) -> tensor<2x?x?xf16> {
  %b = tessel.relative_bias t5 %table, %q, %k
      {bidirectional, max_distance = 32 : i64}
      : tensor<16x2xf16>, tensor<?xi64>, tensor<?xi64> -> tensor<2x?x?xf16>
  return %b : tensor<2x?x?xf16>
}

// t5, bidirectional, 8 buckets (4 per side, max_exact 2), max_distance 16.
// Query at 5, keys [0, 1, 3, 4, 5, 6, 8, 11, 40]: r = -5 -4 -2 -1 0 1 3 6 35.
// n = |r| < 2 is its own bucket; otherwise
// 2 + floor(ln(n/2) / ln(8) * 2), capped at 3:
//   n=2: 2; n=3: 2 + floor(0.390) = 2; n=4: 2 + floor(0.667) = 2;
//   n=5: 2 + floor(0.881) = 2; n=6: 2 + floor(1.057) = 3; n=35: capped 3.
// r > 0 adds 4: buckets [2, 2, 2, 1, 0, 5, 6, 7, 7].
// Table row b is [b, 100 + b], so head 0 shows the bucket, head 1 100 more.
// HAND_T5_BI: result 0: tensor<2x1x9xf32> = {{\[\[\[}}2, 2, 2, 1, 0, 5, 6, 7, 7]], {{\[\[}}102, 102, 102, 101, 100, 105, 106, 107, 107]]]
func.func @hand_t5_bi() -> tensor<2x1x9xf32> {
  %table = arith.constant dense<[[0.0, 100.0], [1.0, 101.0], [2.0, 102.0],
      [3.0, 103.0], [4.0, 104.0], [5.0, 105.0], [6.0, 106.0], [7.0, 107.0]]>
      : tensor<8x2xf32>
  %q = arith.constant dense<[5]> : tensor<1xi64>
  %k = arith.constant dense<[0, 1, 3, 4, 5, 6, 8, 11, 40]> : tensor<9xi64>
  %b = tessel.relative_bias t5 %table, %q, %k
      {bidirectional, max_distance = 16 : i64}
      : tensor<8x2xf32>, tensor<1xi64>, tensor<9xi64> -> tensor<2x1x9xf32>
  return %b : tensor<2x1x9xf32>
}

// t5, unidirectional, 4 buckets (max_exact 2), max_distance 16. Query at 7,
// same keys: r = -7 -6 -4 -3 -2 -1 1 4 33, n = max(-r, 0) = 7 6 4 3 2 1 0 0 0.
// n=7: 2 + floor(ln 3.5 / ln 8 * 2) = 2 + floor(1.205) = 3; n=6: 3 (1.057);
// n=4, 3, 2: 2; n=1: 1; future keys: 0. Row b of the table is b + 0.5.
// HAND_T5_UNI: result 0: tensor<1x1x9xf32> = {{\[\[\[}}3.5, 3.5, 2.5, 2.5, 2.5, 1.5, 0.5, 0.5, 0.5]]]
func.func @hand_t5_uni() -> tensor<1x1x9xf32> {
  %table = arith.constant dense<[[0.5], [1.5], [2.5], [3.5]]> : tensor<4x1xf32>
  %q = arith.constant dense<[7]> : tensor<1xi32>
  %k = arith.constant dense<[0, 1, 3, 4, 5, 6, 8, 11, 40]> : tensor<9xi32>
  %b = tessel.relative_bias t5 %table, %q, %k {max_distance = 16 : i64}
      : tensor<4x1xf32>, tensor<1xi32>, tensor<9xi32> -> tensor<1x1x9xf32>
  return %b : tensor<1x1x9xf32>
}

// shaw, k = 2: row clip(j - i, -2, 2) + 2 of table [10, 20, 30, 40, 50].
//   i = 0, keys 0..4: r = 0..4   -> rows 2 3 4 4 4 -> 30 40 50 50 50
//   i = 1:            r = -1..3  -> rows 1 2 3 4 4 -> 20 30 40 50 50
//   i = 4:            r = -4..0  -> rows 0 0 0 1 2 -> 10 10 10 20 30
// HAND_SHAW: result 0: tensor<1x3x5xf32> = {{\[\[\[}}30, 40, 50, 50, 50], [20, 30, 40, 50, 50], [10, 10, 10, 20, 30]]]
func.func @hand_shaw() -> tensor<1x3x5xf32> {
  %table = arith.constant dense<[[10.0], [20.0], [30.0], [40.0], [50.0]]>
      : tensor<5x1xf32>
  %q = arith.constant dense<[0, 1, 4]> : tensor<3xi64>
  %k = arith.constant dense<[0, 1, 2, 3, 4]> : tensor<5xi64>
  %b = tessel.relative_bias shaw %table, %q, %k {max_distance = 2 : i64}
      : tensor<5x1xf32>, tensor<3xi64>, tensor<5xi64> -> tensor<1x3x5xf32>
  return %b : tensor<1x3x5xf32>
}

func.func @relbias_t5_batch_positions(%table: tensor<8x3xf32>,
                                      %q: tensor<?x?xi64>, %k: tensor<?xi64>)
    -> tensor<?x3x?x?xf32> {
  %b = tessel.relative_bias t5 %table, %q, %k {max_distance = 20 : i64}
      : tensor<8x3xf32>, tensor<?x?xi64>, tensor<?xi64> -> tensor<?x3x?x?xf32>
  return %b : tensor<?x3x?x?xf32>
}
