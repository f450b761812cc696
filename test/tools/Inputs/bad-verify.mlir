func.func @f(%a: tensor<2x3xf32>, %w: tensor<4x5xf32>) -> tensor<2x4xf32> {
  %c = tessel.linear %a, %w : tensor<2x3xf32>, tensor<4x5xf32> -> tensor<2x4xf32>
  return %c : tensor<2x4xf32>
}
