func.func @add(%a: tensor<2x3xf32>, %b: tensor<?x3xf32>) -> tensor<2x3xf32> {
  %c = tessel.add %a, %b : tensor<2x3xf32>, tensor<?x3xf32> -> tensor<2x3xf32>
  return %c : tensor<2x3xf32>
}

func.func @lookup(%ids: tensor<3xi64>, %table: tensor<4x2xf32>) -> tensor<3x2xf32> {
  %y = tessel.embedding %ids, %table : tensor<3xi64>, tensor<4x2xf32> -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

func.func @unsupported(%a: tensor<2xf32>) -> tensor<2xf32> {
  %c = arith.addf %a, %a : tensor<2xf32>
  return %c : tensor<2xf32>
}
