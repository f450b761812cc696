// Reference interpreter: tessel.dropout against a NumPy Philox4x32-10
// (test/lib/cases_dropout.py): the exact mask for a dynamic rank-3 input,
// a seed above 2^32, a step that wraps at 2^32, f16, and rate 0 (the
// identity).
// RUN: %oracle check %s dropout_f32
// RUN: %oracle check %s dropout_half
// RUN: %oracle check %s dropout_f16
// RUN: %oracle check %s dropout_rate_zero

func.func @dropout_f32(%x: tensor<?x?x33xf32>, %rng: tensor<2xi64>)
    -> tensor<?x?x33xf32> {
  %y = tessel.dropout %x, %rng rate = 1.000000e-01 stream = 3
      : tensor<?x?x33xf32>, tensor<2xi64>
  return %y : tensor<?x?x33xf32>
}

func.func @dropout_half(%x: tensor<4x8x16xf32>, %rng: tensor<2xi64>)
    -> tensor<4x8x16xf32> {
  %y = tessel.dropout %x, %rng rate = 5.000000e-01 stream = 0
      : tensor<4x8x16xf32>, tensor<2xi64>
  return %y : tensor<4x8x16xf32>
}

func.func @dropout_f16(%x: tensor<3x40xf16>, %rng: tensor<2xi64>)
    -> tensor<3x40xf16> {
  %y = tessel.dropout %x, %rng rate = 2.500000e-01 stream = 1
      : tensor<3x40xf16>, tensor<2xi64>
  return %y : tensor<3x40xf16>
}

func.func @dropout_rate_zero(%x: tensor<2x3x7xf32>, %rng: tensor<2xi64>)
    -> tensor<2x3x7xf32> {
  %y = tessel.dropout %x, %rng rate = 0.000000e+00 stream = 9
      : tensor<2x3x7xf32>, tensor<2xi64>
  return %y : tensor<2x3x7xf32>
}
