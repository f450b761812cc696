// RUN: tessel-opt %s --split-input-file --tessel-autodiff --verify-diagnostics

// An op with no gradient rule on the path to the loss is named.

func.func @no_rule(%x: tensor<2x8xf32>) -> tensor<2x8xf32>
    attributes {tessel.differentiate} {
  // expected-error @+1 {{'tessel.softmax' has no gradient rule, so the loss cannot be differentiated through it}}
  %y = tessel.softmax %x : tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// An argument the results do not depend on has no gradient to build when
// its shape is dynamic.

// expected-error @+1 {{the differentiated results do not depend on argument 1, whose gradient (zeros of 'tensor<?x8xf32>') has no static shape}}
func.func @unused(%x: tensor<2x8xf32>, %u: tensor<?x8xf32>) -> tensor<2x8xf32>
    attributes {tessel.differentiate} {
  %y = tessel.silu %x : tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// The marker is a unit attribute of a function.

// expected-error @+1 {{'tessel.differentiate' is a unit attribute of a function}}
func.func @marked(%x: tensor<2xf32>) -> tensor<2xf32>
    attributes {tessel.differentiate = 1 : i64} {
  return %x : tensor<2xf32>
}
