func.func @f(%a: tensor<2xf32>) -> tensor<2xf32> {
  %c = tessel.silu %a : tensor<2xf32
  return %c : tensor<2xf32>
}
