// Entry points whose kind does not fit their signature, or a kind twice.
func.func @forward(%x: tensor<2x3xf32>) -> tensor<2x3xf32>
    attributes {tessel.entry_point = #tessel.entry_point<forward>} {
  return %x : tensor<2x3xf32>
}

// -----

tessel.parameter @e : tensor<8x4xf32> init = zeros
func.func @forward(%ids: tensor<?x?xi64>) -> tensor<?x?x4xf32>
    attributes {tessel.entry_point = #tessel.entry_point<forward>} {
  %e = tessel.get_parameter @e : tensor<8x4xf32>
  %y = tessel.embedding %ids, %e : tensor<?x?xi64>, tensor<8x4xf32> -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}
func.func @other(%ids: tensor<?x?xi64>) -> tensor<?x?x4xf32>
    attributes {tessel.entry_point = #tessel.entry_point<forward>} {
  %e = tessel.get_parameter @e : tensor<8x4xf32>
  %y = tessel.embedding %ids, %e : tensor<?x?xi64>, tensor<8x4xf32> -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

func.func @unsupported(%x: tensor<4xi1>) -> tensor<4xi1> {
  return %x : tensor<4xi1>
}
