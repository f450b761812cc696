// Reference interpreter: tessel.alibi (slopes of the ALiBi paper's get_slopes
// for 1, 8 heads and the non-powers of two 5, 6, 12; f16; query positions
// [B, S]) against NumPy, plus hand-computed biases.
// RUN: %oracle check %s alibi_8
// RUN: %oracle check %s alibi_12
// RUN: %oracle check %s alibi_6_i32
// RUN: %oracle check %s alibi_1
// RUN: %oracle check %s alibi_5
// RUN: %oracle check %s alibi_f16
// RUN: %oracle check %s alibi_batch_positions
// RUN: tessel-interpret %s --entry hand_2 --print | FileCheck %s --check-prefix=HAND_2
// RUN: tessel-interpret %s --entry hand_3 --print | FileCheck %s --check-prefix=HAND_3

func.func @alibi_8(%q: tensor<?xi64>, %k: tensor<?xi64>) -> tensor<8x?x?xf32> {
  %b = tessel.alibi %q, %k : tensor<?xi64>, tensor<?xi64> -> tensor<8x?x?xf32>
  return %b : tensor<8x?x?xf32>
}

func.func @alibi_12(%q: tensor<5xi64>, %k: tensor<?xi64>) -> tensor<12x5x?xf32> {
  %b = tessel.alibi %q, %k : tensor<5xi64>, tensor<?xi64> -> tensor<12x5x?xf32>
  return %b : tensor<12x5x?xf32>
}

func.func @alibi_6_i32(%q: tensor<2xi32>, %k: tensor<6xi32>)
    -> tensor<6x2x6xf32> {
  %b = tessel.alibi %q, %k : tensor<2xi32>, tensor<6xi32> -> tensor<6x2x6xf32>
  return %b : tensor<6x2x6xf32>
}

func.func @alibi_1(%q: tensor<3xi64>, %k: tensor<3xi64>) -> tensor<1x3x3xf32> {
  %b = tessel.alibi %q, %k : tensor<3xi64>, tensor<3xi64> -> tensor<1x3x3xf32>
  return %b : tensor<1x3x3xf32>
}

func.func @alibi_5(%q: tensor<4xi64>, %k: tensor<4xi64>) -> tensor<5x4x4xf32> {
  %b = tessel.alibi %q, %k : tensor<4xi64>, tensor<4xi64> -> tensor<5x4x4xf32>
  return %b : tensor<5x4x4xf32>
}

func.func @alibi_f16(%q: tensor<?xi64>, %k: tensor<?xi64>)
    -> tensor<12x?x?xf16> {
  %b = tessel.alibi %q, %k : tensor<?xi64>, tensor<?xi64> -> tensor<12x?x?xf16>
  return %b : tensor<12x?x?xf16>
}

// H = 2 (a power of two): m_h = 2^(-8 (h+1) / 2) = [2^-4, 2^-8]
// = [0.0625, 0.00390625]; y[h, i, j] = -m_h |i - j| for positions 0, 1, 2.
// HAND_2: result 0: tensor<2x3x3xf32> = {{\[\[\[}}{{-?}}0, -0.0625, -0.125], [-0.0625, {{-?}}0, -0.0625], [-0.125, -0.0625, {{-?}}0]], {{\[\[}}{{-?}}0, -0.00390625, -0.0078125], [-0.00390625, {{-?}}0, -0.00390625], [-0.0078125, -0.00390625, {{-?}}0]]]
func.func @hand_2() -> tensor<2x3x3xf32> {
  %q = arith.constant dense<[0, 1, 2]> : tensor<3xi64>
  %k = arith.constant dense<[0, 1, 2]> : tensor<3xi64>
  %b = tessel.alibi %q, %k : tensor<3xi64>, tensor<3xi64> -> tensor<2x3x3xf32>
  return %b : tensor<2x3x3xf32>
}

// H = 3 (not a power of two): the 2 slopes of n = 2, [2^-4, 2^-8], then
// every other slope of 2n = 4 ([2^-2, 2^-4, 2^-6, 2^-8] -> 2^-2, 2^-6),
// first H - n = 1 of them: [0.0625, 0.00390625, 0.25].
// Query at 0, keys at 0 and 4: [0, -4 m_h].
// HAND_3: result 0: tensor<3x1x2xf32> = {{\[\[\[}}{{-?}}0, -0.25]], {{\[\[}}{{-?}}0, -0.015625]], {{\[\[}}{{-?}}0, -1]]]
func.func @hand_3() -> tensor<3x1x2xf32> {
  %q = arith.constant dense<[0]> : tensor<1xi32>
  %k = arith.constant dense<[0, 4]> : tensor<2xi32>
  %b = tessel.alibi %q, %k : tensor<1xi32>, tensor<2xi32> -> tensor<3x1x2xf32>
  return %b : tensor<3x1x2xf32>
}

func.func @alibi_batch_positions(%q: tensor<?x?xi64>, %k: tensor<?xi64>)
    -> tensor<?x4x?x?xf32> {
  %b = tessel.alibi %q, %k : tensor<?x?xi64>, tensor<?xi64> -> tensor<?x4x?x?xf32>
  return %b : tensor<?x4x?x?xf32>
}
