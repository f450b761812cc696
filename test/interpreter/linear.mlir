// Reference interpreter: tessel.linear against NumPy (x @ W.T + b).
// RUN: %oracle check %s linear_bias

func.func @linear_bias(%x: tensor<?x5x8xf32>, %w: tensor<6x8xf32>,
                       %b: tensor<6xf32>) -> tensor<?x5x6xf32> {
  %y = tessel.linear %x, %w, %b
      : tensor<?x5x8xf32>, tensor<6x8xf32>, tensor<6xf32> -> tensor<?x5x6xf32>
  return %y : tensor<?x5x6xf32>
}
